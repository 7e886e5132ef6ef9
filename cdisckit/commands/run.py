"""``cdisckit run``: the whole flow on one study, into an eCTD module 5 tree."""

import sys
from pathlib import Path

from specs import load_study
from specs.atomic import check_folder
from specs.errors import InputError

from ..pipeline import creation_time, parse_formats, run_submission
from ..progress import reporter
from ..simulator import SEED, STUDY, SUBJECTS


def register(subparsers):
    parser = subparsers.add_parser(
        "run", help="raw data -> SDTM -> ADaM -> define.xml -> conformance report (default: the bundled study)",
        description="Run the whole flow. With no arguments: simulate the bundled study's raw EDC export "
                    "and write ./submission/ in the eCTD module 5 layout.")
    parser.add_argument("--study", default=STUDY, help=f"spec folder or bundled study (default {STUDY})")
    parser.add_argument("--raw", help="raw export folder (default: simulate one)")
    parser.add_argument("--out", default="submission", help="output folder (default ./submission)")
    parser.add_argument("--subjects", type=int, help=f"subjects to simulate (default {SUBJECTS})")
    parser.add_argument("--seed", type=int, help=f"simulation seed (default {SEED})")
    parser.add_argument("--created", help="creation datetime stamped into every file (ISO 8601; default now)")
    parser.add_argument("--format", default="xpt",
                        help="dataset formats, comma-separated: xpt, json, ndjson, dsjc (default xpt); "
                             "define.xml points at the files of the first")
    parser.set_defaults(func=run)


def run(args):
    if args.raw and (args.subjects is not None or args.seed is not None):
        raise InputError("--subjects and --seed simulate raw data; they cannot be used with --raw")
    formats = parse_formats(args.format)
    check_folder(args.out)
    study = load_study(args.study)
    problems, findings = run_submission(study, Path(args.out), raw=args.raw,
                                        subjects=SUBJECTS if args.subjects is None else args.subjects,
                                        seed=SEED if args.seed is None else args.seed,
                                        created=creation_time(args.created), progress=reporter(),
                                        formats=formats)
    for problem in problems:
        print(problem, file=sys.stderr)
    counts = findings.counts()
    print(f"submission written to {args.out}: define.xml {len(problems)} problem(s); conformance "
          + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("Error", "Warning", "Notice"))
          + f" ({int(findings.explained().sum())} explained)")
    return 1 if problems or findings.exit_code("error", False) else 0
