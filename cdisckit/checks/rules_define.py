"""Define-vs-data rules: the data must be what the define.xml (or the specs) describe.

Every dataset and variable in the data is described there and every
described one is in the data; types, lengths, labels, order and display
formats agree; value-level metadata holds on the records its where clauses
select (mandatory, data type, length) and every where clause selects some;
derived variables name their method. The reference is the define.xml when one
is given, else the study's specs (which the define.xml is written from).
Codelist agreement is the terminology rules' business (they read the same
metadata). The define.xml files themselves are checked beyond their schema
with ``define.structure`` (references, unused definitions, leaf files present).
"""

import re
from pathlib import Path

from define.oids import codelist_oid
from define.structure import DatasetFile, check_structure

from .finding import concat, dataset_hits, hits
from .rule import NotRun, implements, kind


def _reference(table, sub):
    """The reference's spec of ``table``; NotRun when there is no define.xml or specs."""
    if sub.reference is None:
        raise NotRun("no define.xml or specs to compare with")
    return sub.spec(table, sub.reference)


@implements("CK0801")
def dataset_described(table, sub):
    """A dataset that the reference does not describe."""
    return dataset_hits([] if _reference(table, sub) is not None else [("", f"dataset={table.name}", "")])


@implements("CK0802")
def dataset_delivered(table, sub):
    """Datasets described in the reference (for the models present) that the data lacks."""
    if sub.reference is None:
        raise NotRun("no define.xml or specs to compare with")
    models = {sub.model(t) for t in sub.tables.values()}
    present = set(sub.tables) | {u.dataset for u in sub.unreadable}
    missing = [d.name for d in sub.reference.datasets.values()
               if (d.model == "ADaM" and "ADaM" in models or d.model != "ADaM" and "SDTM" in models)
               and not d.has_no_data and d.name not in present]
    return dataset_hits(("", f"file={d.lower()}.xpt", "") for d in sorted(missing)).in_datasets(sorted(missing))


@implements("CK0803")
def variables_described(table, sub):
    """Variables of the data that the reference does not describe."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    return dataset_hits(([n], "", "") for n in table.frame.columns if spec.variable(n) is None)


@implements("CK0804")
def variables_delivered(table, sub):
    """Variables the reference describes that the data lacks."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    return dataset_hits(([v.name], "", "") for v in spec.variables if not table.has(v.name))


def _pairs(table, sub):
    spec = _reference(table, sub)
    if spec is None:
        return None
    return [(v, table.column(v.name)) for v in spec.variables if table.column(v.name) is not None]


@implements("CK0805")
def types_agree(table, sub):
    """Variables stored as number where the reference says text, or the reverse."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"type={c.type}", f"{sub.reference_name} says {v.data_type}")
                        for v, c in pairs if (c.type == "num") != v.numeric)


@implements("CK0806")
def lengths_agree(table, sub):
    """Character variables whose length differs from the reference's."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"length={c.length}", f"{sub.reference_name} says {v.length}")
                        for v, c in pairs if c.type == "char" and not v.numeric and v.length is not None
                        and c.length != v.length)


@implements("CK0807")
def labels_agree(table, sub):
    """Variable labels that differ from the reference's."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"label={c.label or ''}", f"{sub.reference_name} says {v.label}")
                        for v, c in pairs if (c.label or "").strip() != (v.label or "").strip())


@implements("CK0808")
def dataset_label_agrees(table, sub):
    """A dataset label that differs from the reference's."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    same = (table.label or "").strip() == (spec.label or "").strip()
    why = f"{sub.reference_name} says {spec.label}"
    return dataset_hits([] if same else [("", f"label={table.label or ''}", why)])


@implements("CK0809")
def order_agrees(table, sub):
    """Variables in another order than the reference's (first one out of place)."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    data = [n for n in table.frame.columns if spec.variable(n) is not None]
    wanted = [v.name for v in spec.variables if table.has(v.name)]
    first = next(((d, w) for d, w in zip(data, wanted) if d != w), None)
    return dataset_hits([] if first is None else
                        [([first[0]], f"position={data.index(first[0]) + 1}",
                          f"{sub.reference_name} puts {first[1]} there")])


def _format(text):
    return (text or "").upper().rstrip(".")


@implements("CK0810")
def formats_agree(table, sub):
    """Display formats that differ from the reference's (where it gives one)."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"format={c.format or ''}", f"{sub.reference_name} says {v.display_format}")
                        for v, c in pairs if v.display_format and _format(c.format) != _format(v.display_format))


