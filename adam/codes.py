"""Categories and codes: grouping a number into a spec's categories, values
by cases, joined values, and values turned into their codelist codes or
decodes (AGEGR1, AGEGR1N, ATOXGR, SHIFT1, PARAM)."""

import numpy as np
import pandas as pd

from specs.errors import InputError

from .filters import as_text, where_mask


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


def _operand(frame, operand, path):
    """Values of ``{variable: NAME}`` (as text) or ``{value: TEXT}`` for every record."""
    if isinstance(operand, dict) and set(operand) == {"variable"}:
        return as_text(frame[operand["variable"]])
    if isinstance(operand, dict) and set(operand) == {"value"}:
        return pd.Series(str(operand["value"]), index=frame.index, dtype=object)
    raise InputError(f"{path}: {operand!r} must be {{variable: NAME}} or {{value: TEXT}}")


def derive_var_case(frame, new, cases=(), default=None, path="case_when", study=None):
    """Add ``new``: the ``then`` of the first of ``cases`` whose ``when`` filter
    holds, else ``default`` (else ""); e.g. ATOXGR 0 for a graded result
    without a grade. Operands are ``{variable: NAME}`` or ``{value: TEXT}``."""
    out = _operand(frame, default, f"{path}.default") if default is not None else \
        pd.Series("", index=frame.index, dtype=object)
    for i, case in enumerate(reversed(cases)):
        if set(case) != {"when", "then"}:
            raise InputError(f"{path}.cases[{len(cases) - 1 - i}]: a case is {{when, then}}")
        hit = where_mask(frame, case["when"], f"{path}.cases[{len(cases) - 1 - i}].when", study)
        out = out.where(~hit, _operand(frame, case["then"], f"{path}.cases[{len(cases) - 1 - i}].then"))
    return frame.assign(**{new: out.to_numpy()})


def derive_var_concat(frame, new, parts, separator="", path="concat"):
    """Add ``new``: ``parts`` (operands as in ``derive_var_case``) joined by ``separator``,
    "" where any part is blank (e.g. SHIFT1 "0 to 2" from BTOXGR and ATOXGR)."""
    values = [_operand(frame, part, f"{path}.parts[{i}]") for i, part in enumerate(parts)]
    joined = values[0].str.cat(values[1:], sep=separator) if len(values) > 1 else values[0]
    blank = np.logical_or.reduce([v.to_numpy() == "" for v in values])
    return frame.assign(**{new: np.where(blank, "", joined.to_numpy()).astype(object)})


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
