"""SAS XPORT version 5 limits, the one place they are written down.

The spec loader checks metadata against them before any data exists, and the
XPT writer checks data against them before writing a byte.
"""

import re

import numpy as np
import pandas as pd

NAME_MAX = 8
LABEL_MAX = 40
CHAR_MAX = 200
NAME_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")


def name_problem(name):
    """Why ``name`` is not a valid XPT v5 dataset or variable name, or None."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return (f"name {name!r} must be 1-{NAME_MAX} characters, upper-case letters, "
                "digits or underscore, starting with a letter")
    return None


def label_problem(label):
    """Why ``label`` cannot be an XPT v5 label, or None."""
    if label is None:
        return None
    if not label.isascii():
        return f"label {label!r} must be ASCII"
    if len(label) > LABEL_MAX:
        return f"label {label!r} has {len(label)} characters, must be <= {LABEL_MAX}"
    return None


def length_problem(length):
    """Why ``length`` cannot be an XPT v5 character length, or None."""
    if length is None:
        return None
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= CHAR_MAX:
        return f"length {length!r} must be <= {CHAR_MAX} and >= 1"
    return None


def text_length(values):
    """Length an XPT character variable needs for ``values``: longest value in
    bytes, at least 1 (FDA: variable length = longest value, never padded)."""
    distinct = pd.unique(np.asarray(values, dtype=object))
    return max(max((len(str(v).rstrip().encode("utf-8")) for v in distinct if not pd.isna(v)), default=0), 1)
