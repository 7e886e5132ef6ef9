"""The condition language of the specs: filters on records, shared by the
SDTM mappings and the ADaM derivations.

A condition is ``{column|variable: X, equals|in|empty|not_empty|matches: ...}``,
or ``{all: [...]}`` / ``{any: [...]}``, or ``{not: {...}}``. ``column`` tests a
raw column, ``variable`` a variable of the dataset. Values compare as text,
ignoring case, outer spaces and repeated inner spaces; numbers compare as their
shortest text (200.0 is "200", NaN is ""). Conditions are evaluated over
"records": anything with an ``index``, a ``path`` and ``raw(column)`` /
``var(name)`` methods (the SDTM engine's blocks, or a ``FrameRecords``).
"""

import numpy as np
import pandas as pd

from .distinct import per_distinct
from .errors import InputError
from .text import numbers_text

TESTS = ("equals", "in", "empty", "not_empty", "matches")


@per_distinct
def normal(values):
    """Text as conditions and codelists compare it: stripped, upper case, single spaces."""
    return values.fillna("").astype(str).map(normal_text)


def normal_text(text):
    """``normal`` of one text."""
    # str.split() splits at the whitespace that str.strip() and the regex \s see: runs of it become one space.
    return " ".join(text.upper().split())


def as_text(values):
    """Values as text for comparisons: numbers as their shortest text, missing as ""."""
    if pd.api.types.is_numeric_dtype(values):
        return numbers_text(values)
    return values.astype(object).where(values.notna(), "").astype(str)


def evaluate_condition(records, cond):
    """Boolean Series (on ``records.index``) of a condition dict."""
    if "all" in cond:
        return pd.Series(np.logical_and.reduce([evaluate_condition(records, c) for c in cond["all"]] +
                                               [pd.Series(True, index=records.index)]), index=records.index)
    if "any" in cond:
        return pd.Series(np.logical_or.reduce([evaluate_condition(records, c) for c in cond["any"]] +
                                              [pd.Series(False, index=records.index)]), index=records.index)
    if "not" in cond:
        return ~evaluate_condition(records, cond["not"])
    subject = [k for k in ("column", "variable") if k in cond]
    if len(subject) != 1:
        raise InputError(f"{records.path}: condition {cond!r} needs exactly one of column or variable")
    name = cond[subject[0]]
    values = normal(records.raw(name) if subject[0] == "column" else records.var(name).fillna("").astype(str))
    if "equals" in cond:
        return values == normal(pd.Series([cond["equals"]])).iloc[0]
    if "in" in cond:
        return values.isin(list(normal(pd.Series(cond["in"]))))
    if "empty" in cond:
        return (values == "") == bool(cond["empty"])
    if "not_empty" in cond:
        return (values != "") == bool(cond["not_empty"])
    if "matches" in cond:
        return _matches(values, cond["matches"])
    raise InputError(f"{records.path}: condition {cond!r} needs {', '.join(TESTS[:-1])} or {TESTS[-1]}")


@per_distinct
def _matches(values, pattern):
    """Whether each value matches the regular expression, ignoring case."""
    return values.str.fullmatch(pattern, case=False)


def condition_variables(cond):
    """The variables a condition (or a list of them) tests."""
    if isinstance(cond, list):
        return [v for c in cond for v in condition_variables(c)]
    nested = [cond[k] for k in ("all", "any", "not") if k in cond]
    return ([cond["variable"]] if "variable" in cond else []) + condition_variables(nested)


class FrameRecords:
    """A frame as records a condition tests: its columns are read as ``kind``
    ("variable" or "column") tests; the other kind is refused."""

    def __init__(self, frame, path, kind="variable"):
        self.frame, self.path, self.kind, self.index = frame, path, kind, frame.index

    def _read(self, kind, name):
        if kind != self.kind:
            raise InputError(f"{self.path}: a filter here tests {self.kind}s, not the {kind} {name!r}")
        if name not in self.frame.columns:
            raise InputError(f"{self.path}: {name!r} is not a {kind} of the records filtered "
                             f"(they have {', '.join(map(str, self.frame.columns))})")
        return as_text(self.frame[name])

    def var(self, name):
        return self._read("variable", name)

    def raw(self, name):
        return self._read("column", name)


def where_mask(frame, where, path, kind="variable"):
    """Boolean array: the records of ``frame`` where the filter holds (all if no filter)."""
    if not where:
        return np.ones(len(frame), dtype=bool)
    if not isinstance(where, dict):
        raise InputError(f"{path}: a filter must be a mapping such as {{variable: X, equals: Y}}, not {where!r}")
    return evaluate_condition(FrameRecords(frame, path, kind), where).to_numpy(dtype=bool)


def select(frame, where, path, kind="variable"):
    """The records of ``frame`` where the filter holds."""
    return frame[where_mask(frame, where, path, kind)]
