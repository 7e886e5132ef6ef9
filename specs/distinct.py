"""Text work done once per distinct value.

Raw columns repeat few values over many rows (visit names, units, answers,
the dates of a visit), while pandas string methods cost per row. Functions
decorated here compute on the distinct values and spread the result back by
position, which makes the engine's text handling scale with the vocabulary
rather than the row count.
"""

import functools

import pandas as pd


def per_distinct(func):
    """Apply a Series -> Series (or tuple of Series) function to the distinct values only."""
    @functools.wraps(func)
    def wrapper(values, *args, **kwargs):
        values = pd.Series(values, dtype="object")
        codes, uniques = pd.factorize(values.fillna(""))
        result = func(pd.Series(uniques, dtype="object"), *args, **kwargs)

        def spread(part):
            return pd.Series(part.to_numpy()[codes], index=values.index, dtype=part.dtype)
        return tuple(spread(part) for part in result) if isinstance(result, tuple) else spread(result)
    return wrapper
