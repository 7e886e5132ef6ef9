"""The JSON report: every finding, the summaries and the rule catalogue, in the schema
``report.schema.json`` documents (the format CI jobs and ``--baseline`` read back)."""

import json
from functools import cache
from pathlib import Path

import jsonschema

from specs.atomic import write_text

from .. import __version__
from .report import SEVERITIES, dataset_summary, finding_records, rule_records, summary

SCHEMA_FILE = Path(__file__).with_name("report.schema.json")
SCHEMA_VERSION = "1.0"


@cache
def validator():
    """A validator for the report schema."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def report_data(findings):
    """The report as plain data."""
    columns = ("dataset", "file", "label", "records", "variables", "model", "class", "readable", "findings")
    datasets = [{**{c: row[c] for c in columns}, "by_severity": {s: row[s] for s in SEVERITIES}}
                for row in dataset_summary(findings).to_dict("records")]
    inputs = {"data": list(findings.inputs.get("data", [])), "study": findings.inputs.get("study"),
              "define": list(findings.inputs.get("define") or [])}
    for key in ("baseline", "define_not_used", "standard", "ct", "adam_standard", "sdtm"):
        if key in findings.inputs:
            inputs[key] = findings.inputs[key]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "cdisckit", "version": __version__},
        "inputs": inputs,
        "summary": summary(findings),
        "datasets": datasets,
        "rules": rule_records(findings),
        "checks": [{"rule": r, "dataset": d, "findings": int(n)}
                   for r, d, n in findings.checks.itertuples(index=False, name=None)],
        "findings": finding_records(findings),
        "not_run": [{"rule": r, "reason": w} for r, w in findings.not_run.itertuples(index=False, name=None)],
    }


def write(findings, path):
    """Write the JSON report to ``path`` (atomically)."""
    write_text(path, json.dumps(report_data(findings), indent=1, ensure_ascii=True) + "\n")
    return path
