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

from . import oids
from .tree import NSMAP, XML_LANG, def_name, element_path, odm_name, prefixed, xlink_name
from .where import where_mask

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
    root = etree.Element(odm_name("ODM"), nsmap=NSMAP)
    for name, value in (("FileType", "Snapshot"), ("FileOID", f"DEF.{study.studyid}.{model}"),
                        ("CreationDateTime", created.isoformat(timespec="seconds")),
                        ("ODMVersion", ODM_VERSION), ("Originator", study.sponsor or "cdisckit"),
                        ("SourceSystem", source_system[0]), ("SourceSystemVersion", source_system[1]),
                        (def_name("Context"), context)):
        if value is not None:
            root.set(name, str(value))
    study_el = _el(root, "Study", ("OID", f"ST.{study.studyid}"))
    glob = _el(study_el, "GlobalVariables")
    _el(glob, "StudyName", text=study.studyid)
    _el(glob, "StudyDescription", text=study.title)
    _el(glob, "ProtocolName", text=study.protocol)
    mdv = _el(study_el, "MetaDataVersion", ("OID", f"MDV.{study.studyid}.{model}"),
              ("Name", f"{study.studyid} {model} Define-XML"), ("Description", study.title),
              (def_name("DefineVersion"), DEFINE_VERSION))
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
        el = _el(mdv, def_name("CommentDef"), ("OID", oids.comment_oid(id_)))
        _translated(el, "Description", comment.text)
        _document_ref(el, comment.document, comment.pages)
    for doc in study.documents:
        if doc.id in plan.documents:
            _leaf(mdv, oids.leaf_oid(doc.id), doc.href, doc.title)
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
    seen = {}
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
            length = text_length(frame.loc[where_mask(frame, vlm.where), vlm.variable])
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

def _el(parent, tag, *attributes, text=None):
    """Append element ``tag`` (ODM name unless a Clark name) with ``(name, value)``
    attributes in the order given, leaving out None values."""
    tag = tag if tag.startswith("{") else odm_name(tag)
    try:
        element = etree.SubElement(parent, tag)
        for name, value in attributes:
            if value is not None:
                element.set(name, str(value))
        if text is not None:
            element.text = text
    except ValueError as exc:      # a control character that XML 1.0 cannot carry
        raise InputError(f"{element_path(parent)}/{prefixed(tag)}: {exc}") from None
    return element


def _translated(parent, tag, text):
    _el(_el(parent, tag), "TranslatedText", (XML_LANG, "en"), text=text)


def _yes_no(flag):
    return "Yes" if flag else "No"


def _leaf(parent, id_, href, title):
    leaf = _el(parent, def_name("leaf"), ("ID", id_), (xlink_name("href"), href))
    _el(leaf, def_name("title"), text=title)


def _document_ref(parent, document, pages):
    """def:DocumentRef to a document leaf, with its pages: numbers as one
    PhysicalRef list, ``a-b`` as a page range, other names as NamedDestination."""
    if not document:
        return
    ref = _el(parent, def_name("DocumentRef"), ("leafID", oids.leaf_oid(document)))
    pages = [str(p).strip() for p in pages]
    numbers = [p for p in pages if p.isdigit()]
    ranges = [p.split("-") for p in pages if re.fullmatch(r"\d+-\d+", p)]
    named = [p for p in pages if not re.fullmatch(r"\d+(-\d+)?", p)]
    if numbers:
        _el(ref, def_name("PDFPageRef"), ("PageRefs", " ".join(numbers)), ("Type", "PhysicalRef"))
    for first, last in ranges:
        _el(ref, def_name("PDFPageRef"), ("FirstPage", first), ("LastPage", last), ("Type", "PhysicalRef"))
    if named:
        _el(ref, def_name("PDFPageRef"), ("PageRefs", " ".join(named)), ("Type", "NamedDestination"))


def _write_standards(mdv, study, plan):
    chosen = [s for s in study.standards if s.id in plan.standards]
    if not chosen:
        return
    holder = _el(mdv, def_name("Standards"))
    for s in chosen:
        _el(holder, def_name("Standard"), ("OID", oids.standard_oid(s.id)), ("Name", s.name),
            ("Type", s.type), ("PublishingSet", s.publishing_set if s.type == "CT" else None),
            ("Version", s.version), ("Status", s.status))


def _write_document_lists(mdv, study, plan):
    for kind, tag in (("acrf", "AnnotatedCRF"), ("supplemental", "SupplementalDoc")):
        docs = [d for d in study.documents if d.kind == kind and d.id in plan.documents]
        if docs:
            holder = _el(mdv, def_name(tag))
            for doc in docs:
                _el(holder, def_name("DocumentRef"), ("leafID", oids.leaf_oid(doc.id)))


def _write_value_lists(mdv, plan):
    for ds in plan.datasets:
        for var in plan.variables[ds.name]:
            items = plan.value_items.get((ds.name, var.name))
            if not items:
                continue
            vl = _el(mdv, def_name("ValueListDef"), ("OID", oids.valuelist_oid(ds.name, var.name)))
            for n, item in enumerate(items, start=1):
                ref = _el(vl, "ItemRef", ("ItemOID", item.oid), ("OrderNumber", n),
                          ("Mandatory", _yes_no(item.spec.mandatory)),
                          ("MethodOID", item.spec.method and oids.method_oid(item.spec.method)))
                _el(ref, def_name("WhereClauseRef"), ("WhereClauseOID", item.whereclause))


