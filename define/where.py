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


def data_texts(column):
    """``data_text`` of every value of a Series, computed once per distinct value."""
    codes, uniques = pd.factorize(column)          # missing values get code -1
    texts = np.array([data_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype=object)


def where_mask(frame, conditions):
    """Boolean Series: the rows of ``frame`` where every condition holds.

    EQ/NE/IN/NOTIN compare the values as text; LT/LE/GT/GE as numbers. A
    condition on a column the frame lacks holds for no row.
    """
    mask = pd.Series(True, index=frame.index)
    for cond in conditions:
        if cond.variable not in frame.columns:
            return pd.Series(False, index=frame.index)
        column = frame[cond.variable]
        if cond.comparator in ("EQ", "IN", "NE", "NOTIN"):
            hit = data_texts(column).isin(cond.values)
            mask &= ~hit if cond.comparator in ("NE", "NOTIN") else hit
        else:
            number = pd.to_numeric(column, errors="coerce")
            limit = pd.to_numeric(cond.values[0], errors="coerce")   # NaN: no row
            test = {"LT": number.lt, "LE": number.le, "GT": number.gt, "GE": number.ge}[cond.comparator]
            mask &= test(limit).fillna(False).astype(bool)
    return mask
