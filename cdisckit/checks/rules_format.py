"""Format rules: the shape of single values (ISO 8601, codes, numbers, text).

Text tests run once per distinct value (``table.per_value``), so a column of
a million rows with a few thousand distinct values costs a few thousand tests.
"""

import re

import numpy as np

from specs.dates import to_date

from . import dates
from .finding import concat, hits
from .rule import implements

_CODE = re.compile(r"[A-Z_][A-Z0-9_]*")


def _char_names(table, suffix=None):
    return [n for n in table.frame.columns
            if not table.numeric(n) and (suffix is None or n.endswith(suffix))]


def _impossible_date(values):
    """Text whose date part has the full YYYY-MM-DD form but is no calendar date (2021-02-30)."""
    full = values.str.match(r"\d{4}-\d\d-\d\d").fillna(False).astype(bool)
    return full & to_date(values).isna()


@implements("CK0201")
def iso8601(table, sub, suffix):
    """Date/time text variables (named *DTC) whose values are not ISO 8601."""
    names = _char_names(table, suffix)
    if not names:
        return None

    def bad(values):
        values = values.str.strip()
        wrong = ~values.str.fullmatch(dates.DTC).fillna(False).astype(bool) | _impossible_date(values)
        return values.ne("") & wrong
    return concat(hits(table, mask, [n]) for n, mask in zip(names, table.per_values(names, bad)))


@implements("CK0202")
def iso8601_duration(table, sub, variables):
    """Duration, elapsed time and interval variables whose values are not ISO 8601 durations."""
    names = [n for n in variables if table.has(n)]
    if not names:
        return None
    def bad(values):
        values = values.str.strip()
        return values.ne("") & ~values.str.fullmatch(dates.DURATION).fillna(False).astype(bool)
    return concat(hits(table, mask, [n]) for n, mask in zip(names, table.per_values(names, bad)))


@implements("CK0203", "CK0205", "CK0603")
def code_values(table, sub, variable, max_length):
    """Short names (test codes, QNAM, PARAMCD): at most ``max_length`` characters, upper-case
    letters, digits and underscores, not starting with a digit."""
    if not table.has(variable):
        return None

    def bad(values):
        values = values.str.strip()
        wrong = (values.str.len() > max_length) | ~values.str.fullmatch(_CODE).fillna(False).astype(bool)
        return values.ne("") & wrong
    return hits(table, table.per_value(variable, bad), [variable])


@implements("CK0204", "CK0206")
def max_text_length(table, sub, variable, limit):
    """Text values longer than ``limit`` characters."""
    if not table.has(variable):
        return None
    return hits(table, table.per_value(variable, lambda v: v.str.rstrip().str.len() > limit), [variable])


@implements("CK0207")
def leading_blank(table, sub, exclude):
    """Text values starting with a blank, or that are only a period."""
    names = [n for n in _char_names(table) if not any(re.fullmatch(p, n) for p in exclude)]
    if not names:
        return None

    def bad(values):
        return values.str.match(r"\s").fillna(False).astype(bool) | values.str.fullmatch(r"\.").fillna(False)
    return concat(hits(table, mask, [n]) for n, mask in zip(names, table.per_values(names, bad)))


@implements("CK0208", "CK0606")
def whole_numbers(table, sub, variable, minimum):
    """Numeric values that are not whole numbers of at least ``minimum``."""
    if not table.has(variable) or not table.numeric(variable):
        return None
    values = table.frame[variable].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isnan(values) & ((values != np.floor(values)) | (values < minimum))
    return hits(table, bad, [variable])


@implements("CK0209", "CK0210", "CK0211")
def negative(table, sub, variable):
    """Negative values: numbers below 0, or text (ISO 8601 durations) starting with "-"."""
    if not table.has(variable):
        return None
    if table.numeric(variable):
        return hits(table, (table.frame[variable] < 0).fillna(False).to_numpy(dtype=bool), [variable])
    return hits(table, table.per_value(variable, lambda v: v.str.strip().str.startswith("-")), [variable])


@implements("CK0212")
def no_day_zero(table, sub, suffix):
    """Study day variables (named *DY) equal to 0: the day before day 1 is day -1."""
    names = [n for n in table.frame.columns if n.endswith(suffix) and table.numeric(n)]
    if not names:
        return None
    return concat(hits(table, table.frame[n].eq(0).fillna(False).to_numpy(dtype=bool), [n]) for n in names)
