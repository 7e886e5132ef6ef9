"""``cdisckit dump FILE [--json] [--rows N]``: look inside a dataset file of any format.

XPT v5, Dataset-JSON .json, .ndjson or .dsjc (read by ``cdisckit.datasets``;
``cdisckit xpt dump`` is the same command under its first name). Prints the
dataset name and label, the creation time and SAS version, each variable
(name, type, length, label, format, and its Dataset-JSON data type and key)
and the first rows; ``--json`` prints the same as one JSON document. Numeric
missing values show as ``.`` (null in JSON) and special ones as ``.A``-``.Z``, ``._``.
"""

import argparse
import json

import pandas as pd

from ..datasets import read_dataset
from ..xpt import ENCODINGS, missing_codes


def register(subparsers):
    add_dump(subparsers)


def add_dump(subparsers, name="dump"):
    """The ``dump`` parser (also ``xpt dump``)."""
    dump = subparsers.add_parser(name, help="print a dataset file's variables and first rows",
                                 description="Print a dataset file's (XPT, .json, .ndjson, .dsjc) "
                                             "dataset, variables and first rows.")
    dump.add_argument("file", metavar="FILE")
    dump.add_argument("--encoding", choices=ENCODINGS, help="text encoding of an XPT file")
    dump.add_argument("--json", action="store_true", help="print JSON instead of text")
    dump.add_argument("--rows", type=_row_count, default=10, metavar="N",
                      help="how many rows to show (default 10)")
    dump.set_defaults(func=dump_file)


def _row_count(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value


def dump_file(args):
    frame, meta = read_dataset(args.file, encoding=args.encoding)
    document = describe(args.file, frame, meta, args.rows)
    print(json.dumps(document, indent=2) if args.json else _as_text(document))
    return 0


def describe(path, frame, meta, rows):
    """A JSON-ready description of a file read by ``read_dataset``, with its first ``rows`` rows."""
    head = frame.head(rows)
    columns = {}
    described, kind = meta.header["columns"], meta.format
    meta = meta.xpt
    for var in meta.variables:
        values = head[var.name]
        if var.type == "char":
            columns[var.name] = values.tolist()
        else:
            codes = missing_codes(values.to_numpy())
            columns[var.name] = [None if code == "." else f".{code}" if code else float(value)
                                 for value, code in zip(values.tolist(), codes)]
    return {
        "file": str(path),
        "format": kind,
        "name": meta.name,
        "label": meta.label,
        "created": meta.created.isoformat() if meta.created else None,
        "sas_version": meta.sas_version,
        "os_name": meta.os_name,
        "observations": len(frame),
        "variables": [{"name": v.name, "type": v.type, "length": v.length, "label": v.label,
                       "format": v.format, "informat": v.informat, "data_type": c["dataType"],
                       "key_sequence": c.get("keySequence")}
                      for v, c in zip(meta.variables, described)],
        "rows": [{name: columns[name][i] for name in columns} for i in range(len(head))],
    }


def _as_text(document):
    created = (document["created"] or "unknown").replace("T", " ")
    lines = [
        f"File:         {document['file']}",
        f"Dataset:      {document['name']}  {document['label']}".rstrip(),
        f"Created:      {created} (SAS {document['sas_version']}, {document['os_name']})",
        f"Observations: {document['observations']}",
        f"Variables:    {len(document['variables'])}",
        "",
    ]
    table = [("#", "Name", "Type", "Length", "Format", "Label")] + [
        (str(i), v["name"], v["type"], str(v["length"]), v["format"] or "", v["label"])
        for i, v in enumerate(document["variables"], 1)]
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    for row in table:
        cells = [cell.rjust(w) if k in (0, 3) else cell.ljust(w)
                 for k, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    rows = document["rows"]
    if rows:
        shown = pd.DataFrame([{name: _cell(value) for name, value in row.items()} for row in rows],
                             index=range(1, len(rows) + 1))
        lines += ["", f"First {len(rows)} of {document['observations']} rows:",
                  shown.to_string()]
    return "\n".join(lines)


def _cell(value):
    if value is None:
        return "."
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value
