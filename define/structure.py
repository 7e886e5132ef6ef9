"""Structural checks of a define.xml that its XML schema cannot express.

- ``duplicate-oid``: an OID (or leaf ID) is defined twice;
- ``dangling-reference``: an OID reference points to nothing;
- ``unused-definition``: an ItemDef, CodeList, MethodDef, CommentDef,
  ValueListDef, WhereClauseDef or leaf that nothing references;
- ``itemref-order``: the ItemRefs of a dataset are not the columns of its file,
  in file order;
- ``length``: an ItemDef Length differs from the stored character length;
- ``codelist-value``: a data value is not in the codelist of its variable (or
  value-level item), unless the codelist is extensible or external;
- ``label-length``: a dataset or variable description longer than the 40
  characters an XPT v5 label holds;
- ``missing-file``: a dataset leaf names a file that does not exist;
- ``undescribed-dataset``: a dataset file that no ItemGroupDef describes.

``check_links`` checks the links to documents (annotated CRF, reviewer's
guides) once they are written:

- ``missing-file``: a ``def:leaf`` names a file that does not exist;
- ``missing-destination``: a ``PDFPageRef`` names a destination that the PDF
  does not have, or a page beyond its last.

The caller reads the dataset files (this package reads no file format but
XML) and passes what they hold; each problem reads ``rule: element path:
what is wrong``.
"""

from dataclasses import dataclass
from itertools import zip_longest

import numpy as np
import pandas as pd

from specs.model import Condition

from .tree import NS, def_name, element_path, parse, prefixed, xlink_name
from .where import FrameTexts

DEFINITIONS = ("ItemGroupDef", "ItemDef", "CodeList", "MethodDef", "def:CommentDef",
               "def:ValueListDef", "def:WhereClauseDef", "def:Standard", "def:leaf")
# Referencing attribute (XPath) -> kind of definition it points to.
REFERENCES = (
    ("//odm:ItemRef/@ItemOID", "ItemDef"),
    ("//odm:ItemRef/@MethodOID", "MethodDef"),
    ("//odm:CodeListRef/@CodeListOID", "CodeList"),
    ("//@def:CommentOID", "def:CommentDef"),
    ("//def:ValueListRef/@ValueListOID", "def:ValueListDef"),
    ("//def:WhereClauseRef/@WhereClauseOID", "def:WhereClauseDef"),
    ("//odm:RangeCheck/@def:ItemOID", "ItemDef"),
    ("//@def:StandardOID", "def:Standard"),
    ("//def:DocumentRef/@leafID", "def:leaf"),
    ("//odm:ItemGroupDef/@def:ArchiveLocationID", "def:leaf"),
)
# Definitions that must be referenced (a listed standard need not be).
MUST_BE_USED = ("ItemDef", "CodeList", "MethodDef", "def:CommentDef", "def:ValueListDef",
                "def:WhereClauseDef", "def:leaf")
MAX_VALUES_SHOWN = 5
MAX_LABEL = 40      # XPT v5 dataset and variable labels


@dataclass(frozen=True)
class DocumentFile:
    """What the link check needs of a PDF written beside the define.xml: its
    number of pages and its named destinations."""
    pages: int
    destinations: frozenset


@dataclass(frozen=True)
class DatasetFile:
    """What the checks need of one dataset file: column names in file order,
    stored lengths of its character variables, and optionally its data."""
    file: str
    columns: list
    lengths: dict
    frame: pd.DataFrame | None = None


def check_structure(define, data=None, files=None, *, extensible=()):
    """Structural problems of ``define`` (bytes, path or parsed tree).

    ``data`` maps dataset name -> ``DatasetFile``; ``files`` is the set of
    file names (relative to the define.xml, as in ``xlink:href``) that exist;
    ``extensible`` holds the OIDs of codelists whose values may be extended.
    Data and file checks are skipped when ``data`` / ``files`` is None.
    """
    tree = parse(define)
    problems = []
    defs = _definitions(tree, problems)
    used = _check_references(tree, defs, problems)
    for kind in MUST_BE_USED:
        for oid, element in defs[kind].items():
            if oid not in used[kind]:
                problems.append(f"unused-definition: {element_path(element)}: {kind} {oid} is "
                                "defined but nothing references it")
    groups = tree.xpath("/odm:ODM/odm:Study/odm:MetaDataVersion/odm:ItemGroupDef", namespaces=NS)
    _check_labels(groups, defs, problems)
    if files is not None:
        for group in groups:
            for leaf in group.xpath("def:leaf", namespaces=NS):
                href = leaf.get(xlink_name("href"))
                if href not in files:
                    problems.append(f"missing-file: {element_path(leaf)}: dataset file {href!r} "
                                    "does not exist")
    if data is not None:
        described = {group.get("Name") for group in groups}
        for name in sorted(set(data) - described):
            problems.append(f"undescribed-dataset: /ODM/Study/MetaDataVersion: no ItemGroupDef "
                            f"describes dataset {name} ({data[name].file})")
        for group in groups:
            if group.get("Name") in data:
                _check_dataset(group, data[group.get("Name")], defs, set(extensible), problems)
    return problems


