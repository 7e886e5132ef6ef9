"""The workbook as the importer sees it: sheets found by the layout, rows, cells and problems.

``WorkbookReader`` holds what every sheet's import shares: the layout (given,
or told from the sheet names), the sheets found (a misspelt name is reported
and read as meant), each table sheet's rows with its columns matched to the
layout's headers, the cell readers (text, numbers, Yes/No flags) that report
a bad cell as ``Sheet!F17: Header "value" is not ...``, and where each object
of the study came from, so later checks can name its cell. The import of each
sheet lives beside it: ``workbook_import_study`` (Define/Study, Standards,
Documents), ``workbook_import_definitions`` (Codelists, Dictionaries,
Methods, Comments), ``workbook_import_datasets`` (Datasets, Variables,
ValueLevel, WhereClauses) and ``workbook_import_mapping`` (Mapping), as
``workbook_export`` writes them.
"""

import datetime
import difflib
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from .workbook import DERIVED_HEADERS, EXPORT_SHEETS, NO, OURS, REQUIRED_SHEETS, SHEETS, YES, normal
from .workbook_layout import ATTRIBUTES as ATTRIBUTE_KIND
from .workbook_layout import built_in, built_in_layouts

SHEET_ORDER = ("Define", "Study", "Standards", *EXPORT_SHEETS[1:4], "WhereClauses", *EXPORT_SHEETS[4:])


@dataclass
class Sheet:
    """A table sheet as read: which column holds which field, and its rows."""
    name: str                      # as spelled in the workbook
    kind: str                      # key of ``SHEETS``
    columns: dict = field(default_factory=dict)    # field -> column number
    headers: dict = field(default_factory=dict)    # field -> header as written
    rows: list = field(default_factory=list)       # Row, non-empty rows only
    missing: set = field(default_factory=set)      # required fields without a column


@dataclass
class Row:
    sheet: Sheet
    number: int
    values: dict                   # field -> cell value


@dataclass
class Place:
    """Where an object of the study came from: a row, and which field is in which column."""
    sheet: Sheet | None
    row: int | None
    fields: dict = field(default_factory=dict)     # model field -> sheet field


