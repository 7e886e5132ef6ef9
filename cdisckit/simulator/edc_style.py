"""How the EDC writes values: dates, partial dates, times, numbers, Yes/No.

One style for the whole export (documented as ``edc_style`` in forms.yaml):
dates as ``03 JAN 2014``, an unknown day as ``UN`` and an unknown month as
``UNK`` (``UN JAN 1960``, ``UN UNK 1958``), times as ``HH:MM``. Every
function takes numpy arrays and returns an object array of strings, with
"" for a blank field.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from specs.distinct import distinct_rows

from .protocol import EPOCH

NEVER = 10**8
"""Day number of an event that does not happen (or not before the cut-off); written blank."""

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def format_dates(days, unknown_day=None, unknown_month=None) -> np.ndarray:
    """Day numbers as DD MMM YYYY; masks blank out the day, or the day and month."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(days.shape, "", dtype=object)
    known = days < NEVER
    if not known.any():
        return out
    unique, inverse = np.unique(days[known], return_inverse=True)
    dates = [EPOCH + dt.timedelta(days=int(d)) for d in unique]
    full = np.array([f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}" for d in dates], dtype=object)
    no_day = np.array([f"UN {MONTHS[d.month - 1]} {d.year}" for d in dates], dtype=object)
    no_month = np.array([f"UN UNK {d.year}" for d in dates], dtype=object)
    text = full[inverse]
    if unknown_day is not None:
        text = np.where(np.asarray(unknown_day)[known], no_day[inverse], text)
    if unknown_month is not None:
        text = np.where(np.asarray(unknown_month)[known], no_month[inverse], text)
    out[known] = text
    return out


_CLOCK = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)], dtype=object)


def format_times(minutes, blank=None) -> np.ndarray:
    """Minutes after midnight as HH:MM; ``blank`` marks fields left empty."""
    out = _CLOCK[np.asarray(minutes, dtype=np.int64) % (24 * 60)]
    return out if blank is None else np.where(blank, "", out)


def format_numbers(values, decimals, blank=None) -> np.ndarray:
    """Numbers with a fixed count of decimals (a scalar or one per value)."""
    values = np.asarray(values, dtype=float)
    decimals = np.broadcast_to(np.asarray(decimals, dtype=np.int64), values.shape)
    out = np.full(values.shape, "", dtype=object)
    for places in np.unique(decimals):
        sel = decimals == places
        chosen = values[sel]
        codes, firsts = distinct_rows(chosen)     # reference ranges and rounded results repeat: each once
        out[sel] = np.array([f"{v:.{places}f}" for v in chosen[firsts]] + [""], dtype=object)[codes]
    return out if blank is None else np.where(blank, "", out)


def yes_no(flags, blank=None) -> np.ndarray:
    """Booleans as the CRF's Yes/No."""
    out = np.where(np.asarray(flags, dtype=bool), "Yes", "No").astype(object)
    return out if blank is None else np.where(blank, "", out)


def parse_time(text: str) -> int:
    """HH:MM of the configuration as minutes after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)
