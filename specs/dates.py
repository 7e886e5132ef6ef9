"""The date kernel: ISO 8601 text and SAS numbers as calendar dates, and study days.

SDTM keeps dates as ISO 8601 text (possibly partial), ADaM as SAS numbers
(days since 1960-01-01), the checks meet both; each reads them through
``to_date`` and counts days with ``study_day``, so the three agree.
"""

import numpy as np
import pandas as pd

SAS_EPOCH = pd.Timestamp("1960-01-01")
DAY_SECONDS = 86400.0


def to_date(values):
    """Complete calendar dates as datetime64: the first 10 characters of ISO 8601
    text, or SAS date numbers; NaT where the date is partial, missing or impossible."""
    values = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if pd.api.types.is_numeric_dtype(values):
        return SAS_EPOCH + pd.to_timedelta(values, unit="D")
    codes, uniques = pd.factorize(values)          # dates repeat: parse each once
    text = pd.Series(uniques, dtype=object).astype(str).str.slice(0, 10)
    full = text.str.fullmatch(r"\d{4}-\d\d-\d\d").fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(full), format="%Y-%m-%d", errors="coerce")
    parsed = parsed.to_numpy(dtype="datetime64[ns]")
    return pd.Series(np.append(parsed, np.datetime64("NaT", "ns"))[codes], index=values.index)


def sas_date(values):
    """Datetime-likes (or ISO 8601 text) to SAS dates (days since 1960-01-01, NaN where missing)."""
    stamps = pd.to_datetime(pd.Series(values), errors="coerce")
    return ((stamps.dt.normalize() - SAS_EPOCH).dt.days).astype("float64")


def study_day(dates, reference):
    """Study day of ``dates`` against ``reference`` (aligned by position; ISO 8601
    text, SAS dates or datetime64): date - reference + 1 on or after the
    reference, date - reference before it (no day 0); NaN where either is
    missing or partial."""
    dates = pd.Series(dates)
    days = (to_date(dates) - to_date(reference).to_numpy()).dt.days.astype("float64")
    return days.where(days < 0, days + 1)
