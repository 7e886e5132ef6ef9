"""``cdisckit define``: write define.xml and define.html for a folder of XPT files, and validate them.

The define is built from the specs and the datasets as stored, checked against
the Define-XML 2.1 schema and the structural rules of ``define.structure``
(OIDs, ItemRef order and lengths against the XPT files, codelist values,
dataset files present beside the define.xml). Exit 0 when valid, 1 when
a problem is found (each printed with its rule or schema message and the
element's path), 2 for bad input.
"""

import sys
from pathlib import Path

from specs import load_study
from specs.atomic import check_file
from specs.errors import InputError

from ..define_files import dataset_files, write_define
from ..pipeline import creation_time

MODELS = {"sdtm": "SDTM", "adam": "ADaM"}


def register(subparsers):
    parser = subparsers.add_parser(
        "define", help="write and validate define.xml and define.html",
        description="Build Define-XML 2.1 from the specs and the XPT files of one model, write it "
                    "with an HTML view beside it, and validate both against the CDISC schema and "
                    "the structural rules (exit 1 on a problem).")
    parser.add_argument("--study", required=True, help="spec folder, or the name of a bundled study")
    parser.add_argument("--data", required=True, help="folder of the XPT files to describe")
    parser.add_argument("--standard", required=True, choices=sorted(MODELS), help="sdtm or adam")
    parser.add_argument("--out", required=True,
                        help="define.xml to write (define.html goes beside it); dataset leaves name "
                             "the XPT files relative to it, so it normally lies in --data")
    parser.add_argument("--created", help="CreationDateTime, ISO 8601 (default: now, UTC)")
    parser.set_defaults(func=run)


def run(args):
    check_file(args.out)
    study = load_study(args.study)
    data_dir = Path(args.data)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: no such folder (--data)")
    created = creation_time(args.created)
    model = MODELS[args.standard]
    data = dataset_files(data_dir)
    names = {d.name for d in study.model_datasets(model)}
    frames = {name: entry.frame for name, entry in data.items() if name in names}
    if not frames:
        raise InputError(f"{data_dir}: no XPT file of a {model} dataset of study {study.studyid}")
    out = Path(args.out)
    problems = write_define(study, frames, model, out.parent, created,
                            lengths={name: data[name].lengths for name in frames},
                            name=out.name, data=data)
    for problem in problems:
        print(problem, file=sys.stderr)
    html = out.with_suffix(".html")
    print(f"{out}: {len(problems)} problem(s)" if problems else f"wrote {out} and {html}: valid")
    return 1 if problems else 0
