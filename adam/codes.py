"""Categories and codes: grouping a number into a spec's categories and
turning values into their codelist codes or decodes (AGEGR1, AGEGR1N, PARAM)."""

import numpy as np
import pandas as pd

from specs.errors import InputError


def derive_var_group(dataset, new_var, source_var, groups):
    """Add ``new_var``: the ``value`` of the first of ``groups`` whose ``below`` the
    number ``source_var`` is under (a group without ``below`` takes the rest); ""
    where the number is missing. E.g. ``[{below: 65, value: "<65"}, {value: ">=65"}]``."""
    numbers = pd.to_numeric(dataset[source_var], errors="coerce")
    out = pd.Series("", index=dataset.index, dtype=object)
    todo = numbers.notna()
    for i, group in enumerate(groups):
        if "value" not in group:
            raise InputError(f"groups[{i}]: a group needs a value")
        hit = todo & (numbers < float(group["below"])) if "below" in group else todo
        out[hit] = str(group["value"])
        todo &= ~hit
    return dataset.assign(**{new_var: out.to_numpy()})


def _translate(dataset, source_var, codelist, source, target, what):
    """``source_var``'s values looked up from term attribute ``source`` to ``target``."""
    if codelist is None:
        raise InputError(f"{source_var} needs a codelist")
    table = {getattr(t, source): getattr(t, target) for t in codelist.terms if getattr(t, source) is not None}
    values = dataset[source_var]
    text = values.astype(object).where(values.notna(), "").astype(str)
    out = text.map(table)
    bad = out.isna() & (text != "")
    if bad.any():
        raise InputError(f"{text[bad].iloc[0]!r} {what} codelist {codelist.id}")
    return out


def derive_var_decode(dataset, new_var, source_var, codelist):
    """Add ``new_var``: the decode in ``codelist`` of each ``source_var`` value
    ("" for missing); a value without a decode is an error (PARAM from PARAMCD)."""
    out = _translate(dataset, source_var, codelist, "value", "decode", "has no decode in")
    return dataset.assign(**{new_var: out.fillna("").to_numpy()})


def derive_var_encode(dataset, new_var, source_var, codelist):
    """Add ``new_var``: the code (term value) of ``codelist`` whose decode is each
    ``source_var`` value (AGEGR1N from AGEGR1 with codelist AGEGR1N: 1 = "<65");
    numbers for a numeric codelist."""
    out = _translate(dataset, source_var, codelist, "decode", "value", "is no decode of")
    numeric = codelist.data_type in ("integer", "float")
    out = pd.to_numeric(out, errors="coerce").astype("float64") if numeric else out.fillna("")
    return dataset.assign(**{new_var: out.to_numpy()})


def derive_var_numeric(dataset, new_var, source_var):
    """Add ``new_var``: ``source_var``'s text as numbers (NaN where not a number), e.g. ATOXGRN from ATOXGR."""
    values = dataset[source_var]
    if not pd.api.types.is_numeric_dtype(values):
        values = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce")
    return dataset.assign(**{new_var: values.astype("float64").to_numpy()})
