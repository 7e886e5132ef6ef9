"""The column facts the rules share (distinct values, where clauses, keys across datasets, date
order, hits), checked against plain row-by-row computations on small hand-built data."""

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from cdisckit.checks import dates, expression
from cdisckit.checks.finding import NO_HITS, concat, dataset_hits, hits
from cdisckit.checks.submission import Submission
from cdisckit.checks.table import coded, from_frame, shared_codes
from define.where import where_mask
from specs.model import Condition


def _table():
    frame = pd.DataFrame({
        "USUBJID": ["1", "1", "2", "2", "3", None],
        "TESTCD": ["ALB", " ALB", "GLUC", "ALB", "", "GLUC"],
        "ORRES": ["4.0", "4", "x", "4.0", None, "7"],
        "N": [0.0, -0.0, 1.5, np.nan, 1.5, 2.0],
    })
    return from_frame("LB", frame)


def _c(variable, comparator, values):
    return Condition(variable=variable, comparator=comparator, values=values)


def test_where_selects_the_rows_where_mask_does():
    table = _table()
    clauses = [[_c("TESTCD", "EQ", ["ALB"])],
               [_c("TESTCD", "IN", ["ALB", "GLUC"]), _c("ORRES", "NE", ["x"])],
               [_c("TESTCD", "NOTIN", ["ALB"])],
               [_c("N", "EQ", ["0"])], [_c("N", "EQ", ["-0"])],
               [_c("N", "LT", ["1.5"])], [_c("N", "GE", ["1.5"]), _c("TESTCD", "EQ", ["GLUC"])],
               [_c("ABSENT", "EQ", ["1"])], [_c("TESTCD", "EQ", ["ALB"]), _c("ABSENT", "NE", [""])],
               []]
    for clause in clauses:
        assert table.where(clause).tolist() == where_mask(table.frame, clause).tolist(), clause
    assert table.where(clauses[0]).tolist() == [True, False, False, True, False, False]
    # -0.0 reads as the 0.0 seen first in the column, as where_mask reads it
    assert table.where(clauses[3]).tolist() == [True, True, False, False, False, False]
    assert not table.where(clauses[4]).any()


def test_per_values_runs_one_test_for_several_variables():
    table = _table()
    masks = table.per_values(["TESTCD", "ORRES"], lambda v: v.str.startswith(" ") | v.eq("x"))
    assert [m.tolist() for m in masks] == [[False, True, False, False, False, False],
                                           [False, False, True, False, False, False]]


def test_shared_codes_are_equal_exactly_where_the_keys_are():
    mine = from_frame("AE", pd.DataFrame({"USUBJID": ["1", "2 ", "2", None, "3"], "SEQ": ["1", "1", "2", "1", ""]}))
    theirs = from_frame("CM", pd.DataFrame({"USUBJID": ["2", "1", "9"], "SEQ": ["1", "1", "1"]}))
    here, there = shared_codes([mine.codes("USUBJID"), mine.codes("SEQ")],
                               [theirs.codes("USUBJID"), theirs.codes("SEQ")])
    keys = lambda t: [(a.strip(), b.strip()) if isinstance(a, str) and isinstance(b, str) and a.strip() and b.strip()
                      else None for a, b in zip(t.frame["USUBJID"], t.frame["SEQ"])]
    left, right = keys(mine), keys(theirs)
    assert [c < 0 for c in here] == [k is None for k in left]
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            if a is not None and b is not None:
                assert (here[i] == there[j]) == (a == b)
    assert np.isin(here, there).tolist() == [True, True, False, False, False]
    codes, texts = coded(pd.Series(["b", None, "a", "b"]))
    assert codes.tolist() == [0, -1, 1, 0] and texts.tolist() == ["b", "a"]


_PLAIN = st.sampled_from(["2021", "2021-03", "2021-03-04", "2021-03-04T10", "2021-03-04T10:30", "2021-03-04T10:30:15",
                          "2021-03-04T10:30:15.5", "2020-12-31", "2021-03-05T00:00", "2021---04", "x", "", " 2021-03 "])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_PLAIN, _PLAIN), min_size=1, max_size=20))
def test_date_order_compares_at_the_precision_both_have(pairs):
    a = np.array([x for x, _ in pairs], dtype=object)
    b = np.array([y for _, y in pairs], dtype=object)
    got = dates.order(dates.plain(a), dates.plain(b)).tolist()
    plain = {"2021", "2021-03", "2021-03-04", "2021-03-04T10", "2021-03-04T10:30", "2021-03-04T10:30:15",
             "2021-03-04T10:30:15.5", "2020-12-31", "2021-03-05T00:00", "2021-03"}
    expected = []
    for x, y in pairs:
        x, y = x.strip(), y.strip()
        if x in plain and y in plain:
            n = min(len(x), len(y), 19)
            expected.append((x[:n] > y[:n]) - (x[:n] < y[:n]))
        else:
            expected.append(0)
    assert got == expected


def test_another_datasets_value_is_the_subjects_largest():
    dm = from_frame("DM", pd.DataFrame({"USUBJID": ["1", "2", "3"]}))
    ex = from_frame("EX", pd.DataFrame({"USUBJID": ["1", "1", "2", "2", "3"],
                                        "EXSTDTC": ["2021-01-02", "2021-01-10", "2021-02-01", None, " "],
                                        "EXDOSE": [10.0, 5.0, np.nan, 7.0, np.nan]}))
    ae = from_frame("AE", pd.DataFrame({"USUBJID": ["1", "2", "3", "4"],
                                        "AESTDTC": ["2021-01-10", "2021-02-01", "2021-01-01", "2021-01-01"]}))
    sub = Submission([dm, ex, ae])
    assert expression.evaluate("AESTDTC == EX.EXSTDTC", ae, sub).tolist() == [True, True, False, False]
    assert expression.evaluate("EX.EXDOSE == 10", ae, sub).tolist() == [True, False, False, False]
    assert expression.evaluate("EX.EXDOSE == 7", ae, sub).tolist() == [False, True, False, False]
    assert expression.evaluate("EX.EXSTDTC == ''", ae, sub).tolist() == [False, False, True, True]


def test_hits_are_plain_arrays_with_the_frame_columns():
    table = _table()
    found = hits(table, table.blank("TESTCD") | table.blank("USUBJID"), ["USUBJID", "TESTCD", "N"], "why")
    assert found["row"].tolist() == [4, 5]
    assert found.values.tolist() == ["USUBJID=3; TESTCD=(missing); N=1.5", "USUBJID=(missing); TESTCD=GLUC; N=2"]
    assert found.variables.tolist() == ["USUBJID, TESTCD, N"] * 2 and found.detail.tolist() == ["why", "why"]
    both = concat([found, None, dataset_hits([(["N"], "N=1", "a"), ("", "", "")]).in_datasets(["LB", ""]), found])
    assert both.row.tolist() == [4, 5, -1, -1, 4, 5]
    assert both.dataset.tolist() == [None, None, "LB", "", None, None]
    assert both.unique().row.tolist() == [4, 5, -1, -1]
    assert hits(table, np.zeros(6, dtype=bool), ["N"]) is NO_HITS and concat([None]) is None
