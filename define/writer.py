"""Define-XML 2.1 from a study's specs and its final datasets.

``build_define`` describes the datasets of one model (SDTM or ADaM) exactly as
they are: ItemRefs in the column order of the frames, text lengths from the
data (``specs.transport.text_length``, the rule the XPT writer follows) unless
the spec or the caller's ``lengths`` give them, value-level items sized from
the rows their where clause selects. Only the codelists, methods, comments,
documents and standards that those datasets reference are written, so every
OID defined is also used. The bytes depend on the inputs and ``created``
alone: fixed element and attribute order, sorted definitions, UTF-8.
"""

import re
from dataclasses import dataclass, field

from lxml import etree

from specs.errors import InputError
from specs.transport import text_length

from . import model as E
from . import oids
from .tree import NSMAP, XML_LANG, def_name, element_path, odm_name, prefixed, xlink_name
from .where import FrameTexts

DEFINE_VERSION = "2.1.0"
ODM_VERSION = "1.3.2"
NUMERIC_LENGTH = 8
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Order of datasets in a define: the Define-XML dataset classes, tabulation then analysis.
CLASS_ORDER = ("TRIAL DESIGN", "SPECIAL PURPOSE", "INTERVENTIONS", "EVENTS", "FINDINGS",
               "FINDINGS ABOUT", "RELATIONSHIP", "STUDY REFERENCE",
               "SUBJECT LEVEL ANALYSIS DATASET", "OCCURRENCE DATA STRUCTURE",
               "BASIC DATA STRUCTURE", "ADAM OTHER")


@dataclass
class _ValueItem:
    """One value-level item of a variable: spec entry, OIDs and length."""
    spec: object                   # specs.ValueLevel
    oid: str
    whereclause: str
    length: int


@dataclass
class _Plan:
    """What one define.xml will hold, decided before any element is written."""
    datasets: list = field(default_factory=list)        # Dataset, in define order
    file_suffix: str = ".xpt"                            # of the dataset files the leaves name
    variables: dict = field(default_factory=dict)       # name -> [Variable] in data order
    lengths: dict = field(default_factory=dict)         # (dataset, variable) -> int
    value_items: dict = field(default_factory=dict)     # (dataset, variable) -> [_ValueItem]
    whereclauses: dict = field(default_factory=dict)    # OID -> (dataset, conditions)
    codelists: set = field(default_factory=set)
    methods: set = field(default_factory=set)
    comments: set = field(default_factory=set)
    documents: set = field(default_factory=set)
    standards: set = field(default_factory=set)
    default_standard: str | None = None


def build_define(study, frames, *, model, created, lengths=None, source_system=("cdisckit", None),
                 context="Submission", file_suffix=".xpt"):
    """Define-XML 2.1 bytes for the ``model`` ("SDTM" or "ADaM") datasets in ``frames``.

    ``frames`` maps dataset name -> final DataFrame; ``created`` is the
    CreationDateTime (a ``datetime``); ``lengths`` optionally maps dataset ->
    {variable: length} as stored in the XPT files and wins over spec and data;
    ``source_system`` is (name, version) of the producing program;
    ``file_suffix`` that of the dataset files the leaves point at (".xpt",
    ".json", ".ndjson" or ".dsjc"). Raises ``InputError`` when frames and specs do not fit together.
    """
    model = {"sdtm": "SDTM", "adam": "ADaM"}.get(str(model).lower())
    if model is None:
        raise InputError("model must be SDTM or ADaM")
    plan = _plan(study, frames, model, lengths or {})
    plan.file_suffix = file_suffix
    root = etree.Element(_tag("ODM"), nsmap=NSMAP)
    _set(root, E.ODM_ROOT, None, dict(
        FileType="Snapshot", FileOID=f"DEF.{study.studyid}.{model}",
        CreationDateTime=created.isoformat(timespec="seconds"), ODMVersion=ODM_VERSION,
        Originator=study.sponsor or "cdisckit", SourceSystem=source_system[0],
        SourceSystemVersion=source_system[1], Context=context))
    study_el = _el(root, E.STUDY, OID=f"ST.{study.studyid}")
    glob = _el(study_el, E.GLOBAL_VARIABLES)
    _el(glob, E.STUDY_NAME, text=study.studyid)
    _el(glob, E.STUDY_DESCRIPTION, text=study.title)
    _el(glob, E.PROTOCOL_NAME, text=study.protocol)
    mdv = _el(study_el, E.METADATA_VERSION, OID=f"MDV.{study.studyid}.{model}",
              Name=f"{study.studyid} {model} Define-XML", Description=study.title, DefineVersion=DEFINE_VERSION)
    _write_standards(mdv, study, plan)
    _write_document_lists(mdv, study, plan)
    _write_value_lists(mdv, plan)
    _write_whereclauses(mdv, plan)
    for ds in plan.datasets:
        _write_itemgroup(mdv, ds, plan)
    for ds in plan.datasets:
        _write_itemdefs(mdv, ds, plan)
    for id_ in sorted(plan.codelists, key=oids.codelist_oid):
        _write_codelist(mdv, study.codelists[id_])
    for id_ in sorted(plan.methods, key=oids.method_oid):
        _write_method(mdv, study.methods[id_])
    for id_ in sorted(plan.comments, key=oids.comment_oid):
        comment = study.comments[id_]
        el = _el(mdv, E.COMMENT_DEF, comment)
        _translated(el, E.DESCRIPTION, comment.text)
        _document_ref(el, comment.document, comment.pages)
    for doc in study.documents:
        if doc.id in plan.documents:
            _leaf(mdv, doc, doc.title)
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


