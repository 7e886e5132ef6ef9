"""``cdisckit spec``: study specs to and from a define-specification workbook or a define.xml.

- ``spec export DIR --out FILE.xlsx``: the specs of DIR (a spec folder or a
  bundled study) as a workbook in the P21 Define-XML 2.1 layout, with a Mapping
  sheet for the engines' instructions;
- ``spec import FILE.xlsx --out DIR [--layout MAP.yaml]``: a workbook in the
  P21 2.0 or 2.1 layout, odmlib's or metacore's (told from its sheets), or in
  any layout a map describes (``specs.workbook_layout``), into spec YAML files.
  A row with a problem is left out (with what depends on it) and said; the
  rest is written and the exit code is 1. ``--strict`` writes nothing then;
- ``spec from-define define.xml --out DIR``: a Define-XML 2.0 or 2.1 file into
  spec YAML files, the mapping instructions left for the user to write. A
  define.xml with defects (references to definitions it lacks, labels over 40
  characters) is still read: each defect is reported as a finding of the define
  validation, the specs are written with the defects marked (``DEFECT`` ...),
  and the exit code is 1.

Specs made by import and from-define are written to a temporary folder and
loaded back with ``load_study`` first; DIR changes only when they load. Then
its spec files (study.yaml, the codelist, method and comment lists, sdtm/ and
adam/) are replaced; other files in DIR are kept. What could not be carried
over is listed on standard error.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from define.defects import mark_defects
from define.reader import read_define
from define.structure import check_structure
from specs import load_study, write_study
from specs.atomic import check_file, check_folder
from specs.errors import InputError, SpecError
from specs.serialize import STUDY_FILES
from specs.workbook_export import write_workbook
from specs.workbook_import import import_workbook, read_workbook
from specs.workbook_layout import read_layout

# Define validation findings that the specs read from a define.xml carry (an unused definition does not).
_IMPORT_DEFECTS = ("dangling-reference", "duplicate-oid", "label-length")
_SPEC_FOLDERS = ("sdtm", "adam", *(name.removesuffix(".yaml") for name in STUDY_FILES))


def register(subparsers):
    parser = subparsers.add_parser(
        "spec", help="specs to and from a define-specification workbook or define.xml",
        description="Move study specs between YAML files, a Define-style Excel workbook and define.xml.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the specs as a workbook (P21 Define-XML 2.1 layout)",
                                description="Write a study's specs as a workbook in the Pinnacle 21 "
                                            "Define-XML 2.1 layout, plus a Mapping sheet.")
    export.add_argument("study", metavar="DIR", help="spec folder, or the name of a bundled study")
    export.add_argument("--out", required=True, metavar="FILE.xlsx", help="workbook to write")
    export.set_defaults(func=export_specs)
    imp = actions.add_parser("import", help="read a workbook into spec YAML files",
                             description="Read a define-specification workbook (P21 Define-XML 2.0 or "
                                         "2.1 template, odmlib's or metacore's, or any layout a map "
                                         "describes) into spec YAML files.")
    imp.add_argument("workbook", metavar="FILE.xlsx")
    imp.add_argument("--strict", action="store_true",
                     help="write nothing when any row has a problem (default: leave such rows out, say "
                          "which, write the rest and exit 1)")
    imp.add_argument("--layout", metavar="MAP.yaml",
                     help="layout map: which sheet and column holds each field (default: told from the sheets)")
    imp.add_argument("--out", required=True, metavar="DIR", help="spec folder to write")
    imp.set_defaults(func=import_specs)
    from_define = actions.add_parser("from-define", help="read a define.xml into spec YAML files",
                                     description="Read a Define-XML 2.0 or 2.1 file into spec YAML files; "
                                                 "mapping instructions are left to write.")
    from_define.add_argument("define", metavar="define.xml")
    from_define.add_argument("--out", required=True, metavar="DIR", help="spec folder to write")
    from_define.set_defaults(func=specs_from_define)


def export_specs(args):
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"{out}: the workbook must be an .xlsx file (--out)")
    check_file(out)
    study = load_study(args.study)
    write_workbook(study, out)
    print(f"wrote {out}: {_summary(study)}")
    return 0


def import_specs(args):
    check_folder(args.out)
    path = Path(args.workbook)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    layout = read_layout(args.layout) if args.layout else None
    if args.strict:
        study, notes = read_workbook(path, layout)
        return _finish(study, notes, args.out, path)
    study, notes, problems = import_workbook(path, layout)
    for problem in problems:
        print(f"left out: {problem}", file=sys.stderr)
    _finish(study, notes, args.out, path)
    return 1 if problems else 0


def specs_from_define(args):
    check_folder(args.out)
    path = Path(args.define)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    notes = []
    study = read_define(path, notes)
    findings = [f"{path}: {problem}" for problem in check_structure(path) if problem.startswith(_IMPORT_DEFECTS)]
    study, marks = mark_defects(study)
    notes += [f"marked DEFECT in the specs: {mark}" for mark in marks]
    return _finish(study, notes, args.out, path, findings)


def _finish(study, notes, out, source, findings=()):
    """Write the specs; 1 when the source had findings (each printed), else 0."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    save_specs(study, out, source)
    for finding in findings:
        print(f"finding: {finding}", file=sys.stderr)
    print(f"wrote {out}: {_summary(study)}" + (f"; {len(findings)} finding(s) in {source}" if findings else ""))
    return 1 if findings else 0


def save_specs(study, out, source):
    """Write ``study`` as the spec files of folder ``out`` once they load back."""
    out = Path(out)
    check_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        trial = write_study(study, scratch / "specs")
        try:
            load_study(trial)
        except SpecError as exc:
            raise SpecError([f"{source}: as specs, " + p.replace(f"{trial}/", "") for p in exc.problems]) \
                from None
        written = {p.relative_to(trial) for p in trial.rglob("*.yaml")}
        write_study(study, out)
        for stale in _spec_files(out):
            if stale.relative_to(out) not in written:
                stale.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _spec_files(folder):
    files = [folder / "study.yaml", *(folder / name for name in STUDY_FILES)]
    files += [f for sub in _SPEC_FOLDERS for f in sorted((folder / sub).glob("*.yaml"))]
    return [f for f in files if f.is_file()]


def _summary(study):
    variables = sum(len(ds.variables) for ds in study.datasets.values())
    value_level = sum(len(ds.value_level) for ds in study.datasets.values())
    return (f"{len(study.datasets)} datasets, {variables} variables, {value_level} value-level entries, "
            f"{len(study.codelists)} codelists, {len(study.methods)} methods, {len(study.comments)} comments")
