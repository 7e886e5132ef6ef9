"""The spec-driven mapping engine: raw forms in, final SDTM frames out.

A dataset's spec says where its records come from (``mapping.sources``: raw
forms, other SDTM datasets or literal records, optionally filtered and
transposed) and, per variable, which algorithm of the catalogue
(``sdtm.algorithms``) fills it. Variables are evaluated on demand, so one may
use another in any order and across datasets (DM's RFXSTDTC from EX, EX's
EXDY from DM) as long as there is no real cycle. A finished frame is typed,
in spec order, sorted by the spec's keys, with --SEQ assigned, and checked
for values that cannot go into an XPT file.

Raw forms are DataFrames of text whose index is the line number in the
file and whose ``attrs["source"]`` names the file; every error names the
file, the line, the column and the spec path.

Dataset-level ``mapping`` keys:

| key | meaning |
|---|---|
| sources | list of record sources (below), stacked in order |
| distinct | drop records identical in every mapped variable (double data entry) |
| require | drop records where any of these variables is blank (e.g. an element never entered) |
| collapse | ``{by: [...], min: [...], max: [...]}``: one record per group (e.g. SV) |
| supplemental | ``{parent, idvar, qualifiers: {QNAM: mapping}}``: a SUPP-- dataset |

A source is exactly one of ``form: NAME`` (a raw form), ``dataset: NAME``
(a final SDTM dataset, its variables read as columns) or ``records: [...]``
(literal rows, e.g. trial design), with optional ``join: [{form, on}]``
(left-join a one-row-per-key form; its columns read as ``form.COLUMN``),
``where`` (a condition on raw columns; see ``specs.conditions``), ``transpose:
{columns: [...]}`` (one record per listed non-empty cell, in columns
``_item`` and ``_value``) and ``set: {VAR: mapping}`` (mappings for this
source only). A variable without a mapping copies the column of its name.

Lineage: every record remembers where it came from, as sdtm.oak's
``oak_id``/``raw_source`` do, without a column in the dataset.
``Mapper.lineage(name)`` gives, per final record (1-based row number), its
direct sources: ``form`` (a raw form's file and line; a joined form's line
too), ``dataset`` (a record of another SDTM dataset, e.g. SE from DM, SUPPAE
from AE) or ``spec`` (a literal record of the spec); a record merged by
``distinct`` or ``collapse`` keeps the sources of every record merged into
it. ``Mapper.dropped()`` lists the raw lines a ``where``, an all-empty
``transpose`` or ``require`` dropped, with the rule.
"""

import inspect
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from specs.conditions import where_mask
from specs.distinct import distinct_rows, per_distinct
from specs.errors import InputError
from specs.frames import blank_missing, check_xpt_values, typed_frame
from specs.mapping import Condition, Name, Names
from specs.text import numbers_text

from . import toxicity  # noqa: F401  (registers the toxicity_grade algorithm)
from .algorithms import ALGORITHMS, FINAL_ALGORITHMS, group_reduce
from .collection import condition_text

INTERNAL = ("_file", "_row", "_src")
LINEAGE = ["dataset", "record", "kind", "source", "file", "row"]
DROPPED = ["form", "file", "row", "dataset", "rule"]
_JOINED = "_row:"   # internal column prefix: the joined form's line, per join

_NAME, _NAMES = Name.__metadata__[0], Names.__metadata__[0]
# The dataset-level ``mapping`` as JSON Schema (the table above); ``load_study``
# holds each SDTM spec against it (the variable mappings inside ``set`` and
# ``qualifiers`` against the algorithms' own schemas).
MAPPING_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "sources": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "minProperties": 1,
            "properties": {
                "form": _NAME, "dataset": _NAME, "records": {"type": "array", "items": {"type": "object"}},
                "join": {"type": "array", "items": {"type": "object", "required": ["form", "on"],
                                                    "additionalProperties": False,
                                                    "properties": {"form": _NAME, "on": _NAMES}}},
                "where": Condition.__metadata__[0],
                "transpose": {"type": "object", "required": ["columns"], "additionalProperties": False,
                              "properties": {"columns": _NAMES, "keep_empty": {"type": "boolean"}}},
                "set": {"type": "object"}}}},
        "distinct": {"type": "boolean"},
        "require": _NAMES,
        "collapse": {"type": "object", "required": ["by"], "additionalProperties": False,
                     "properties": {"by": _NAMES, "min": _NAMES, "max": _NAMES}},
        "supplemental": {"type": "object", "required": ["parent", "qualifiers"], "additionalProperties": False,
                         "properties": {"parent": _NAME, "idvar": _NAME, "qualifiers": {"type": "object"}}}},
}


