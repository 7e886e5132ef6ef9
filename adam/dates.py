"""ISO 8601 --DTC text to SAS numeric dates, datetimes and times, with
explicit, flagged imputation; study days and durations.

ADaM dates are numbers: days since 1960-01-01 (``*DT``), seconds since
1960-01-01T00:00 (``*DTM``) and seconds since midnight (``*TM``). A partial
--DTC is imputed only as far as the spec allows (``highest``, as admiral's
``highest_imputation``: ``Y`` > ``M`` > ``D`` > ``h`` > ``m`` > ``s`` > ``n``;
the default ``n`` imputes nothing, so a partial date gives a missing value)
and every imputation is flagged: ``*DTF`` is ``M`` when the month (and day)
were imputed, ``D`` when only the day was; ``*TMF`` is ``H``, ``M`` or ``S``
for the highest time part imputed. The year is never imputed. Imputed parts
take the ``first`` (01, 00:00:00), ``mid`` (month 06 and day 30, or day 15;
noon) or ``last`` (month 12, the month's last day, 23:59:59) value; optional
per-record bounds keep an imputed date from falling before ``not_before`` or
after ``not_after`` when the bound is itself a possible value of the partial
date (e.g. an AE start in the month of first dose imputed to the first dose).
"""

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.dates import DAY_SECONDS, SAS_EPOCH, sas_date, study_day
from specs.errors import InputError


LEVELS = ("Y", "M", "D", "h", "m", "s", "n")     # highest imputation, as admiral
_PARTS = ("year", "month", "day", "hour", "minute", "second")
_DTC = (r"^(?P<year>\d{4}|-)?(?:-(?P<month>\d{2}|-)?(?:-(?P<day>\d{2}|-)?"
        r"(?:T(?P<hour>\d{2}|-)?(?::(?P<minute>\d{2}|-)?(?::(?P<second>\d{2}(?:\.\d+)?|-)?)?)?)?)?)?$")
_LAYOUT = "0000-00-00T00:00:00"   # the complete form; 0: a digit
_ENDS = (4, 7, 10, 13, 16, 19)    # where year ... second end in it
_FIRST = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
_LAST = {"month": 12, "hour": 23, "minute": 59, "second": 59}
_MID = {"month": 6, "day": 15, "hour": 12, "minute": 0, "second": 0}


def _distinct(dtc):
    """Dates repeat: --DTC values as codes into their distinct texts (stripped,
    "" for missing), with the values' index."""
    values = pd.Series(dtc, dtype=object)
    codes, uniques = pd.factorize(values)
    texts = pd.Series([*uniques, ""], dtype=object).astype(str).str.strip()
    return values.index, np.where(codes < 0, len(uniques), codes), texts


def parse_dtc(dtc):
    """ISO 8601 --DTC text to its numeric parts (year ... second), NaN from the
    first unknown part on (right truncation or a "-" placeholder)."""
    index, codes, texts = _distinct(dtc)
    return _parts(texts).iloc[codes].set_axis(index)


def _parts(texts):
    """``parse_dtc`` of texts (a Series indexed 0..n-1): the usual ones, a
    complete date-time cut after one of its parts (YYYY, YYYY-MM, ...,
    YYYY-MM-DDThh:mm:ss), read as columns of digits at once; others (with a
    "-" placeholder or a fraction of a second) through the regular expression."""
    out = pd.DataFrame(np.nan, index=texts.index, columns=list(_PARTS))
    lengths = texts.str.len().to_numpy()
    usual = np.isin(lengths, _ENDS)
    chars = np.array(texts[usual].tolist(), dtype=f"U{len(_LAYOUT)}").view(np.uint32).reshape(-1, len(_LAYOUT))
    layout = np.array([ord(c) for c in _LAYOUT])
    digits = chars - ord("0")
    fits = np.where(layout == ord("0"), (digits >= 0) & (digits <= 9), chars == layout)
    fits |= np.arange(len(_LAYOUT)) >= lengths[usual][:, None]
    read = np.flatnonzero(usual)[fits.all(axis=1)]
    digits = digits[fits.all(axis=1)]
    for part, end in zip(_PARTS, _ENDS):
        start = end - (4 if part == "year" else 2)
        value = digits[:, start:end] @ 10 ** np.arange(end - start - 1, -1, -1)
        out.loc[read, part] = np.where(lengths[read] >= end, value, np.nan)
    rest = texts.drop(read)
    parts = rest.str.extract(_DTC)
    bad = ~rest.str.fullmatch(_DTC)
    if bad.any():
        raise InputError(f"{rest[bad].iloc[0]!r} is not an ISO 8601 date/time")
    known = pd.Series(True, index=rest.index)
    for part in _PARTS:
        values = pd.to_numeric(parts[part].where(parts[part] != "-"), errors="coerce")
        known &= values.notna()
        out.loc[rest.index, part] = values.where(known)
    return out


