"""Import of the study sheets: the Define (or Study) attributes, Standards and Documents."""

import re

from .model import Document, Standard, standard_name
from .workbook import ATTRIBUTES, canonical, normal, schema_enum, standard_label
from .workbook_reader import Place, Sheet, cell_text, location

_ID = re.compile(r"[^A-Za-z0-9._-]+")


def attributes(reader):
    """The Define/Study attribute rows, and the standards table under them (ours)."""
    name = reader.found.get("Attributes")
    if not name:
        return dict(reader.layout.attributes)
    reader.attributes_sheet = Sheet(name, "Attributes", columns={"value": 2}, headers={"value": "Value"})
    known = {normal(a): fld for fld, attribute, aliases in ATTRIBUTES for a in (attribute, *aliases)}
    values = {}
    rows = reader.book[name].iter_rows(values_only=True)
    for number, cells in enumerate(rows, start=1):
        cells = list(cells) + [None, None]
        key = normal(cells[0]) if cells[0] is not None else ""
        if number > 1 and key in ("standard", "id", "oid") and normal(cells[1] or "") == "name":
            sheet = reader.sheets["Standards"] = Sheet(name, "Standards")
            reader.table(sheet, iter([cells] + list(rows)), number)
            break
        if key in known:
            fld = known[key]
            reader.attribute_rows[fld] = number
            reader.places["study.yaml", (fld,)] = Place(reader.attributes_sheet, number, {"": "value"})
            values[fld] = cell_text(cells[1])
    return {**reader.layout.attributes, **{k: v for k, v in values.items() if v is not None}}


def fallback_id(reader, attributes):
    studyid = re.sub(r"[^A-Za-z0-9_-]+", "-", reader.path.stem).strip("-") or "STUDY"
    where = location(reader.found.get("Attributes"), reader.attribute_rows.get("studyid"), 2)
    reader.notes.append(f"{where}: StudyName is empty; the study is named {studyid!r} after the file")
    return studyid


def standards(reader, attributes, purposes):
    standards = []
    rows = reader.rows("Standards")
    seen = {}
    for row in rows:
        std = Standard(id=_standard_id(reader.text(row, "id")), name=standard_name(reader.text(row, "name") or ""),
                       version=reader.text(row, "version"),
                       type=canonical("standard_type", reader.text(row, "type") or "IG"),
                       publishing_set=reader.text(row, "publishing_set") and
                       canonical("publishing_set", reader.text(row, "publishing_set")),
                       status=reader.text(row, "status") or "Final")
        if reader.first(seen, std.id, row, "id"):
            reader.place("study.yaml", ("standards", len(standards)), row)
            standards.append(std)
    name, version = attributes.get("standard_name"), attributes.get("standard_version")
    reader.default_standard = None
    if not rows and not name:
        reader.problems.append((None, None, None, "no implementation guide is named: give StandardName "
                              "and StandardVersion on the study sheet, a Standards sheet, or "
                              f"attributes: in a layout map (--layout) extending {reader.layout.name}"))
    if not rows and name:
        if name.upper() == "CDISC":     # the 2.0 template names the model only by purpose
            name = "ADaMIG" if "analysis" in purposes else "SDTMIG"
        std = _new_standard(reader, standard_name(name), version or "", "IG", None, standards)
        reader.places["study.yaml", ("standards", standards.index(std))] = Place(
            reader.attributes_sheet, reader.attribute_rows.get("standard_name"), {})
        reader.default_standard = std.id
    return standards


def _new_standard(reader, name, version, type_, publishing_set, standards):
    std = Standard(id=_ID.sub("_", ".".join(p for p in ("STD", name, publishing_set, version) if p)),
                   name=name, version=version, type=type_, publishing_set=publishing_set)
    same = next((s for s in standards if s.id == std.id), None)
    if same:
        return same
    standards.append(std)
    return std


def standard_ref(reader, row, fld, type_):
    """The standard id a Standard or Terminology cell means: an id, a label such
    as ``ADaM-IG 1.1``; a standard not yet known is added."""
    text = reader.text(row, fld)
    if text is None:
        return None
    if any(s.id == _standard_id(text) for s in reader.standards):
        return _standard_id(text)
    words = text.split()
    version = words[-1] if len(words) > 1 else ""
    name = " ".join(words[:-1]) if len(words) > 1 else text
    for std in reader.standards:
        if normal(standard_label(std)) in (normal(text), normal(f"{standard_name(name)} {version}")):
            return std.id
    publishing_set = None
    if type_ == "CT" and name.split()[-1].upper() in (p.upper() for p in schema_enum("publishing_set")):
        publishing_set = canonical("publishing_set", name.split()[-1])
        name = " ".join(name.split()[:-1]) or name
    std = _new_standard(reader, standard_name(name), version, type_, publishing_set, reader.standards)
    reader.place("study.yaml", ("standards", reader.standards.index(std)), row, name=fld, version=fld)
    return std.id


def documents(reader, attributes):
    acrf_ids = (attributes.get("acrf") or "").replace(",", " ").split()
    explicit = "acrf" in reader.attribute_rows
    documents, seen = [], {}
    for row in reader.rows("Documents"):
        id_, title = reader.text(row, "id"), reader.text(row, "title")
        if explicit:
            acrf = id_ in acrf_ids
        else:
            acrf = bool(re.search(r"annotated.*(crf|case report form)", title or "", re.IGNORECASE))
        if reader.first(seen, id_, row, "id"):
            reader.place("study.yaml", ("documents", len(documents)), row)
            documents.append(Document(id=id_, title=title, href=reader.text(row, "href"),
                                      kind="acrf" if acrf else "supplemental"))
    for id_ in acrf_ids:
        if id_ not in seen:
            reader.problem(reader.attributes_sheet, reader.attribute_rows["acrf"], "value",
                           f"Annotated CRF {id_!r} is not on the Documents sheet")
    return documents


def _standard_id(text):
    """Standard OIDs are often written with spaces (odmlib: ``STD.ADaMIG 1.1``); ids have ``_`` there."""
    return _ID.sub("_", text) if text else text