def _write_whereclauses(mdv, plan):
    for oid in sorted(plan.whereclauses):
        dataset, conditions = plan.whereclauses[oid]
        wc = _el(mdv, def_name("WhereClauseDef"), ("OID", oid))
        for cond in conditions:
            check = _el(wc, "RangeCheck", ("Comparator", cond.comparator), ("SoftHard", "Soft"),
                        (def_name("ItemOID"), oids.item_oid(dataset, cond.variable)))
            for value in cond.values:
                _el(check, "CheckValue", text=value)


def _write_itemgroup(mdv, ds, plan):
    standard = ds.standard or plan.default_standard
    group = _el(mdv, "ItemGroupDef", ("OID", oids.itemgroup_oid(ds.name)),
                ("Domain", (ds.domain or ds.name) if ds.model == "SDTM" else None),
                ("Name", ds.name), ("SASDatasetName", ds.name), ("Repeating", _yes_no(ds.repeating)),
                ("IsReferenceData", _yes_no(ds.reference_data)), ("Purpose", ds.purpose),
                (def_name("Structure"), ds.structure or ""),
                (def_name("StandardOID"), standard and oids.standard_oid(standard)),
                (def_name("ArchiveLocationID"), oids.leaf_oid(ds.name)),
                (def_name("CommentOID"), ds.comment and oids.comment_oid(ds.comment)))
    _translated(group, "Description", ds.label)
    for n, var in enumerate(plan.variables[ds.name], start=1):
        key = ds.keys.index(var.name) + 1 if var.name in ds.keys else None
        _el(group, "ItemRef", ("ItemOID", oids.item_oid(ds.name, var.name)), ("OrderNumber", n),
            ("Mandatory", _yes_no(var.mandatory)), ("KeySequence", key),
            ("MethodOID", var.method and oids.method_oid(var.method)),
            ("Role", var.role if ds.model == "SDTM" else None))    # ADaM variables have no role
    if ds.class_:
        cls = _el(group, def_name("Class"), ("Name", ds.class_.upper()))
        if ds.subclass:
            _el(cls, def_name("SubClass"), ("Name", ds.subclass.upper()))
    href = ds.name.lower() + plan.file_suffix
    _leaf(group, oids.leaf_oid(ds.name), href, href)


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
    item = _el(mdv, "ItemDef", ("OID", oid), ("Name", name), ("DataType", spec.data_type),
               ("Length", length), ("SignificantDigits", spec.significant_digits),
               ("SASFieldName", name), (def_name("DisplayFormat"), spec.display_format),
               (def_name("CommentOID"), spec.comment and oids.comment_oid(spec.comment)))
    _translated(item, "Description", label)
    if spec.codelist:
        _el(item, "CodeListRef", ("CodeListOID", oids.codelist_oid(spec.codelist)))
    if spec.origin is not None:
        origin = _el(item, def_name("Origin"), ("Type", spec.origin.type), ("Source", spec.origin.source))
        if spec.origin.predecessor:
            _translated(origin, "Description", spec.origin.predecessor)
        _document_ref(origin, spec.origin.document, spec.origin.pages)
    if valuelist:
        _el(item, def_name("ValueListRef"), ("ValueListOID", valuelist))


def _write_codelist(mdv, codelist):
    """CodeList: CodeListItems with Decode when any term has a decode, else
    EnumeratedItems; an external dictionary as ExternalCodeList. NCI codes as
    Alias nci:ExtCodeID; sponsor-defined lists are def:IsNonStandard."""
    sponsor = not (codelist.nci_code or codelist.standard or codelist.dictionary)
    el = _el(mdv, "CodeList", ("OID", oids.codelist_oid(codelist.id)), ("Name", codelist.name),
             ("DataType", codelist.data_type),
             (def_name("StandardOID"), codelist.standard and oids.standard_oid(codelist.standard)),
             (def_name("IsNonStandard"), "Yes" if sponsor else None),
             (def_name("CommentOID"), codelist.comment and oids.comment_oid(codelist.comment)))
    if codelist.dictionary:
        _el(el, "ExternalCodeList", ("Dictionary", codelist.dictionary), ("Version", codelist.version))
    terms = [] if codelist.dictionary else codelist.terms
    decoded = any(t.decode for t in terms)
    for n, term in enumerate(terms, start=1):
        extended = codelist.nci_code and codelist.extensible and not term.nci_code
        item = _el(el, "CodeListItem" if decoded else "EnumeratedItem", ("CodedValue", term.value),
                   ("OrderNumber", n), ("Rank", term.rank),
                   (def_name("ExtendedValue"), "Yes" if extended else None))
        if decoded:
            _translated(item, "Decode", term.decode or term.value)
        if term.nci_code:
            _el(item, "Alias", ("Context", "nci:ExtCodeID"), ("Name", term.nci_code))
    if codelist.nci_code:
        _el(el, "Alias", ("Context", "nci:ExtCodeID"), ("Name", codelist.nci_code))


def _write_method(mdv, method):
    el = _el(mdv, "MethodDef", ("OID", oids.method_oid(method.id)), ("Name", method.name),
             ("Type", method.type))
    _translated(el, "Description", method.description)
    if method.expression:
        _el(el, "FormalExpression", ("Context", method.context), text=method.expression)
    _document_ref(el, method.document, method.pages)