@dataclass
class Source:
    """One origin of records for a dataset."""
    form: str | None = None
    dataset: str | None = None
    records: list | None = None
    join: list = field(default_factory=list)
    where: dict | None = None
    transpose: dict | None = None
    set: dict = field(default_factory=dict)
    index: int = 0


def _sources(ds):
    mapping = ds.mapping or {}
    raw = mapping.get("sources")
    if raw is None:
        raise InputError(f"{ds.path}: mapping.sources: dataset {ds.name} has no record sources")
    return [Source(index=i, **src) for i, src in enumerate(raw)]


def _bind(algorithm, name, path, /, *args, **params):
    """Stop when a spec gives an algorithm parameters it does not take; a
    failure inside the algorithm is then a bug, not bad input."""
    try:
        inspect.signature(algorithm).bind(*args, **params)
    except TypeError as exc:
        raise InputError(f"{path}: bad parameters for algorithm {name!r}: {exc}") from None


class Block:
    """The records of one source of one dataset, as algorithms see them."""

    def __init__(self, mapper, ds, source, index, variable, path):
        self.mapper, self.dataset, self.source, self.index = mapper, ds, source, index
        self.variable, self.path = variable, path

    @property
    def study(self):
        return self.mapper.study

    def records(self):
        return self.mapper.records(self.dataset.name).loc[self.index]

    def raw(self, column):
        """A raw (or source-dataset) column for these records."""
        columns, file = self.mapper.source_columns(self.dataset.name, self.source.index)
        if column not in columns:
            raise InputError(f"{file}: column {column!r} not found (needed by {self.path})")
        key = ("raw", self.dataset.name, self.source.index, column)   # read by several variables: once
        if key not in self.mapper.cache:
            self.mapper.cache[key] = self.mapper.records(self.dataset.name).loc[self.index, column] \
                .fillna("").astype(str)
        return self.mapper.cache[key]

    def var(self, name):
        """Values of another variable of the same dataset for these records."""
        return self.mapper.column(self.dataset.name, name).loc[self.index]

    def subject_values(self, dataset, variable):
        """Values of a one-record-per-subject dataset's variable, by USUBJID."""
        other = self.mapper.column(dataset, variable)
        keys = self.mapper.column(dataset, "USUBJID")
        lookup = pd.Series(other.values, index=keys.values)
        lookup = lookup[~lookup.index.duplicated()]
        return self.var("USUBJID").map(lookup).fillna("")

    def other_dataset(self, dataset, variables):
        """Values of some variables of another dataset (before sorting)."""
        return self.mapper.evaluated(dataset, variables)

    def fail(self, mask, message, column=None):
        """Stop with a message naming the file, line and column of the first bad record."""
        mask = pd.Series(mask, index=self.index) if not isinstance(mask, pd.Series) else mask
        if not mask.any():
            return
        base = self.mapper.records(self.dataset.name)
        bad = mask[mask].index
        first = bad[0]
        where = f"{base.at[first, '_file']}: row {base.at[first, '_row']}"
        if column:
            where += f", column {column}"
        more = f" ({len(bad) - 1} more such records)" if len(bad) > 1 else ""
        raise InputError(f"{where}: {message(first)}{more} [spec {self.path}]")


