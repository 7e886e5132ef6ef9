"""The HTML report: one self-contained page (inline style, no scripts, no external files).

Totals, the dataset and issue summaries, then the findings rule by rule,
each with its condition, so a reviewer reads why every record failed; findings
an explanations.yaml accepts are marked "explained" with the reason. Long lists
are cut at ``DETAIL_CAP`` findings per rule and dataset, with the full count
(the JSON report keeps them all); the rules that did not run are listed with why.
"""

from html import escape

from specs.atomic import write_text

from .. import __version__
from .report import DETAIL_CAP, SEVERITIES, capped_records, dataset_summary, issue_summary, rule_records, summary

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.86em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee;position:sticky;top:0}
.Error{background:#FFC7CE}.Warning{background:#FFEB9C}.Notice{background:#DDEBF7}
.explained{background:#E2EFDA}.new{background:#FFC7CE}.resolved{background:#C6EFCE}
.badge{display:inline-block;padding:.2em .6em;margin-right:.4em;border-radius:.3em}
details{margin:.4em 0}summary{cursor:pointer}
.why{color:#555;margin:.2em 0 .4em}
code{background:#f4f4f4;padding:0 .2em}
"""


def html_table(header, rows, classes=None):
    """An HTML table; ``classes`` maps a column index to the row value used as its class."""
    out = ["<table><thead><tr>", *(f"<th>{escape(str(h))}</th>" for h in header), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for i, value in enumerate(row):
            text = "" if value is None else str(value)
            css = f' class="{escape(text)}"' if classes and i in classes and text else ""
            out.append(f"<td{css}>{escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render(findings):
    """The report page as text."""
    totals = summary(findings)
    inputs = findings.inputs
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>cdisckit conformance report</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>Conformance report</h1>",
             f"<p>cdisckit {escape(__version__)} &middot; data: {escape(', '.join(inputs.get('data', [])))}"
             f" &middot; specs: {escape(str(inputs.get('study') or 'none'))}"
             f" &middot; define.xml: {escape(', '.join(inputs.get('define') or []) or 'none')}"
             + (f" &middot; baseline: {escape(str(inputs['baseline']))}" if inputs.get("baseline") else "")
             + "</p>", "<p>"]
    parts += [f"<span class=\"badge {s}\">{s}: {totals['by_severity'][s]}</span>" for s in SEVERITIES]
    if "by_status" in totals:
        parts += [f"<span class=\"badge {s}\">{s}: {n}</span>" for s, n in totals["by_status"].items()]
    parts.append(f"<span class=\"badge explained\">explained: {totals['explained']}</span>")
    parts.append(f"</p><p>{totals['datasets']} datasets, {totals['records']} records, {totals['rules']} rules, "
                 f"{totals['checks']} rule-dataset checks, {totals['findings']} findings.</p>")

    datasets = dataset_summary(findings)
    parts.append("<h2>Dataset summary</h2>")
    parts.append(html_table(["Dataset", "Label", "Model", "Class", "Records", "Variables", *SEVERITIES],
                        datasets[["dataset", "label", "model", "class", "records", "variables", *SEVERITIES]]
                        .itertuples(index=False, name=None)))
    parts.append("<h2>Issue summary</h2>")
    issues = issue_summary(findings)
    parts.append(html_table(["Rule", "Severity", "Category", "Message", "Datasets", "Findings"],
                        issues.itertuples(index=False, name=None), classes={1}))

    parts.append("<h2>Findings</h2>")
    records, cut = capped_records(findings)
    by_rule = {}
    for record in records:
        by_rule.setdefault(record["rule"], []).append(record)
    rules = {r["id"]: r for r in rule_records(findings)}
    status = "status" in findings.frame
    for rule_id in issues["rule"]:
        items = by_rule[rule_id]
        rule = rules[rule_id]
        total = int(issues.loc[issues["rule"].eq(rule_id), "findings"].iloc[0])
        parts.append(f"<details><summary><span class=\"badge {rule['severity']}\">{rule['severity']}</span>"
                     f"<b>{escape(rule_id)}</b> {escape(rule['message'])} ({total})</summary>")
        conditions = sorted({r["condition"] for r in items})
        parts.append("".join(f"<p class=\"why\">Condition: {escape(c)}</p>" for c in conditions))
        header = ["Dataset", "Record", "USUBJID", "SEQ", "Values", "Message", "Detail", "Explained"]
        header += ["Status"] if status else []
        rows = ([r["dataset"], r["record"], r["usubjid"], r["seq"], r["values"], r["message"], r["detail"],
                 ("explained: " + r["explanation"]) if r["explanation"] else ""]
                + ([r.get("status")] if status else []) for r in items)
        parts.append(html_table(header, rows, classes={8} if status else None))
        for (cut_rule, dataset), count in sorted(cut.items()):
            if cut_rule == rule_id:
                parts.append(f"<p>{dataset}: first {DETAIL_CAP} of {count} findings shown; "
                             f"all are in the JSON report.</p>")
        parts.append("</details>")

    parts.append(f"<h2>Rules not run ({len(findings.not_run)})</h2><details><summary>Which and why</summary>")
    parts.append(html_table(["Rule", "Reason"], findings.not_run.itertuples(index=False, name=None)))
    parts.append("</details>")
    parts.append("<h2>Rules</h2><details><summary>The catalogue</summary>")
    parts.append(html_table(["Rule", "P21", "FDA", "Standard", "Severity", "Category", "Message", "Condition"],
                        ([r["id"], r["p21_id"], r["fda_id"], r["standard"], r["severity"], r["category"],
                          r["message"], r["condition"]] for r in rules.values()), classes={4}))
    parts.append("</details></body></html>\n")
    return "".join(parts)


def write(findings, path):
    """Write the HTML report to ``path`` (atomically)."""
    write_text(path, render(findings))
    return path
