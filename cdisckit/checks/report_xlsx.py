"""The Excel report: Dataset Summary, Issue Summary, Details and Rules sheets.

Each sheet has a frozen, bold header row and a filter on every column;
severities are coloured (Error red, Warning amber, Notice blue). Rows are
streamed (openpyxl write-only), so a million findings fit in memory. The
workbook is written with fixed timestamps, so the same findings give the
same bytes.
"""

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from specs.atomic import write_bytes

from .report import DETAIL_CAP, SEVERITIES, capped_records, dataset_summary, issue_summary, rule_records

MAX_ROWS = 1_048_575            # Excel's limit, less the header
SEVERITY_FILLS = {"Error": "FFC7CE", "Warning": "FFEB9C", "Notice": "DDEBF7"}
STATUS_FILLS = {"new": "FFC7CE", "persisting": "FFFFFF", "resolved": "C6EFCE"}
_FIXED_TIME = dt.datetime(1980, 1, 1)


def sheet(wb, title, header, rows, widths, colour=()):
    """A write-only sheet: frozen bold header, filter, widths, coloured columns."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    fills = {key: PatternFill("solid", fgColor=rgb) for key, rgb in {**SEVERITY_FILLS, **STATUS_FILLS}.items()}
    # The style of each fill is made at its first use (the workbook numbers fills in that
    # order) and copied after: assigning the fill to every cell looks it up among the
    # workbook's fills each time.
    styles = {}
    coloured = {header.index(c) for c in colour if c in header}
    count = 0
    for row in rows:
        if count == MAX_ROWS:
            break
        out = []
        for i, value in enumerate(row):
            if i in coloured and value in fills:
                if value not in styles:
                    styles[value] = _filled(ws, fills[value])
                out.append(Cell(ws, row=1, column=1, value=value, style_array=styles[value]))
            else:
                out.append(value)
        ws.append(out)
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return ws


def _filled(ws, fill):
    """The style of a cell of ``ws`` filled with ``fill``."""
    cell = WriteOnlyCell(ws)
    cell.fill = fill
    return cell._style


def _workbook(findings):
    wb = Workbook(write_only=True)
    summary = dataset_summary(findings)
    columns = ["dataset", "label", "model", "class", "records", "variables", "file", *SEVERITIES, "findings"]
    sheet(wb, "Dataset Summary", ["Dataset", "Label", "Model", "Class", "Records", "Variables", "File",
                                   *SEVERITIES, "Findings"],
           summary[columns].itertuples(index=False, name=None), [12, 36, 8, 24, 10, 10, 40, 8, 9, 8, 9])
    issues = issue_summary(findings)
    sheet(wb, "Issue Summary", ["Rule", "Severity", "Category", "Message", "Datasets", "Findings"],
           issues.itertuples(index=False, name=None), [9, 10, 15, 60, 40, 10], colour=["Severity"])
    status = "status" in findings.frame
    header = ["Dataset", "Rule", "Severity", "Record", "USUBJID", "SEQ", "Variables", "Values", "Message",
              "Condition", "Detail", "Category", "Explanation"] + (["Status"] if status else [])
    keys = ["dataset", "rule", "severity", "record", "usubjid", "seq", "variables", "values", "message",
            "condition", "detail", "category", "explanation"] + (["status"] if status else [])
    records, cut = capped_records(findings)

    def details():
        for record in records:
            record["variables"] = ", ".join(record["variables"])
            yield [record[k] for k in keys]
        for (rule, dataset), total in sorted(cut.items()):
            yield [dataset, rule, None, None, None, None, None, None,
                   f"first {DETAIL_CAP} of {total} findings shown; all are in the JSON report"]
    sheet(wb, "Details", header, details(), [10, 9, 9, 8, 16, 6, 18, 40, 40, 50, 40, 13, 40, 11][:len(header)],
           colour=["Severity", "Status"])
    sheet(wb, "Rules", ["Rule", "P21 ID", "FDA ID", "Standard", "Versions", "Severity", "Category", "Message",
                         "Condition", "Description"],
           ([r["id"], r["p21_id"], r["fda_id"], r["standard"], ", ".join(r["versions"]), r["severity"],
             r["category"], r["message"], r["condition"], r["description"]] for r in rule_records(findings)),
           [9, 9, 9, 14, 12, 9, 15, 45, 60, 80], colour=["Severity"])
    return wb


def reproducible_xlsx(data, created):
    """The xlsx bytes re-zipped with fixed entry times and document times."""
    stamp = (created or _FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6]), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write(findings, path, *, created=None):
    """Write the Excel report to ``path`` (atomically)."""
    buffer = io.BytesIO()
    _workbook(findings).save(buffer)
    write_bytes(path, reproducible_xlsx(buffer.getvalue(), created))
    return path