# ------------------------------------------------------------------ value-level metadata against the data

def _where_text(conditions):
    return " and ".join(f"{c.variable} {c.comparator} {', '.join(c.values)}" for c in conditions)


def _value_level(table, sub):
    """(entry, rows it selects) of every value-level entry of the reference for ``table``,
    for variables the data has; None when the reference has none."""
    spec = _reference(table, sub)
    if spec is None or not spec.value_level:
        return None
    return sub.per_table("value level", table, lambda: [(entry, table.where(entry.where))
                                                         for entry in spec.value_level if table.has(entry.variable)])


def _value_level_hits(table, sub, test):
    """Hits of the records a value-level entry selects where ``test(entry)`` (a boolean array
    over the rows, or None: not tested) is False; the detail names the where clause."""
    entries = _value_level(table, sub)
    if entries is None:
        return None
    parts = []
    for entry, rows in entries:
        passed = test(entry)
        if passed is None:
            continue
        parts.append(hits(table, rows & ~passed, [entry.variable], f"where {_where_text(entry.where)}"))
    return concat(parts) or dataset_hits([])


@implements("CK0811")
def value_level_mandatory(table, sub):
    """Records a mandatory value-level entry selects whose value is null."""
    return _value_level_hits(table, sub, lambda entry: ~table.blank(entry.variable) if entry.mandatory else None)


_NUMBER = {"integer": r"-?\d+", "float": r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"}


@implements("CK0812")
def value_level_type(table, sub):
    """Records a value-level entry of data type integer or float selects whose value does not
    read as one."""
    def test(entry):
        pattern = _NUMBER.get(entry.data_type)
        if pattern is None or table.numeric(entry.variable) and entry.data_type == "float":
            return None
        return table.per_text(entry.variable, ("fullmatch", pattern),
                              lambda texts: texts.str.fullmatch(pattern), missing=True)
    return _value_level_hits(table, sub, test)


@implements("CK0813")
def value_level_length(table, sub):
    """Records a value-level entry with a length selects whose text value is longer."""
    def test(entry):
        if entry.length is None or table.numeric(entry.variable):
            return None
        return table.per_text(entry.variable, ("length at most", entry.length),
                              lambda texts: texts.str.len().le(entry.length), missing=True)
    return _value_level_hits(table, sub, test)


@implements("CK0814")
def value_level_selects(table, sub):
    """Value-level entries whose where clause selects no record of the data."""
    entries = _value_level(table, sub)
    if entries is None:
        return None
    return dataset_hits(([entry.variable], f"where {_where_text(entry.where)}", "no record is selected")
                        for entry, rows in entries if not rows.any())


@implements("CK0815")
def derived_have_methods(table, sub):
    """Variables and value-level entries of origin Derived that name no method."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    items = [(v.name, v, "") for v in spec.variables if table.has(v.name)]
    items += [(e.variable, e, f"where {_where_text(e.where)}") for e in spec.value_level if table.has(e.variable)]
    return dataset_hits(([name], where, "origin Derived") for name, item, where in items
                        if item.origin is not None and item.origin.type == "Derived" and not item.method)


@kind("define_structure")
def define_structure(table, sub):
    """Problems of each define.xml file against the datasets in its folder (``define.structure``):
    references to nothing, unused definitions, leaf files missing, ItemRef order and lengths
    against the files, codelist values (value level too), labels over 40; one finding each."""
    paths = [Path(p) for p in sub.define_paths if Path(p).is_file()]
    if not paths:
        raise NotRun("no define.xml file to check")
    items = []
    for path in paths:
        folder = path.parent.resolve()
        data = {t.name: DatasetFile(file=Path(t.path).name, columns=list(t.frame.columns),
                                    lengths={c.name: c.length for c in t.columns.values() if c.type == "char"},
                                    frame=t.frame)
                for t in sub.tables.values() if t.path and Path(t.path).resolve().parent == folder}
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        extensible = {codelist_oid(c.id) for c in (sub.define.codelists.values() if sub.define else ())
                      if c.extensible}
        for problem in check_structure(path, data, files, extensible=extensible):
            kind, _, rest = problem.partition(": ")
            owner = re.search(r"(?:IG|IT|VL|WC)\.([A-Z][A-Z0-9]*)", rest)
            items.append((owner.group(1) if owner else path.name, kind, rest))
    return dataset_hits(("", kind, text) for _, kind, text in items).in_datasets(
        [dataset for dataset, _, _ in items])
