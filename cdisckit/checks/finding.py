"""Findings: what a rule function returns, and the collected result of a run.

A rule function returns *hits*: a frame with one row per failing record (or
per dataset-level problem) giving the 0-based row, the variables involved,
their values as text and an optional detail. The engine turns hits into
*findings* by adding the rule, the dataset, the 1-based record number,
USUBJID and --SEQ, the message and the rule's condition, so every finding
says which condition failed and on which values. Findings stay a DataFrame
until a report writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .rule import SEVERITIES
from .table import display

HIT_COLUMNS = ("row", "variables", "values", "detail")
COLUMNS = ("rule", "severity", "category", "dataset", "record", "usubjid", "seq", "variables", "values",
           "message", "condition", "detail", "explanation")
MISSING = "(missing)"


_NO_HITS = pd.DataFrame({"row": pd.array([], dtype="Int64"), "variables": pd.Series([], dtype=object),
                         "values": pd.Series([], dtype=object), "detail": pd.Series([], dtype=object)})


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
        return _NO_HITS.copy()
    values = pd.Series("", index=range(len(rows)), dtype="str")
    for i, var in enumerate(variables):
        shown = display(table.frame[var].iloc[rows]).reset_index(drop=True)
        part = var + "=" + shown.where(shown.ne(""), MISSING)
        values = part if i == 0 else values + "; " + part
    if callable(detail):
        detail = pd.Series(np.asarray(detail(rows), dtype=object), dtype="str") if len(rows) else ""
    elif isinstance(detail, pd.Series):
        detail = detail.iloc[rows].astype("str").reset_index(drop=True)
    return pd.DataFrame({"row": pd.array(rows, dtype="Int64"), "variables": ", ".join(variables),
                         "values": values, "detail": "" if detail is None else detail})


def dataset_hits(items):
    """Hits that concern a dataset as a whole: ``items`` of (variables, values, detail)."""
    items = list(items)
    return pd.DataFrame({"row": pd.array([pd.NA] * len(items), dtype="Int64"),
                         "variables": [", ".join(v) if isinstance(v, (list, tuple)) else (v or "")
                                       for v, _, _ in items],
                         "values": [values or "" for _, values, _ in items],
                         "detail": [detail or "" for _, _, detail in items]},
                        columns=list(HIT_COLUMNS))


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
