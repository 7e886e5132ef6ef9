"""``cdisckit adam``: build the ADaM XPT files from a folder of SDTM XPT files."""

from pathlib import Path

from adam.engine import build_adam
from specs import load_study
from specs.atomic import check_folder
from specs.errors import InputError

from ..pipeline import creation_time, submitted, write_datasets
from ..progress import reporter
from ..datasets import dataset_files
from ..xpt import read_xpt


def register(subparsers):
    parser = subparsers.add_parser(
        "adam", help="derive ADaM XPT v5 files from SDTM XPT files, driven by the study's specs",
        description="Read the SDTM XPT files of a folder, derive the ADaM datasets of the study's "
                    "specs (adam/*.yaml) and write them as XPT v5 files.")
    parser.add_argument("--study", required=True, help="spec folder, or the name of a bundled study")
    parser.add_argument("--sdtm", required=True, help="folder of the SDTM .xpt files")
    parser.add_argument("--out", required=True, help="folder to write the ADaM .xpt files into")
    parser.add_argument("--created", help="creation datetime stamped into the files (ISO 8601; default now)")
    parser.set_defaults(func=run)


def read_sdtm(folder):
    """Every ``*.xpt`` of ``folder`` as dataset name -> frame."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (--sdtm)")
    frames = {}
    for path in dataset_files(folder):
        if path.suffix.lower() == ".xpt":
            frame, meta = read_xpt(path)
            frames[meta.name.upper()] = frame
    if not frames:
        raise InputError(f"{folder}: no .xpt files (--sdtm)")
    return frames


def run(args):
    check_folder(args.out)
    study = load_study(args.study)
    progress = reporter()
    frames = build_adam(study, read_sdtm(args.sdtm), progress=lambda name: progress(f"ADaM: {name}"))
    written = submitted(frames)
    write_datasets(study, written, Path(args.out), creation_time(args.created))
    empty = sorted(set(frames) - set(written))
    print(f"ADaM: {len(written)} datasets written to {args.out}"
          + (f" (no records, not written: {', '.join(empty)})" if empty else ""))
    return 0
