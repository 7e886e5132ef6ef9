"""The tests' own CTCAE v4.0 lab grading, written from the CTCAE tables and
independent of the spec's criteria and of ``sdtm.toxicity``: one function per
term, values in the SDTM standard units (g/L, 10^9/L, U/L, umol/L, mmol/L)."""

import math


def _missing(*values):
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def _above_uln(v, uln, steps):
    """Grade by multiples of ULN: steps are the grade 1..4 lower bounds (exclusive)."""
    if _missing(v, uln):
        return None
    grade = 0
    for g, k in enumerate(steps, start=1):
        if v > k * uln:
            grade = g
    return grade


def _below(v, lln, bounds):
    """Decreases: grade g (2, 3, 4) below bounds[g-2] (absolute values), grade 1 below LLN."""
    if _missing(v):
        return None
    for grade in range(len(bounds) + 1, 1, -1):
        if v < bounds[grade - 2]:
            return grade
    return 1 if not _missing(lln) and v < lln else 0


def anemia(v, lln, uln, base):
    return _below(v, lln, [100, 80])


def wbc_decreased(v, lln, uln, base):
    return _below(v, lln, [3.0, 2.0, 1.0])


def neutrophils_decreased(v, lln, uln, base):
    return _below(v, lln, [1.5, 1.0, 0.5])


def platelets_decreased(v, lln, uln, base):
    return _below(v, lln, [75, 50, 25])


def hypoalbuminemia(v, lln, uln, base):
    return _below(v, lln, [30, 20])


def lymphocytes(v, lln, uln, base):
    if _missing(v):
        return None
    if v > 20:
        return 3
    if v > 4:
        return 2
    return _below(v, lln, [0.8, 0.5, 0.2])


def transaminase(v, lln, uln, base):
    return _above_uln(v, uln, [1, 3, 5, 20])


def bilirubin(v, lln, uln, base):
    return _above_uln(v, uln, [1, 1.5, 3, 10])


def creatinine(v, lln, uln, base):
    """ULN multiples, or (grades 2-3) baseline multiples, whichever is higher."""
    by_uln = _above_uln(v, uln, [1, 1.5, 3, 6])
    if _missing(v) or _missing(base):
        return by_uln
    by_base = 3 if v > 3 * base else 2 if v > 1.5 * base else 0
    return by_base if by_uln is None else max(by_uln, by_base)


def glucose(v, lln, uln, base):
    if _missing(v):
        return None
    if v > 27.8:
        return 4
    if v > 13.9:
        return 3
    if v > 8.9:
        return 2
    if not _missing(uln) and v > uln:
        return 1
    if v < 1.7:
        return 4
    if v < 2.2:
        return 3
    if v < 3.0:
        return 2
    if not _missing(lln) and v < lln:
        return 1
    return 0


GRADERS = {"HGB": anemia, "WBC": wbc_decreased, "NEUT": neutrophils_decreased, "LYM": lymphocytes,
           "PLAT": platelets_decreased, "ALT": transaminase, "AST": transaminase, "BILI": bilirubin,
           "CREAT": creatinine, "ALB": hypoalbuminemia, "GLUC": glucose}
