"""Work done once per distinct value (issue 20): the helpers give what the
per-record computation they replace gives, including its corner cases."""

import operator
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from cdisckit.raw import read_form
from sdtm.algorithms import _compare, group_reduce
from specs.conditions import normal
from specs.distinct import distinct_rows, factorize, per_distinct
from specs.frames import blank_missing
from specs.text import numbers_text


def test_distinct_rows_codes_in_order_of_first_appearance():
    codes, firsts = distinct_rows(pd.Series(["b", "a", "b", None, "a", None]), np.array([1.0, 2.0, 1.0, 3.0, 2.0, 3.0]))
    assert codes.tolist() == [0, 1, 0, 2, 1, 2]
    assert firsts.tolist() == [0, 1, 3]


def test_distinct_rows_floats_by_bits_unless_asked_as_groupby_sees_them():
    values = np.array([0.0, -0.0, 0.0, np.nan, np.nan])
    assert distinct_rows(values)[0].tolist() == [0, 1, 0, 2, 2]
    assert distinct_rows(values, float_bits=False)[0].tolist() == [0, 0, 0, 1, 1]


def test_distinct_rows_of_no_rows():
    codes, firsts = distinct_rows(pd.Series([], dtype=object), pd.Series([], dtype=object))
    assert codes.tolist() == [] and firsts.tolist() == []


def test_per_distinct_sees_missing_values_as_blank():
    seen = []

    @per_distinct
    def marked(values):
        seen.extend(values)
        return "<" + values + ">"

    out = marked(pd.Series(["x", None, "", np.nan, "x"], index=[5, 6, 7, 8, 9]))
    assert out.tolist() == ["<x>", "<>", "<>", "<>", "<x>"]
    assert out.index.tolist() == [5, 6, 7, 8, 9]
    assert sorted(seen) == ["", "x"]


def test_numbers_text_gives_each_value_its_own_text():
    values = pd.Series([0.0, -0.0, 2.5, np.nan, 1 / 3, 2.5], index=list("abcdef"))
    assert numbers_text(values).tolist() == ["0", "-0", "2.5", "", "0.333333333333333", "2.5"]
    assert numbers_text(values, 3).tolist() == ["0", "-0", "2.5", "", "0.333", "2.5"]
    assert numbers_text(values).index.tolist() == list("abcdef")
    assert numbers_text(pd.Series([1, None], dtype="Int64")).tolist() == ["1", ""]


def test_blank_missing_fills_only_missing_values():
    frame = pd.DataFrame({"A": ["x", "y"], "B": ["u", None], "C": [1.5, np.nan]}, dtype=object)
    out = blank_missing(frame)
    assert out.to_dict("list") == {"A": ["x", "y"], "B": ["u", ""], "C": [1.5, ""]}
    assert frame["B"].isna().tolist() == [False, True]          # the input is left as it was
    assert blank_missing(frame[["A"]])["A"].tolist() == ["x", "y"]


def test_read_form_blanks_the_cells_of_a_short_row(tmp_path):
    path = tmp_path / "vitals.csv"
    path.write_text("SUBJECT,VISIT,PULSE\n001,WEEK 1\n002,WEEK 2,71\n", encoding="utf-8")
    frame = read_form(path)
    assert frame.to_dict("list") == {"SUBJECT": ["001", "002"], "VISIT": ["WEEK 1", "WEEK 2"], "PULSE": ["", "71"]}
    assert frame.index.tolist() == [2, 3]


ISO_PARTS = st.text(alphabet="0123456789-T:\x00é", max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ISO_PARTS, ISO_PARTS), max_size=20),
       st.sampled_from([operator.lt, operator.le, operator.ge, operator.gt]))
def test_compare_is_the_comparison_at_the_shorter_length(pairs, op):
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    expected = [op(a[:min(len(a), len(b))], b[:min(len(a), len(b))]) for a, b in pairs]
    assert _compare(pd.Series(left, dtype=object), pd.Series(right, dtype=object), op).tolist() == expected


def test_group_reduce_text_through_ranks_and_numbers_as_pandas():
    values = pd.Series(["2021-03", None, "2020-12-31", "2021-01-05", "B", "A"], dtype=object)
    keys = ["s1", "s1", "s1", "s2", "s3", "s3"]
    assert group_reduce(values, keys, "min").to_dict() == {"s1": "2020-12-31", "s2": "2021-01-05", "s3": "A"}
    assert group_reduce(values, keys, "max").to_dict() == {"s1": "2021-03", "s2": "2021-01-05", "s3": "B"}
    assert group_reduce(values, keys, "first").to_dict() == {"s1": "2021-03", "s2": "2021-01-05", "s3": "B"}
    assert group_reduce(values, keys, "last").to_dict() == {"s1": "2020-12-31", "s2": "2021-01-05", "s3": "A"}
    numbers = group_reduce(pd.Series([3.0, np.nan, 1.0, 7.0, np.nan, np.nan]), keys, "max")
    assert numbers.index.tolist() == ["s1", "s2", "s3"]
    assert numbers.iloc[:2].tolist() == [3.0, 7.0] and np.isnan(numbers.iloc[2])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8), max_size=12))
def test_normal_strips_upper_cases_and_collapses_whitespace_as_the_regex_does(texts):
    values = pd.Series(texts, dtype=object)
    expected = [re.sub(r"\s+", " ", t.strip().upper()) for t in texts]
    assert normal(values).tolist() == expected


def test_factorize_keeps_texts_apart_that_differ_after_a_nul():
    # pandas 2's text hash table compares C strings: "A" and "A\x00B" were one value there
    values = np.array(["", "\x00", "A\x00B", "A", None, "A", "\x00"], dtype=object)
    codes, uniques = factorize(values)
    assert uniques.tolist() == ["", "\x00", "A\x00B", "A"]
    assert codes.tolist() == [0, 1, 2, 3, -1, 3, 1]
    codes, uniques = factorize(np.array(["x", None, "y", "x"], dtype=object))
    assert (codes.tolist(), uniques.tolist()) == ([0, -1, 1, 0], ["x", "y"])
