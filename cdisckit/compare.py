"""Dataset comparison in the manner of SAS PROC COMPARE (or diffdf): two
dataset files (XPT v5 or Dataset-JSON, through ``cdisckit.datasets``), or two
folders of them, compared for metadata, records and values.

For each dataset present on both sides:

- metadata: the dataset label; variables on one side only; per common
  variable its type, length, label, format and position;
- records: matched by the ID variables (``--id``; else the dataset's keys
  from a define.xml beside the base or comparison files, or from the specs;
  else by row number); records whose ID is on one side only are listed; IDs
  that repeat are told apart by their order of appearance;
- values: per common variable, the matched records whose values differ (a
  number differs when both are missing-or-not differently or they are more
  than ``tolerance`` apart; within the tolerance is counted separately), with
  the first ``examples`` of them.

Everything is vectorised (one merge per dataset, one comparison per column),
so a 1,000-subject submission compares against itself in seconds.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from specs.conditions import as_text
from define.reader import read_define
from specs.errors import InputError

from .datasets import SUFFIXES, read_dataset

ROW_ID = "_N_"     # the ID when there are no keys: the record's 1-based row
ATTRIBUTES = ("type", "length", "label", "format", "position")


@dataclass
class VariableDiff:
    variable: str
    differences: int
    within_tolerance: int
    examples: pd.DataFrame       # ID columns, base, comp


@dataclass
class DatasetDiff:
    dataset: str
    base_file: str
    comp_file: str
    keys: list
    base_records: int
    comp_records: int
    metadata: pd.DataFrame       # variable, attribute, base, comp
    only_base: pd.DataFrame      # ID values of records only in base
    only_comp: pd.DataFrame
    values: list = field(default_factory=list)   # VariableDiff of variables that differ
    duplicate_keys: int = 0

    @property
    def equal(self):
        return not len(self.metadata) and not len(self.only_base) and not len(self.only_comp) and not self.values

    def summary(self):
        if self.equal:
            return f"{self.dataset}: equal ({self.base_records} records)"
        parts = [f"{len(self.metadata)} metadata difference(s)",
                 f"{len(self.only_base)} record(s) only in BASE", f"{len(self.only_comp)} only in COMP",
                 f"{sum(v.differences for v in self.values)} value(s) differ in {len(self.values)} variable(s)"]
        return f"{self.dataset}: " + ", ".join(parts)


@dataclass
class Comparison:
    base: str
    comp: str
    tolerance: float
    datasets: list                # DatasetDiff
    only_base: list               # dataset names only in base
    only_comp: list
    notes: list = field(default_factory=list)   # where the IDs came from

    @property
    def equal(self):
        return not self.only_base and not self.only_comp and all(d.equal for d in self.datasets)


def _metadata(base_meta, comp_meta):
    rows = []
    if base_meta.label != comp_meta.label:
        rows.append(("", "dataset label", base_meta.label, comp_meta.label))
    base_vars = {v.name: (i + 1, v) for i, v in enumerate(base_meta.variables)}
    comp_vars = {v.name: (i + 1, v) for i, v in enumerate(comp_meta.variables)}
    for name, (pos, var) in base_vars.items():
        if name not in comp_vars:
            rows.append((name, "variable", "present", "absent"))
            continue
        other_pos, other = comp_vars[name]
        for attribute in ATTRIBUTES:
            mine = pos if attribute == "position" else (getattr(var, attribute) or "")
            theirs = other_pos if attribute == "position" else (getattr(other, attribute) or "")
            if mine != theirs:
                rows.append((name, attribute, str(mine), str(theirs)))
    rows += [(name, "variable", "absent", "present") for name in comp_vars if name not in base_vars]
    return pd.DataFrame(rows, columns=["variable", "attribute", "base", "comp"])


def _ids(frame, keys):
    """The ID columns of a frame as text, with an occurrence number where an ID repeats."""
    ids = pd.DataFrame({k: as_text(frame[k]).to_numpy() for k in keys}) if keys else \
        pd.DataFrame({ROW_ID: np.arange(1, len(frame) + 1).astype(str)})
    columns = list(ids.columns)
    repeat = ids.groupby(columns, sort=False).cumcount()
    return ids.assign(_occurrence=repeat.to_numpy()), int((repeat > 0).sum())


def _differ(base, comp, tolerance):
    """(differs, within tolerance) masks of two aligned value arrays."""
    if pd.api.types.is_numeric_dtype(base) and pd.api.types.is_numeric_dtype(comp):
        a, b = base.to_numpy(dtype="float64"), comp.to_numpy(dtype="float64")
        missing_a, missing_b = np.isnan(a), np.isnan(b)
        both = ~missing_a & ~missing_b
        gap = np.abs(np.where(both, a - b, 0.0))
        not_same = (missing_a != missing_b) | (both & (a != b))
        within = not_same & both & (gap <= tolerance)
        return not_same & ~within, within
    a, b = as_text(base).to_numpy(), as_text(comp).to_numpy()
    return a != b, np.zeros(len(a), dtype=bool)


def compare_frames(name, base, comp, *, keys=None, tolerance=0.0, examples=10,
                   base_meta=None, comp_meta=None, files=("", "")):
    """The differences between two versions of one dataset."""
    keys = [k for k in (keys or [])]
    missing = [k for k in keys if k not in base.columns or k not in comp.columns]
    if missing:
        raise InputError(f"{name}: ID variable(s) {', '.join(missing)} not in both datasets")
    metadata = _metadata(base_meta, comp_meta) if base_meta and comp_meta else \
        pd.DataFrame(columns=["variable", "attribute", "base", "comp"])
    base_ids, base_dups = _ids(base, keys)
    comp_ids, comp_dups = _ids(comp, keys)
    on = list(base_ids.columns)
    joined = base_ids.assign(_b=np.arange(len(base))).merge(
        comp_ids.assign(_c=np.arange(len(comp))), on=on, how="outer", indicator=True, sort=False)
    id_columns = [c for c in on if c != "_occurrence"]
    only_base = joined.loc[joined["_merge"] == "left_only", id_columns].reset_index(drop=True)
    only_comp = joined.loc[joined["_merge"] == "right_only", id_columns].reset_index(drop=True)
    both = joined[joined["_merge"] == "both"]
    b_rows, c_rows = both["_b"].to_numpy(dtype="int64"), both["_c"].to_numpy(dtype="int64")
    diffs = []
    for var in [c for c in base.columns if c in comp.columns and c not in keys]:
        left = base[var].iloc[b_rows].reset_index(drop=True)
        right = comp[var].iloc[c_rows].reset_index(drop=True)
        differs, within = _differ(left, right, tolerance)
        if differs.any() or within.any():
            hit = np.flatnonzero(differs)[:examples]
            shown = both[id_columns].iloc[hit].reset_index(drop=True).assign(
                base=as_text(left.iloc[hit]).to_numpy(), comp=as_text(right.iloc[hit]).to_numpy())
            diffs.append(VariableDiff(var, int(differs.sum()), int(within.sum()), shown))
    return DatasetDiff(name, files[0], files[1], keys, len(base), len(comp), metadata,
                       only_base, only_comp, [d for d in diffs if d.differences], base_dups + comp_dups)


def dataset_paths(path):
    """Dataset name -> file of a dataset file or of every dataset file in the tree
    below a folder (e.g. a run's submission with its SDTM and ADaM folders); of
    two files of one dataset (a run with ``--format xpt,json``) the one nearer
    the top, then the one whose format comes first in ``SUFFIXES`` (XPT)."""
    path = Path(path)
    if path.is_file():
        return {path.stem.upper(): path}
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES]
    files.sort(key=lambda p: (len(p.relative_to(path).parts), SUFFIXES.index(p.suffix.lower()), str(p)))
    found = {}
    for file in files:
        found.setdefault(file.stem.upper(), file)
    return dict(sorted(found.items()))


def _define_keys(files, notes, cache):
    """Dataset keys from the first readable define.xml beside one of ``files``, by dataset name."""
    for file in files:
        define = Path(file).parent / "define.xml"
        if define not in cache:
            try:
                cache[define] = {n: ds.keys for n, ds in read_define(define).datasets.items() if ds.keys} \
                    if define.is_file() else None
            except InputError as exc:
                notes.append(f"keys not taken from {exc}")
                cache[define] = None
        if cache[define] is not None:
            return cache[define]
    return {}


def compare_paths(base, comp, *, ids=None, tolerance=0.0, study=None, examples=10):
    """Compare two XPT files or two folders of them (datasets paired by name).

    ID variables: ``ids`` for every dataset, else the keys of a define.xml
    beside the files, else of the ``study`` specs, else row numbers.
    """
    if tolerance < 0:
        raise InputError(f"--tolerance: {tolerance} must be >= 0")
    left, right = dataset_paths(base), dataset_paths(comp)
    if Path(base).is_file() and Path(comp).is_file():
        right = {next(iter(left)): next(iter(right.values()))}   # two files: compared whatever their names
    notes, defines = [], {}
    specs = {n: d.keys for n, d in study.datasets.items()} if study else {}
    diffs = []
    for name in [n for n in left if n in right]:
        base_frame, base_meta = read_dataset(left[name])
        comp_frame, comp_meta = read_dataset(right[name])
        chosen = ids or [k for k in _define_keys((left[name], right[name]), notes, defines).get(name)
                         or specs.get(name, []) if k in base_frame.columns and k in comp_frame.columns]
        diffs.append(compare_frames(name, base_frame, comp_frame, keys=chosen, tolerance=tolerance,
                                    examples=examples, base_meta=base_meta.xpt, comp_meta=comp_meta.xpt,
                                    files=(str(left[name]), str(right[name]))))
    return Comparison(str(base), str(comp), tolerance, diffs,
                      [n for n in left if n not in right], [n for n in right if n not in left], notes)