def check_links(define, files, documents):
    """Problems of the define's links: every ``def:leaf`` must name a file of
    ``files`` (names relative to the define.xml) and every ``PDFPageRef`` a
    destination or page of its PDF; ``documents`` maps a PDF's ``xlink:href``
    to its ``DocumentFile`` (a PDF not in it is checked for presence only)."""
    tree = parse(define)
    problems = []
    leaves = {leaf.get("ID"): leaf for leaf in tree.xpath("//def:leaf", namespaces=NS)}
    for leaf in leaves.values():
        if leaf.get(xlink_name("href")) not in files:
            problems.append(f"missing-file: {element_path(leaf)}: {leaf.get(xlink_name('href'))!r} does not exist")
    for ref in tree.xpath("//def:DocumentRef[def:PDFPageRef]", namespaces=NS):
        leaf = leaves.get(ref.get("leafID"))
        href = leaf.get(xlink_name("href")) if leaf is not None else None
        document = documents.get(href)
        if document is None:
            continue
        for page in ref.xpath("def:PDFPageRef", namespaces=NS):
            for target in _page_targets(page):
                if target not in document.destinations and not (
                        isinstance(target, int) and 1 <= target <= document.pages):
                    kind = "page" if isinstance(target, int) else "named destination"
                    problems.append(f"missing-destination: {element_path(page)}: {href} has no {kind} {target!r}")
    return problems


def _page_targets(page):
    """The destinations (names) or page numbers (ints) a ``PDFPageRef`` points at."""
    if page.get("Type") == "NamedDestination":
        return (page.get("PageRefs") or "").split()
    if page.get("PageRefs"):
        return [int(p) if p.isdigit() else p for p in page.get("PageRefs").split()]
    first, last = page.get("FirstPage", ""), page.get("LastPage", "")
    return [int(first), int(last)] if first.isdigit() and last.isdigit() else [first, last]


def _definitions(tree, problems):
    """kind -> {OID: element}, reporting OIDs defined twice."""
    defs = {kind: {} for kind in DEFINITIONS}
    for kind in DEFINITIONS:
        path = "//" + (kind if kind.startswith("def:") else f"odm:{kind}")
        key = "ID" if kind == "def:leaf" else "OID"
        for element in tree.xpath(path, namespaces=NS):
            oid = element.get(key)
            if oid in defs[kind]:
                problems.append(f"duplicate-oid: {element_path(element)}: {kind} {key} {oid} "
                                f"is also defined at {element_path(defs[kind][oid])}")
            else:
                defs[kind][oid] = element
    return defs


def _check_labels(groups, defs, problems):
    """Descriptions of datasets and of their variables that an XPT label cannot hold."""
    used = {ref.get("ItemOID") for group in groups for ref in group.xpath("odm:ItemRef", namespaces=NS)}
    elements = list(groups) + [item for oid, item in defs["ItemDef"].items() if oid in used]
    for element in elements:
        for text in element.xpath("odm:Description/odm:TranslatedText", namespaces=NS):
            label = (text.text or "").strip()
            if len(label) > MAX_LABEL:
                problems.append(f"label-length: {element_path(text)}: {element.get('Name')} label {label!r} has "
                                f"{len(label)} characters, more than {MAX_LABEL}")


def _check_references(tree, defs, problems):
    """Report references to undefined OIDs; return kind -> set of OIDs referenced."""
    used = {kind: set() for kind in DEFINITIONS}
    for xpath, kind in REFERENCES:
        for value in tree.xpath(xpath, namespaces=NS):
            owner = value.getparent()
            used[kind].add(str(value))
            if str(value) not in defs[kind]:
                problems.append(f"dangling-reference: {element_path(owner)}/@{prefixed(value.attrname)}: "
                                f"{kind} {value} is not defined")
    return used