# --- what goes in --------------------------------------------------------------------------

def _plan(study, frames, model, lengths):
    plan = _Plan()
    for name in frames:
        ds = study.datasets.get(name)
        if ds is None:
            raise InputError(f"dataset {name}: no spec for it in {study.path or 'the study'}")
        if ds.model != model:
            raise InputError(f"{ds.path}: {name} is an {ds.model} dataset, not {model}")
    rank = {cls: i for i, cls in enumerate(CLASS_ORDER)}
    plan.datasets = sorted((study.datasets[n] for n in frames),
                           key=lambda d: (rank.get((d.class_ or "").upper(), len(rank)), d.name))
    igs = [s.id for s in study.standards if s.type == "IG" and s.name.upper().startswith(model.upper())]
    plan.default_standard = igs[0] if len(igs) == 1 else None
    plan.standards.update(igs)
    plan.standards.update(s.id for s in study.standards if s.type == "CT" and s.publishing_set == model)
    for ds in plan.datasets:
        frame = frames[ds.name]
        unknown = [c for c in frame.columns if ds.variable(c) is None]
        if unknown:
            raise InputError(f"{ds.path}: the {ds.name} data has column {unknown[0]!r}, "
                             "which the spec does not define")
        plan.variables[ds.name] = [ds.variable(c) for c in frame.columns]
        _refer(plan, study, ds)
        given = lengths.get(ds.name, {})
        for var in plan.variables[ds.name]:
            if var.name in given:
                length = given[var.name]
            elif var.numeric:             # stored as 8-byte XPT numerics, as the XPT writer does
                length = NUMERIC_LENGTH
            else:
                length = var.length or text_length(frame[var.name])
            plan.lengths[ds.name, var.name] = int(length)
            _refer(plan, study, var)
        _plan_value_level(plan, study, ds, frame)
    return plan


def _plan_value_level(plan, study, ds, frame):
    """Value-level items of ``ds`` whose variable is in the data."""
    seen, texts = {}, FrameTexts(frame)
    for i, vlm in enumerate(ds.value_level):
        if vlm.variable not in frame.columns:
            continue
        for cond in vlm.where:
            if cond.variable not in frame.columns:
                raise InputError(f"{ds.path}: value_level[{i}].where: variable {cond.variable!r} "
                                 f"is not in the {ds.name} data")
        oid = oids.item_oid(ds.name, vlm.variable, vlm.where)
        if oid in seen:
            raise InputError(f"{ds.path}: value_level[{i}]: its OID {oid} is also the OID of "
                             f"value_level[{seen[oid]}]; give the two different where clauses")
        seen[oid] = i
        wc = oids.whereclause_oid(ds.name, vlm.where)
        if plan.whereclauses.setdefault(wc, (ds.name, vlm.where)) != (ds.name, vlm.where):
            raise InputError(f"{ds.path}: value_level[{i}].where: two different where clauses "
                             f"would share the OID {wc}")
        if vlm.length is not None:
            length = vlm.length
        elif ds.variable(vlm.variable).numeric:
            length = NUMERIC_LENGTH
        else:
            length = text_length(frame.loc[texts.mask(vlm.where), vlm.variable])
        plan.value_items.setdefault((ds.name, vlm.variable), []).append(_ValueItem(vlm, oid, wc, length))
        _refer(plan, study, vlm)


