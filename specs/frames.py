"""Final frames as the specs type them, and the values an XPT v5 file refuses.

Both engines (SDTM and ADaM) finish every dataset through these: numbers as
float64, text as str with "" for missing, in spec order; then a check that
every text value is ASCII and fits its variable's length.
"""

import pandas as pd

from . import transport
from .errors import InputError


def typed_frame(ds, frame, base):
    """Numbers as float64, text as str with "" for missing, per the spec.
    ``base`` (optional) has the ``_file``/``_row`` provenance of each record."""
    out = {}
    for var in ds.variables:
        values = frame[var.name]
        if var.numeric:
            text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
            nums = pd.to_numeric(text.where(text != ""), errors="coerce")
            bad = nums.isna() & (text != "")
            if bad.any():
                first = bad[bad].index[0]
                where = f"{base.at[first, '_file']}: row {base.at[first, '_row']}" if base is not None else ds.path
                raise InputError(f"{where}: {ds.name}.{var.name} value {text[first]!r} is not a number "
                                 f"[spec {ds.path}: variables[{var.order - 1}]]")
            out[var.name] = nums.astype("float64")
        else:
            out[var.name] = values.astype("object").where(values.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def check_xpt_values(ds, frame, base):
    """Refuse values an XPT v5 file cannot hold, naming the record (``base``:
    its ``_file``/``_row`` provenance)."""
    for var in ds.variables:
        if var.numeric:
            continue
        values = frame[var.name]
        bad = ~values.map(str.isascii)
        limit = var.length or transport.CHAR_MAX
        too_long = values.str.encode("utf-8").str.len() > limit
        for mask, why in ((bad, "is not ASCII"), (too_long, f"is longer than {limit} bytes")):
            if mask.any():
                first = mask[mask].index[0]
                raise InputError(f"{base.at[first, '_file']}: row {base.at[first, '_row']}: "
                                 f"{ds.name}.{var.name} value {values[first]!r} {why} (XPT v5); "
                                 f"map it in the spec [spec {ds.path}: variables[{var.order - 1}]]")
