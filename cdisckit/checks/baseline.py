"""Compare a run with an earlier JSON report: each finding new, persisting or resolved.

A finding is the same finding when rule, dataset, variables, USUBJID, --SEQ
and the failing values are the same (the record number only where there is
no USUBJID or --SEQ, since records move when data are added). Repeated
identical findings are matched one to one. Findings of the old report that
no longer occur come back with status "resolved", so a report shows what was
fixed as well as what is new; a CI job can then fail on new findings only.
"""

import json

import numpy as np
import pandas as pd

from specs.errors import InputError

from .finding import COLUMNS
from .report_json import validator


def read_report(path):
    """The findings of an earlier JSON report, as a frame of ``COLUMNS``.

    Raises InputError when the file is missing, not JSON, or not a report.
    """
    try:
        data = json.loads(open(path, encoding="utf-8").read())
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report: {exc}") from None
    error = next(iter(sorted(validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))), None)
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        raise InputError(f"{path}: {where}: not a cdisckit check report: {error.message}")
    frame = pd.DataFrame(data["findings"], columns=list(COLUMNS) + ["status"])
    frame = frame[frame["status"].ne("resolved")].drop(columns="status")
    frame["variables"] = frame["variables"].map(", ".join)
    frame["record"] = frame["record"].astype("Int64")
    frame["seq"] = frame["seq"].astype("Float64")
    frame["explanation"] = frame["explanation"].fillna("").astype("str")
    for column in ("usubjid", "dataset", "values", "detail", "message", "condition"):
        frame[column] = frame[column].map(lambda v: v if pd.isna(v) else str(v))
    return frame.reset_index(drop=True)


def _keys(frame):
    """One identity text per finding, numbered among identical ones."""
    def part(column):   # not astype("str"): pandas 2 spells a missing value 'None' or '<NA>'
        return frame[column].map(lambda v: "" if pd.isna(v) else str(v)).astype(object)
    anchored = frame["usubjid"].notna() | frame["seq"].notna()
    record = part("record").where(~anchored, "")
    key = (part("rule") + "|" + part("dataset") + "|" + part("variables") + "|" + part("usubjid") + "|"
           + part("seq") + "|" + part("values") + "|" + record)
    return key + "#" + key.groupby(key).cumcount().astype(str)


def compare(findings, old, *, baseline=None):
    """``findings`` with a ``status`` column against ``old`` (a frame from ``read_report``),
    the old findings that disappeared appended as "resolved"."""
    frame = findings.frame.copy()
    now, before = _keys(frame), _keys(old)
    frame["status"] = np.where(now.isin(set(before)), "persisting", "new")
    resolved = old[~before.isin(set(now))].copy()
    resolved["status"] = "resolved"
    merged = pd.concat([frame, resolved], ignore_index=True) if len(resolved) else frame
    result = findings.with_frame(merged.reset_index(drop=True))
    result.inputs = {**findings.inputs, "baseline": None if baseline is None else str(baseline)}
    return result