def _refer(plan, study, spec):
    """Note the codelist, method, comment, documents and standard ``spec`` points to."""
    codelist = getattr(spec, "codelist", None)
    if codelist:
        plan.codelists.add(codelist)
        cl = study.codelists[codelist]
        if cl.standard:
            plan.standards.add(cl.standard)
        if cl.comment:
            _refer_comment(plan, study, cl.comment)
    method = getattr(spec, "method", None)
    if method:
        plan.methods.add(method)
        if study.methods[method].document:
            plan.documents.add(study.methods[method].document)
    if getattr(spec, "comment", None):
        _refer_comment(plan, study, spec.comment)
    origin = getattr(spec, "origin", None)
    if origin is not None and origin.document:
        plan.documents.add(origin.document)
    standard = getattr(spec, "standard", None)
    if standard:
        plan.standards.add(standard)


def _refer_comment(plan, study, id_):
    plan.comments.add(id_)
    if study.comments[id_].document:
        plan.documents.add(study.comments[id_].document)


# --- what comes out ------------------------------------------------------------------------

def _tag(name, plain=odm_name):
    """The Clark name of a model name: ``ItemDef``, ``def:Origin``, ``xlink:href``,
    ``xml:lang``; a name without prefix is ``plain``'s (ODM for elements)."""
    prefix, _, local = name.rpartition(":")
    return XML_LANG if name == "xml:lang" else {"": plain, "def": def_name, "xlink": xlink_name}[prefix](local)


def _set(element, table, spec, given):
    """Set the attributes of ``table`` (a ``define.model`` element) in its order:
    each the value ``given`` by its key, else the spec's field; None leaves it out."""
    for attr in table.attributes:
        value = given.pop(attr.key) if attr.key in given else getattr(spec, attr.field, None) if attr.field else None
        text = attr.to_xml(value)
        if text is not None:
            element.set(_tag(attr.name, str), text)
    if given:
        raise TypeError(f"{table.name} has no attribute {sorted(given)[0]}")


def _el(parent, table, spec=None, text=None, **given):
    """Append the element of ``table`` with its attributes (see ``_set``) and text."""
    tag = _tag(table.name)
    try:
        element = etree.SubElement(parent, tag)
        _set(element, table, spec, given)
        if text is not None:
            element.text = text
    except ValueError as exc:      # a control character that XML 1.0 cannot carry
        raise InputError(f"{element_path(parent)}/{prefixed(tag)}: {exc}") from None
    return element


def _translated(parent, table, text):
    _el(_el(parent, table), E.TRANSLATED_TEXT, text=text, lang="en")


def _leaf(parent, spec, title, **given):
    leaf = _el(parent, E.LEAF, spec, **given)
    _el(leaf, E.TITLE, text=title)


def _document_ref(parent, document, pages):
    """def:DocumentRef to a document leaf, with its pages: numbers as one
    PhysicalRef list, ``a-b`` as a page range, other names as NamedDestination."""
    if not document:
        return
    ref = _el(parent, E.DOCUMENT_REF, leafID=document)
    pages = [str(p).strip() for p in pages]
    numbers = [p for p in pages if p.isdigit()]
    ranges = [p.split("-") for p in pages if re.fullmatch(r"\d+-\d+", p)]
    named = [p for p in pages if not re.fullmatch(r"\d+(-\d+)?", p)]
    if numbers:
        _el(ref, E.PDF_PAGE_REF, PageRefs=" ".join(numbers), Type="PhysicalRef")
    for first, last in ranges:
        _el(ref, E.PDF_PAGE_REF, FirstPage=first, LastPage=last, Type="PhysicalRef")
    if named:
        _el(ref, E.PDF_PAGE_REF, PageRefs=" ".join(named), Type="NamedDestination")


def _write_standards(mdv, study, plan):
    chosen = [s for s in study.standards if s.id in plan.standards]
    if not chosen:
        return
    holder = _el(mdv, E.STANDARDS)
    for s in chosen:
        _el(holder, E.STANDARD, s, PublishingSet=s.publishing_set if s.type == "CT" else None)


def _write_document_lists(mdv, study, plan):
    for kind, table in (("acrf", E.ANNOTATED_CRF), ("supplemental", E.SUPPLEMENTAL_DOC)):
        docs = [d for d in study.documents if d.kind == kind and d.id in plan.documents]
        if docs:
            holder = _el(mdv, table)
            for doc in docs:
                _el(holder, E.DOCUMENT_REF, leafID=doc.id)


def _write_value_lists(mdv, plan):
    for ds in plan.datasets:
        for var in plan.variables[ds.name]:
            items = plan.value_items.get((ds.name, var.name))
            if not items:
                continue
            vl = _el(mdv, E.VALUE_LIST_DEF, OID=oids.valuelist_oid(ds.name, var.name))
            for n, item in enumerate(items, start=1):
                ref = _el(vl, E.ITEM_REF, item.spec, ItemOID=item.oid, OrderNumber=n, Role=None)
                _el(ref, E.WHERE_CLAUSE_REF, WhereClauseOID=item.whereclause)


