"""Reports of a dataset comparison (``cdisckit.compare``): JSON, Excel and HTML,
in the style of the conformance reports, chosen by the file's suffix.

Every format has the same four tables: per dataset a summary line; metadata
differences; records on one side only (their ID values); and per variable
the number of differing values with the first examples.
"""

import io
import json
from html import escape
from pathlib import Path

from openpyxl import Workbook

from specs.atomic import write_bytes, write_text
from specs.errors import InputError

from . import __version__
from .checks.report_html import STYLE, html_table
from .checks.report_xlsx import reproducible_xlsx, sheet

FORMATS = (".json", ".xlsx", ".html")


def _ids(frame):
    return ["; ".join(f"{k}={v}" for k, v in row.items()) for row in frame.to_dict("records")]


def report_data(comparison):
    """The comparison as plain data (the JSON report)."""
    datasets = []
    for d in comparison.datasets:
        datasets.append({
            "dataset": d.dataset, "base": d.base_file, "comp": d.comp_file, "equal": d.equal,
            "id": d.keys or ["_N_ (row number)"], "base_records": d.base_records, "comp_records": d.comp_records,
            "repeated_ids": d.duplicate_keys,
            "metadata": d.metadata.to_dict("records"),
            "only_in_base": _ids(d.only_base), "only_in_comp": _ids(d.only_comp),
            "values": [{"variable": v.variable, "differences": v.differences,
                        "within_tolerance": v.within_tolerance, "examples": v.examples.to_dict("records")}
                       for v in d.values],
        })
    return {"tool": {"name": "cdisckit", "version": __version__},
            "base": comparison.base, "comp": comparison.comp, "tolerance": comparison.tolerance,
            "equal": comparison.equal, "datasets_only_in_base": comparison.only_base,
            "datasets_only_in_comp": comparison.only_comp, "datasets": datasets}


def _tables(comparison):
    """(title, header, rows, widths) of the four tables."""
    summary = [(d.dataset, "equal" if d.equal else "different", ", ".join(d.keys) or "_N_", d.base_records,
                d.comp_records, len(d.metadata), len(d.only_base), len(d.only_comp),
                sum(v.differences for v in d.values)) for d in comparison.datasets]
    summary += [(n, "only in BASE", "", "", "", "", "", "", "") for n in comparison.only_base]
    summary += [(n, "only in COMP", "", "", "", "", "", "", "") for n in comparison.only_comp]
    metadata = [(d.dataset, *row) for d in comparison.datasets for row in d.metadata.itertuples(index=False)]
    records = [(d.dataset, side, text) for d in comparison.datasets
               for side, frame in (("BASE", d.only_base), ("COMP", d.only_comp)) for text in _ids(frame)]
    values = [(d.dataset, v.variable, v.differences, v.within_tolerance, ids, row["base"], row["comp"])
              for d in comparison.datasets for v in d.values
              for ids, row in zip(_ids(v.examples.drop(columns=["base", "comp"])), v.examples.to_dict("records"))]
    return [
        ("Summary", ["Dataset", "Result", "ID", "BASE records", "COMP records", "Metadata", "Only in BASE",
                     "Only in COMP", "Values differing"], summary, [10, 12, 40, 10, 10, 10, 10, 10, 10]),
        ("Metadata", ["Dataset", "Variable", "Attribute", "BASE", "COMP"], metadata, [10, 10, 14, 40, 40]),
        ("Records", ["Dataset", "Only in", "ID"], records, [10, 8, 80]),
        ("Values", ["Dataset", "Variable", "Differences", "Within tolerance", "ID", "BASE", "COMP"], values,
         [10, 10, 10, 10, 60, 30, 30]),
    ]


def render_html(comparison):
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>cdisckit compare</title><style>{STYLE}</style></head><body>",
             "<h1>Dataset comparison</h1>",
             f"<p>cdisckit {escape(__version__)} &middot; BASE: {escape(comparison.base)} &middot; "
             f"COMP: {escape(comparison.comp)} &middot; tolerance {comparison.tolerance:g}</p>",
             f"<p><b>{'Equal' if comparison.equal else 'Different'}</b></p>"]
    for title, header, rows, _ in _tables(comparison):
        parts.append(f"<h2>{escape(title)} ({len(rows)})</h2>")
        parts.append(html_table(header, rows))
    parts.append("</body></html>\n")
    return "".join(parts)


def write_report(comparison, path, created=None):
    """Write the report in the format of ``path``'s suffix (.json, .xlsx, .html)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path}: unknown report format; use a file ending in {', '.join(FORMATS)}")
    if suffix == ".json":
        write_text(path, json.dumps(report_data(comparison), indent=1, ensure_ascii=True, default=str) + "\n")
    elif suffix == ".html":
        write_text(path, render_html(comparison))
    else:
        wb = Workbook(write_only=True)
        for title, header, rows, widths in _tables(comparison):
            sheet(wb, title, header, rows, widths)
        buffer = io.BytesIO()
        wb.save(buffer)
        write_bytes(path, reproducible_xlsx(buffer.getvalue(), created))
    return path
