"""Read a Define-style workbook, in any layout of ``specs.workbook``, into a ``Study``.

The layout is told from the sheets; headers are matched per layout. Every
problem is collected and reported together in one ``SpecError``, each naming
the cell as ``Variables!F17: Length "abc" is not a number``. The study read is
checked exactly as ``load_study`` checks spec files (JSON Schema, XPT limits,
references), with each finding traced back to the sheet, row and column it
came from. What the spec model has no place for (analysis results metadata,
unknown columns, value-level rows whose where-clause names no variable) is
left out and said in the notes returned beside the study.
"""

import datetime
import difflib
import re
import zipfile
import zlib
from xml.etree import ElementTree
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.utils import get_column_letter

from . import loader
from .errors import InputError, SpecError
from .model import (LEGACY_ORIGINS, Codelist, Comment, Condition, Dataset, Document, Method,
                    Origin, Standard, Study, Term, ValueLevel, Variable, canonical_role,
                    standard_name)
from .serialize import STUDY_FILES, study_data, to_data
from .workbook import (ADAM_CLASSES, ATTRIBUTE_SHEETS, ATTRIBUTES, DERIVED_HEADERS, EXPORT_SHEETS,
                       LAYOUTS, NO, OURS,
                       REQUIRED_SHEETS, SHEETS, YES, canonical, normal, parse_collected,
                       parse_pages, parse_value, parse_where, schema_enum, standard_label)

_FOLDERS = {"SDTM": "sdtm", "ADaM": "adam"}
_SHEET_ORDER = ("Define", "Study", "Standards", *EXPORT_SHEETS[1:4], "WhereClauses", *EXPORT_SHEETS[4:])
# How load_study's reference messages read once the spec files are sheets.
_DEFINED_IN = {"codelists.yaml": "on the Codelists or Dictionaries sheet",
               "methods.yaml": "on the Methods sheet", "comments.yaml": "on the Comments sheet",
               "study.yaml documents": "on the Documents sheet",
               "study.yaml standards": "among the standards"}
_ID = re.compile(r"[^A-Za-z0-9._-]+")


_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError)   # a damaged xlsx (zip of XML)


def read_workbook(path):
    """``(study, notes)`` from the workbook at ``path``; ``SpecError`` listing every problem."""
    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError, *_CORRUPT) as exc:
        raise InputError(f"{path}: not a readable xlsx workbook ({exc})") from None
    try:
        reader = _Reader(path, book)
        study = reader.study()
    except _CORRUPT as exc:       # read-only workbooks read their sheets lazily
        raise InputError(f"{path}: not a readable xlsx workbook ({exc})") from None
    finally:
        book.close()
    if reader.problems:
        raise SpecError(reader.report())
    return study, reader.notes


@dataclass
class _Sheet:
    """A table sheet as read: which column holds which field, and its rows."""
    name: str                      # as spelled in the workbook
    kind: str                      # key of ``SHEETS``
    columns: dict = field(default_factory=dict)    # field -> column number
    headers: dict = field(default_factory=dict)    # field -> header as written
    rows: list = field(default_factory=list)       # _Row, non-empty rows only
    missing: set = field(default_factory=set)      # required fields without a column


@dataclass
class _Row:
    sheet: _Sheet
    number: int
    values: dict                   # field -> cell value


@dataclass
class _Place:
    """Where an object of the study came from: a row, and which field is in which column."""
    sheet: _Sheet | None
    row: int | None
    fields: dict = field(default_factory=dict)     # model field -> sheet field


