"""Toxicity grades of findings by grading criteria kept in the spec (e.g. CTCAE v4.0 for labs).

The ``toxicity_grade`` algorithm fills --TOXGR (``output: grade``) or --TOX
(``output: term``) from a numeric standard result, its reference range and
the subject's baseline result. Criteria are data, per test code:

    criteria:
      ALT:
        high: {term: Alanine aminotransferase increased,
               grades: {1: [{uln: 1}], 2: [{uln: 3}], 3: [{uln: 5}], 4: [{uln: 20}]}}
      CREAT:
        high: {term: Creatinine increased,
               grades: {1: [{uln: 1}, {baseline: 1}], ..., 4: [{uln: 6}]}}
      HGB:
        low: {term: Anemia, grades: {1: [{lln: 1}], 2: [{value: 100}], 3: [{value: 80}]}}

A grade's list holds alternative thresholds (CTCAE's "or"): a multiple of the
upper (``uln``) or lower (``lln``) limit of normal, of the baseline result
(``baseline``), or an absolute ``value`` in the standard unit. In the ``high``
direction a result has grade g when it is above the lowest alternative of g;
in the ``low`` direction when it is below the highest. The grade is the
highest such g (--TOX names the term of its direction); ``normal`` (default
blank, as CTCAE grades run from 1; e.g. "0") when the result is gradable but
meets none; blank when there is no numeric result, no criteria for the test, or no threshold can be
computed (e.g. no reference range). A test with both directions takes the
grade of the direction in which it is abnormal (the high one when both are).
"""

import numpy as np
import pandas as pd

from specs.distinct import distinct_rows
from specs.errors import InputError
from specs.mapping import Name, Table, Text, enum

from .algorithms import algorithm, numbers

_BASES = {"uln": "high", "lln": "low", "baseline": "base", "value": None}


def _threshold(alternatives, limits, direction, path):
    """Per record, the threshold of one grade: the lowest (high) or highest (low) alternative."""
    values = []
    for alternative in alternatives:
        if not isinstance(alternative, dict) or len(alternative) != 1 or next(iter(alternative)) not in _BASES:
            raise InputError(f"{path}: threshold {alternative!r} must be one of "
                             f"{', '.join('{' + k + ': number}' for k in _BASES)}")
        (kind, factor), = alternative.items()
        base = _BASES[kind]
        values.append(np.full(len(limits["high"]), float(factor)) if base is None else float(factor) * limits[base])
    stacked = np.vstack(values)
    reduce = np.fmin.reduce if direction == "high" else np.fmax.reduce
    return reduce(stacked, axis=0)


def _direction_grade(result, limits, direction, rule, path):
    """Grades in one direction; NaN where grade 1's threshold cannot be computed."""
    grades = rule.get("grades") or {}
    if not isinstance(grades, dict) or not grades:
        raise InputError(f"{path}.grades: a mapping of grade number to a list of thresholds is required")
    out = np.zeros(len(result))
    gradable = np.zeros(len(result), dtype=bool)
    for grade in sorted(grades, key=int):
        threshold = _threshold(grades[grade], limits, direction, f"{path}.grades.{grade}")
        known = ~np.isnan(threshold)
        gradable |= known
        met = known & ((result > threshold) if direction == "high" else (result < threshold))
        out = np.where(met, np.maximum(out, int(grade)), out)
    return np.where(gradable & ~np.isnan(result), out, np.nan)


@algorithm("toxicity_grade")
def toxicity_grade(block, result: Name, test: Name, low: Name, high: Name, criteria: Table, baseline: Name = None,
                   output: enum("grade", "term") = "grade", normal: Text = ""):
    """--TOXGR (``output: grade``) or --TOX (``output: term``) of ``result`` by the grading ``criteria`` per ``test``.

    ``low``/``high`` are the reference range variables; ``baseline`` names the
    baseline flag variable (e.g. LBLOBXFL): the flagged record's result is the
    subject's baseline for the test; ``normal`` is written for a gradable result
    that meets no grade (default blank).
    """
    value = numbers(block.var(result)).to_numpy(dtype="float64")
    tests = block.var(test).fillna("").astype(str).to_numpy()
    limits = {"low": numbers(block.var(low)).to_numpy(dtype="float64"),
              "high": numbers(block.var(high)).to_numpy(dtype="float64"),
              "base": np.full(len(value), np.nan)}
    if baseline is not None:
        subjects = block.var("USUBJID").fillna("").astype(str).to_numpy()
        flagged = (block.var(baseline).fillna("") == "Y").to_numpy() & ~np.isnan(value)
        base = pd.Series(value[flagged], index=pd.MultiIndex.from_arrays([subjects[flagged], tests[flagged]]))
        base = base[~base.index.duplicated(keep="last")]
        keys = pd.MultiIndex.from_arrays([subjects, tests])
        limits["base"] = base.reindex(keys).to_numpy(dtype="float64")
    grade = np.full(len(value), np.nan)
    term = np.full(len(value), "", dtype=object)
    for code, directions in criteria.items():
        rows = tests == code
        if not rows.any():
            continue
        part = {k: v[rows] for k, v in limits.items()}
        found = {}
        for direction in ("high", "low"):
            if direction in (directions or {}):
                found[direction] = _direction_grade(value[rows], part, direction, directions[direction],
                                                    f"{block.path}.criteria.{code}.{direction}")
        if not found or set(directions) - {"high", "low"}:
            raise InputError(f"{block.path}.criteria.{code}: give high and/or low criteria")
        high_grade = found.get("high", np.full(rows.sum(), np.nan))
        low_grade = found.get("low", np.full(rows.sum(), np.nan))
        use_high = high_grade > 0
        chosen = np.where(use_high, high_grade, np.where(low_grade > 0, low_grade, np.fmax(high_grade, low_grade)))
        grade[rows] = chosen
        names = np.where(use_high, directions.get("high", {}).get("term", ""),
                         np.where(low_grade > 0, (directions.get("low") or {}).get("term", ""), ""))
        term[rows] = names
    if output == "term":
        return pd.Series(term, index=block.index, dtype="object")
    codes, firsts = distinct_rows(grade)
    texts = np.array([("" if np.isnan(g) else str(normal) if g == 0 else str(int(g))) for g in grade[firsts]] + [""],
                     dtype=object)
    return pd.Series(texts[codes], index=block.index, dtype="object")
