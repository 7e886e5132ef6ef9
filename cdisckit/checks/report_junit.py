"""The JUnit XML report, so any CI system shows the checks natively.

One test suite per dataset (study-level rules under "(submission)"), one
test case per rule evaluated on it. A test case fails when it has findings
of a failing severity (Error; Warning too with ``fail_on="warning"``); the
failure carries the findings, each with its values and the rule's condition.
Findings of other severities are listed in the test case's system-out.
"""

import xml.etree.ElementTree as ET

from specs.atomic import write_bytes

from .report import finding_records

SHOWN_PER_CASE = 200
SUBMISSION = "(submission)"


def _line(record):
    where = f"record {record['record']}" if record["record"] is not None else "dataset"
    subject = f" USUBJID={record['usubjid']}" if record["usubjid"] else ""
    seq = f" SEQ={record['seq']}" if record["seq"] is not None else ""
    detail = f" ({record['detail']})" if record["detail"] else ""
    status = f" [{record['status']}]" if record.get("status") else ""
    return f"{record['dataset'] or SUBMISSION} {where}{subject}{seq}: {record['values']}{detail}{status}"


def _text(rule, items):
    lines = [f"{rule.id} {items[0]['message']}", f"Condition: {items[0]['condition']}"]
    lines += [_line(r) for r in items[:SHOWN_PER_CASE]]
    if len(items) > SHOWN_PER_CASE:
        lines.append(f"... {len(items) - SHOWN_PER_CASE} more findings in the JSON report")
    return "\n".join(lines) + "\n"


def render(findings, fail_on="error"):
    """The JUnit XML document as bytes."""
    failing = {"Error", "Warning"} if fail_on == "warning" else {"Error"}
    rules = {r.id: r for r in findings.rules}
    records = [r for r in finding_records(findings) if r.get("status") != "resolved"]
    by_case = {}
    for record in records:
        level = rules[record["rule"]].scope.level
        dataset = record["dataset"] if level == "dataset" else ""
        by_case.setdefault((record["rule"], dataset), []).append(record)
    suites = {}
    for rule_id, dataset, _ in findings.checks.itertuples(index=False, name=None):
        suites.setdefault(dataset or SUBMISSION, []).append((rule_id, dataset))
    root = ET.Element("testsuites", name="cdisckit check")
    total = failed = 0
    for suite_name in sorted(suites):
        cases = suites[suite_name]
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(cases)))
        suite_failures = 0
        for rule_id, dataset in cases:
            rule = rules[rule_id]
            items = by_case.get((rule_id, dataset), [])
            case = ET.SubElement(suite, "testcase", classname=f"cdisckit.{suite_name}",
                                 name=f"{rule_id} {rule.words(rule.message)}")
            if items and rule.severity in failing:
                failure = ET.SubElement(case, "failure", type=rule.severity,
                                        message=f"{len(items)} finding(s): {items[0]['message']}")
                failure.text = _text(rule, items)
                suite_failures += 1
            elif items:
                ET.SubElement(case, "system-out").text = _text(rule, items)
        suite.set("failures", str(suite_failures))
        total += len(cases)
        failed += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write(findings, path, *, fail_on="error"):
    """Write the JUnit report to ``path`` (atomically)."""
    write_bytes(path, render(findings, fail_on))
    return path
