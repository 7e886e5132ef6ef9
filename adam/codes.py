"""Categories and codes: grouping a number into a spec's categories, values
by cases, joined values, and values turned into their codelist codes or
decodes (AGEGR1, AGEGR1N, ATOXGR, SHIFT1, PARAM)."""

import numpy as np
import pandas as pd

from specs.conditions import as_text, where_mask
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


def _operand(dataset, operand):
    """Values of ``{variable: NAME}`` (as text) or ``{value: TEXT}`` for every record."""
    if isinstance(operand, dict) and set(operand) == {"variable"}:
        return as_text(dataset[operand["variable"]])
    if isinstance(operand, dict) and set(operand) == {"value"}:
        return pd.Series(str(operand["value"]), index=dataset.index, dtype=object)
    raise InputError(f"{operand!r} must be {{variable: NAME}} or {{value: TEXT}}")


def derive_var_case_when(dataset, new_var, cases=(), default=None):
    """Add ``new_var``: the ``then`` of the first of ``cases`` whose ``when`` filter
    holds, else ``default`` (else ""); e.g. ATOXGR 0 for a graded result
    without a grade. Operands are ``{variable: NAME}`` or ``{value: TEXT}``."""
    out = _operand(dataset, default) if default is not None else pd.Series("", index=dataset.index, dtype=object)
    for i in reversed(range(len(cases))):
        hit = where_mask(dataset, cases[i]["when"], f"cases[{i}].when")
        out = out.where(~hit, _operand(dataset, cases[i]["then"]))
    return dataset.assign(**{new_var: out.to_numpy()})


def derive_var_concat(dataset, new_var, parts, separator=""):
    """Add ``new_var``: ``parts`` (operands as in ``derive_var_case_when``) joined by
    ``separator``, "" where any part is blank (e.g. SHIFT1 "0 to 2" from BTOXGR and ATOXGR)."""
    values = [_operand(dataset, part) for part in parts]
    joined = values[0].str.cat(values[1:], sep=separator) if len(values) > 1 else values[0]
    blank = np.logical_or.reduce([v.to_numpy() == "" for v in values])
    return dataset.assign(**{new_var: np.where(blank, "", joined.to_numpy()).astype(object)})


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