class Mapper:
    """Builds the SDTM datasets of one study from its raw forms."""

    def __init__(self, study, raw):
        self.study, self.raw = study, raw
        self._records, self._columns, self._built, self._busy = {}, {}, {}, set()
        self._source_info, self._order = {}, {}
        self._links, self._lineage, self._dropped = {}, {}, []
        self.cache = {}

    def spec(self, name):
        ds = self.study.datasets.get(name)
        if ds is None or ds.model != "SDTM":
            raise InputError(f"{self.study.path}: no SDTM dataset {name!r} in the specs")
        return ds

    # -- records ---------------------------------------------------------
    def source_columns(self, name, index):
        """The columns one source of a dataset provides, and its file's name."""
        self.records(name)
        return self._source_info[(name, index)]

    def records(self, name):
        """The record base: one row per output record, raw columns plus provenance."""
        if name not in self._records:
            ds = self.spec(name)
            parts = [self._source_records(ds, src) for src in _sources(ds)]
            base = pd.concat([p for p, _ in parts], ignore_index=True) if parts else pd.DataFrame(columns=list(INTERNAL))
            offsets = np.cumsum([0] + [len(p) for p, _ in parts])
            links = [lk.assign(record=lk["record"] + offset) for (_, lk), offset in zip(parts, offsets)]
            self._links[name] = pd.concat(links, ignore_index=True) if links else _frame(LINEAGE)
            self._records[name] = base
        return self._records[name]

    def _source_records(self, ds, src):
        path = f"{ds.path}: mapping.sources[{src.index}]"
        if sum(x is not None for x in (src.form, src.dataset, src.records)) != 1:
            raise InputError(f"{path}: give exactly one of form, dataset or records")
        frame, kind = None, "form" if src.form is not None else "dataset" if src.dataset is not None else "spec"
        if src.form is not None:
            if src.form not in self.raw:
                raise InputError(f"{path}.form: raw form {src.form!r} is not in the raw data "
                                 f"(found: {', '.join(sorted(self.raw)) or 'none'})")
            frame = self.raw[src.form]
            file = frame.attrs.get("source", src.form)
            base = blank_missing(frame.astype("object")).assign(_file=file, _row=frame.index.to_numpy())
        elif src.dataset is not None:
            frame = self.build(src.dataset)
            base = frame.astype("object").assign(_file=f"{src.dataset} (SDTM)", _row=np.arange(1, len(frame) + 1))
        else:
            given = pd.DataFrame(src.records, dtype="object")
            columns = list(dict.fromkeys([*given.columns, *ds.variable_names]))
            base = given.reindex(columns=columns).astype("object").fillna("")
            base = base.assign(_file=f"{ds.path}: mapping.sources[{src.index}].records",
                               _row=np.arange(1, len(base) + 1))
        base = base.reset_index(drop=True)
        for i, join in enumerate(src.join):
            base = self._join(base, join, f"{path}.join[{i}]")
        if src.where:
            keep = where_mask(base, src.where, f"{path}.where", kind="column")
            self._drop(kind, src.form, ds, base[~keep], f"{_spec_file(ds)}: mapping.sources[{src.index}].where "
                                                        f"({condition_text(src.where)})")
            base = base[keep].reset_index(drop=True)
        if src.transpose:
            before = base
            base = _transpose(base, src.transpose, f"{path}.transpose", base["_file"].iloc[0] if len(base) else path)
            self._drop(kind, src.form, ds, before[~before["_row"].isin(base["_row"])],
                       f"{_spec_file(ds)}: mapping.sources[{src.index}].transpose (every listed cell empty)")
        label = frame.attrs.get("source", src.form) if src.form is not None else (
            f"{src.dataset} (SDTM)" if src.dataset is not None else f"{path}.records")
        joined = [c for c in base.columns if str(c).startswith(_JOINED)]
        links = _source_links(base, kind, src.form or src.dataset or f"{_spec_file(ds)}: mapping.sources[{src.index}]",
                              {c: self.raw[c[len(_JOINED):]].attrs.get("source", c[len(_JOINED):]) for c in joined})
        base = base.drop(columns=joined)
        self._source_info[(ds.name, src.index)] = (set(base.columns) - set(INTERNAL), label)
        return base.assign(_src=src.index), links

    def _drop(self, kind, form, ds, rows, rule):
        """Remember raw lines a rule of ``ds`` left out (for the coverage report)."""
        if kind == "form" and len(rows):
            self._dropped.append(pd.DataFrame({"form": form, "file": _file_name(rows["_file"]),
                                               "row": rows["_row"].to_numpy(), "dataset": ds.name, "rule": rule}))

    def _join(self, base, join, path):
        """Left-join another raw form (one row per key) as ``form.COLUMN`` columns."""
        form, on = join.get("form"), join.get("on") or []
        if form not in self.raw:
            raise InputError(f"{path}.form: raw form {form!r} is not in the raw data")
        other = blank_missing(self.raw[form].astype("object"))
        file = other.attrs.get("source", form)
        missing = [c for c in on if c not in other.columns or c not in base.columns]
        if not on or missing:
            raise InputError(f"{path}.on: join columns {missing or on} must be in both forms")
        dup = other.duplicated(on, keep="first")
        if dup.any():
            raise InputError(f"{file}: row {other.index[dup.to_numpy()][0]}: more than one row for "
                             f"{dict(other.loc[dup, on].iloc[0])}; a joined form needs one row per key [{path}]")
        renamed = other.rename(columns={c: f"{form}.{c}" for c in other.columns if c not in on})
        renamed[f"{_JOINED}{form}"] = other.index.to_numpy().astype(object)
        return blank_missing(base.merge(renamed, on=on, how="left", validate="many_to_one"))

    # -- variables -------------------------------------------------------
    def column(self, name, variable, mapping=None, path=None):
        """All values of one variable of a dataset, aligned with its record base."""
        key = (name, variable)
        if mapping is None and key in self._columns:
            return self._columns[key]
        if key in self._busy:
            raise InputError(f"{self.spec(name).path}: variable {variable} depends on itself "
                             "through its mapping (a cycle)")
        ds = self.spec(name)
        spec_var = ds.variable(variable)
        base = self.records(name)
        self._busy.add(key)
        try:
            parts = []
            for src in _sources(ds):
                index = base.index[base["_src"].to_numpy() == src.index]
                how, where = self._mapping_of(ds, src, spec_var, variable, mapping)
                block = Block(self, ds, src, index, spec_var, path or where)
                parts.append(self.apply(block, how))
            values = pd.concat(parts) if parts else pd.Series(dtype="object")
            values = values.reindex(base.index)
        finally:
            self._busy.discard(key)
        if mapping is None:
            self._columns[key] = values
        return values

    def _mapping_of(self, ds, src, spec_var, variable, mapping):
        if mapping is not None:
            return mapping, None
        if variable in src.set:
            return src.set[variable], f"{ds.path}: mapping.sources[{src.index}].set.{variable}"
        if spec_var is None:
            raise InputError(f"{ds.path}: variable {variable!r} is used by a mapping but is not a variable of {ds.name}")
        i = spec_var.order - 1
        if spec_var.mapping is not None:
            return spec_var.mapping, f"{ds.path}: variables[{i}].mapping"
        return {"algorithm": "assign", "column": variable}, f"{ds.path}: variables[{i}] (no mapping: copies column {variable})"

    def apply(self, block, how):
        """Values of one mapping instruction for a block's records."""
        name = how.get("algorithm")
        if name in FINAL_ALGORITHMS:
            return pd.Series("", index=block.index, dtype="object")
        algorithm = ALGORITHMS.get(name)
        if algorithm is None:
            raise InputError(f"{block.path}.algorithm: unknown algorithm {name!r} "
                             f"(known: {', '.join(sorted(ALGORITHMS) + sorted(FINAL_ALGORITHMS))})")
        params = {k: v for k, v in how.items() if k != "algorithm"}
        _bind(algorithm, name, block.path, block, **params)
        return pd.Series(algorithm(block, **params), index=block.index)

    def evaluated(self, name, variables=None):
        """Variables of a dataset (default: all) evaluated, in record-base order,
        without the records its ``require`` option drops (not final otherwise)."""
        required = (self.spec(name).mapping or {}).get("require") or []
        names = list(dict.fromkeys([*(variables or self.spec(name).variable_names), *required]))
        frame = pd.DataFrame({v: self.column(name, v) for v in names}, index=self.records(name).index)
        if required:
            kept = (frame[required].fillna("").astype(str) != "").all(axis=1)
            if variables is None and name not in self._built:
                self._drop_required(name, frame.index[~kept.to_numpy()], required)
            frame = frame[kept]
        return frame[variables] if variables else frame

    def _drop_required(self, name, records, required):
        links = self._links[name]
        gone = links[links["record"].isin(records) & (links["kind"] == "form")]
        rule = f"{_spec_file(self.spec(name))}: mapping.require ({' or '.join(required)} blank)"
        self._dropped.append(pd.DataFrame({"form": gone["source"].to_numpy(), "file": gone["file"].to_numpy(),
                                           "row": gone["row"].to_numpy(), "dataset": name, "rule": rule}))

    # -- final -----------------------------------------------------------
    def build(self, name):
        """The final dataset: typed, ordered, sorted by keys, --SEQ assigned."""
        if name in self._built:
            return self._built[name]
        if name in self._busy:
            raise InputError(f"{self.spec(name).path}: dataset {name} is a record source of itself (a cycle)")
        self._busy.add(name)
        try:
            ds = self.spec(name)
            supp = (ds.mapping or {}).get("supplemental")
            frame = self._build_supplemental(ds, supp) if supp else self._finalise(ds, self.evaluated(name))
        finally:
            self._busy.discard(name)
        self._built[name] = frame
        return frame

    def _finalise(self, ds, frame):
        base = self.records(ds.name)
        frame = typed_frame(ds, frame, base)
        merged = pd.Series(frame.index, index=frame.index)   # record -> the record it became
        keys = [k for k in ds.keys if (ds.variable(k).mapping or {}).get("algorithm") not in FINAL_ALGORITHMS]
        if (ds.mapping or {}).get("distinct"):
            cols = [v.name for v in ds.variables if (v.mapping or {}).get("algorithm") not in FINAL_ALGORITHMS]
            first = _first_of_group(frame, cols, keys)
            merged = merged.map(first)
            frame = frame[frame.index == first.reindex(frame.index).to_numpy()]
        if (ds.mapping or {}).get("collapse"):
            frame, first = _collapse(frame, ds.mapping["collapse"], ds)
            merged = merged.map(first)
        frame = frame.sort_values(keys, kind="mergesort", na_position="first") if keys else frame
        for i, var in enumerate(ds.variables):
            how = var.mapping or {}
            if how.get("algorithm") in FINAL_ALGORITHMS:
                params = {k: v for k, v in how.items() if k != "algorithm"}
                final = FINAL_ALGORITHMS[how["algorithm"]]
                _bind(final, how["algorithm"], f"{ds.path}: variables[{i}].mapping", frame, **params)
                frame[var.name] = final(frame, **params)
        frame = frame[ds.variable_names]
        check_xpt_values(ds, frame, base)
        self._order[ds.name] = frame.index.to_numpy()
        position = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
        links = self._links[ds.name]
        record = links["record"].map(merged).map(position)
        self._lineage[ds.name] = links.assign(record=record, dataset=ds.name)[record.notna()] \
            .astype({"record": "int64"}).sort_values(["record", "kind"], kind="mergesort")[LINEAGE] \
            .reset_index(drop=True)
        return frame.reset_index(drop=True)

    def lineage(self, name):
        """The direct sources of each record of a built dataset (columns ``LINEAGE``)."""
        self.build(name)
        return self._lineage[name]

    def dropped(self):
        """Raw lines left out by a ``where``, ``transpose`` or ``require`` rule (columns ``DROPPED``)."""
        return pd.concat(self._dropped, ignore_index=True) if self._dropped else _frame(DROPPED)

    def _build_supplemental(self, ds, supp):
        """SUPP-- records: one per parent record and qualifier with a value."""
        path = f"{ds.path}: mapping.supplemental"
        parent = supp.get("parent")
        parent_frame = self.build(parent)
        rows = self._order[parent]
        idvar = supp.get("idvar")
        labels = {c.values[0]: vl for vl in ds.value_level if vl.variable == "QVAL"
                  for c in vl.where if c.variable == "QNAM" and c.comparator == "EQ"}
        parts = []
        for qnam, how in (supp.get("qualifiers") or {}).items():
            vl = labels.get(qnam)
            if vl is None:
                raise InputError(f"{path}.qualifiers.{qnam}: no value_level entry for QVAL where QNAM EQ {qnam} "
                                 "(it gives QLABEL and QORIG)")
            values = self.column(parent, qnam, mapping=how, path=f"{path}.qualifiers.{qnam}")
            values = values.reindex(rows).fillna("").astype(str).to_numpy()
            part = pd.DataFrame({
                "STUDYID": parent_frame["STUDYID"].to_numpy(), "RDOMAIN": parent,
                "USUBJID": parent_frame["USUBJID"].to_numpy(),
                "IDVAR": idvar or "", "IDVARVAL": _idvarval(parent_frame, idvar),
                "QNAM": qnam, "QLABEL": vl.label or "", "QVAL": values,
                "QORIG": vl.origin.type if vl.origin else "", "QEVAL": (vl.origin.source or "") if vl.origin and vl.origin.type == "Assigned" else "",
                "_row": np.arange(1, len(parent_frame) + 1),
            })
            parts.append(part[part["QVAL"] != ""])
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*ds.variable_names, "_row"])
        missing = [v for v in ds.variable_names if v not in frame.columns]
        if missing:
            raise InputError(f"{path}: SUPP-- variables {missing} are not standard SUPP-- variables")
        frame = frame.sort_values([k for k in ds.keys if k in frame.columns], kind="mergesort")
        self._lineage[ds.name] = pd.DataFrame({
            "dataset": ds.name, "record": np.arange(1, len(frame) + 1), "kind": "dataset", "source": parent,
            "file": f"{parent} (SDTM)", "row": frame["_row"].to_numpy().astype("int64")}, columns=LINEAGE)
        frame = typed_frame(ds, frame[ds.variable_names], None)
        return frame.reset_index(drop=True)


