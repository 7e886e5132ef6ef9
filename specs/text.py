"""Numbers as text, one way for the whole project: the shortest text that
reads back as the number at the precision asked (``3`` for 3.0, ``0.25``),
"" for a missing value. Conditions, codelist checks, SDTM character results
(--STRESC, VISITNUM, study days, ages) and Define-XML where clauses all use it.
"""

import numpy as np
import pandas as pd

from .distinct import distinct_rows


def number_text(value, digits=15):
    """``value`` as text with at most ``digits`` significant digits; "" when missing."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.{digits}g}"


def numbers_text(values, digits=15):
    """``number_text`` of every value of a Series, computed once per distinct value."""
    values = pd.Series(values)
    floats = values.to_numpy(dtype="float64", na_value=np.nan)
    codes, firsts = distinct_rows(floats)
    texts = np.array([number_text(v, digits) for v in floats[firsts]], dtype=object)
    return pd.Series(texts[codes], index=values.index, dtype=object)
