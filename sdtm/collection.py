"""Which collected fields feed which SDTM variables, read from the specs alone.

``collected_fields(study)`` lists, for every raw form and column a mapping
reads, the SDTM dataset and variable it feeds, the record condition under
which it does (``QSTESTCD = EOR0101`` for a transposed questionnaire item,
``QNAM = AESI`` for a supplemental qualifier) and the algorithm. It needs no
raw data: the annotated CRF, the coverage report and the "not submitted"
status of a raw column are all built on it.

Columns of the returned frame (stable; other modules rely on them):

| column | meaning |
|---|---|
| form | raw form (file stem) the column belongs to |
| column | raw column name as in the export |
| dataset | SDTM dataset fed (a SUPP-- dataset for supplemental qualifiers) |
| variable | variable fed (QVAL for a qualifier); blank for ``where``/``join`` rows |
| condition | the records it feeds, as ``VAR = value`` (topic or QNAM); blank for all records |
| algorithm | the algorithm of the variable's mapping (``where``/``join`` for record selection) |
| role | ``value`` (the column's values feed the variable), ``where`` (it selects the source's records) or ``join`` (a join key) |
| where | the source's record filter on raw columns, as text (blank: every row) |
| source | spec path of the record source, e.g. ``QS.yaml: mapping.sources[0]`` |
| origin | the variable's origin type (Collected, Derived, Assigned, ...) |
| codelist | the codelist the mapping puts values through (its ``codelist`` parameter, else the variable's) |

Rows come in spec order: dataset by name, then source, then variable order.
A variable without a mapping copies the column of its name (as the engine does).
"""

import pandas as pd

from specs.errors import InputError

from .algorithms import ALGORITHMS, COLUMN_PARAMETERS

COLUMNS = ["form", "column", "dataset", "variable", "condition", "algorithm", "role", "where", "source", "origin",
           "codelist"]
ITEM, VALUE = "_item", "_value"   # the transposed cell's column name and value (sdtm.engine)


def collected_fields(study):
    """One row per (raw form, raw column, SDTM variable, condition) the specs map."""
    rows = []
    for ds in study.model_datasets("SDTM"):
        mapping = ds.mapping or {}
        supp = mapping.get("supplemental")
        if supp:
            parent = study.datasets.get(supp.get("parent"))
            if parent is None or not (parent.mapping or {}).get("sources"):
                continue
            for i, src in enumerate(parent.mapping["sources"]):
                for qnam, how in (supp.get("qualifiers") or {}).items():
                    conditions = dict.fromkeys([None, *_items(src)], f"QNAM = {qnam}")
                    rows += _variable_rows(parent, i, src, "QVAL", how, ds.name, conditions,
                                           _origin(ds.variable("QVAL")), None)
            continue
        for i, src in enumerate(mapping.get("sources") or []):
            if not src.get("form"):
                continue
            rows += _selection_rows(ds, i, src)
            conditions = _topic_conditions(study, ds, src)
            for var in ds.variables:
                how = (src.get("set") or {}).get(var.name, var.mapping)
                how = how if how is not None else {"algorithm": "assign", "column": var.name}
                rows += _variable_rows(ds, i, src, var.name, how, ds.name, conditions, _origin(var), var.codelist)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.drop_duplicates(ignore_index=True)


def _origin(var):
    return var.origin.type if var is not None and var.origin is not None else ""


def _source_path(ds, i):
    return f"{ds.path.rsplit('/', 1)[-1] if ds.path else ds.name}: mapping.sources[{i}]"


def _resolve(src, column):
    """(form, column) of a source column; ``FORM.COLUMN`` names a joined form's column."""
    for join in src.get("join") or []:
        prefix = f"{join.get('form')}."
        if column.startswith(prefix):
            return join["form"], column[len(prefix):]
    return src["form"], column


def _selection_rows(ds, i, src):
    """Rows for the columns that choose a source's records: its filter and join keys."""
    path, where = _source_path(ds, i), condition_text(src.get("where"))
    rows = [dict(zip(COLUMNS, (*_resolve(src, c), ds.name, "", "", "where", "where", where, path, "", "")))
            for c in dict.fromkeys(mapping_columns(src.get("where") or {}))]
    for join in src.get("join") or []:
        for key in join.get("on") or []:
            for form in (src["form"], join.get("form")):
                rows.append(dict(zip(COLUMNS, (form, key, ds.name, "", "", "join", "join", where, path, "", ""))))
    return rows


def _items(src):
    return (src.get("transpose") or {}).get("columns") or []


