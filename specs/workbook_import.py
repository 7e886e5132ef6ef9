"""Read a Define-style workbook, in any layout (``specs.workbook_layout``), into a ``Study``.

The layout is told from the sheets (or given as a layout map); sheets and
headers are matched as the layout says, values spelt as its ``values`` say. Every
problem is collected and reported together in one ``SpecError``, each naming
the cell as ``Variables!F17: Length "abc" is not a number``. The study read is
checked exactly as ``load_study`` checks spec files (JSON Schema, XPT limits,
references), with each finding traced back to the sheet, row and column it
came from. What the spec model has no place for (analysis results metadata,
unknown columns, value-level rows whose where-clause names no variable) is
left out and said in the notes returned beside the study.

Each sheet is imported by the module beside it (see ``workbook_reader``);
this one opens the workbook, puts the study together and checks it.
"""


import contextlib
import re
import zipfile
import zlib
from xml.etree import ElementTree
from pathlib import Path, PurePosixPath

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from . import loader
from . import workbook_import_datasets as dataset_sheets
from . import workbook_import_definitions as definition_sheets
from . import workbook_import_mapping as mapping_sheet
from . import workbook_import_study as study_sheets
from .errors import InputError, SpecError
from .model import Study
from .serialize import STUDY_FILES, study_data, to_data
from .workbook_reader import WorkbookReader

# How load_study's reference messages read once the spec files are sheets.
_DEFINED_IN = {"codelists.yaml": "on the Codelists or Dictionaries sheet",
               "methods.yaml": "on the Methods sheet", "comments.yaml": "on the Comments sheet",
               "study.yaml documents": "on the Documents sheet",
               "study.yaml standards": "among the standards"}


def read_workbook(path, layout=None):
    """``(study, notes)`` from the workbook at ``path``; ``SpecError`` listing every problem.

    ``layout``: a ``workbook_layout.Layout`` to read it by (None: told from the sheets)."""
    with _opened(path) as book:
        reader = WorkbookReader(path, book, layout)
        study = _study(reader)
    if reader.problems:
        raise SpecError(reader.report())
    return study, reader.notes


def import_workbook(path, layout=None):
    """``(study, notes, problems)``: the workbook less the rows that have a problem.

    A row with a problem is left out and the workbook read again without it,
    until no row has one; what hung on a row left out (the variables of a
    dataset whose row is bad) is left out in turn, and said too. Problems no
    row can be left out for (a missing sheet or column, a study attribute)
    raise ``SpecError`` listing every problem found.
    """
    skipped, found = set(), []
    with _opened(path) as book:
        while True:
            reader = WorkbookReader(path, book, layout, frozenset(skipped))
            study = _study(reader)
            found += [p for p in reader.problems if p not in found]
            rows = {(name, row) for name, row, _, _ in reader.problems}
            if rows - reader.data_rows:
                raise SpecError(reader.report(found))
            if not rows:
                return study, reader.notes, reader.report(found)
            skipped |= rows


_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,  # a damaged xlsx (zip of XML)
            ElementTree.ParseError)


@contextlib.contextmanager
def _opened(path):
    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError, *_CORRUPT) as exc:
        raise InputError(f"{path}: not a readable xlsx workbook ({exc})") from None
    try:
        yield book
    except _CORRUPT as exc:       # read-only workbooks read their sheets lazily
        raise InputError(f"{path}: not a readable xlsx workbook ({exc})") from None
    finally:
        book.close()