def _check_dataset(group, entry, defs, extensible, problems):
    """ItemRef order, lengths and codelist values of one dataset against its file."""
    items = defs["ItemDef"]
    refs = group.xpath("odm:ItemRef", namespaces=NS)
    if all(ref.get("OrderNumber", "").isdigit() for ref in refs):
        refs = sorted(refs, key=lambda ref: int(ref.get("OrderNumber")))
    names = [items[r.get("ItemOID")].get("Name") if r.get("ItemOID") in items else None for r in refs]
    _check_order(group, refs, names, entry, problems)
    texts = FrameTexts(entry.frame) if entry.frame is not None else None
    for ref, name in zip(refs, names):
        item = items.get(ref.get("ItemOID"))
        if item is None or name not in entry.columns:
            continue
        stored = entry.lengths.get(name)
        if stored is not None and item.get("Length") != str(stored):
            problems.append(f"length: {element_path(item)}: Length {item.get('Length')} but {entry.file} "
                            f"stores {name} with length {stored}")
        if texts is not None:
            _check_values(item, lambda: texts.distinct(name), defs, extensible, entry, problems)
            _check_value_level(item, texts, entry, defs, extensible, problems)


def _check_order(group, refs, names, entry, problems):
    where = element_path(group)
    missing = [c for c in entry.columns if c not in names]
    extra = [(r, n) for r, n in zip(refs, names) if n not in entry.columns]
    for column in missing:
        problems.append(f"itemref-order: {where}: column {column} of {entry.file} has no ItemRef")
    for ref, name in extra:
        problems.append(f"itemref-order: {element_path(ref)}: {name or ref.get('ItemOID')} is not a "
                        f"column of {entry.file}")
    if missing or extra:
        return
    for n, (ref, name, column) in enumerate(zip_longest(refs, names, entry.columns), start=1):
        if name != column:
            problems.append(f"itemref-order: {element_path(ref)}: ItemRef {n} is {name} but column {n} "
                            f"of {entry.file} is {column} (file order: {' '.join(entry.columns)})")
            return


def _check_values(item, found, defs, extensible, entry, problems):
    """The data texts of ``item`` (``found()``: a set, None for missing) must be in its codelist."""
    ref = item.find("odm:CodeListRef", NS)
    if ref is None:
        return
    oid = ref.get("CodeListOID")
    codelist = defs["CodeList"].get(oid)
    if codelist is None or oid in extensible or codelist.find("odm:ExternalCodeList", NS) is not None:
        return
    allowed = {e.get("CodedValue") for e in codelist.xpath("odm:CodeListItem|odm:EnumeratedItem",
                                                           namespaces=NS)}
    bad = sorted(found() - allowed - {None})
    if bad:
        shown = ", ".join(repr(v) for v in bad[:MAX_VALUES_SHOWN])
        more = f" and {len(bad) - MAX_VALUES_SHOWN} more" if len(bad) > MAX_VALUES_SHOWN else ""
        problems.append(f"codelist-value: {element_path(item)}: {item.get('Name')} in {entry.file} has "
                        f"{shown}{more}, not in codelist {oid}")


def _check_value_level(item, texts, entry, defs, extensible, problems):
    """Codelist values of each value-level item, on the rows of its where clauses
    (``texts``: the ``FrameTexts`` of the dataset's data)."""
    ref = item.find("def:ValueListRef", NS)
    valuelist = defs["def:ValueListDef"].get(ref.get("ValueListOID")) if ref is not None else None
    if valuelist is None:
        return
    for vl_ref in valuelist.xpath("odm:ItemRef", namespaces=NS):
        vl_item = defs["ItemDef"].get(vl_ref.get("ItemOID"))
        if vl_item is None:
            continue
        mask = np.zeros(len(entry.frame), dtype=bool)
        for wc_ref in vl_ref.xpath("def:WhereClauseRef", namespaces=NS):
            clause = defs["def:WhereClauseDef"].get(wc_ref.get("WhereClauseOID"))
            if clause is not None:
                mask |= texts.mask(_conditions(clause, defs))
        _check_values(vl_item, lambda rows=mask: texts.distinct(item.get("Name"), rows), defs, extensible, entry,
                      problems)


def _conditions(clause, defs):
    """The RangeChecks of a WhereClauseDef as ``Condition`` objects on variable names."""
    conditions = []
    for check in clause.xpath("odm:RangeCheck", namespaces=NS):
        target = defs["ItemDef"].get(check.get(def_name("ItemOID")))
        conditions.append(Condition(variable=target.get("Name") if target is not None else "",
                                    comparator=check.get("Comparator"),
                                    values=[v.text or "" for v in check.xpath("odm:CheckValue", namespaces=NS)]))
    return conditions
