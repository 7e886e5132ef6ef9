"""Categories and codes: grouping a number into a spec's categories and
turning values into their codelist codes or decodes (AGEGR1, AGEGR1N, PARAM)."""

import numpy as np
import pandas as pd

from specs.errors import InputError


def derive_var_group(frame, new, variable, groups, path="group"):
    """Add ``new``: the ``value`` of the first of ``groups`` whose ``below`` the
    number is under (a group without ``below`` takes the rest); "" where the
    number is missing. E.g. ``[{below: 65, value: "<65"}, {value: ">=65"}]``."""
    numbers = pd.to_numeric(frame[variable], errors="coerce")
    out = pd.Series("", index=frame.index, dtype=object)
    todo = numbers.notna()
    for i, group in enumerate(groups):
        if "value" not in group:
            raise InputError(f"{path}.groups[{i}]: a group needs a value")
        hit = todo & (numbers < float(group["below"])) if "below" in group else todo
        out[hit] = str(group["value"])
        todo &= ~hit
    return frame.assign(**{new: out.to_numpy()})


def _lookup(codelist, source, target, path):
    if codelist is None:
        raise InputError(f"{path}: needs a codelist")
    return {getattr(t, source): getattr(t, target) for t in codelist.terms if getattr(t, source) is not None}


def decode(values, codelist, path="decode"):
    """The decode of each value in ``codelist`` ("" for missing values); a value
    without a decode is an error (e.g. PARAM from PARAMCD)."""
    table = _lookup(codelist, "value", "decode", path)
    text = values.astype(object).where(values.notna(), "").astype(str)
    out = text.map(table)
    bad = out.isna() & (text != "")
    if bad.any():
        raise InputError(f"{path}: {text[bad].iloc[0]!r} has no decode in codelist {codelist.id}")
    return out.fillna("")


def encode(values, codelist, path="encode"):
    """The code (term value) whose decode is each value (e.g. AGEGR1N from
    AGEGR1 with codelist AGEGR1N: 1 = "<65"); numbers for a numeric codelist."""
    table = _lookup(codelist, "decode", "value", path)
    text = values.astype(object).where(values.notna(), "").astype(str)
    out = text.map(table)
    bad = out.isna() & (text != "")
    if bad.any():
        raise InputError(f"{path}: {text[bad].iloc[0]!r} is no decode of codelist {codelist.id}")
    if codelist.data_type in ("integer", "float"):
        return pd.to_numeric(out, errors="coerce").astype("float64")
    return out.fillna("")


def as_number(values):
    """Text to numbers (NaN where not a number), e.g. ATOXGRN from ATOXGR."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce").astype("float64")