def _study(reader):
    """The study of an open workbook, sheet by sheet; None when a required sheet is absent."""
    if reader.absent:               # nothing else can be read meaningfully
        return None
    attributes = study_sheets.attributes(reader)
    datasets_rows = reader.rows("Datasets")
    purposes = {reader.text(r, "purpose").lower() for r in datasets_rows if reader.text(r, "purpose")}
    reader.standards = study_sheets.standards(reader, attributes, purposes)
    documents = study_sheets.documents(reader, attributes)
    acrf = [d.id for d in documents if d.kind == "acrf"]
    comments = reader.by_id("Comments", "comments.yaml", lambda row: definition_sheets.comment(reader, row))
    methods = reader.by_id("Methods", "methods.yaml", lambda row: definition_sheets.method(reader, row))
    codelists = definition_sheets.codelists(reader)
    studyid = attributes.get("studyid") or study_sheets.fallback_id(reader, attributes)
    study = Study(studyid=studyid, title=attributes.get("title") or studyid,
                  protocol=attributes.get("protocol") or studyid, sponsor=attributes.get("sponsor"),
                  ct_version=attributes.get("ct_version"), standards=reader.standards,
                  documents=documents, codelists=codelists, methods=methods, comments=comments)
    dataset_sheets.datasets(reader, study, datasets_rows, acrf)
    mapping_sheet.mapping(reader, study)
    for kind in ("Analysis Displays", "Analysis Results"):
        if reader.rows(kind):
            reader.notes.append(f"{reader.sheets[kind].name}: {len(reader.rows(kind))} row(s) not imported "
                              "(analysis results metadata is not part of the specs)")
    _check(reader, study)
    return study


def _check(reader, study):
    """The checks of ``load_study``, on the objects, traced back to cells."""
    found = []
    validators = loader.schema_validators()

    def schema(file, name, data):
        for error in validators[name].iter_errors(data):
            parts = list(error.absolute_path)
            if error.validator == "required":
                parts += [k for k in error.validator_value if k not in error.instance][:1]
            if parts in (["variables"], ["standards"]) and error.validator == "minItems":
                continue                   # said per dataset, or as no implementation guide, already
            empty = error.instance is None and error.validator == "type"
            found.append((file, parts, "empty, but required" if empty else loader.schema_message(error)))

    schema("study.yaml", "study", study_data(study))
    for name, (attr, _) in STUDY_FILES.items():
        schema(name, name.removesuffix(".yaml"), [to_data(item) for item in getattr(study, attr).values()])
    messages = []
    for name, ds in study.datasets.items():
        schema(reader.files[name], "dataset", to_data(ds))
        loader.check_duplicates(reader.files[name], "variables", ds.variables, "name", messages)
        loader.check_transport(PurePosixPath(reader.files[name]), ds, messages)
        loader.check_mappings(PurePosixPath(reader.files[name]), ds, messages)
    for i, cl in enumerate(study.codelists.values()):
        loader.check_duplicates("codelists.yaml", f"[{i}].terms", cl.terms, "value", messages)
    files = {(attr, item.id): (name, i) for name, (attr, _) in STUDY_FILES.items()
             for i, item in enumerate(getattr(study, attr).values())}
    loader.check_references(study, {**files, **reader.files}, messages)
    for message in messages:
        file, path, text = message.split(": ", 2)
        if "must be in a file named" not in text:
            found.append((file, _path_parts(path), text))
    for file, parts, text in found:
        for name, where in _DEFINED_IN.items():
            text = text.replace(f"defined in {name}", f"defined {where}")
        _locate(reader, file, parts, text)


def _locate(reader, file, parts, message):
    for n in range(len(parts), -1, -1):
        place = reader.places.get((file, tuple(parts[:n])))
        if place is not None:
            rest = ".".join(str(p) for p in parts[n:] if not isinstance(p, int))
            fld = place.fields.get(rest, rest or None)
            if fld and place.sheet is not None and fld not in place.sheet.columns:
                fld = place.fields.get(rest.split(".")[0], rest.split(".")[0])
            reader.problem(place.sheet, place.row, fld, message)
            return
    reader.problems.append((None, None, None, f"{file}: {loader.format_path(parts)}: {message}"))


def _path_parts(path):
    """``value_level[1].where[0].variable`` as ``['value_level', 1, 'where', 0, 'variable']``."""
    return [int(i) if i else name for i, name in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path)
            if name != "(top)"]
