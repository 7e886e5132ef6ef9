"""Which rows of a dataset a value-level definition (a where clause) covers.

The writer sizes value-level items from these rows and the structural checks
test their codelists on them; both read conditions with the fields of
``specs.Condition`` (variable, comparator, values).
"""

import numpy as np
import pandas as pd

from specs.text import number_text


def data_text(value):
    """A data value as the text a codelist or a where clause compares it with:
    None for a missing value, a number as ``specs.text.number_text`` (``3``
    for 3.0), otherwise ``str``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return number_text(value) or None
    text = str(value)
    return text if text.strip() else None


def _distinct_texts(column):
    """Each value's code into the ``data_text`` of the distinct values (the last: None, missing)."""
    codes, uniques = pd.factorize(column)          # missing values get code -1
    return codes, np.array([data_text(u) for u in uniques] + [None], dtype=object)


class FrameTexts:
    """The columns of one frame read as ``data_text`` once each, for the many
    where clauses and codelist tests of its value-level metadata."""

    def __init__(self, frame):
        self.frame, self._texts = frame, {}

    def codes(self, name):
        """(codes, texts) of column ``name``: ``texts[codes]`` is the ``data_text`` of each value."""
        if name not in self._texts:
            self._texts[name] = _distinct_texts(self.frame[name])
        return self._texts[name]

    def distinct(self, name, rows=None):
        """The set of data texts of column ``name`` (on the boolean ``rows``); None for missing."""
        codes, texts = self.codes(name)
        return set(texts[np.unique(codes if rows is None else codes[rows])])

    def mask(self, conditions):
        """Boolean array: the rows where every condition holds (see ``where_mask``)."""
        mask = np.ones(len(self.frame), dtype=bool)
        for cond in conditions:
            if cond.variable not in self.frame.columns:
                return np.zeros(len(self.frame), dtype=bool)
            if cond.comparator in ("EQ", "IN", "NE", "NOTIN"):
                codes, texts = self.codes(cond.variable)
                hit = pd.Series(texts, dtype=object).isin(cond.values).to_numpy()[codes]
                mask &= ~hit if cond.comparator in ("NE", "NOTIN") else hit
            else:
                number = pd.to_numeric(self.frame[cond.variable], errors="coerce")
                limit = pd.to_numeric(cond.values[0], errors="coerce")   # NaN: no row
                test = {"LT": number.lt, "LE": number.le, "GT": number.gt, "GE": number.ge}[cond.comparator]
                mask &= test(limit).fillna(False).to_numpy(dtype=bool)
        return mask


def where_mask(frame, conditions):
    """Boolean Series: the rows of ``frame`` where every condition holds.

    EQ/NE/IN/NOTIN compare the values as text; LT/LE/GT/GE as numbers. A
    condition on a column the frame lacks holds for no row.
    """
    return pd.Series(FrameTexts(frame).mask(conditions), index=frame.index)
