"""EORTC QLQ-C30 scoring from spec-declared scales: complete and half-missing item sets."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.qlqc30 import linear_transform, raw_score, scale_from_spec, score_scales
from specs.errors import InputError
from specs.yamlio import load_yaml

SPEC = Path(__file__).resolve().parents[1] / "specs" / "studies" / "camrelizumab-npc" / "adam" / "ADQS.yaml"


def bundled_scales():
    specs = load_yaml(SPEC.read_text(encoding="utf-8"))["mapping"]["scales"]
    return [scale_from_spec(s, f"scales[{i}]") for i, s in enumerate(specs)]


def responses(subject, visit, answers):
    """QS records of one questionnaire: {item number: response}, None for unanswered."""
    return pd.DataFrame({"USUBJID": subject, "VISITNUM": float(visit), "QSDTC": f"2023-0{visit}-01",
                         "QSTESTCD": [f"EOR01{n:02d}" for n in answers],
                         "QSSTRESN": [np.nan if v is None else float(v) for v in answers.values()]})


def test_bundled_scales_cover_the_30_items_once():
    scales = bundled_scales()
    assert [s.paramcd for s in scales] == ["QL2", "PF2", "RF2", "EF", "CF", "SF", "FA", "NV", "PA", "DY", "SL",
                                           "AP", "CO", "DI", "FI"]
    items = sorted(i for s in scales for i in s.items)
    assert items == [f"EOR01{n:02d}" for n in range(1, 31)]
    assert {s.paramcd: (s.kind, s.range) for s in scales if s.paramcd in ("QL2", "PF2", "FA")} == {
        "QL2": ("global", 6), "PF2": ("functional", 3), "FA": ("symptom", 3)}


def test_raw_score_needs_half_of_the_items():
    items = pd.DataFrame([[1, 2, 2, 1, 3], [2, 3, 4, None, None], [2, 3, None, None, None]], dtype=float)
    assert raw_score(items).tolist()[:2] == [1.8, 3.0]
    assert np.isnan(raw_score(items).iloc[2])          # 2 of 5 answered
    two = pd.DataFrame([[4, None]], dtype=float)
    assert raw_score(two).tolist() == [4.0]             # 1 of 2 is half


def test_scores_per_scale_kind():
    by_code = {s.paramcd: s for s in bundled_scales()}
    qs = pd.concat([
        # Complete: PF2 1,2,2,1,3 (RS 1.8); QL2 5,6 (RS 5.5); FA 2,2,3 (RS 7/3); DY 4.
        responses("A", 1, {1: 1, 2: 2, 3: 2, 4: 1, 5: 3, 29: 5, 30: 6, 10: 2, 12: 2, 18: 3, 8: 4}),
        # Half missing: PF2 2 of 5 answered (missing), QL2 1 of 2 (RS 4), FA 2 of 3 (RS 1.5), DY none.
        responses("A", 3, {1: 2, 2: 3, 3: None, 4: None, 5: None, 29: 4, 30: None, 10: 1, 12: 2, 18: None}),
        # PF2 3 of 5 answered: 2, 3, 4 (RS 3).
        responses("B", 1, {1: 2, 2: 3, 3: 4, 4: None, 5: None}),
    ], ignore_index=True)
    scales = [by_code[c] for c in ("PF2", "QL2", "FA", "DY")]
    out = score_scales(qs, scales, by_vars=["USUBJID", "VISITNUM"], keep_vars=["QSDTC"])
    assert list(out.columns) == ["USUBJID", "VISITNUM", "QSDTC", "PARAMCD", "AVAL"]
    got = {(r.USUBJID, r.VISITNUM, r.PARAMCD): r.AVAL for r in out.itertuples()}
    expected = {
        ("A", 1.0, "PF2"): (1 - 0.8 / 3) * 100, ("A", 1.0, "QL2"): 4.5 / 6 * 100,
        ("A", 1.0, "FA"): (4 / 3) / 3 * 100, ("A", 1.0, "DY"): 100.0,
        ("A", 3.0, "PF2"): np.nan, ("A", 3.0, "QL2"): 50.0, ("A", 3.0, "FA"): 0.5 / 3 * 100, ("A", 3.0, "DY"): np.nan,
        ("B", 1.0, "PF2"): (1 - 2 / 3) * 100, ("B", 1.0, "QL2"): np.nan, ("B", 1.0, "FA"): np.nan,
        ("B", 1.0, "DY"): np.nan,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, nan_ok=True), key
    assert out["QSDTC"].tolist()[:4] == ["2023-01-01"] * 4


def test_linear_transform_ends_of_the_range():
    by_code = {s.paramcd: s for s in bundled_scales()}
    assert linear_transform(pd.Series([1.0, 4.0]), by_code["PF2"]).tolist() == [100.0, 0.0]
    assert linear_transform(pd.Series([1.0, 4.0]), by_code["FA"]).tolist() == [0.0, 100.0]
    assert linear_transform(pd.Series([1.0, 7.0]), by_code["QL2"]).tolist() == [0.0, 100.0]


@pytest.mark.parametrize("spec, message", [
    ({"paramcd": "X", "items": ["A"], "range": 3, "kind": "mood"}, "kind: 'mood' must be one of"),
    ({"paramcd": "X", "items": [], "range": 3, "kind": "symptom"}, "needs a list of items"),
    ({"paramcd": "X", "items": ["A"], "range": 0, "kind": "symptom"}, "must be a positive number"),
    ({"paramcd": "X", "items": ["A"], "kind": "symptom"}, "missing key 'range'"),
])
def test_bad_scale_specs(spec, message):
    with pytest.raises(InputError, match=message):
        scale_from_spec(spec, "scales[0]")


def test_two_responses_to_one_item_is_an_error():
    qs = pd.concat([responses("A", 1, {1: 1}), responses("A", 1, {1: 2})], ignore_index=True)
    with pytest.raises(InputError, match="more than one response"):
        score_scales(qs, bundled_scales()[:2])
