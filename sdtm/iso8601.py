"""ISO 8601 dates for SDTM: raw EDC date styles in, partial ISO 8601 out.

A raw date style is written with tokens ``DD``, ``MM``, ``MMM`` (month
name), ``YYYY`` and literal separators, e.g. ``DD MMM YYYY``, ``MM/DD/YYYY``,
``DD-MMM-YYYY``, ``YYYY-MM-DD``. Unknown parts written as ``UN``, ``UNK``,
``UNKN``, ``--``, ``XX`` or left empty are kept unknown: the result is cut at
the first unknown part (``UN JAN 2021`` gives ``2021-01``), so no day or month
is ever invented. Where one raw column mixes styles (``MM/DD/YYYY`` and a
bare ``YYYY``), a list of styles reads each value by the first it fits.
Everything is vectorised over pandas Series.
"""

import re

import numpy as np
import pandas as pd

from specs.distinct import per_distinct

MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_UNKNOWN = r"UNKN|UNK|UN|U|--|-|XX|X{1,4}|NK|\?\?"
_TOKENS = {
    "YYYY": rf"(?P<year>\d{{4}}|{_UNKNOWN})?",
    "MMM": rf"(?P<month>[A-Za-z]{{3}}|{_UNKNOWN})?",
    "MM": rf"(?P<month>\d{{1,2}}|{_UNKNOWN})?",
    "DD": rf"(?P<day>\d{{1,2}}|{_UNKNOWN})?",
}
_TIME = re.compile(r"^\s*(?P<hour>\d{1,2}|UN|UNK|--)?(?::(?P<minute>\d{2}|UN|UNK|--)?)?"
                   r"(?::(?P<second>\d{2}(?:\.\d+)?|UN|UNK|--)?)?\s*$", re.IGNORECASE)

# SDTM --DTC: complete or right-truncated date, optional time; or a duration.
DTC_PATTERN = (r"(?:\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])"
               r"(?:T(?:[01]\d|2[0-3])(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?)?)?)?)")
DUR_PATTERN = r"P(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?" \
              r"(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?"


def style_regex(style):
    """The regular expression that reads raw dates written in ``style``."""
    out, i = "", 0
    while i < len(style):
        for token in ("YYYY", "MMM", "MM", "DD"):
            if style.startswith(token, i):
                out += _TOKENS[token]
                i += len(token)
                break
        else:
            out += r"\s*" if style[i] == " " else re.escape(style[i])
            i += 1
    return re.compile(rf"^\s*{out}\s*$", re.IGNORECASE)


def _number(part, low, high):
    """Numeric part, NaN where unknown or out of range."""
    num = pd.to_numeric(part.where(part.str.fullmatch(r"\d+", na=False)), errors="coerce")
    return num.where((num >= low) & (num <= high))


@per_distinct
def parse_dates(values, style):
    """Raw dates in ``style`` (or a list of styles) to partial ISO 8601 dates.

    Returns ``(iso, bad)``: ``iso`` is a Series of ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD`` ("" where the raw value is empty); ``bad`` is a boolean
    Series marking non-empty values that do not fit the style or are not a
    real calendar date (e.g. 31 FEB, day 0 or 45, month 0 or 13, 29 FEB of a
    common year), even when a later part is unknown.
    """
    if not isinstance(style, str):
        return _parse_first_fit(values, list(style))
    values = pd.Series(values, dtype="object").fillna("").astype(str)
    regex = style_regex(style)
    parts = values.str.extract(regex)
    for group in ("year", "month", "day"):
        if group not in parts:
            parts[group] = np.nan
    empty = values.str.strip() == ""
    matched = values.str.match(regex) & ~empty
    year = _number(parts["year"].astype("object"), 1, 9999)
    month_text = parts["month"].astype("object").fillna("").str.upper()
    month = _number(month_text, 1, 12).fillna(month_text.map(MONTHS))
    day_text = parts["day"].astype("object")
    day = _number(day_text, 1, 31)
    has_year, has_month, has_day = year.notna(), year.notna() & month.notna(), year.notna() & month.notna() & day.notna()
    iso = pd.Series("", index=values.index, dtype="object")
    iso[has_year] = year[has_year].astype(int).map("{:04d}".format)
    iso[has_month] = iso[has_month] + "-" + month[has_month].astype(int).map("{:02d}".format)
    iso[has_day] = iso[has_day] + "-" + day[has_day].astype(int).map("{:02d}".format)
    real = pd.to_datetime(iso.where(has_day), format="%Y-%m-%d", errors="coerce").notna() | ~has_day
    month_given = month_text.str.fullmatch(r"\d+|[A-Z]{3}") & ~month_text.isin(["UNK", "UNKN"])
    day_given = day_text.str.fullmatch(r"\d+", na=False)
    bad = ~empty & (~matched | ~real | (month_given & month.isna()) | (day_given & day.isna()) | ~has_year)
    return iso.where(~bad, ""), bad


def _parse_first_fit(values, styles):
    """``parse_dates`` with each value read by the first style whose pattern
    it fits (a fitting value that is no real date stays bad, never retried)."""
    values = pd.Series(values, dtype="object").fillna("").astype(str)
    iso = pd.Series("", index=values.index, dtype="object")
    bad = values.str.strip() != ""
    left = bad.copy()
    for style in styles:
        fits = left & values.str.match(style_regex(style))
        found, wrong = parse_dates(values[fits], style)
        iso[fits], bad[fits] = found.to_numpy(), wrong.to_numpy(dtype=bool)   # by position, not by label
        left &= ~fits
    return iso, bad


@per_distinct
def parse_times(values):
    """Raw ``HH:MM[:SS]`` times to ISO 8601 times cut at the first unknown part."""
    values = pd.Series(values, dtype="object").fillna("").astype(str)
    parts = values.str.extract(_TIME)
    empty = values.str.strip() == ""
    hour = _number(parts["hour"].astype("object"), 0, 23)
    minute = _number(parts["minute"].astype("object"), 0, 59)
    second_text = parts["second"].astype("object")
    second = pd.to_numeric(second_text.where(second_text.str.fullmatch(r"[\d.]+", na=False)), errors="coerce")
    second = second.where(second < 60)
    iso = pd.Series("", index=values.index, dtype="object")
    h, m, s = hour.notna(), hour.notna() & minute.notna(), hour.notna() & minute.notna() & second.notna()
    iso[h] = hour[h].astype(int).map("{:02d}".format)
    iso[m] = iso[m] + ":" + minute[m].astype(int).map("{:02d}".format)
    iso[s] = iso[s] + ":" + second_text[s].map(lambda v: v if "." in v else f"{int(v):02d}")
    out_of_range = ((parts["hour"].astype("object").str.fullmatch(r"\d+", na=False) & hour.isna())
                    | (parts["minute"].astype("object").str.fullmatch(r"\d+", na=False) & minute.isna()))
    bad = ~empty & (~values.str.match(_TIME) | out_of_range)
    return iso.where(~bad, ""), bad


def combine(dates, times):
    """ISO datetime from ISO date and time parts; a time only joins a full date."""
    dates = pd.Series(dates, dtype="object").fillna("")
    times = pd.Series(times, dtype="object").fillna("").reindex(dates.index, fill_value="")
    full = dates.str.len().eq(10) & times.ne("")
    return dates.where(~full, dates + "T" + times)


def is_valid_dtc(values):
    """True where a value is a valid SDTM --DTC (empty counts as valid)."""
    values = pd.Series(values, dtype="object").fillna("")
    return values.eq("") | values.str.fullmatch(DTC_PATTERN)
