"""``cdisckit convert IN OUT``: datasets between XPT v5 and Dataset-JSON (.json, .ndjson, .dsjc).

A file is converted to the format of OUT's suffix; a folder's dataset files
are converted into the folder OUT, in the format ``--to`` names (each file
keeps its name, with the new suffix; ``--from`` picks the files read, by
default those of every other format). ``--define`` adds what XPT lacks
(OIDs, data types, keys: see ``cdisckit.datasets``); ``--encoding`` is the
text encoding of XPT files read or written (default ASCII; cp1252 or
latin-1 for legacy SAS files); ``--created`` fixes the Dataset-JSON creation
datetime. Nothing is half-written: a folder appears complete or not at all.
"""

from pathlib import Path

from define.dataset_columns import read_define_columns
from specs.atomic import atomic_folder
from specs.errors import InputError

from ..datasets import (FORMATS, dataset_files, dataset_format, read_dataset, relative_ref,
                        with_define, write_dataset)
from ..pipeline import creation_time
from ..xpt import ENCODINGS


def register(subparsers):
    parser = subparsers.add_parser(
        "convert", help="convert datasets between XPT and Dataset-JSON (.json, .ndjson, .dsjc)",
        description="Convert a dataset file, or a folder of them, between SAS XPORT v5 and CDISC "
                    "Dataset-JSON v1.1 (.json, .ndjson, compressed .dsjc).")
    parser.add_argument("source", metavar="IN", help="dataset file or folder")
    parser.add_argument("target", metavar="OUT", help="file (format by suffix) or folder")
    parser.add_argument("--to", choices=tuple(FORMATS), help="format of the files written into a folder")
    parser.add_argument("--from", dest="from_", choices=tuple(FORMATS),
                        help="format of the files read from a folder (default: every other format)")
    parser.add_argument("--define", metavar="FILE", help="define.xml: OIDs, data types and keys")
    parser.add_argument("--encoding", choices=ENCODINGS, default="ascii",
                        help="text encoding of XPT files (default ascii)")
    parser.add_argument("--created", help="Dataset-JSON creation datetime (ISO 8601; default now)")
    parser.set_defaults(func=run)


def run(args):
    source, target = Path(args.source), Path(args.target)
    created = creation_time(args.created)
    define = read_define_columns(args.define) if args.define else None
    if source.is_dir():
        if not args.to:
            raise InputError(f"{source}: a folder is converted with --to {'|'.join(FORMATS)}")
        wanted = [args.from_] if args.from_ else [f for f in FORMATS if f != args.to]
        files = [f for f in dataset_files(source) if dataset_format(f) in wanted]
        if not files:
            raise InputError(f"{source}: no dataset files ({', '.join(FORMATS[f] for f in wanted)})")
        names = [f.stem.lower() + FORMATS[args.to] for f in files]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"{source}: several files would become {', '.join(twice)}; "
                             "choose the files read with --from")
        with atomic_folder(target) as stage:
            for file, name in zip(files, names):
                convert_file(file, stage / name, target / name, define, args, created)
        print(f"converted {len(files)} dataset(s) from {source} into {target}")
        return 0
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name (.xpt, .json, .ndjson, .dsjc)")
    dataset_format(target)
    convert_file(source, target, target, define, args, created)
    print(f"converted {source} to {target}")
    return 0


def convert_file(source, path, final, define, args, created):
    """Read ``source`` and write it at ``path`` (``final``: where it will end up)."""
    frame, meta = read_dataset(source, encoding=args.encoding)
    if define is not None or meta.format == "xpt":
        ref = relative_ref(args.define, final) if args.define else None
        meta = with_define(frame, meta, define, metadata_ref=ref, created=created)
    write_dataset(frame, meta, path, created=created, encoding=args.encoding)
