"""The spec-level map of collected fields: raw form/column to SDTM variable."""

import textwrap

from sdtm.collection import COLUMNS, collected_fields, condition_text
from specs import load_study
from test_sdtm_engine import STUDY


def _study(tmp_path, **changes):
    for name, text in {**STUDY, **changes}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_study(tmp_path)


def _rows(frame, dataset):
    part = frame[frame["dataset"] == dataset]
    return [tuple(r) for r in part[["form", "column", "variable", "condition", "algorithm", "role", "where"]].itertuples(index=False)]


def test_columns_are_stable(tmp_path):
    frame = collected_fields(_study(tmp_path))
    assert list(frame.columns) == COLUMNS
    assert COLUMNS[:6] == ["form", "column", "dataset", "variable", "condition", "algorithm"]


def test_transposed_items_carry_the_topic_value_as_condition(tmp_path):
    frame = collected_fields(_study(tmp_path))
    # The decode table turns ITEM1 into Q1: the condition is the submitted code.
    assert _rows(frame, "QS") == [
        ("qlq", "SITE", "USUBJID", "", "concat", "value", ""),
        ("qlq", "SUBJ", "USUBJID", "", "concat", "value", ""),
        ("qlq", "ITEM2", "QSORRES", "QSTESTCD = Q2", "assign", "value", ""),
        ("qlq", "ITEM1", "QSORRES", "QSTESTCD = Q1", "assign", "value", ""),
        ("qlq", "ITEM2", "QSSTRESN", "QSTESTCD = Q2", "assign", "value", ""),
        ("qlq", "ITEM1", "QSSTRESN", "QSTESTCD = Q1", "assign", "value", ""),
        ("qlq", "VISIT", "VISITNUM", "", "condition", "value", ""),
        ("qlq", "QSDAT", "QSDTC", "", "datetime", "value", ""),
    ]


def test_filters_datetimes_and_qualifiers(tmp_path):
    frame = collected_fields(_study(tmp_path))
    assert _rows(frame, "EX") == [
        ("dose", "DOSED", "", "", "where", "where", "DOSED = Yes"),
        ("dose", "SITE", "USUBJID", "", "concat", "value", "DOSED = Yes"),
        ("dose", "SUBJ", "USUBJID", "", "concat", "value", "DOSED = Yes"),
        ("dose", "DOSEDAT", "EXSTDTC", "", "datetime", "value", "DOSED = Yes"),
        ("dose", "DOSETIM", "EXSTDTC", "", "datetime", "value", "DOSED = Yes"),
    ]
    assert _rows(frame, "SUPPAE") == [("ae", "TERM", "QVAL", "QNAM = AESPEC", "condition", "value", "")]
    # SE is built from DM, not from a raw form: no collected field feeds it.
    assert _rows(frame, "SE") == []


def test_joined_forms_and_hardcoded_topics(tmp_path):
    ae = STUDY["sdtm/AE.yaml"].replace(
        "mapping: {sources: [{form: ae}]}",
        "mapping: {sources: [{form: ae, join: [{form: enrol, on: [SUBJ]}], set: {AETERM: {algorithm: hardcode, value: DEATH}}}]}",
    ).replace("mapping: {algorithm: datetime, date: START, style: DD MMM YYYY}",
              "mapping: {algorithm: datetime, date: enrol.ICDAT, style: DD MMM YYYY}")
    ae = ae.replace("label: Reported Term,", "label: Reported Term, role: Topic,")
    frame = collected_fields(_study(tmp_path, **{"sdtm/AE.yaml": ae}))
    assert _rows(frame, "AE") == [
        ("ae", "SUBJ", "", "", "join", "join", ""),
        ("enrol", "SUBJ", "", "", "join", "join", ""),
        ("ae", "SITE", "USUBJID", "AETERM = DEATH", "concat", "value", ""),
        ("ae", "SUBJ", "USUBJID", "AETERM = DEATH", "concat", "value", ""),
        ("ae", "GRADE", "AESEV", "AETERM = DEATH", "assign", "value", ""),
        ("enrol", "ICDAT", "AESTDTC", "AETERM = DEATH", "datetime", "value", ""),
    ]


def test_condition_text():
    assert condition_text({"not": {"column": "LBTEST", "equals": "EBV DNA"}}) == "not (LBTEST = EBV DNA)"
    assert condition_text({"all": [{"column": "A", "not_empty": True},
                                   {"any": [{"column": "B", "in": ["x", "y"]}, {"column": "C", "empty": True}]}]}) \
        == "A is not empty and (B in (x, y) or C is empty)"


def test_bundled_questionnaire_items():
    frame = collected_fields(load_study("specs/studies/camrelizumab-npc"))
    qs = frame[(frame["form"] == "qlqc30") & (frame["variable"] == "QSORRES")]
    assert dict(zip(qs["column"], qs["condition"])) == {f"Q{i:02d}": f"QSTESTCD = EOR01{i:02d}" for i in range(1, 31)}
    assert set(qs["where"]) == {"QSPERF = Yes"}
    reason = frame[(frame["column"] == "QSNDRSN")]
    assert reason[["dataset", "variable", "condition"]].values.tolist() == [["QS", "QSREASND", "QSTESTCD = QSALL"]]
