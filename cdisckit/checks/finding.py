"""Findings: what a rule function returns, and the collected result of a run.

A rule function returns *hits* (``Hits``): one entry per failing record (or
per dataset-level problem) giving the 0-based row, the variables involved,
their values as text and an optional detail. The engine turns hits into
*findings* by adding the rule, the dataset, the 1-based record number,
USUBJID and --SEQ, the message and the rule's condition, so every finding
says which condition failed and on which values. Hits are plain arrays (most
rule evaluations find nothing, and nothing should cost nothing); the findings
of a run are one DataFrame, built once, until a report writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .rule import SEVERITIES

HIT_COLUMNS = ("row", "variables", "values", "detail")
COLUMNS = ("rule", "severity", "category", "dataset", "record", "usubjid", "seq", "variables", "values",
           "message", "condition", "detail", "explanation")
MISSING = "(missing)"


@dataclass(frozen=True)
class Hits:
    """Hits of a rule on a dataset, as aligned arrays: ``row`` (0-based, -1 for a problem of the
    dataset as a whole), ``variables``, ``values`` and ``detail`` (text), and ``dataset`` (the
    dataset each hit is about, when not the one the rule ran on; None otherwise). Columns read
    as from a frame: ``found["row"]``."""
    row: np.ndarray
    variables: np.ndarray
    values: np.ndarray
    detail: np.ndarray
    dataset: np.ndarray | None = None

    def __len__(self):
        return len(self.row)

    @property
    def empty(self):
        return len(self.row) == 0

    def __getitem__(self, column):
        if column not in HIT_COLUMNS + ("dataset",):
            raise KeyError(column)
        return getattr(self, column)

    def in_datasets(self, datasets):
        """These hits, each about the dataset of the same position in ``datasets``."""
        return replace(self, dataset=_texts(datasets, len(self)))

    def unique(self):
        """The hits without repeats (the first of equal hits kept)."""
        first = {}
        for i, key in enumerate(zip(self.row.tolist(), self.variables, self.values, self.detail,
                                    self.dataset if self.dataset is not None else self.row)):
            first.setdefault(key, i)
        return self.take(np.fromiter(first.values(), dtype=np.int64, count=len(first)))

    def take(self, positions):
        return Hits(*(None if a is None else a[positions] for a in (self.row, self.variables, self.values,
                                                                    self.detail, self.dataset)))


def _texts(values, n):
    """``n`` texts: one text repeated, or the given ones (an array of objects)."""
    if isinstance(values, str):
        return np.full(n, values, dtype=object)
    out = np.empty(n, dtype=object)
    out[:] = list(values)
    return out


NO_HITS = Hits(np.zeros(0, dtype=np.int64), *(np.zeros(0, dtype=object) for _ in range(3)))


def concat(parts):
    """The hits of several parts together (None parts left out); None when there are no parts."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    datasets = None if all(p.dataset is None for p in parts) else np.concatenate(
        [p.dataset if p.dataset is not None else np.full(len(p), None, dtype=object) for p in parts])
    return Hits(*(np.concatenate([getattr(p, c) for p in parts]) for c in HIT_COLUMNS), datasets)


def hits(table, mask, variables, detail=None):
    """Hits for the rows of ``table`` where ``mask`` is True, showing ``variables``.

    ``detail`` is None, one text for every hit, a Series aligned with the
    table's rows (only the failing rows are read), or a function of the failing
    rows' 0-based positions giving one text per hit (so texts are only built
    for the rows that fail).
    """
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    variables = list(variables)
    if not len(rows):
        return NO_HITS
    values = None
    for var in variables:
        shown = table.shown(var)[rows]
        part = (var + "=") + np.where(shown == "", MISSING, shown).astype(object)
        values = part if values is None else values + "; " + part
    if values is None:
        values = np.full(len(rows), "", dtype=object)
    if callable(detail):
        detail = pd.Series(np.asarray(detail(rows), dtype=object), dtype="str").to_numpy(dtype=object)
    elif isinstance(detail, pd.Series):
        detail = detail.iloc[rows].astype("str").to_numpy(dtype=object)
    else:
        detail = _texts("" if detail is None else str(detail), len(rows))
    return Hits(rows.astype(np.int64), _texts(", ".join(variables), len(rows)), values, detail)


def dataset_hits(items):
    """Hits that concern a dataset as a whole: ``items`` of (variables, values, detail)."""
    items = list(items)
    if not items:
        return NO_HITS
    return Hits(np.full(len(items), -1, dtype=np.int64),
                _texts([", ".join(v) if isinstance(v, (list, tuple)) else (v or "") for v, _, _ in items], len(items)),
                _texts([values or "" for _, values, _ in items], len(items)),
                _texts([detail or "" for _, _, detail in items], len(items)))


def empty_findings():
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})
    frame["record"] = frame["record"].astype("Int64")
    frame["seq"] = frame["seq"].astype("Float64")
    return frame


@dataclass
class Findings:
    """The result of a run.

    ``frame``: one row per finding (``COLUMNS``, plus ``status`` after a
    baseline comparison). ``checks``: one row per rule and dataset the rule was
    evaluated on, with its number of findings. ``datasets``: one row per
    dataset looked at (name, file, label, records, variables, model, class,
    readable). ``rules``: the catalogue used. ``inputs``: what was checked.
    ``not_run``: the rules that ran on no dataset, with the reason.
    """
    frame: pd.DataFrame
    rules: tuple
    checks: pd.DataFrame
    datasets: pd.DataFrame
    inputs: dict = field(default_factory=dict)
    not_run: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["rule", "reason"]))

    def __len__(self):
        return len(self.frame)

    def active(self):
        """The findings still present (all of them unless a baseline marked some resolved)."""
        if "status" in self.frame:
            return self.frame[self.frame["status"].ne("resolved")]
        return self.frame

    def counts(self, frame=None):
        """Number of findings by severity, every severity listed."""
        frame = self.active() if frame is None else frame
        counts = frame["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def explained(self):
        """True for each finding an explanations.yaml entry accepts."""
        return self.frame["explanation"].fillna("").astype("str").ne("").to_numpy()

    def failing(self, fail_on="error", new_only=False):
        """The findings that make the run fail: Errors (and Warnings with fail_on="warning")
        not explained, only the new ones with ``new_only``."""
        frame = self.active()
        frame = frame[frame["explanation"].fillna("").astype("str").eq("")]
        if new_only and "status" in frame:
            frame = frame[frame["status"].eq("new")]
        severities = ("Error", "Warning") if fail_on == "warning" else ("Error",)
        return frame[frame["severity"].isin(severities)]

    def exit_code(self, fail_on="error", new_only=False):
        """0 when nothing fails, 1 otherwise."""
        return 1 if len(self.failing(fail_on, new_only)) else 0

    def with_frame(self, frame):
        return replace(self, frame=frame)