def _write_whereclauses(mdv, plan):
    for oid in sorted(plan.whereclauses):
        dataset, conditions = plan.whereclauses[oid]
        wc = _el(mdv, E.WHERE_CLAUSE_DEF, OID=oid)
        for cond in conditions:
            check = _el(wc, E.RANGE_CHECK, cond, SoftHard="Soft", ItemOID=oids.item_oid(dataset, cond.variable))
            for value in cond.values:
                _el(check, E.CHECK_VALUE, text=value)


def _write_itemgroup(mdv, ds, plan):
    group = _el(mdv, E.ITEM_GROUP_DEF, ds, OID=oids.itemgroup_oid(ds.name),
                Domain=(ds.domain or ds.name) if ds.model == "SDTM" else None, SASDatasetName=ds.name,
                Purpose=ds.purpose, Structure=ds.structure or "", StandardOID=ds.standard or plan.default_standard,
                ArchiveLocationID=oids.leaf_oid(ds.name))
    _translated(group, E.DESCRIPTION, ds.label)
    for n, var in enumerate(plan.variables[ds.name], start=1):
        _el(group, E.ITEM_REF, var, ItemOID=oids.item_oid(ds.name, var.name), OrderNumber=n,
            KeySequence=ds.keys.index(var.name) + 1 if var.name in ds.keys else None,
            Role=var.role if ds.model == "SDTM" else None)    # ADaM variables have no role
    if ds.class_:
        cls = _el(group, E.CLASS, Name=ds.class_.upper())
        if ds.subclass:
            _el(cls, E.SUBCLASS, Name=ds.subclass.upper())
    href = ds.name.lower() + plan.file_suffix
    _leaf(group, None, href, ID=ds.name, href=href)


def _write_itemdefs(mdv, ds, plan):
    for var in plan.variables[ds.name]:
        items = plan.value_items.get((ds.name, var.name))
        _write_itemdef(mdv, oids.item_oid(ds.name, var.name), var.name, var, var.label,
                       plan.lengths[ds.name, var.name],
                       items and oids.valuelist_oid(ds.name, var.name))
    for var in plan.variables[ds.name]:
        for item in plan.value_items.get((ds.name, var.name), []):
            _write_itemdef(mdv, item.oid, var.name, item.spec, item.spec.label or var.label,
                           item.length, None)


def _write_itemdef(mdv, oid, name, spec, label, length, valuelist):
    """An ItemDef for a variable or a value-level entry (``spec``)."""
    item = _el(mdv, E.ITEM_DEF, spec, OID=oid, Name=name, Length=length, SASFieldName=name)
    _translated(item, E.DESCRIPTION, label)
    if spec.codelist:
        _el(item, E.CODE_LIST_REF, spec)
    if spec.origin is not None:
        origin = _el(item, E.ORIGIN, spec.origin)
        if spec.origin.predecessor:
            _translated(origin, E.DESCRIPTION, spec.origin.predecessor)
        _document_ref(origin, spec.origin.document, spec.origin.pages)
    if valuelist:
        _el(item, E.VALUE_LIST_REF, ValueListOID=valuelist)


def _write_codelist(mdv, codelist):
    """CodeList: CodeListItems with Decode when any term has a decode, else
    EnumeratedItems; an external dictionary as ExternalCodeList. NCI codes as
    Alias nci:ExtCodeID; sponsor-defined lists are def:IsNonStandard."""
    sponsor = not (codelist.nci_code or codelist.standard or codelist.dictionary)
    el = _el(mdv, E.CODE_LIST, codelist, IsNonStandard=sponsor)
    if codelist.dictionary:
        _el(el, E.EXTERNAL_CODE_LIST, codelist)
    terms = [] if codelist.dictionary else codelist.terms
    decoded = any(t.decode for t in terms)
    for n, term in enumerate(terms, start=1):
        extended = codelist.nci_code and codelist.extensible and not term.nci_code
        item = _el(el, E.CODE_LIST_ITEM if decoded else E.ENUMERATED_ITEM, term, OrderNumber=n,
                   ExtendedValue=extended)
        if decoded:
            _translated(item, E.DECODE, term.decode or term.value)
        if term.nci_code:
            _el(item, E.ALIAS, Context=E.NCI_ALIAS, Name=term.nci_code)
    if codelist.nci_code:
        _el(el, E.ALIAS, Context=E.NCI_ALIAS, Name=codelist.nci_code)


def _write_method(mdv, method):
    el = _el(mdv, E.METHOD_DEF, method)
    _translated(el, E.DESCRIPTION, method.description)
    if method.expression:
        _el(el, E.FORMAL_EXPRESSION, method, text=method.expression)
    _document_ref(el, method.document, method.pages)
