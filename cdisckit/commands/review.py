"""``cdisckit review``: the review page of SDTM/ADaM folders (the study's pictures and summaries).

Reads every dataset file (XPT or Dataset-JSON) of the folders given, runs the conformance checks on them
(against the define.xml found beside them) and writes one self-contained HTML
page. Exit 0 when written, 2 for unreadable input.
"""

from pathlib import Path

from specs.errors import InputError

from ..checks import run_checks
from ..checks.table import read_folders
from ..reviewer.review import write_review


def register(subparsers):
    parser = subparsers.add_parser(
        "review", help="the review page of SDTM/ADaM folders: disposition, exposure, KM curves, TEAEs, QLQ-C30",
        description="Write one HTML page with the study's pictures and summaries (subject disposition, exposure "
                    "by cycle, Kaplan-Meier curves of every ADTTE parameter, TEAEs by SOC and worst grade, "
                    "QLQ-C30 scale means over time, conformance summary) from folders of dataset files (XPT or Dataset-JSON).")
    parser.add_argument("data", nargs="+", metavar="DIR", help="folder of dataset files (several allowed)")
    parser.add_argument("--out", required=True, metavar="FILE.html", help="HTML page to write")
    parser.add_argument("--study", metavar="DIR", help="study spec folder (or bundled study name) for the checks")
    parser.set_defaults(func=run)


def run(args):
    folders = [Path(d) for d in args.data]
    if not args.out.lower().endswith((".html", ".htm")):
        raise InputError(f"--out {args.out}: the review page is HTML; name it .html")
    tables, _ = read_folders(folders)
    frames = {table.name: table.frame for table in tables}
    defines = [f / "define.xml" for f in folders if (f / "define.xml").is_file()]
    findings = run_checks(folders, study=args.study, define=defines or None)
    write_review(frames, args.out, findings=findings)
    print(f"wrote {args.out}: {len(frames)} datasets")
    return 0
