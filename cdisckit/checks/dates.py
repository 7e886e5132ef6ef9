"""ISO 8601 as SDTM uses it, for the checks: validity and comparison
(calendar dates and study days are the kernel's, ``specs.dates``).

The grammar is the full one a submission may contain (SDTMIG 4.4):
right-truncated dates and times, components unknown in the middle written as
"-" ("2003---15", "--12-15", "-----T07:15", "2003-12-15T-:15"), a time zone, intervals ("start/end",
either side may be a duration), and durations ("P2Y3M", "PT15M", "P3W",
negative for elapsed times before a reference). It is deliberately broader
than what ``sdtm`` writes, so data from elsewhere is judged by the standard.

Everything works on whole Series, once per distinct value (or pair of values).
"""

import re

import numpy as np
import pandas as pd

from .table import combine

_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_HOUR = r"(?:[01]\d|2[0-3])"
_MIN = r"[0-5]\d"
_SEC = r"[0-5]\d(?:[.,]\d+)?"
_DATE = rf"(?:\d{{4}}(?:-{_MONTH}(?:-{_DAY})?)?|\d{{4}}---{_DAY}|--{_MONTH}-{_DAY})"
_TIME = (rf"T(?:{_HOUR}(?::{_MIN}(?::{_SEC})?)?|{_HOUR}:-:{_SEC}|-:{_MIN}(?::{_SEC})?|-:-:{_SEC})"
         rf"(?:Z|[+-]{_HOUR}(?::?{_MIN})?)?")
_FULL_DATE = rf"(?:\d{{4}}-{_MONTH}-{_DAY}|\d{{4}}---{_DAY}|--{_MONTH}-{_DAY}|-----)"
_DATETIME = rf"(?:{_FULL_DATE}{_TIME}|{_DATE})"
_NUM = r"\d+(?:[.,]\d+)?"
DURATION = (rf"-?P(?=\d|T\d)(?:{_NUM}W|(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?"
            rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)")
DTC = rf"(?:{_DATETIME}|{_DATETIME}/{_DATETIME}|{_DATETIME}/{DURATION}|{DURATION}/{_DATETIME})"

# The plain right-truncated form, the one values can be compared in as text.
_PLAIN = rf"\d{{4}}(?:-{_MONTH}(?:-{_DAY}(?:T{_HOUR}(?::{_MIN}(?::{_SEC})?)?)?)?)?"
_PRECISIONS = (4, 7, 10, 13, 16, 19)   # year, month, day, hour, minute, second
_PLAIN_MATCH = re.compile(_PLAIN).fullmatch


def plain(values):
    """Each value (an array of text) stripped where it is a plain right-truncated ISO 8601
    date-time, the form values compare in as text; "" elsewhere (also for missing values)."""
    out = np.full(len(values), "", dtype=object)
    for i, value in enumerate(values):
        if isinstance(value, str):
            value = value.strip()
            if _PLAIN_MATCH(value):
                out[i] = value
    return out


def order(a, b):
    """1 where ``a`` is later than ``b``, -1 where earlier, 0 where the same or not comparable
    (aligned arrays of ``plain`` text): compared at the precision both have ("2021-03" is neither
    before nor after "2021-03-04"), seconds with decimals at whole seconds."""
    out = np.zeros(len(a), dtype=np.int8)
    sizes = [np.fromiter(map(len, values), dtype=np.int64, count=len(values)) for values in (a, b)]
    common = np.minimum(np.minimum(*sizes), _PRECISIONS[-1])
    for length in _PRECISIONS:          # text cut to the precision both have, compared as text
        rows = np.flatnonzero(common == length)
        if len(rows):
            x, y = (np.asarray(values, dtype=object)[rows].astype(f"U{length}") for values in (a, b))
            out[rows] = (x > y).astype(np.int8) - (x < y).astype(np.int8)
    return out


def after(first, second):
    """True where ``first`` is later than ``second``.

    Text values are ISO 8601 compared at the precision both have ("2021-03"
    is not after "2021-03-04"); values with unknown middle parts, time zones
    or intervals, and missing values, never count. Numbers (SAS dates or
    datetimes, or study days) are compared as numbers. Text is compared once
    per distinct pair of values.
    """
    if pd.api.types.is_numeric_dtype(first) and pd.api.types.is_numeric_dtype(second):
        return (first > second).fillna(False).astype(bool)
    codes_a, values_a = pd.factorize(first)
    codes_b, values_b = pd.factorize(second)
    pair = combine([codes_a, codes_b])
    known = np.flatnonzero(pair >= 0)
    pairs, first_of = np.unique(pair[known], return_index=True)
    rows = known[first_of]
    result = order(plain(_texts(values_a))[codes_a[rows]], plain(_texts(values_b))[codes_b[rows]]) > 0
    out = np.zeros(len(pair), dtype=bool)
    out[known] = result[np.searchsorted(pairs, pair[known])]
    return pd.Series(out, index=first.index)


def _texts(values):
    """Distinct values (of ``pd.factorize``) as text, as the "str" dtype writes them."""
    return pd.Series(values, dtype="str").to_numpy(dtype=object)