class WorkbookReader:
    """An open workbook being imported: its layout, sheets, rows, problems and notes."""

    def __init__(self, path, book, layout=None, skip=frozenset()):
        self.path, self.book, self.given, self.skip = path, book, layout, skip
        self.data_rows = set()     # (sheet name, row number) of every table row read
        self.problems = []         # (sheet name or None, row, column, message)
        self.notes = []
        self.places = {}           # (file, path tuple) -> Place
        self.absent = set()        # kinds of required sheets the workbook lacks
        self.sheets = {}           # kind -> Sheet
        self.attributes_sheet, self.attribute_rows = None, {}
        self.layout = self._layout()
        self._find_sheets()

    def problem(self, sheet, row, fld, message):
        if sheet is not None and fld in sheet.missing:
            return                     # said once, as the missing column
        column = sheet.columns.get(fld) if sheet is not None else None
        self.problems.append((sheet.name if sheet else None, row, column, message))

    def report(self, problems=None):
        """Problems (default: this reader's) as lines, in sheet and cell order."""
        order = {normal(n): i for i, n in enumerate(SHEET_ORDER)}
        ranked = sorted(set(self.problems if problems is None else problems), key=lambda p: (
            order.get(normal(p[0] or ""), -1), p[0] or "", p[1] or 0, p[2] or 0, p[3]))
        return [f"{location(name, row, col)}: {message}" for name, row, col, message in ranked]

    def text(self, row, fld):
        return self.layout.value(fld, cell_text(row.values.get(fld)))

    def number(self, row, fld, kind=int):
        value = row.values.get(fld)
        if value is None or isinstance(value, str) and not value.strip():
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or number != number or kind is int and not number.is_integer():
            what = "a whole number" if number is not None and number == number else "a number"
            self.problem(row.sheet, row.number, fld, f'{row.sheet.headers[fld]} "{value}" is not {what}')
            return None
        return int(number) if number.is_integer() else number

    def flag(self, row, fld, default):
        value = self.text(row, fld)
        if value is None:
            return default
        if value.lower() in ("yes", "y", "true", "1"):
            return True
        if value.lower() in ("no", "n", "false", "0"):
            return False
        self.problem(row.sheet, row.number, fld, f'{row.sheet.headers[fld]} "{value}" is not {YES} or {NO}')
        return default

    def place(self, file, path, row, **fields):
        self.places[file, tuple(path)] = Place(row.sheet if row else None, row.number if row else None,
                                               fields)

    def rows(self, kind):
        """The rows of a table sheet (read once); [] when the sheet is absent."""
        if kind not in self.sheets:
            name = self.found.get(kind)
            self.sheets[kind] = Sheet(name or kind, kind)
            if name:
                self.table(self.sheets[kind], self.book[name].iter_rows(values_only=True), 1)
        return self.sheets[kind].rows

    def _layout(self):
        if self.given is not None:
            return self.given
        names = [normal(n) for n in self.book.sheetnames]
        for cutoff in (1, 0.75):          # exact names first, then a misspelt one (reported later)
            for layout in built_in_layouts():
                if all(difflib.get_close_matches(normal(s), names, n=1, cutoff=cutoff) for s in layout.detect):
                    return layout
        self.absent.add(ATTRIBUTE_KIND)
        self.problems.append((None, None, None, "cannot tell the layout: " + "; ".join(
            f"{layout.description} has sheet(s) {', '.join(layout.detect)}" for layout in built_in_layouts())
            + f"; this workbook has {', '.join(self.book.sheetnames)} (give its layout map with --layout)"))
        return built_in(OURS)

    def _find_sheets(self):
        """Map sheet kinds to worksheets; a misspelt name is reported and read as meant."""
        by_name = {normal(n): n for n in self.book.sheetnames}
        kinds = [k for k in [*SHEETS, ATTRIBUTE_KIND] if k in self.layout.sheets]
        found, unknown = {}, list(self.book.sheetnames)
        for kind in kinds:
            hit = next((by_name[normal(n)] for n in self.layout.sheets[kind] if normal(n) in by_name), None)
            if hit:
                found[kind] = hit
                unknown.remove(hit)
        for name in self.layout.ignore:
            actual = by_name.get(normal(name))
            if actual in unknown:
                unknown.remove(actual)
                rows = sum(1 for cells in self.book[actual].iter_rows(min_row=2, values_only=True)
                           if any(c is not None and str(c).strip() for c in cells))
                if rows:
                    self.notes.append(f"{actual}: {rows} row(s) not imported (the {self.layout.name} "
                                      "layout has no place for them)")
        for kind in kinds:
            if kind in found or kind in self.absent:
                continue
            expected = (self.layout.detect[0] if kind == ATTRIBUTE_KIND and self.layout.detect
                        else self.layout.sheets[kind][0])
            close = difflib.get_close_matches(normal(expected), [normal(n) for n in unknown], n=1, cutoff=0.75)
            if close:
                actual = next(n for n in unknown if normal(n) == close[0])
                unknown.remove(actual)
                found[kind] = actual
                self.problems.append((actual, None, None, f"unknown sheet; rename it {expected!r} "
                                      f"(it is read as the {expected} sheet)"))
            elif kind in REQUIRED_SHEETS or kind == ATTRIBUTE_KIND:
                self.absent.add(kind)
                self.problems.append((expected, None, None, "sheet missing from the workbook"))
        self.found = found

    def table(self, sheet, rows, header_row):
        """Fill ``sheet`` from an iterator whose first item is the header row."""
        header = next(rows, ())
        wanted = {}                  # header -> the fields it holds (one header may fill several)
        for fld, headers in self.layout.headers(sheet.kind).items():
            for h in headers:
                wanted.setdefault(normal(h), []).append(fld)
        extra = {}
        for col, cell in enumerate(header, start=1):
            if cell is None or not str(cell).strip():
                continue
            fields = [f for f in wanted.get(normal(cell), ()) if f not in sheet.columns]
            for fld in fields:
                sheet.columns[fld], sheet.headers[fld] = col, str(cell).strip()
            if not fields and normal(cell) not in (normal(h) for h in DERIVED_HEADERS):
                extra[col] = str(cell).strip()
        for column in SHEETS[sheet.kind]:
            if column.required and column.field not in sheet.columns:
                sheet.missing.add(column.field)
                self.problems.append((sheet.name, header_row, None,
                                      f"missing column {self.layout.header(sheet.kind, column.field)!r}"))
        filled = dict.fromkeys(extra, 0)
        for number, cells in enumerate(rows, start=header_row + 1):
            if not any(c is not None and str(c).strip() for c in cells) or (sheet.name, number) in self.skip:
                continue
            self.data_rows.add((sheet.name, number))
            values = {fld: cells[col - 1] for fld, col in sheet.columns.items() if col <= len(cells)}
            for col in extra:
                if col <= len(cells) and cells[col - 1] is not None and str(cells[col - 1]).strip():
                    filled[col] += 1
            sheet.rows.append(Row(sheet, number, values))
        for col, count in filled.items():
            if count:
                self.notes.append(f"{sheet.name}!{get_column_letter(col)}1: column {extra[col]!r} "
                                  f"is not imported ({count} filled cell(s))")

    def first(self, seen, key, row, fld, what="ID"):
        """True for the first row with ``key``; a problem for any later one."""
        if key is None:
            return True
        if key in seen:
            self.problem(row.sheet, row.number, fld, f"{what} {key!r} is defined twice (first on row {seen[key]})")
            return False
        seen[key] = row.number
        return True

    def by_id(self, kind, file, build):
        items, seen = {}, {}
        for row in self.rows(kind):
            item = build(row)
            if self.first(seen, item.id, row, "id"):
                self.place(file, (len(items),), row)
                items[item.id] = item
        return items


def cell_text(value):
    """A cell as stripped text, None when empty: ``12`` for the number 12.0,
    ``2025-03-28`` for a date (Excel takes such versions for dates)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return str(value).strip() or None


def location(sheet, row=None, col=None):
    """``Sheet!F17``, ``Sheet!17``, ``Sheet`` or ``workbook``: where a problem is."""
    if sheet is None:
        return "workbook"
    if row is None:
        return sheet
    return f"{sheet}!{get_column_letter(col)}{row}" if col else f"{sheet}!{row}"
