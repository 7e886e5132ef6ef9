"""Record filters of ADaM specs: the SDTM specs' condition language on any frame.

A filter (``where``) is the same dict as in the SDTM mappings (see
``sdtm.algorithms.evaluate_condition``): ``{variable: X, equals|in|empty|
not_empty|matches: ...}``, combined with ``all``, ``any`` and ``not``. Here
``variable`` (or ``column``) names a column of the frame being filtered;
numbers compare as their shortest text (200.0 is "200", NaN is "").
"""

import numpy as np
import pandas as pd

from sdtm.algorithms import evaluate_condition
from specs.errors import InputError


def as_text(values):
    """Values as text for comparisons: numbers without a trailing ".0", missing as ""
    (each distinct number formatted once)."""
    if pd.api.types.is_numeric_dtype(values):
        codes, uniques = pd.factorize(values)
        text = np.array([f"{v:.15g}" for v in uniques] + [""], dtype=object)
        return pd.Series(text[codes], index=values.index, dtype=object)
    return values.astype(object).where(values.notna(), "").astype(str)


class _View:
    """A frame as the condition language sees a block of records."""

    def __init__(self, frame, path, study=None):
        self.frame, self.path, self.study, self.index = frame, path, study, frame.index

    def var(self, name):
        if name not in self.frame.columns:
            raise InputError(f"{self.path}: {name!r} is not a variable of the records filtered "
                             f"(they have {', '.join(map(str, self.frame.columns))})")
        return as_text(self.frame[name])

    raw = var


def where_mask(frame, where, path, study=None):
    """Boolean array: the records of ``frame`` where the filter holds (all if no filter)."""
    if not where:
        return np.ones(len(frame), dtype=bool)
    if not isinstance(where, dict):
        raise InputError(f"{path}: a filter must be a mapping such as {{variable: X, equals: Y}}, not {where!r}")
    return evaluate_condition(_View(frame, path, study), where).to_numpy(dtype=bool)


def select(frame, where, path, study=None):
    """The records of ``frame`` where the filter holds."""
    return frame[where_mask(frame, where, path, study)]