def _check(highest, date, time):
    if highest not in LEVELS:
        raise InputError(f"highest imputation {highest!r} must be one of {', '.join(LEVELS)}")
    if highest == "Y":
        raise InputError("the year of a date is never imputed (highest imputation Y is not supported)")
    for what, value in (("date", date), ("time", time)):
        if value not in ("first", "mid", "last"):
            raise InputError(f"{what} imputation {value!r} must be first, mid or last")


IMPUTE_OPTIONS = ("highest", "date", "time", "ignore_seconds")
# A spec's ``impute`` mapping (the options of ``impute_dtc``), as JSON Schema.
Impute = Annotated[dict, {"type": "object", "additionalProperties": False, "properties": {
    "highest": {"enum": list(LEVELS)}, "date": {"enum": ["first", "mid", "last"]},
    "time": {"enum": ["first", "mid", "last"]}, "ignore_seconds": {"type": "boolean"}}}]


def imputation(options):
    """The ``impute_dtc`` options of a spec's ``impute`` mapping, checked."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(IMPUTE_OPTIONS))
    if unknown:
        raise InputError(f"impute: unknown option {unknown[0]!r} (allowed: {', '.join(IMPUTE_OPTIONS)})")
    return options


def impute_dtc(dtc, highest="n", date="first", time="first", ignore_seconds=False,
               not_before=None, not_after=None):
    """Impute partial --DTC values as the spec allows.

    Returns a frame with ``date`` (SAS days), ``time`` (seconds since midnight),
    ``dtf`` and ``tmf`` (imputation flags, "" when nothing was imputed) per value.
    A value whose missing parts may not be imputed gives a missing ``date``
    (and ``time``); a complete date without a time gives a missing ``time``
    unless hours may be imputed. ``not_before``/``not_after`` are SAS dates
    aligned with ``dtc`` (NaN: no bound).
    """
    _check(highest, date, time)
    index, codes, texts = _distinct(dtc)
    imputed = _impute_parts(_parts(texts), highest, date, time, ignore_seconds)
    result = imputed[["date", "time", "dtf", "tmf"]].iloc[codes].set_axis(index)
    days = result["date"].to_numpy()
    for bound, later in ((not_before, True), (not_after, False)):
        if bound is None:
            continue
        bound = np.asarray(bound, dtype="float64")
        inside = (imputed["imputed"].to_numpy()[codes] & (bound >= imputed["low"].to_numpy()[codes])
                  & (bound <= imputed["high"].to_numpy()[codes]))
        days = np.where(inside & ((days < bound) if later else (days > bound)), bound, days)
    result["date"] = days
    return result


def _impute_parts(parts, highest, date, time, ignore_seconds):
    """``impute_dtc`` of the parts of distinct texts, with ``imputed`` (month or
    day imputed) and the ``low`` and ``high`` SAS dates the partial date allows."""
    allowed = LEVELS.index(highest)
    level = {"month": 1, "day": 2, "hour": 3, "minute": 4, "second": 5}
    year_known = parts["year"].notna()
    filled = parts.copy()
    date_ok = year_known.copy()
    for part in ("month", "day"):
        missing = parts[part].isna() & year_known
        date_ok &= ~missing | (level[part] >= allowed)
    defaults = {"first": _FIRST, "mid": _MID, "last": _LAST}
    month_missing = parts["month"].isna()
    filled["month"] = parts["month"].fillna(defaults[date]["month"])
    first_of_month = pd.to_datetime(pd.DataFrame({"year": filled["year"].where(date_ok, 2000),
                                                  "month": filled["month"].where(date_ok, 1), "day": 1}),
                                    errors="coerce")
    month_days = (first_of_month + pd.offsets.MonthEnd(0)).dt.day
    day_default = {"first": pd.Series(1.0, index=parts.index),
                   "mid": pd.Series(np.where(month_missing, 30.0, 15.0), index=parts.index),
                   "last": month_days.astype("float64")}[date]
    filled["day"] = parts["day"].fillna(day_default)
    stamp = pd.to_datetime(pd.DataFrame({p: filled[p].where(date_ok, np.nan) for p in ("year", "month", "day")}),
                           errors="coerce")
    days = ((stamp - SAS_EPOCH).dt.days).astype("float64")
    imputed = date_ok & (parts["month"].isna() | parts["day"].isna())
    low = sas_date(pd.to_datetime(pd.DataFrame({"year": filled["year"].where(date_ok, 2000),
                                                "month": parts["month"].fillna(1).where(date_ok, 1),
                                                "day": parts["day"].fillna(1).where(date_ok, 1)}),
                                  errors="coerce")).set_axis(parts.index)
    last_month = parts["month"].fillna(12).where(date_ok, 12)
    end = pd.to_datetime(pd.DataFrame({"year": filled["year"].where(date_ok, 2000), "month": last_month,
                                       "day": 1}), errors="coerce") + pd.offsets.MonthEnd(0)
    high = sas_date(end).set_axis(parts.index).where(parts["day"].isna(), low)
    dtf = pd.Series("", index=parts.index, dtype=object)
    dtf[imputed & parts["day"].isna()] = "D"
    dtf[imputed & parts["month"].isna()] = "M"

    time_ok = date_ok.copy()
    tmf = pd.Series("", index=parts.index, dtype=object)
    seconds = pd.Series(0.0, index=parts.index)
    for part, flag, scale in (("second", "S", 1), ("minute", "M", 60), ("hour", "H", 3600)):
        missing = parts[part].isna() & date_ok
        time_ok &= ~missing | (level[part] >= allowed)
        value = parts[part].fillna(defaults[time][part])
        seconds += value * scale
        if part != "second" or not ignore_seconds:
            tmf[missing] = flag
    return pd.DataFrame({"date": days, "time": seconds.where(time_ok), "dtf": dtf.where(date_ok, ""),
                         "tmf": tmf.where(time_ok, ""), "imputed": imputed, "low": low.astype("float64"),
                         "high": high.astype("float64")})


def _imputed(dataset, dtc, impute, **bounds):
    try:
        return impute_dtc(dataset[dtc], **imputation(impute), **bounds)
    except InputError as exc:
        raise InputError(f"{dtc}: {exc}") from None


def derive_vars_dt(dataset, new_var, dtc, impute=None, not_before=None, not_after=None, flag_var=None):
    """Add SAS date ``new_var`` (and its imputation flag ``flag_var``) from ISO 8601
    ``dtc``, imputed as ``impute`` allows and kept within the SAS dates of the
    columns ``not_before`` and ``not_after`` (see ``impute_dtc``)."""
    bounds = {k: dataset[v].to_numpy(dtype="float64") for k, v in
              (("not_before", not_before), ("not_after", not_after)) if v}
    result = _imputed(dataset, dtc, impute, **bounds)
    out = dataset.assign(**{new_var: result["date"].to_numpy()})
    return out.assign(**{flag_var: result["dtf"].to_numpy()}) if flag_var else out


def derive_vars_dtm(dataset, new_var, dtc, impute=None, date_flag_var=None, time_flag_var=None):
    """Add SAS datetime ``new_var`` (and its date and time imputation flags) from ISO 8601 ``dtc``."""
    result = _imputed(dataset, dtc, impute)
    out = dataset.assign(**{new_var: (result["date"] * DAY_SECONDS + result["time"]).to_numpy()})
    for name, column in ((date_flag_var, "dtf"), (time_flag_var, "tmf")):
        if name:
            out[name] = result[column].to_numpy()
    return out


def derive_var_dtm_to_dt(dataset, new_var, source_var):
    """Add ``new_var``: the SAS date of SAS datetime ``source_var``."""
    return dataset.assign(**{new_var: np.floor(dataset[source_var] / DAY_SECONDS).to_numpy()})


def derive_var_dtm_to_tm(dataset, new_var, source_var):
    """Add ``new_var``: the SAS time (seconds since midnight) of SAS datetime ``source_var``."""
    return dataset.assign(**{new_var: (dataset[source_var] % DAY_SECONDS).to_numpy()})


def derive_var_dy(dataset, new_var, source_var, reference_date):
    """Add the relative day ``new_var`` of SAS date ``source_var`` against ``reference_date`` (ADY, ASTDY)."""
    return dataset.assign(**{new_var: study_day(dataset[source_var], dataset[reference_date]).to_numpy()})


def derive_var_duration(dataset, new_var, start_date, end_date, add=1):
    """Add ``new_var`` = ``end_date`` - ``start_date`` + ``add`` days (e.g. TRTDURD: both ends count)."""
    return dataset.assign(**{new_var: (dataset[end_date] - dataset[start_date] + add).to_numpy(dtype="float64")})


@dataclass
class DateSource:
    """Dated records of one dataset: which records (``filter``), which date
    variable (ISO 8601 text, or a SAS date already) and how it may be imputed."""
    records: pd.DataFrame
    date: str
    filter: dict | None = None
    impute: dict | None = None
    path: str = "date source"


def dated_records(source, output="date", keep=()):
    """The records of a ``DateSource`` passing its filter that have a date:
    USUBJID, the ``keep`` columns, ``value`` (SAS date, or datetime when
    ``output`` is "datetime") and the imputation flags ``dtf`` and ``tmf``."""
    if output not in ("date", "datetime"):
        raise InputError(f"{source.path}: output {output!r} must be date or datetime")
    if source.date not in source.records.columns:
        raise InputError(f"{source.path}: {source.date!r} is not a variable of the source dataset")
    records = select(source.records, source.filter, f"{source.path}.filter")
    values = records[source.date]
    if pd.api.types.is_numeric_dtype(values):
        found = pd.DataFrame({"value": values.astype("float64"), "dtf": "", "tmf": ""}, index=records.index)
    else:
        try:
            result = impute_dtc(values, **imputation(source.impute)).set_axis(records.index)
        except InputError as exc:
            raise InputError(f"{source.path}: {source.date}: {exc}") from None
        value = result["date"] if output == "date" else result["date"] * DAY_SECONDS + result["time"]
        found = pd.DataFrame({"value": value, "dtf": result["dtf"], "tmf": result["tmf"]}, index=records.index)
    out = pd.concat([records[["USUBJID", *keep]], found], axis=1)
    return out[out["value"].notna()].reset_index(drop=True)


def extreme_dates(sources, mode="first", output="date"):
    """The first or last (``mode``) dated record per USUBJID over several
    ``DateSource``s: ``value``, ``dtf`` and ``tmf`` indexed by USUBJID."""
    if mode not in ("first", "last"):
        raise InputError(f"mode {mode!r} must be first or last")
    if not sources:
        raise InputError("give at least one date source")
    dated = pd.concat([dated_records(s, output) for s in sources], ignore_index=True)
    dated = dated.sort_values("value", kind="mergesort")
    return dated.drop_duplicates("USUBJID", keep=mode).set_index("USUBJID")[["value", "dtf", "tmf"]]


def derive_vars_extreme_dt(dataset, new_var, sources, mode="last", output="date", date_flag_var=None,
                           time_flag_var=None):
    """Add ``new_var``: the first or last (``mode``) date (or datetime) per USUBJID
    over several ``DateSource``s (e.g. TRTSDTM, LSTALVDT), with its imputation
    flags as ``date_flag_var`` and ``time_flag_var``."""
    chosen = extreme_dates(sources, mode, output)
    subjects = dataset["USUBJID"]
    out = dataset.assign(**{new_var: subjects.map(chosen["value"]).astype("float64").to_numpy()})
    for name, column in ((date_flag_var, "dtf"), (time_flag_var, "tmf")):
        if name:
            out[name] = subjects.map(chosen[column]).fillna("").to_numpy()
    return out