def _spec_file(ds):
    """The spec file's name, for messages that must not depend on where the specs sit."""
    return re.sub(r"^.*[/\\]", "", ds.path or ds.name)


def _frame(columns):
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _file_name(files):
    """A raw file's name without its folder, so lineage does not depend on where the export sat."""
    return _without_folder(files.astype(str)).to_numpy()


@per_distinct
def _without_folder(paths):
    return paths.str.replace(r"^.*[/\\]", "", regex=True)


def _source_links(base, kind, source, joined):
    """Lineage rows of one source's records: their own line, and each joined
    form's line (``joined``: internal column -> the joined form's file)."""
    own = pd.DataFrame({"record": np.arange(len(base)), "kind": kind, "source": source,
                        "file": _file_name(base["_file"]) if kind == "form" else
                        f"{source} (SDTM)" if kind == "dataset" else source.split(":")[0],
                        "row": base["_row"].to_numpy()})
    parts = [own]
    for column, file in joined.items():
        hit = base[column].astype(str) != ""
        parts.append(pd.DataFrame({"record": np.flatnonzero(hit.to_numpy()), "kind": "form",
                                   "source": column[len(_JOINED):], "file": _file_name(pd.Series([file]))[0],
                                   "row": base.loc[hit, column].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _groups(frame, columns):
    """Each record's group of equal ``columns`` values (0, 1, ... in order of
    first appearance; blanks equal), and each group's first record's position."""
    return distinct_rows(*(frame[c] for c in columns), float_bits=False)


def _first_of_group(frame, columns, narrow=()):
    """Each record's first record (in frame order) with the same ``columns``
    values. Records alone in their group of ``narrow`` (some of the columns,
    e.g. the keys) are alone in their group of all columns too, so only the
    others are compared on every column."""
    first = np.arange(len(frame))
    pool = first
    if narrow:
        group, _ = _groups(frame, narrow)
        pool = np.flatnonzero(np.bincount(group)[group] > 1)
    group, firsts = _groups(frame.iloc[pool], columns)
    first[pool] = pool[firsts[group]]
    return pd.Series(frame.index[first], index=frame.index)


def _idvarval(frame, idvar):
    if not idvar:
        return ""
    values = frame[idvar]
    if pd.api.types.is_numeric_dtype(values):
        return numbers_text(values).to_numpy()
    return values.astype(str).to_numpy()


def _collapse(frame, spec, ds):
    """One record per ``by`` group: ``min``/``max`` of the listed variables
    (ignoring blanks), the others from the record with the smallest first
    ``min`` variable (e.g. SV from visits: EPOCH of the first date)); also,
    per record, the record of its group that stands for the group."""
    by = spec.get("by") or []
    unknown = [v for v in by + spec.get("min", []) + spec.get("max", []) if v not in frame.columns]
    if not by or unknown:
        raise InputError(f"{ds.path}: mapping.collapse: variables {unknown or by} are not variables of {ds.name}")
    how = {v: "first" for v in frame.columns if v not in by}
    how.update({v: "min" for v in spec.get("min", [])}, **{v: "max" for v in spec.get("max", [])})
    if spec.get("min"):
        # "first" values then come from the record with the earliest value.
        frame = _sorted_by(frame, spec["min"][0])
    blanked = frame.mask(frame.eq(""))
    group, firsts = _groups(blanked, by)
    out = pd.DataFrame({v: pd.Series(blanked[v].to_numpy()[firsts] if v in by else
                                     group_reduce(blanked[v], group, how[v]).reindex(range(len(firsts))).to_numpy(),
                                     dtype=blanked[v].dtype)
                        for v in frame.columns})
    out.index = frame.index[firsts]
    text = [v.name for v in ds.variables if not v.numeric]
    out[text] = out[text].fillna("")
    return out, pd.Series(frame.index[firsts[group]], index=frame.index)


def _sorted_by(frame, column):
    """``frame.sort_values(column, kind="mergesort")``, through the ranks of the
    distinct values (pandas compares text in Python, record by record)."""
    ranks, distinct = pd.factorize(frame[column], sort=True)
    return frame.iloc[np.argsort(np.where(ranks < 0, len(distinct), ranks), kind="stable")]


def _transpose(base, spec, path, file):
    """Wide raw rows to one record per listed column (findings)."""
    columns = spec.get("columns") or []
    missing = [c for c in columns if c not in base.columns]
    if missing:
        raise InputError(f"{file}: columns {missing} not found (needed by {path})")
    keep = [c for c in base.columns if c not in columns]
    long = base.melt(id_vars=keep, value_vars=columns, var_name="_item", value_name="_value", ignore_index=False)
    long["_order"] = long["_item"].map({c: i for i, c in enumerate(columns)})
    long = long.rename_axis("_pos").sort_values(["_pos", "_order"], kind="mergesort")
    if not spec.get("keep_empty", False):
        long = long[long["_value"].fillna("").astype(str).str.strip() != ""]
    return long.drop(columns="_order").reset_index(drop=True)


@dataclass
class Mapped:
    """The result of mapping: final frames by name, the lineage of their records
    (columns ``LINEAGE``) and the raw lines rules left out (columns ``DROPPED``)."""
    datasets: dict
    lineage: pd.DataFrame
    dropped: pd.DataFrame


def map_and_trace(study, raw, datasets=None, progress=None):
    """Build the study's SDTM datasets (all, or the names given) from raw forms,
    with the lineage of every record."""
    mapper = Mapper(study, raw)
    names = datasets or [d.name for d in study.model_datasets("SDTM") if not d.has_no_data]
    result = {}
    for name in names:
        if progress:
            progress(name)
        result[name] = mapper.build(name)
    lineage = pd.concat([mapper.lineage(n) for n in names], ignore_index=True) if names else _frame(LINEAGE)
    return Mapped(result, lineage, mapper.dropped())


def map_study(study, raw, datasets=None, progress=None):
    """Build the study's SDTM datasets (all, or the names given) from raw forms."""
    return map_and_trace(study, raw, datasets, progress).datasets
