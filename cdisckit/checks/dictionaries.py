"""External dictionaries the user supplies (``--dictionary meddra=PATH``): reading their files.

Dictionary rules name a dictionary (meddra, whodrug, unii, medrt, snomed,
loinc), one of its files and how the file is laid out; PATH is the folder
that holds the dictionary's files (e.g. MedDRA's ``ascii`` folder with
``pt.asc``, ``llt.asc`` ...) or one of those files. Without a dictionary the
rules that need it do not run, and the reports say so.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pandas as pd

from specs.errors import InputError

NAMES = ("meddra", "whodrug", "unii", "medrt", "snomed", "loinc")
_LAYOUTS = {"dollar": ("$", False), "tab": ("\t", False), "tab-header": ("\t", True), "csv-header": (",", True)}


def parse_dictionaries(items):
    """{name: path} from ``NAME=PATH`` texts (InputError for an unknown name or missing path)."""
    out = {}
    for item in items or ():
        name, sep, path = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in NAMES:
            raise InputError(f"--dictionary {item}: expected NAME=PATH with NAME one of {', '.join(NAMES)}")
        if not Path(path).exists():
            raise InputError(f"--dictionary {item}: {path}: no such file or folder")
        out[name] = path
    return out


def dictionary_file(path, file):
    """The file ``file`` of a dictionary given as a folder (or as that very file); None if absent."""
    path = Path(path)
    if path.is_dir():
        found = [p for p in path.iterdir() if p.name.lower() == file.lower()]
        return found[0] if found else None
    return path if path.name.lower() == file.lower() else None


@cache
def read_dictionary(path, layout):
    """A dictionary file as text columns: numbered from 1 for header-less layouts ("dollar",
    "tab"), named by the header otherwise ("tab-header", "csv-header")."""
    sep, header = _LAYOUTS[layout]
    try:
        frame = pd.read_csv(path, sep=sep, header=0 if header else None, dtype=str, keep_default_na=False,
                            quoting=csv.QUOTE_NONE if sep != "," else csv.QUOTE_MINIMAL,
                            encoding="utf-8", encoding_errors="replace", engine="python")
    except (OSError, ValueError, csv.Error) as exc:
        raise InputError(f"{path}: not a {layout} dictionary file ({exc})") from None
    if not header:
        frame.columns = range(1, len(frame.columns) + 1)
    return frame
