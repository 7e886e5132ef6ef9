"""Read a raw EDC export: one CSV or XLSX file per CRF form.

Every value is kept as text exactly as exported (empty cells are ""), the
frame's index is the file's line number (header = line 1) and
``attrs["source"]`` names the file, so a mapping error can point at the
cell. The optional ``forms.yaml`` data dictionary is returned beside them.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from specs.errors import InputError
from specs.frames import blank_missing
from specs.yamlio import read_yaml_file


def read_form(path):
    """One raw form as text columns indexed by line number."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as a raw form: {str(exc).splitlines()[0]}") from None
    frame = blank_missing(frame.astype("object"))
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = np.arange(2, len(frame) + 2)
    frame.attrs["source"] = str(path)
    return frame


def read_raw(folder):
    """All forms of a raw export folder by name (file stem, lower case), plus
    the parsed forms.yaml (or None)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: raw data folder not found")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("."))
    if not files:
        raise InputError(f"{folder}: no raw forms (*.csv or *.xlsx) in the folder")
    forms = {}
    for path in files:
        name = path.stem.lower()
        if name in forms:
            raise InputError(f"{path}: form {name!r} is given twice ({forms[name].attrs['source']})")
        forms[name] = read_form(path)
    return forms, read_dictionary(folder)


def read_dictionary(folder):
    """The export's data dictionary (``forms.yaml``) parsed: a mapping, None when
    the folder has none, or an input error."""
    path = Path(folder) / "forms.yaml"
    if not path.is_file():
        return None
    meta = read_yaml_file(path)
    if meta is not None and not isinstance(meta, dict):
        raise InputError(f"{path}: must be a mapping of form names to their columns, not a {type(meta).__name__}")
    return meta
