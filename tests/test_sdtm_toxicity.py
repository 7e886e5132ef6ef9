"""LB toxicity grades (CTCAE v4.0) and detection limits of the bundled study,
recomputed from the SDTM results with the tests' own grading (tests/ctcae.py)."""

import numpy as np
import pandas as pd
import pytest

from tests.ctcae import GRADERS

GRADED = ["ALT", "AST", "BILI", "CREAT", "HGB", "NEUT", "PLAT", "WBC", "LYM", "ALB", "GLUC"]


def recomputed_grades(lb):
    """LBTOXGR recomputed record by record: "" where not gradable or no grade holds."""
    number = pd.to_numeric(lb["LBSTRESN"], errors="coerce")
    base = lb[(lb["LBLOBXFL"] == "Y") & number.notna()].assign(v=number)
    base = base.drop_duplicates(["USUBJID", "LBTESTCD"], keep="last").set_index(["USUBJID", "LBTESTCD"])["v"]
    out = []
    for (subject, test, v, lo, hi) in zip(lb["USUBJID"], lb["LBTESTCD"], number, lb["LBSTNRLO"], lb["LBSTNRHI"]):
        grader = GRADERS.get(test)
        grade = grader(v, float(lo), float(hi), base.get((subject, test), np.nan)) if grader else None
        out.append("" if not grade else str(grade))     # CTCAE grades run from 1: no grade is blank
    return pd.Series(out, index=lb.index)


def agreement(lb):
    """(records graded equal, records) per graded test, and the records that differ."""
    mine = recomputed_grades(lb)
    theirs = lb["LBTOXGR"].fillna("").astype(str)
    table = {test: (int((mine[rows] == theirs[rows]).sum()), int(rows.sum()))
             for test in sorted(lb["LBTESTCD"].unique()) for rows in [lb["LBTESTCD"] == test]}
    return table, lb[mine != theirs].assign(expected=mine[mine != theirs])


@pytest.fixture(scope="module")
def lb(bundled_sdtm):
    return bundled_sdtm[1]["LB"]


def test_every_lab_grade_agrees_with_an_independent_ctcae_grading(lb):
    table, differ = agreement(lb)
    print("\nLBTOXGR agreement (equal/records):", table)
    assert differ.empty, differ[["USUBJID", "LBTESTCD", "LBSTRESN", "LBSTNRLO", "LBSTNRHI", "LBTOXGR",
                                 "expected"]].head().to_string()
    graded = lb[lb["LBTESTCD"].isin(GRADED) & lb["LBSTRESN"].notna()]
    assert set(graded["LBTOXGR"]) <= {"", "1", "2", "3", "4"}
    # Every graded test has abnormal grades in the simulated data, so the test can fail.
    for test in ["ALT", "AST", "BILI", "CREAT", "HGB", "PLAT", "WBC"]:
        assert (graded.loc[graded["LBTESTCD"] == test, "LBTOXGR"] >= "1").any(), test
    ungraded = lb[lb["LBTESTCD"].isin(["TSH", "T4FR", "INTLK6", "IFNG"])]
    assert (ungraded["LBTOXGR"].fillna("") == "").all()


def test_the_toxicity_term_names_the_direction_of_a_grade(lb):
    positive = lb["LBTOXGR"].isin(["1", "2", "3", "4"])
    assert (lb.loc[~positive, "LBTOX"].fillna("") == "").all()
    pairs = set(zip(lb.loc[positive, "LBTESTCD"], lb.loc[positive, "LBTOX"]))
    assert ("HGB", "Anemia") in pairs and ("ALT", "Alanine aminotransferase increased") in pairs
    assert all(term.endswith(("increased", "decreased")) or term in
               ("Anemia", "Hypoalbuminemia", "Hyperglycemia", "Hypoglycemia") for _, term in pairs)


def test_results_below_the_detection_limit_carry_the_limit(lb, bundled_raw):
    below = lb["LBORRES"].fillna("").str.startswith("<")
    assert below.sum() > 0
    limits = lb.loc[below, "LBORRES"].str.slice(1).astype(float)
    assert np.allclose(lb.loc[below, "LBLLOD"].astype(float), limits)      # pg/mL = ng/L
    assert (lb.loc[~below, "LBLLOD"] == "").all()
    raw = bundled_raw[1]["lab"]
    raw_below = raw[raw["LBORRES"].str.startswith("<") & (raw["LBTEST"].str.strip().str.upper() != "EBV DNA")]
    assert int(below.sum()) == len(raw_below.drop_duplicates([c for c in raw.columns if c != "RECORDPOSITION"]))
