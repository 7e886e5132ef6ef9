"""``cdisckit sdtm``: map a raw EDC export to SDTM XPT files."""

from pathlib import Path

from specs import load_study
from specs.atomic import atomic_folder, check_folder

from ..pipeline import creation_time, map_raw, submitted, write_datasets, write_mapping
from ..progress import reporter


def register(subparsers):
    parser = subparsers.add_parser("sdtm", help="map raw forms to SDTM XPT v5 files, driven by the study's specs")
    parser.add_argument("--study", required=True, help="spec folder, or the name of a bundled study")
    parser.add_argument("--raw", required=True, help="folder of raw forms (one CSV/XLSX per CRF form)")
    parser.add_argument("--out", required=True, help="folder to write the SDTM .xpt files into")
    parser.add_argument("--created", help="creation datetime stamped into the files (ISO 8601; default now)")
    parser.set_defaults(func=run)


def run(args):
    check_folder(args.out)
    study = load_study(args.study)
    progress = reporter()
    raw_forms, mapped = map_raw(study, args.raw, progress)
    frames = mapped.datasets
    written = submitted(frames)
    created = creation_time(args.created)
    with atomic_folder(args.out) as stage:
        write_datasets(study, written, Path(stage), created)
        write_mapping(study, raw_forms, mapped, Path(stage) / "reports", created)
    empty = sorted(set(frames) - set(written))
    print(f"SDTM: {len(written)} datasets written to {args.out}"
          + (f" (no records, not written: {', '.join(empty)})" if empty else "")
          + f"; lineage and mapping coverage in {Path(args.out) / 'reports'}")
    return 0
