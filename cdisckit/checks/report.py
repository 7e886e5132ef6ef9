"""Reports of a run: the summary tables every format shows, and writing by file suffix.

``write_reports(findings, paths)`` writes each path in the format its suffix
names: ``.xlsx``, ``.html``, ``.json`` or ``.junit.xml``. The summaries
(per dataset, per rule) and the finding records are computed here once, so
every format says the same thing.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from specs.errors import InputError

from .rule import SEVERITIES

FORMATS = (".junit.xml", ".xlsx", ".html", ".json")
DETAIL_CAP = 500      # finding records shown per rule and dataset in the Excel and HTML reports


def report_format(path):
    """The format of a report path by its suffix; InputError for any other."""
    name = Path(path).name.lower()
    for suffix in FORMATS:
        if name.endswith(suffix):
            return suffix
    raise InputError(f"{path}: unknown report format; use a file ending in {', '.join(FORMATS)}")


def write_reports(findings, paths, *, fail_on="error", created=None):
    """Write ``findings`` to every path (format by suffix). ``fail_on`` decides which
    findings are JUnit failures; ``created`` fixes the time stamped into .xlsx files."""
    from . import report_html, report_json, report_junit, report_xlsx

    writers = {".xlsx": lambda f, p: report_xlsx.write(f, p, created=created),
               ".html": report_html.write, ".json": report_json.write,
               ".junit.xml": lambda f, p: report_junit.write(f, p, fail_on=fail_on)}
    formats = [report_format(p) for p in paths]
    for path, suffix in zip(paths, formats):
        writers[suffix](findings, Path(path))
    return [Path(p) for p in paths]


def _plain(value):
    """A cell value as JSON has it: None for missing, int for integral numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _plain_column(series):
    """``_plain`` of every value of a column (text passes as it is)."""
    return [v if isinstance(v, str) else _plain(v) for v in series.tolist()]


def finding_records(findings):
    """One dict per finding, in report order (``variables`` a list, missing values None)."""
    frame = findings.frame
    columns = {c: _plain_column(frame[c]) for c in frame.columns}
    columns["variables"] = [[v for v in (text or "").split(", ") if v] for text in columns["variables"]]
    for key in ("values", "detail", "message", "condition"):
        columns[key] = [text or "" for text in columns[key]]
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def capped_records(findings, cap=DETAIL_CAP):
    """The finding records with at most ``cap`` per rule and dataset, and per rule and dataset
    that was cut, the full count: ([record], {(rule, dataset): total})."""
    records = finding_records(findings)
    seen, totals, kept = {}, {}, []
    for record in records:
        key = (record["rule"], record["dataset"])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= cap:
            kept.append(record)
    totals = {key: n for key, n in seen.items() if n > cap}
    return kept, totals


def explained_count(findings):
    """Number of active findings an explanation accepts."""
    active = findings.active()
    return int(active["explanation"].fillna("").astype("str").ne("").sum())


def dataset_summary(findings):
    """Per dataset: what it is and its number of findings by severity."""
    active = findings.active()
    counts = (active.groupby(["dataset", "severity"]).size().unstack(fill_value=0)
              .reindex(columns=list(SEVERITIES), fill_value=0))
    frame = findings.datasets.set_index("dataset")
    extra = sorted(set(counts.index) - set(frame.index))   # e.g. datasets missing from the data
    frame = pd.concat([frame, pd.DataFrame(index=pd.Index(extra, name="dataset"))]) if extra else frame
    frame = frame.join(counts).fillna({s: 0 for s in SEVERITIES})
    frame = frame.fillna({"file": "", "label": "", "model": "", "class": "", "records": 0, "variables": 0,
                          "readable": False})
    for column in (*SEVERITIES, "records", "variables"):
        frame[column] = frame[column].astype(int)
    frame["readable"] = frame["readable"].astype(bool)
    frame["findings"] = frame[list(SEVERITIES)].sum(axis=1)
    frame = frame.reset_index().rename(columns={"index": "dataset"})
    frame["dataset"] = frame["dataset"].replace("", "(submission)")
    return frame.sort_values("dataset", kind="stable").reset_index(drop=True)


def issue_summary(findings):
    """Per rule with findings: its metadata, the datasets and the number of findings."""
    active = findings.active()
    if active.empty:
        return pd.DataFrame(columns=["rule", "severity", "category", "message", "datasets", "findings"])
    grouped = active.groupby("rule", sort=False)
    frame = pd.DataFrame({
        "datasets": grouped["dataset"].agg(lambda d: ", ".join(sorted(set(d) - {""}) or ["(submission)"])),
        "findings": grouped.size(),
        "messages": grouped["message"].agg(lambda m: sorted(set(m)))})
    rules = {r.id: r for r in findings.rules}
    order = {s: i for i, s in enumerate(SEVERITIES)}
    frame["severity"] = [rules[i].severity for i in frame.index]
    frame["category"] = [rules[i].category for i in frame.index]
    # the findings' own message when they share one, else the rule's in "--" form
    frame["message"] = [m[0] if len(m) == 1 else rules[i].words(rules[i].message)
                        for i, m in zip(frame.index, frame["messages"])]
    frame = frame.reset_index()
    frame["_order"] = frame["severity"].map(order)
    frame = frame.sort_values(["_order", "rule"]).drop(columns="_order")
    return frame[["rule", "severity", "category", "message", "datasets", "findings"]].reset_index(drop=True)


def rule_records(findings):
    """The catalogue used, one dict per rule."""
    return [{"id": r.id, "p21_id": r.p21_id, "fda_id": r.fda_id, "standard": r.standard,
             "versions": list(r.versions), "severity": r.severity, "category": r.category,
             "message": r.words(r.message), "condition": r.words(r.condition), "description": r.description}
            for r in findings.rules]


def summary(findings):
    """Totals of a run."""
    counts = findings.counts()
    out = {"datasets": int(findings.datasets["readable"].sum()),
           "unreadable": int((~findings.datasets["readable"]).sum()),
           "records": int(findings.datasets["records"].sum()),
           "rules": len(findings.rules),
           "checks": len(findings.checks),
           "findings": int(sum(counts.values())),
           "explained": explained_count(findings),
           "by_severity": counts}
    if "status" in findings.frame:
        status = findings.frame["status"].value_counts()
        out["by_status"] = {s: int(status.get(s, 0)) for s in ("new", "persisting", "resolved")}
    return out
