"""Text work done once per distinct value.

Raw columns repeat few values over many rows (visit names, units, answers,
the dates of a visit), while pandas string methods cost per row. Functions
decorated here compute on the distinct values and spread the result back by
position, which makes the engine's text handling scale with the vocabulary
rather than the row count.
"""

import functools

import numpy as np
import pandas as pd


def factorize(values):
    """``pd.factorize`` of an object array (codes, distinct values in order of first
    appearance, -1 for missing), also right where pandas 2 is not: its hash table for
    text compares C strings, so "A" and "A\\x00B" become one value there. Checked by
    comparing every value with its distinct value (a pass over the rows); only then,
    a Python dict does the work."""
    values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values)
    present = codes >= 0
    if np.array_equal(uniques[codes[present]], values[present]):
        return codes, uniques
    uniques = np.array(list(dict.fromkeys(values[present])), dtype=object)
    return pd.Index(uniques, dtype=object).get_indexer(values), uniques


def per_distinct(func):
    """Apply a Series -> Series (or tuple of Series) function to the distinct values only."""
    @functools.wraps(func)
    def wrapper(values, *args, **kwargs):
        values = pd.Series(values, dtype="object")
        codes, uniques = _blank_missing(*factorize(values.to_numpy()))
        result = func(pd.Series(uniques, dtype="object"), *args, **kwargs)
        if isinstance(result, tuple):
            return tuple(spread(part, codes, values.index) for part in result)
        return spread(result, codes, values.index)
    return wrapper


def spread(values, codes, index):
    """Values found once per distinct value (or row), back on every record
    (``codes``: each record's, as ``distinct_rows`` gives them)."""
    return pd.Series(values.to_numpy()[codes], index=index, dtype=values.dtype)


def _blank_missing(codes, uniques):
    """Factorized values with missing ones (code -1) counted as ""."""
    uniques = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        blank = np.flatnonzero(uniques == "")
        if not len(blank):
            uniques, blank = np.append(uniques, ""), [len(uniques)]
        codes[missing] = blank[0]
    return codes, uniques


def distinct_rows(*columns, float_bits=True):
    """Rows with equal values in every column share a code: returns each row's
    code (0, 1, ... in order of first appearance) and each code's first row.
    Missing values are equal to each other; floats are equal by their bits
    (0.0 and -0.0 differ, as their texts do) unless ``float_bits`` is false
    (then as ``groupby`` sees them)."""
    code = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for i, column in enumerate(columns):
        array = np.asarray(column)
        if array.dtype == np.float64 and float_bits:
            array = np.ascontiguousarray(array).view(np.int64)
        part, uniques = pd.factorize(array, use_na_sentinel=False)
        code = part.astype(np.int64) if i == 0 else pd.factorize(code * len(uniques) + part)[0]
    # Codes come in order of first appearance: a row is a first one where the running maximum grows.
    firsts = np.flatnonzero(np.diff(np.maximum.accumulate(code), prepend=-1) > 0) if len(code) else code
    return code, firsts
