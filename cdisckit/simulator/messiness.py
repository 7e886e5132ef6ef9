"""Seeded messiness: what makes the export look typed by people, not tidied.

Each function applies one kind of messiness documented in crf.yaml
``messiness`` (and so in forms.yaml), at the rates given there, so the SDTM
specs can deal with each kind deliberately.
"""

from __future__ import annotations

import numpy as np


def unknown_parts(rng, rates: dict, size):
    """Masks of dates whose day, or day and month, were not known (``partial_dates``)."""
    draw = rng.random(size)
    unknown_month = draw < rates.get("unknown_month", 0.0)
    unknown_day = draw < rates.get("unknown_month", 0.0) + rates.get("unknown_day", 0.0)
    return unknown_day, unknown_month


def case_and_spaces(rng, values, rate: float) -> np.ndarray:
    """Text retyped in another case or with stray spaces (``case_and_spaces``)."""
    values = np.array(values, dtype=object)
    hit = np.flatnonzero((rng.random(len(values)) < rate) & (values != ""))
    styles = rng.integers(0, 6, len(hit))
    for row, style in zip(hit, styles):
        text = values[row]
        if style == 0:
            text = text.upper()
        elif style == 1:
            text = text.lower()
        elif style == 2:
            text = text.title()
        elif style == 3:
            text = text + " "
        elif style == 4:
            text = " " + text
        else:
            text = text.replace(" ", "  ", 1) if " " in text else text + "  "
        values[row] = text
    return values


def out_of_window(rng, days, rate: float) -> np.ndarray:
    """Visit days moved 8-20 days from the planned day, earlier or later (``out_of_window_visits``)."""
    days = np.asarray(days, dtype=np.int64)
    moved = rng.random(days.shape) < rate
    shift = rng.integers(8, 21, days.shape) * np.where(rng.random(days.shape) < 0.5, -1, 1)
    return np.where(moved, days + shift, days)


def duplicated_rows(rng, size: int, rate: float) -> np.ndarray:
    """Row indices to repeat once, as if entered twice (``duplicate_lab_rows``)."""
    return np.flatnonzero(rng.random(size) < rate)


def left_blank(rng, shape, rate: float) -> np.ndarray:
    """Mask of answers left blank or not done (``not_done``)."""
    return rng.random(shape) < rate