def _topic_conditions(study, ds, src):
    """The record condition of a source's records, per transposed item (None:
    not transposed): ``TOPIC = value`` where the source fixes the topic
    variable's value (a hardcoded test code, or the code of a transposed item),
    else blank. Without a Topic role in the spec, a variable filled from the
    item name stands in."""
    mappings = {v.name: (src.get("set") or {}).get(v.name, v.mapping) or {} for v in ds.variables}
    topics = [v for v in ds.variables if v.role == "Topic"] or [
        v for v in ds.variables if ITEM in mapping_columns(mappings[v.name])]
    out = dict.fromkeys([None, *_items(src)], "")
    for var in topics:
        for group in ([None], _items(src)):
            for item, value in zip(group, static_values(study, ds, var, mappings[var.name], group) or []):
                out[item] = out[item] or (f"{var.name} = {value}" if value else "")
    return out


def _variable_rows(ds, i, src, variable, how, dataset, conditions, origin, codelist):
    """Rows for one variable's mapping in one source: one per raw column it reads
    (one per transposed column, with its condition, for ``_value``)."""
    path, where = _source_path(ds, i), condition_text(src.get("where"))
    items = _items(src)
    algorithm = how.get("algorithm", "") if isinstance(how, dict) else ""
    codelist = (how.get("codelist") if isinstance(how, dict) else None) or codelist or ""
    rows = []
    for column in dict.fromkeys(mapping_columns(how)):
        if column == ITEM:
            continue   # the cell's column name, not a collected value
        for item in (items if column == VALUE else [None]):
            raw = item if column == VALUE else column
            cond = conditions[item]
            rows.append(dict(zip(COLUMNS, (*_resolve(src, raw), dataset, variable, cond, algorithm, "value",
                                           where, path, origin, codelist))))
    return rows


def mapping_columns(how):
    """The raw columns a mapping, operand or condition reads, in the order named."""
    if isinstance(how, list):
        return [c for part in how for c in mapping_columns(part)]
    if not isinstance(how, dict):
        return []
    found = [how["column"]] if isinstance(how.get("column"), str) else []
    found += [how[p] for p in COLUMN_PARAMETERS.get(how.get("algorithm"), ()) if isinstance(how.get(p), str)]
    for key, value in how.items():
        if key not in ("column", "decode") and isinstance(value, (dict, list)):
            found += mapping_columns(value)
    return found


class _NotStatic(Exception):
    """The mapping needs record data, so it has no value known from the specs."""


class _StaticBlock:
    """Records known from the specs alone: their transposed item names (None:
    not transposed), nothing else."""

    def __init__(self, study, ds, var, items):
        self.study, self.dataset, self.variable, self.items = study, ds, var, items
        self.index = pd.RangeIndex(len(items))
        self.path = f"{ds.path}: variables[{var.order - 1}].mapping"

    def raw(self, column):
        if column != ITEM or None in self.items:
            raise _NotStatic(column)
        return pd.Series(self.items, index=self.index, dtype="object")

    def var(self, name):
        raise _NotStatic(name)

    def fail(self, mask, message, column=None):
        if pd.Series(mask).any():
            raise _NotStatic(column)


def static_values(study, ds, var, how, items):
    """The values an ``assign``/``hardcode``/``parameter`` mapping gives records of
    the transposed ``items`` (``[None]``: not transposed), computed by the
    algorithm itself; None when they depend on collected data."""
    name = how.get("algorithm")
    if name not in ("assign", "hardcode", "parameter") or not items:
        return None
    try:
        values = ALGORITHMS[name](_StaticBlock(study, ds, var, list(items)),
                                  **{k: v for k, v in how.items() if k != "algorithm"})
    except (_NotStatic, InputError, TypeError):
        return None
    return [str(v) for v in pd.Series(values)]


_COMPARATORS = {"equals": "=", "matches": "matches"}


def condition_text(cond):
    """A condition dict of the mapping language as text: ``QSPERF = Yes``,
    ``TMPTC is not empty``, ``not (LBTEST = EBV DNA)``, ``A and B``."""
    if not cond:
        return ""
    if "all" in cond or "any" in cond:
        joiner = " and " if "all" in cond else " or "
        parts = [condition_text(c) for c in cond.get("all") or cond.get("any")]
        return joiner.join(f"({p})" if " and " in p or " or " in p else p for p in parts)
    if "not" in cond:
        return f"not ({condition_text(cond['not'])})"
    subject = cond.get("column") or cond.get("variable")
    for key, word in _COMPARATORS.items():
        if key in cond:
            return f"{subject} {word} {cond[key]}"
    if "in" in cond:
        return f"{subject} in ({', '.join(map(str, cond['in']))})"
    if "empty" in cond or "not_empty" in cond:
        empty = bool(cond.get("empty", not cond.get("not_empty")))
        return f"{subject} is {'' if empty else 'not '}empty"
    return str(cond)