class _Reader:
    def __init__(self, path, book):
        self.path, self.book = path, book
        self.problems = []         # (sheet name or None, row, column, message)
        self.notes = []
        self.places = {}           # (file, path tuple) -> _Place
        self.absent = set()        # kinds of required sheets the workbook lacks
        self.sheets = {}           # kind -> _Sheet
        self.attributes_sheet, self.attribute_rows = None, {}

    # --- problems and cells -----------------------------------------------------------

    def problem(self, sheet, row, fld, message):
        if sheet is not None and fld in sheet.missing:
            return                     # said once, as the missing column
        column = sheet.columns.get(fld) if sheet is not None else None
        self.problems.append((sheet.name if sheet else None, row, column, message))

    def report(self):
        order = {normal(n): i for i, n in enumerate(_SHEET_ORDER)}
        ranked = sorted(set(self.problems), key=lambda p: (
            order.get(normal(p[0] or ""), -1), p[0] or "", p[1] or 0, p[2] or 0, p[3]))
        return [f"{_where(name, row, col)}: {message}" for name, row, col, message in ranked]

    def text(self, row, fld):
        return _text(row.values.get(fld))

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
        self.places[file, tuple(path)] = _Place(row.sheet if row else None, row.number if row else None,
                                                fields)

    # --- sheets -----------------------------------------------------------------------

    def study(self):
        self.layout = self._layout()
        self._find_sheets()
        if self.absent:               # nothing else can be read meaningfully
            return None
        attributes = self._attributes()
        datasets_rows = self.rows("Datasets")
        purposes = {self.text(r, "purpose").lower() for r in datasets_rows if self.text(r, "purpose")}
        self.standards = self._standards(attributes, purposes)
        documents = self._documents(attributes)
        acrf = [d.id for d in documents if d.kind == "acrf"]
        comments = self._by_id("Comments", "comments.yaml", lambda r: Comment(
            id=self.text(r, "id"), text=self.text(r, "text"), document=self.text(r, "document"),
            pages=parse_pages(self.text(r, "pages") or "")))
        methods = self._by_id("Methods", "methods.yaml", self._method)
        codelists = self._codelists()
        studyid = attributes.get("studyid") or self._fallback_id(attributes)
        study = Study(studyid=studyid, title=attributes.get("title") or studyid,
                      protocol=attributes.get("protocol") or studyid, sponsor=attributes.get("sponsor"),
                      ct_version=attributes.get("ct_version"), standards=self.standards,
                      documents=documents, codelists=codelists, methods=methods, comments=comments)
        self._datasets(study, datasets_rows, acrf)
        self._mapping(study)
        for kind in ("Analysis Displays", "Analysis Results"):
            if self.rows(kind):
                self.notes.append(f"{self.sheets[kind].name}: {len(self.rows(kind))} row(s) not imported "
                                  "(analysis results metadata is not part of the specs)")
        self._check(study)
        return study

    def _layout(self):
        names = [normal(n) for n in self.book.sheetnames]
        for cutoff in (1, 0.75):          # exact names first, then a misspelt one (reported later)
            for layout, (_, signs) in LAYOUTS.items():
                if all(difflib.get_close_matches(normal(s), names, n=1, cutoff=cutoff) for s in signs):
                    return layout
        self.absent.add("Attributes")
        self.problems.append((None, None, None, "cannot tell the layout: " + "; ".join(
            f"{desc} has sheet(s) {', '.join(signs)}" for desc, signs in LAYOUTS.values())
            + f"; this workbook has {', '.join(self.book.sheetnames)}"))
        return OURS

    def _find_sheets(self):
        """Map sheet kinds to worksheets; a misspelt name is reported and read as meant."""
        by_name = {normal(n): n for n in self.book.sheetnames}
        kinds = [*SHEETS, "Attributes"]
        found, unknown = {}, list(self.book.sheetnames)
        for kind in kinds:
            names = ATTRIBUTE_SHEETS if kind == "Attributes" else (kind,)
            hit = next((by_name[normal(n)] for n in names if normal(n) in by_name), None)
            if hit:
                found[kind] = hit
                unknown.remove(hit)
        for kind in kinds:
            if kind in found or kind in self.absent:
                continue
            expected = LAYOUTS[self.layout][1][0] if kind == "Attributes" else kind
            close = difflib.get_close_matches(normal(expected), [normal(n) for n in unknown], n=1, cutoff=0.75)
            if close:
                actual = next(n for n in unknown if normal(n) == close[0])
                unknown.remove(actual)
                found[kind] = actual
                self.problems.append((actual, None, None, f"unknown sheet; rename it {expected!r} "
                                      f"(it is read as the {expected} sheet)"))
            elif kind in REQUIRED_SHEETS or kind == "Attributes":
                self.absent.add(kind)
                self.problems.append((expected, None, None, "sheet missing from the workbook"))
        self.found = found

    def rows(self, kind):
        """The rows of a table sheet (read once); [] when the sheet is absent."""
        if kind not in self.sheets:
            name = self.found.get(kind)
            self.sheets[kind] = _Sheet(name or kind, kind)
            if name:
                self._table(self.sheets[kind], self.book[name].iter_rows(values_only=True), 1)
        return self.sheets[kind].rows

    def _table(self, sheet, rows, header_row):
        """Fill ``sheet`` from an iterator whose first item is the header row."""
        header = next(rows, ())
        wanted = {}
        for column in SHEETS[sheet.kind]:
            for h in column.headers(self.layout):
                wanted.setdefault(normal(h), column.field)
        extra = {}
        for col, cell in enumerate(header, start=1):
            if cell is None or not str(cell).strip():
                continue
            fld = wanted.get(normal(cell))
            if fld and fld not in sheet.columns:
                sheet.columns[fld], sheet.headers[fld] = col, str(cell).strip()
            elif normal(cell) not in (normal(h) for h in DERIVED_HEADERS):
                extra[col] = str(cell).strip()
        for column in SHEETS[sheet.kind]:
            if column.required and column.field not in sheet.columns:
                sheet.missing.add(column.field)
                self.problems.append((sheet.name, header_row, None,
                                      f"missing column {column.headers(self.layout)[0]!r}"))
        filled = dict.fromkeys(extra, 0)
        for number, cells in enumerate(rows, start=header_row + 1):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            values = {fld: cells[col - 1] for fld, col in sheet.columns.items() if col <= len(cells)}
            for col in extra:
                if col <= len(cells) and cells[col - 1] is not None and str(cells[col - 1]).strip():
                    filled[col] += 1
            sheet.rows.append(_Row(sheet, number, values))
        for col, count in filled.items():
            if count:
                self.notes.append(f"{sheet.name}!{get_column_letter(col)}1: column {extra[col]!r} "
                                  f"is not imported ({count} filled cell(s))")

    def _attributes(self):
        """The Define/Study attribute rows, and the standards table under them (ours)."""
        name = self.found.get("Attributes")
        if not name:
            return {}
        self.attributes_sheet = _Sheet(name, "Attributes", columns={"value": 2}, headers={"value": "Value"})
        known = {normal(a): fld for fld, attribute, aliases in ATTRIBUTES for a in (attribute, *aliases)}
        values = {}
        rows = self.book[name].iter_rows(values_only=True)
        for number, cells in enumerate(rows, start=1):
            cells = list(cells) + [None, None]
            key = normal(cells[0]) if cells[0] is not None else ""
            if number > 1 and key in ("standard", "id", "oid") and normal(cells[1] or "") == "name":
                sheet = self.sheets["Standards"] = _Sheet(name, "Standards")
                self._table(sheet, iter([cells] + list(rows)), number)
                break
            if key in known:
                fld = known[key]
                self.attribute_rows[fld] = number
                self.places["study.yaml", (fld,)] = _Place(self.attributes_sheet, number, {"": "value"})
                values[fld] = _text(cells[1])
        return values

    def _fallback_id(self, attributes):
        studyid = re.sub(r"[^A-Za-z0-9_-]+", "-", self.path.stem).strip("-") or "STUDY"
        where = _where(self.found.get("Attributes", "Define"), self.attribute_rows.get("studyid"), 2)
        self.notes.append(f"{where}: StudyName is empty; the study is named {studyid!r} after the file")
        return studyid

    # --- standards and documents ------------------------------------------------------------

    def _standards(self, attributes, purposes):
        standards = []
        rows = self.rows("Standards")
        seen = {}
        for row in rows:
            std = Standard(id=_standard_id(self.text(row, "id")), name=standard_name(self.text(row, "name") or ""),
                           version=self.text(row, "version"),
                           type=canonical("standard_type", self.text(row, "type") or "IG"),
                           publishing_set=self.text(row, "publishing_set") and
                           canonical("publishing_set", self.text(row, "publishing_set")),
                           status=self.text(row, "status") or "Final")
            if self._first(seen, std.id, row, "id"):
                self.place("study.yaml", ("standards", len(standards)), row)
                standards.append(std)
        name, version = attributes.get("standard_name"), attributes.get("standard_version")
        self.default_standard = None
        if not rows and name:
            if name.upper() == "CDISC":     # the 2.0 template names the model only by purpose
                name = "ADaMIG" if "analysis" in purposes else "SDTMIG"
            std = self._new_standard(standard_name(name), version or "", "IG", None, standards)
            self.places["study.yaml", ("standards", standards.index(std))] = _Place(
                self.attributes_sheet, self.attribute_rows.get("standard_name"), {})
            self.default_standard = std.id
        return standards

    def _new_standard(self, name, version, type_, publishing_set, standards):
        std = Standard(id=_ID.sub("_", ".".join(p for p in ("STD", name, publishing_set, version) if p)),
                       name=name, version=version, type=type_, publishing_set=publishing_set)
        same = next((s for s in standards if s.id == std.id), None)
        if same:
            return same
        standards.append(std)
        return std

    def _standard_ref(self, row, fld, type_):
        """The standard id a Standard or Terminology cell means: an id, a label such
        as ``ADaM-IG 1.1``; a standard not yet known is added."""
        text = self.text(row, fld)
        if text is None:
            return None
        if any(s.id == _standard_id(text) for s in self.standards):
            return _standard_id(text)
        words = text.split()
        version = words[-1] if len(words) > 1 else ""
        name = " ".join(words[:-1]) if len(words) > 1 else text
        for std in self.standards:
            if normal(standard_label(std)) in (normal(text), normal(f"{standard_name(name)} {version}")):
                return std.id
        publishing_set = None
        if type_ == "CT" and name.split()[-1].upper() in (p.upper() for p in schema_enum("publishing_set")):
            publishing_set = canonical("publishing_set", name.split()[-1])
            name = " ".join(name.split()[:-1]) or name
        std = self._new_standard(standard_name(name), version, type_, publishing_set, self.standards)
        self.place("study.yaml", ("standards", self.standards.index(std)), row, name=fld, version=fld)
        return std.id

    def _documents(self, attributes):
        acrf_ids = (attributes.get("acrf") or "").replace(",", " ").split()
        explicit = "acrf" in self.attribute_rows
        documents, seen = [], {}
        for row in self.rows("Documents"):
            id_, title = self.text(row, "id"), self.text(row, "title")
            if explicit:
                acrf = id_ in acrf_ids
            else:
                acrf = bool(re.search(r"annotated.*(crf|case report form)", title or "", re.IGNORECASE))
            if self._first(seen, id_, row, "id"):
                self.place("study.yaml", ("documents", len(documents)), row)
                documents.append(Document(id=id_, title=title, href=self.text(row, "href"),
                                          kind="acrf" if acrf else "supplemental"))
        for id_ in acrf_ids:
            if id_ not in seen:
                self.problem(self.attributes_sheet, self.attribute_rows["acrf"], "value",
                             f"Annotated CRF {id_!r} is not on the Documents sheet")
        return documents

    def _first(self, seen, key, row, fld, what="ID"):
        """True for the first row with ``key``; a problem for any later one."""
        if key is None:
            return True
        if key in seen:
            self.problem(row.sheet, row.number, fld, f"{what} {key!r} is defined twice (first on row {seen[key]})")
            return False
        seen[key] = row.number
        return True

    def _by_id(self, kind, file, build):
        items, seen = {}, {}
        for row in self.rows(kind):
            item = build(row)
            if self._first(seen, item.id, row, "id"):
                self.place(file, (len(items),), row)
                items[item.id] = item
        return items

    def _method(self, row):
        method = Method(id=self.text(row, "id"), name=self.text(row, "name"),
                        description=self.text(row, "description"), expression=self.text(row, "expression"),
                        context=self.text(row, "context"), document=self.text(row, "document"),
                        pages=parse_pages(self.text(row, "pages") or ""))
        if self.text(row, "type"):
            method.type = canonical("method_type", self.text(row, "type"))
        return method

    # --- codelists ----------------------------------------------------------------------

    def _codelists(self):
        codelists, first, index, terms = {}, {}, {}, {}
        for row in self.rows("Codelists"):
            id_ = self.text(row, "id")
            if id_ not in codelists:
                data_type = self.text(row, "data_type")
                codelists[id_] = Codelist(
                    id=id_, name=self.text(row, "name"), nci_code=self.text(row, "nci_code"),
                    data_type=canonical("codelist_data_type", data_type) if data_type else "text",
                    standard=self._standard_ref(row, "standard", "CT"), comment=self.text(row, "comment"),
                    extensible=self.flag(row, "extensible", False))
                first[id_] = row
                self.place("codelists.yaml", (len(index),), row, id="id", name="name", nci_code="nci_code",
                           data_type="data_type", standard="standard", comment="comment",
                           extensible="extensible", dictionary=None, version=None)
                index[id_] = len(index)
            else:
                self._same_codelist(first[id_], row)
            if self.text(row, "value") is None:
                for fld in ("decode", "term_nci_code", "rank", "collected", "order"):
                    if self.text(row, fld) is not None:
                        self.problem(row.sheet, row.number, "value", "Term is empty")
                        break
                continue
            order = self.number(row, "order")
            terms.setdefault(id_, []).append(((order is None, order or 0, row.number), row, Term(
                value=self.text(row, "value"), decode=self.text(row, "decode"),
                nci_code=self.text(row, "term_nci_code"), rank=self.number(row, "rank", float),
                collected=parse_collected(self.text(row, "collected")))))
        for id_, items in terms.items():
            for j, (_, row, term) in enumerate(sorted(items, key=lambda item: item[0])):
                self.place("codelists.yaml", (index[id_], "terms", j), row, value="value", decode="decode",
                           nci_code="term_nci_code", rank="rank", collected="collected")
                codelists[id_].terms.append(term)
        seen = {}
        for row in self.rows("Dictionaries"):
            id_ = self.text(row, "id")
            if not self._first(seen, id_, row, "id"):
                continue
            data_type = self.text(row, "data_type")
            data_type = canonical("codelist_data_type", data_type) if data_type else "text"
            cl = codelists.get(id_)
            if cl is None:
                cl = codelists[id_] = Codelist(id=id_, name=self.text(row, "name"), data_type=data_type,
                                               comment=self.text(row, "comment"))
                self.place("codelists.yaml", (len(index),), row)
                index[id_] = len(index)
            else:
                for fld, value in (("name", cl.name), ("data_type", cl.data_type)):
                    mine = self.text(row, fld) if fld == "name" else data_type
                    if mine is not None and mine != value:
                        self.problem(row.sheet, row.number, fld, f"{row.sheet.headers[fld]} {mine!r} differs "
                                     f"from {value!r} on the Codelists sheet for {id_!r}")
            cl.dictionary, cl.version = self.text(row, "dictionary"), self.text(row, "version")
        return codelists

    def _same_codelist(self, first, row):
        """Codelist-level cells repeat on every term row; they must agree."""
        for fld in ("name", "nci_code", "data_type", "standard", "comment", "extensible"):
            mine, theirs = self.text(row, fld), self.text(first, fld)
            if mine is not None and theirs is not None and mine != theirs:
                self.problem(row.sheet, row.number, fld, f"{row.sheet.headers[fld]} {mine!r} differs from "
                             f"{theirs!r} on row {first.number} for codelist {self.text(row, 'id')!r}")

    # --- datasets, variables, value level ---------------------------------------------------

    def _datasets(self, study, rows, acrf):
        sheet = self.sheets["Datasets"]
        seen, places = {}, {}
        for row in rows:
            name = self.text(row, "name")
            if not self._first(seen, name, row, "name", "dataset"):
                continue
            standard = self._standard_ref(row, "standard", "IG") if "standard" in sheet.columns \
                else self.default_standard
            ds = Dataset(name=name, label=self.text(row, "label"), model="SDTM", standard=standard,
                         class_=self.text(row, "class"), subclass=self.text(row, "subclass"),
                         structure=self.text(row, "structure"),
                         keys=[k for k in re.split(r"[,\s]+", self.text(row, "keys") or "") if k],
                         repeating=self.flag(row, "repeating", True),
                         reference_data=self.flag(row, "reference_data", False),
                         domain=self.text(row, "domain"), comment=self.text(row, "comment"),
                         description=self.text(row, "description"),
                         has_no_data=self.flag(row, "has_no_data", False))
            ds.model = self._model(ds, self.text(row, "purpose"))
            study.datasets[name] = ds
            places[name] = row
        self.files = {name: f"{_FOLDERS[ds.model]}/{name}.yaml" for name, ds in study.datasets.items()}
        for name, row in places.items():
            self.place(self.files[name], (), row)
        self._variables(study, acrf)
        for name, ds in study.datasets.items():
            if not ds.variables and not self.sheets["Variables"].missing:
                self.problem(sheet, places[name].number, "name", f"dataset {name!r} has no rows on the "
                             f"{self.sheets['Variables'].name} sheet")
        self._value_level(study, acrf)

    def _model(self, ds, purpose):
        if purpose:
            return "ADaM" if purpose.lower() == "analysis" else "SDTM"
        std = next((s for s in self.standards if s.id == ds.standard), None)
        if (std is not None and std.name == "ADaMIG") or (ds.class_ or "").upper() in ADAM_CLASSES:
            return "ADaM"
        return "SDTM"

    def _dataset_of(self, study, row):
        name = self.text(row, "dataset")
        if name in study.datasets:
            return study.datasets[name]
        self.problem(row.sheet, row.number, "dataset", f"dataset {name!r} is not on the "
                     f"{self.sheets['Datasets'].name} sheet" if name else "Dataset is empty")
        return None

    def _variables(self, study, acrf):
        ordered = {}
        for n, row in enumerate(self.rows("Variables")):
            ds = self._dataset_of(study, row)
            if ds is not None:
                order = self.number(row, "order")
                ordered.setdefault(ds.name, []).append(((order is None, order or 0, n), row))
        sequence = {}
        for name, items in ordered.items():
            ds = study.datasets[name]
            for _, row in sorted(items, key=lambda item: item[0]):
                var = Variable(name=self.text(row, "name"), label=self.text(row, "label"),
                               role=self.text(row, "role") and canonical_role(self.text(row, "role")),
                               core=self.text(row, "core") and canonical("core", self.text(row, "core")),
                               **self._item(row, acrf))
                mandatory = self.flag(row, "mandatory", None)
                if var.core is None and mandatory:
                    var.core = "Req"
                elif var.core is not None and mandatory is not None and mandatory != (var.core == "Req"):
                    self.problem(row.sheet, row.number, "mandatory", f'{row.sheet.headers["mandatory"]} '
                                 f'"{self.text(row, "mandatory")}" contradicts Core "{var.core}"')
                var.order = len(ds.variables) + 1
                self.place(self.files[name], ("variables", len(ds.variables)), row)
                ds.variables.append(var)
                key = self.number(row, "key_sequence")
                if key is not None:
                    sequence.setdefault(name, []).append((key, var.name))
        if "keys" not in self.sheets["Datasets"].columns:
            for name, keys in sequence.items():
                study.datasets[name].keys = [v for _, v in sorted(keys)]

    def _item(self, row, acrf):
        """Fields a variable and a value-level entry share."""
        data_type = self.text(row, "data_type")
        return dict(data_type=canonical("data_type", data_type) if data_type else "text",
                    length=self.number(row, "length"),
                    significant_digits=self.number(row, "significant_digits"),
                    display_format=self.text(row, "display_format"), codelist=self.text(row, "codelist"),
                    method=self.text(row, "method"), comment=self.text(row, "comment"),
                    origin=self._origin(row, acrf))

    def _origin(self, row, acrf):
        cells = {f: self.text(row, f"origin.{f}") for f in ("type", "source", "pages", "document", "predecessor")}
        if not any(cells.values()):
            return None
        type_ = cells["type"]
        if type_ is None:
            given = next(f for f, v in cells.items() if v)
            self.problem(row.sheet, row.number, "origin.type",
                         f"Origin is empty but {row.sheet.headers[f'origin.{given}']} is given")
            return None
        source = cells["source"] and canonical("origin.source", cells["source"])
        legacy = next((v for k, v in LEGACY_ORIGINS.items() if k.lower() == type_.lower()), None)
        if legacy:
            type_, source = legacy[0], source or legacy[1]
        origin = Origin(type=canonical("origin.type", type_), source=source,
                        document=cells["document"], pages=parse_pages(cells["pages"] or ""),
                        predecessor=cells["predecessor"])
        if origin.pages and origin.document is None:
            if len(acrf) == 1:
                origin.document = acrf[0]
            else:
                self.problem(row.sheet, row.number, "origin.pages", "Pages given, but the document they are "
                             f"in is not: {'several' if acrf else 'no'} annotated CRF(s) on the Documents sheet")
        return origin

    def _value_level(self, study, acrf):
        clauses = self._where_clauses()
        for row in self.rows("ValueLevel"):
            ds = self._dataset_of(study, row)
            if ds is None:
                continue
            variable = self.text(row, "variable")
            listed = re.fullmatch(r"VL\.([^.]+)\.([^.]+)", self.text(row, "value_list") or "")
            if ds.variable(variable) is None and listed and ds.variable(listed[2]):
                variable = listed[2]      # odmlib names the value-level item, the list names its variable
            for conditions, places in self._where(row, ds, clauses):
                vlm = ValueLevel(variable=variable, where=conditions, label=self.text(row, "label"),
                                 mandatory=self.flag(row, "mandatory", False), **self._item(row, acrf))
                i = len(ds.value_level)
                self.place(self.files[ds.name], ("value_level", i), row)
                for j, place in enumerate(places):
                    self.places[self.files[ds.name], ("value_level", i, "where", j)] = place
                ds.value_level.append(vlm)

    def _where_clauses(self):
        """WhereClauses sheet: ID -> [(row, Condition)]; None when the layout has none."""
        if "WhereClauses" not in self.found:
            return None
        clauses = {}
        for row in self.rows("WhereClauses"):
            comparator = (self.text(row, "comparator") or "").replace(" ", "").upper()
            value = self.text(row, "value") or ""
            values = [v.strip() for v in value.split(",")] if comparator in ("IN", "NOTIN") else [value]
            cond = Condition(variable=self.text(row, "variable"), comparator=comparator or None, values=values)
            clauses.setdefault(self.text(row, "id"), []).append((row, cond))
        return clauses

    def _where(self, row, ds, clauses):
        """The where-clauses of a value-level row (several mean OR), each as its
        conditions and the places they were read from."""
        text = self.text(row, "where")
        if text is None:
            self.problem(row.sheet, row.number, "where", "Where Clause is empty")
            return []
        if clauses is None:
            try:
                parsed = parse_where(text)
            except ValueError as exc:
                self.problem(row.sheet, row.number, "where", f"Where Clause {text!r}: {exc}")
                return []
            for dataset, variable, _, _ in parsed:
                if dataset not in (None, ds.name):
                    self.problem(row.sheet, row.number, "where", f"Where Clause {text!r}: {dataset}.{variable} "
                                 f"is not a variable of {ds.name}")
            place = _Place(row.sheet, row.number, {"variable": "where", "comparator": "where", "values": "where"})
            return [([Condition(variable=v, comparator=c, values=vals) for _, v, c, vals in parsed],
                     [place] * len(parsed))]
        result = []
        for id_ in re.split(r"[\s,']+", text):
            if id_ not in clauses:
                self.problem(row.sheet, row.number, "where", f"Where Clause {id_!r} is not on the "
                             f"{self.sheets['WhereClauses'].name} sheet")
                continue
            broken = [r for r, cond in clauses[id_] if not cond.variable or not cond.comparator]
            if broken:
                blank = "Variable" if not clauses[id_][0][1].variable else "Comparator"
                self.notes.append(f"{_where(row.sheet.name, row.number, row.sheet.columns['where'])}: "
                                  f"value-level row not imported: its where-clause {id_!r} has no {blank} "
                                  f"({_where(broken[0].sheet.name, broken[0].number)})")
                continue
            result.append(([Condition(variable=c.variable, comparator=canonical("comparator", c.comparator),
                                      values=c.values) for _, c in clauses[id_]],
                           [_Place(r.sheet, r.number, {"values": "value"}) for r, _ in clauses[id_]]))
        return result

    # --- mapping ----------------------------------------------------------------------------

    def _mapping(self, study):
        """Mapping rows into study parameters and dataset and variable mappings."""
        targets = {}
        for row in self.rows("Mapping"):
            dataset, variable = self.text(row, "dataset"), self.text(row, "variable")
            target = study
            if dataset is not None:
                target = self._dataset_of(study, row)
                if target is not None and variable is not None:
                    var = target.variable(variable)
                    if var is None:
                        self.problem(row.sheet, row.number, "variable",
                                     f"{variable!r} is not a variable of {dataset}")
                    target = var
            elif variable is not None:
                self.problem(row.sheet, row.number, "dataset", f"Dataset is empty for variable {variable!r}")
                target = None
            if target is None:
                continue
            mapping = targets.setdefault(id(target), (target, {}))[1]
            key = row.values.get("key")
            if key is None or isinstance(key, str) and not key.strip():
                continue
            key = parse_value(key.strip() if isinstance(key, str) else key)
            if key in mapping:
                self.problem(row.sheet, row.number, "key", f"Key {key!r} is given twice for the same target")
            mapping[key] = parse_value(row.values.get("value"))
        for target, mapping in targets.values():
            if isinstance(target, Study):
                target.parameters = mapping
            else:
                target.mapping = mapping

    # --- checks -----------------------------------------------------------------------------

    def _check(self, study):
        """The checks of ``load_study``, on the objects, traced back to cells."""
        found = []
        validators = loader.schema_validators()

        def schema(file, name, data):
            for error in validators[name].iter_errors(data):
                parts = list(error.absolute_path)
                if error.validator == "required":
                    parts += [k for k in error.validator_value if k not in error.instance][:1]
                if parts == ["variables"] and error.validator == "minItems":
                    continue                   # said per dataset already
                empty = error.instance is None and error.validator == "type"
                found.append((file, parts, "empty, but required" if empty else loader.schema_message(error)))

        schema("study.yaml", "study", study_data(study))
        for name, (attr, _) in STUDY_FILES.items():
            schema(name, name.removesuffix(".yaml"), [to_data(item) for item in getattr(study, attr).values()])
        messages = []
        for name, ds in study.datasets.items():
            schema(self.files[name], "dataset", to_data(ds))
            loader.check_duplicates(self.files[name], "variables", ds.variables, "name", messages)
            loader.check_transport(PurePosixPath(self.files[name]), ds, messages)
        for i, cl in enumerate(study.codelists.values()):
            loader.check_duplicates("codelists.yaml", f"[{i}].terms", cl.terms, "value", messages)
        files = {(attr, item.id): (name, i) for name, (attr, _) in STUDY_FILES.items()
                 for i, item in enumerate(getattr(study, attr).values())}
        loader.check_references(study, {**files, **self.files}, messages)
        for message in messages:
            file, path, text = message.split(": ", 2)
            if "must be in a file named" not in text:
                found.append((file, _path_parts(path), text))
        for file, parts, text in found:
            for name, where in _DEFINED_IN.items():
                text = text.replace(f"defined in {name}", f"defined {where}")
            self._locate(file, parts, text)

    def _locate(self, file, parts, message):
        for n in range(len(parts), -1, -1):
            place = self.places.get((file, tuple(parts[:n])))
            if place is not None:
                rest = ".".join(str(p) for p in parts[n:] if not isinstance(p, int))
                fld = place.fields.get(rest, rest or None)
                if fld and place.sheet is not None and fld not in place.sheet.columns:
                    fld = place.fields.get(rest.split(".")[0], rest.split(".")[0])
                self.problem(place.sheet, place.row, fld, message)
                return
        self.problems.append((None, None, None, f"{file}: {loader.format_path(parts)}: {message}"))


def _text(value):
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


def _standard_id(text):
    """Standard OIDs are often written with spaces (odmlib: ``STD.ADaMIG 1.1``); ids have ``_`` there."""
    return _ID.sub("_", text) if text else text


def _path_parts(path):
    """``value_level[1].where[0].variable`` as ``['value_level', 1, 'where', 0, 'variable']``."""
    return [int(i) if i else name for i, name in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path)
            if name != "(top)"]


def _where(sheet, row=None, col=None):
    if sheet is None:
        return "workbook"
    if row is None:
        return sheet
    return f"{sheet}!{get_column_letter(col)}{row}" if col else f"{sheet}!{row}"
