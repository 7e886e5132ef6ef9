"""Write a study's specs as a Define-style workbook, in the P21 Define-XML 2.1 layout.

Every field of the spec model has a cell (see ``specs.workbook``), so
``workbook_import.read_workbook`` gives back equal objects. Each sheet has its
header row frozen, filters on and columns wide enough to read. The bytes
depend on the study alone: fixed document dates and zip entry times.
"""

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .atomic import write_bytes
from .errors import InputError
from .workbook import (ATTRIBUTES, EXPORT_SHEETS, OURS, SHEETS, format_collected, format_list,
                       format_pages, format_value, format_where, standard_label, yes_no)
from .workbook_layout import built_in

MIN_WIDTH, MAX_WIDTH = 8, 60
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_workbook(study, path):
    """Write the study's specs to the workbook ``path`` atomically."""
    write_bytes(path, export_workbook(study))
    return path


def export_workbook(study):
    """The study's specs as xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    rows = {
        "Datasets": [_dataset_row(study, ds) for ds in study.datasets.values()],
        "Variables": [_variable_row(ds, i, var) for ds in study.datasets.values()
                      for i, var in enumerate(ds.variables, start=1)],
        "ValueLevel": _value_level_rows(study),
        "Codelists": _codelist_rows(study),
        "Dictionaries": [_dictionary_row(cl) for cl in study.codelists.values() if _in_dictionaries(cl)],
        "Methods": [{"id": m.id, "name": m.name, "type": m.type, "description": m.description,
                     "context": m.context, "expression": m.expression, "document": m.document,
                     "pages": format_pages(m.pages)} for m in study.methods.values()],
        "Comments": [{"id": c.id, "text": c.text, "document": c.document, "pages": format_pages(c.pages)}
                     for c in study.comments.values()],
        "Documents": [{"id": d.id, "title": d.title, "href": d.href} for d in study.documents],
        "Mapping": _mapping_rows(study),
    }
    for title in EXPORT_SHEETS:
        ws = wb.create_sheet(title)
        if title == "Define":
            _write_define(ws, study)
        else:
            _write_table(ws, title, rows.get(title, []))
    return _deterministic(wb)


# --- rows -----------------------------------------------------------------------------------

def _dataset_row(study, ds):
    standard = study.standard(ds.standard) if ds.standard else None
    return {"name": ds.name, "label": ds.label, "class": ds.class_, "subclass": ds.subclass,
            "structure": ds.structure, "keys": format_list(ds.keys),
            "standard": standard and _standard_ref(study, standard), "has_no_data": yes_no(ds.has_no_data),
            "repeating": yes_no(ds.repeating), "reference_data": yes_no(ds.reference_data),
            "comment": ds.comment, "domain": ds.domain, "description": ds.description}


def _standard_ref(study, standard):
    """A standard as the Standard and Terminology columns name it: its label
    (``SDTMIG 3.4``) when no other standard has that label, else its id."""
    label = standard_label(standard)
    same = [s for s in study.standards if standard_label(s) == label]
    return label if len(same) == 1 else standard.id


def _item_cells(item):
    """The cells a variable and a value-level entry share."""
    origin = item.origin
    return {"label": item.label, "data_type": item.data_type, "length": item.length,
            "significant_digits": item.significant_digits, "display_format": item.display_format,
            "codelist": item.codelist, "method": item.method, "comment": item.comment,
            "origin.type": origin and origin.type, "origin.source": origin and origin.source,
            "origin.pages": origin and format_pages(origin.pages),
            "origin.document": origin and origin.document,
            "origin.predecessor": origin and origin.predecessor}


def _variable_row(ds, order, var):
    return {"order": order, "dataset": ds.name, "name": var.name, **_item_cells(var),
            "mandatory": yes_no(var.mandatory), "core": var.core, "role": var.role}


def _value_level_rows(study):
    rows = []
    for ds in study.datasets.values():
        orders = {}
        for vlm in ds.value_level:
            orders[vlm.variable] = orders.get(vlm.variable, 0) + 1
            rows.append({"order": orders[vlm.variable], "dataset": ds.name, "variable": vlm.variable,
                         "where": format_where(vlm.where), **_item_cells(vlm),
                         "mandatory": yes_no(vlm.mandatory)})
    return rows


def _in_dictionaries(codelist):
    return bool(codelist.dictionary or codelist.version)


def _in_codelists(codelist):
    """Codelists sheet rows carry terms and the CT facts; a bare external
    dictionary has only its Dictionaries row."""
    return bool(codelist.terms or codelist.nci_code or codelist.standard or codelist.extensible
                or not _in_dictionaries(codelist))


def _codelist_rows(study):
    rows = []
    for cl in study.codelists.values():
        if not _in_codelists(cl):
            continue
        standard = study.standard(cl.standard) if cl.standard else None
        head = {"id": cl.id, "name": cl.name, "nci_code": cl.nci_code, "data_type": cl.data_type,
                "standard": standard and _standard_ref(study, standard), "comment": cl.comment,
                "extensible": yes_no(cl.extensible)}
        if not cl.terms:
            rows.append(head)
        for order, term in enumerate(cl.terms, start=1):
            rows.append({**head, "order": order, "value": term.value, "term_nci_code": term.nci_code,
                         "decode": term.decode, "rank": term.rank,
                         "collected": format_collected(term.collected)})
    return rows


def _dictionary_row(cl):
    return {"id": cl.id, "name": cl.name, "data_type": cl.data_type, "dictionary": cl.dictionary,
            "version": cl.version, "comment": None if _in_codelists(cl) else cl.comment}


def _mapping_rows(study):
    rows = []

    def add(dataset, variable, mapping):
        if mapping is None:
            return
        if not mapping:
            rows.append({"dataset": dataset, "variable": variable})
        for key, value in mapping.items():
            rows.append({"dataset": dataset, "variable": variable, "key": format_value(key),
                         "value": format_value(value)})

    add(None, None, study.parameters)
    for ds in study.datasets.values():
        add(ds.name, None, ds.mapping)
        for var in ds.variables:
            add(ds.name, var.name, var.mapping)
    return rows


# --- sheets ---------------------------------------------------------------------------------

def _write_define(ws, study):
    """Attribute/value rows as in the P21 template, then the standards table."""
    ig = next((s for s in study.standards if s.type == "IG"), None)
    values = {"studyid": study.studyid, "title": study.title, "protocol": study.protocol,
              "standard_name": ig and ig.name, "standard_version": ig and ig.version, "language": "en",
              "sponsor": study.sponsor, "ct_version": study.ct_version,
              "acrf": format_list([d.id for d in study.documents if d.kind == "acrf"])}
    _header(ws, 1, ["Attribute", "Value"])
    for row, (name, attribute, _) in enumerate(ATTRIBUTES, start=2):
        _put(ws, row, 1, attribute)
        _put(ws, row, 2, values[name])
    top = len(ATTRIBUTES) + 3
    columns = SHEETS["Standards"]
    _header(ws, top, [built_in(OURS).header("Standards", c.field) for c in columns])
    for row, standard in enumerate(study.standards, start=top + 1):
        for col, column in enumerate(columns, start=1):
            _put(ws, row, col, getattr(standard, column.field))
    _finish(ws, f"A1:B{len(ATTRIBUTES) + 1}", len(columns))


def _write_table(ws, kind, rows):
    """A table sheet of ``kind``: the exported fields under the headers of our layout."""
    columns = [c for c in SHEETS[kind] if c.exported]
    _header(ws, 1, [built_in(OURS).header(kind, c.field) for c in columns])
    for r, row in enumerate(rows, start=2):
        for col, column in enumerate(columns, start=1):
            _put(ws, r, col, row.get(column.field))
    _finish(ws, f"A1:{get_column_letter(len(columns))}{len(rows) + 1}", len(columns))


def _header(ws, row, headers):
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL


def _put(ws, row, col, value):
    if value is None:
        return
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        raise InputError(f"{ws.title}!{get_column_letter(col)}{row}: {value[:40]!r} has a control "
                         "character that a workbook cannot hold")
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"            # text that starts with = stays text, not a formula
        if len(value) > MAX_WIDTH or "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _finish(ws, filter_range, ncols):
    """Header row frozen, filters on, each column as wide as its longest line
    (capped); printed landscape, one page wide, the header on every page."""
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = filter_range
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    widths = [MIN_WIDTH] * ncols
    for row in ws.iter_rows():
        for cell in row[:ncols]:
            if cell.value is not None:
                longest = max(len(line) for line in str(cell.value).split("\n"))
                widths[cell.column - 1] = max(widths[cell.column - 1], min(longest + 2, MAX_WIDTH))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _deterministic(wb):
    """Saved bytes with fixed document dates and zip entry times."""
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
