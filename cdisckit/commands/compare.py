"""``cdisckit compare BASE COMP``: two dataset files (XPT or Dataset-JSON) or folders, PROC COMPARE style.

Exit 0 when equal, 1 when not, 2 on bad input. ``--report`` (repeatable)
writes .json, .xlsx or .html; the summary goes to standard output.
"""

import sys

from specs import load_study
from specs.errors import InputError

from ..compare import compare_paths
from ..compare_report import FORMATS, write_report


def register(subparsers):
    parser = subparsers.add_parser(
        "compare", help="compare two dataset files or folders: metadata, records, values (exit 0 equal, 1 not)",
        description="Compare two dataset files (XPT v5 or Dataset-JSON), or two folders of them paired by "
                    "dataset name, as SAS PROC "
                    "COMPARE does: dataset and variable metadata, records on one side only, and value "
                    "differences per variable with examples.")
    parser.add_argument("base", metavar="BASE")
    parser.add_argument("comp", metavar="COMP")
    parser.add_argument("--id", help="ID variables, comma-separated (default: the dataset's keys from a "
                                     "define.xml beside the files or from --study; else row numbers)")
    parser.add_argument("--study", help="spec folder or bundled study whose dataset keys are the default IDs")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="largest absolute difference of two numbers still counted equal (default 0)")
    parser.add_argument("--examples", type=int, default=10, help="differing values shown per variable (default 10)")
    parser.add_argument("--report", action="append", default=[], metavar="FILE",
                        help=f"write a report ({', '.join(FORMATS)}); may be repeated")
    parser.set_defaults(func=run)


def run(args):
    for path in args.report:
        if not path.lower().endswith(FORMATS):
            raise InputError(f"{path}: unknown report format; use a file ending in {', '.join(FORMATS)}")
    ids = [v.strip().upper() for v in args.id.split(",") if v.strip()] if args.id else None
    study = load_study(args.study) if args.study else None
    comparison = compare_paths(args.base, args.comp, ids=ids, tolerance=args.tolerance, study=study,
                               examples=args.examples)
    for note in comparison.notes:
        print(f"cdisckit compare: {note}", file=sys.stderr)
    for d in comparison.datasets:
        print(d.summary())
    for name in comparison.only_base:
        print(f"{name}: only in BASE")
    for name in comparison.only_comp:
        print(f"{name}: only in COMP")
    print("EQUAL" if comparison.equal else "DIFFERENT")
    for path in args.report:
        write_report(comparison, path)
    return 0 if comparison.equal else 1
