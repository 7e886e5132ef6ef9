"""Final frames as the specs type them, and the values an XPT v5 file refuses.

Both engines (SDTM and ADaM) finish every dataset through these: numbers as
float64, text as str with "" for missing, in spec order; then a check that
every text value is ASCII and fits its variable's length. Raw forms and
record sources get their missing values blanked through ``blank_missing``.
"""

import numpy as np
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
            # Values repeat: each distinct text is read once.
            codes, distinct = pd.factorize(values.astype("object").where(values.notna(), "").astype(str))
            text = pd.Series(distinct).str.strip()
            nums = pd.to_numeric(text.where(text != ""), errors="coerce")
            bad = (nums.isna() & (text != "")).to_numpy()[codes]
            if bad.any():
                at = np.flatnonzero(bad)[0]
                first = frame.index[at]
                where = f"{base.at[first, '_file']}: row {base.at[first, '_row']}" if base is not None else ds.path
                raise InputError(f"{where}: {ds.name}.{var.name} value {text.iloc[codes[at]]!r} is not a number "
                                 f"[spec {ds.path}: variables[{var.order - 1}]]")
            out[var.name] = pd.Series(nums.astype("float64").to_numpy()[codes], index=frame.index)
        elif pd.api.types.infer_dtype(values.to_numpy(dtype=object), skipna=False) == "string":
            out[var.name] = values.astype(str)          # all text already (the usual case): no missing to blank
        else:
            out[var.name] = values.astype("object").where(values.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def check_xpt_values(ds, frame, base):
    """Refuse values an XPT v5 file cannot hold, naming the record (``base``:
    its ``_file``/``_row`` provenance). Each distinct value is tested once."""
    for var in ds.variables:
        if var.numeric:
            continue
        values = frame[var.name]
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        uniques = np.asarray(uniques, dtype=object)
        bad = np.fromiter((not str.isascii(u) for u in uniques), dtype=bool, count=len(uniques))
        limit = var.length or transport.CHAR_MAX
        too_long = np.fromiter((len(u.encode("utf-8")) > limit for u in uniques), dtype=bool, count=len(uniques))
        for mask, why in ((bad, "is not ASCII"), (too_long, f"is longer than {limit} bytes")):
            if mask.any():
                first = values.index[np.flatnonzero(mask[codes])[0]]
                raise InputError(f"{base.at[first, '_file']}: row {base.at[first, '_row']}: "
                                 f"{ds.name}.{var.name} value {values[first]!r} {why} (XPT v5); "
                                 f"map it in the spec [spec {ds.path}: variables[{var.order - 1}]]")


def blank_missing(frame):
    """``frame.fillna("")``, without its cost for the columns that are all text
    already (raw forms usually have no missing values)."""
    text = [pd.api.types.infer_dtype(frame.iloc[:, i].to_numpy(), skipna=False) == "string"
            for i in range(frame.shape[1])]
    if all(text):
        return frame
    if not any(text):
        return frame.fillna("")
    out = frame.copy()
    for i in np.flatnonzero(~np.array(text)):
        out.isetitem(i, frame.iloc[:, i].fillna(""))
    return out
