"""``cdisckit trace``: a record back to its raw lines, or a raw line forward to its records.

    cdisckit trace AE USUBJID=SHR1210-NPC-OMD-0101-001 AESEQ=3 [--run submission] [--raw DIR]
    cdisckit trace raw:ae ROW=12 [--run submission]

Reads the run's ``reports/lineage.csv.gz`` and XPT files; with ``--raw`` (the
export the run read) the raw lines' non-empty cells are shown too.
"""

from specs.errors import InputError

from ..trace import Run, back, forward


def register(subparsers):
    parser = subparsers.add_parser(
        "trace", help="a record back to its raw rows, or a raw row (raw:FORM ROW=N) forward to its records",
        description="Follow a record of a run back to the raw lines it came from (DATASET KEY=VALUE...), "
                    "or a raw line forward to every SDTM and ADaM record it fed (raw:FORM ROW=N).")
    parser.add_argument("dataset", metavar="DATASET", help="dataset name (AE, ADAE, ...) or raw:FORM")
    parser.add_argument("keys", metavar="KEY=VALUE", nargs="+", help="variable values that pick the record(s)")
    parser.add_argument("--run", default="submission", help="the run's output folder (default ./submission)")
    parser.add_argument("--raw", help="the raw export folder the run read (to show the raw lines)")
    parser.set_defaults(func=run)


def _criteria(items):
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"{item!r}: give KEY=VALUE")
        pairs[key.strip().upper()] = value
    return pairs


def run(args):
    trace = Run(args.run, args.raw)
    criteria = _criteria(args.keys)
    if args.dataset.lower().startswith("raw:"):
        form = args.dataset[4:]
        if set(criteria) != {"ROW"} or not criteria["ROW"].strip().isdigit():
            raise InputError("a raw line is picked by ROW=N (its line in the file, header = line 1)")
        row = int(criteria["ROW"])
        file, records = forward(trace, form, row)
        print(f"raw {file} line {row} fed {len(records)} record(s):")
        cells = trace.raw_line(file, row)
        if cells:
            print("       " + cells)
        for name, record in records:
            print("  -> " + trace.label(name, record))
        return 0
    name = args.dataset.upper()
    records = trace.records(name, criteria)
    if not records:
        raise InputError(f"no {name} record with " + ", ".join(f"{k}={v}" for k, v in criteria.items()))
    for record in records:
        print("\n".join(back(trace, name, record)))
    return 0
