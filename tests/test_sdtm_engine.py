"""The mapping engine on a tiny hand-built study: exact expected records."""

import textwrap

import pandas as pd
import pytest

from sdtm.engine import map_study
from specs import load_study
from specs.errors import InputError

STUDY = {
    "study.yaml": """\
        studyid: TINY
        title: Tiny
        protocol: TINY-1
        standards: [{id: IG, name: SDTMIG, version: "3.4"}]
        parameters: {cutoff: "2021-06-30"}
        """,
    "codelists.yaml": """\
        - id: SEX
          name: Sex
          nci_code: C66731
          terms: [{value: F, decode: Female, nci_code: C16576}, {value: M, decode: Male, nci_code: C20197}]
        - id: AESEV
          name: Severity
          nci_code: C66769
          terms: [{value: MILD, collected: [Grade 1]}, {value: SEVERE, collected: [Grade 3]}]
        - id: QSTESTCD
          name: QS test code
          terms: [{value: Q1, nci_code: C1}, {value: Q2, nci_code: C2}]
        - id: QSTEST
          name: QS test name
          terms: [{value: Item one, nci_code: C1}, {value: Item two, nci_code: C2}]
        - id: EPOCH
          name: Epoch
          extensible: true
          terms: [{value: SCREENING}, {value: TREATMENT}]
        """,
    "sdtm/DM.yaml": """\
        name: DM
        label: Demographics
        keys: [STUDYID, USUBJID]
        mapping: {sources: [{form: enrol}]}
        variables:
          - {name: STUDYID, label: Study Identifier, mapping: {algorithm: hardcode, value: TINY}}
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: concat, separator: "-",
             parts: [{variable: STUDYID}, {column: SITE}, {column: SUBJ}]}}
          - {name: RFSTDTC, label: Subject Reference Start Date/Time,
             mapping: {algorithm: subject_summary, dataset: EX, variable: EXSTDTC, how: min}}
          - {name: RFXSTDTC, label: Date/Time of First Study Treatment,
             mapping: {algorithm: subject_summary, dataset: EX, variable: EXSTDTC, how: min}}
          - {name: RFXENDTC, label: Date/Time of Last Study Treatment,
             mapping: {algorithm: subject_summary, dataset: EX, variable: EXSTDTC, how: max}}
          - {name: RFICDTC, label: Date/Time of Informed Consent,
             mapping: {algorithm: datetime, date: ICDAT, style: DD MMM YYYY}}
          - {name: BRTHDTC, label: Date/Time of Birth, mapping: {algorithm: datetime, date: BRTHDAT, style: DD MMM YYYY}}
          - {name: AGE, label: Age, data_type: integer, mapping: {algorithm: age, birth: BRTHDTC, reference: RFICDTC}}
          - {name: SEX, label: Sex, codelist: SEX, mapping: {algorithm: assign, column: SEX}}
          - {name: DMDY, label: Study Day of Collection, data_type: integer,
             mapping: {algorithm: study_day, date: RFICDTC}}
        """,
    "sdtm/EX.yaml": """\
        name: EX
        label: Exposure
        keys: [STUDYID, USUBJID, EXSTDTC]
        mapping: {sources: [{form: dose, where: {column: DOSED, equals: "Yes"}}]}
        variables:
          - {name: STUDYID, label: Study Identifier, mapping: {algorithm: hardcode, value: TINY}}
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: concat, separator: "-",
             parts: [{variable: STUDYID}, {column: SITE}, {column: SUBJ}]}}
          - {name: EXSEQ, label: Sequence Number, data_type: integer, mapping: {algorithm: seq}}
          - {name: EXSTDTC, label: Start Date/Time of Treatment,
             mapping: {algorithm: datetime, date: DOSEDAT, style: DD MMM YYYY, time: DOSETIM}}
          - {name: EXSTDY, label: Study Day of Start of Treatment, data_type: integer,
             mapping: {algorithm: study_day, date: EXSTDTC}}
        """,
    "sdtm/AE.yaml": """\
        name: AE
        label: Adverse Events
        keys: [STUDYID, USUBJID, AETERM, AESTDTC]
        mapping: {sources: [{form: ae}]}
        variables:
          - {name: STUDYID, label: Study Identifier, mapping: {algorithm: hardcode, value: TINY}}
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: concat, separator: "-",
             parts: [{variable: STUDYID}, {column: SITE}, {column: SUBJ}]}}
          - {name: AESEQ, label: Sequence Number, data_type: integer, mapping: {algorithm: seq}}
          - {name: AETERM, label: Reported Term, mapping: {algorithm: assign, column: TERM,
             decode: {"皮疹": RASH}}}
          - {name: AESEV, label: Severity, codelist: AESEV, mapping: {algorithm: assign, column: GRADE}}
          - {name: AESTDTC, label: Start Date, mapping: {algorithm: datetime, date: START, style: DD MMM YYYY}}
          - {name: EPOCH, label: Epoch, codelist: EPOCH, mapping: {algorithm: epoch, date: AESTDTC}}
          - {name: AESTDY, label: Study Day of Start, data_type: integer, mapping: {algorithm: study_day, date: AESTDTC}}
        """,
    "sdtm/SUPPAE.yaml": """\
        name: SUPPAE
        label: Supplemental Qualifiers for AE
        keys: [STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM]
        mapping:
          supplemental:
            parent: AE
            idvar: AESEQ
            qualifiers:
              AESPEC: {algorithm: condition, cases: [{when: {column: TERM, equals: RCCEP}, then: {text: "Y"}}]}
        variables:
          - {name: STUDYID, label: Study Identifier}
          - {name: RDOMAIN, label: Related Domain Abbreviation}
          - {name: USUBJID, label: Unique Subject Identifier}
          - {name: IDVAR, label: Identifying Variable}
          - {name: IDVARVAL, label: Identifying Variable Value}
          - {name: QNAM, label: Qualifier Variable Name}
          - {name: QLABEL, label: Qualifier Variable Label}
          - {name: QVAL, label: Data Value}
          - {name: QORIG, label: Origin}
          - {name: QEVAL, label: Evaluator}
        value_level:
          - {variable: QVAL, where: [{variable: QNAM, values: [AESPEC]}], label: AE of Special Interest,
             origin: {type: Derived}}
        """,
    "sdtm/SE.yaml": """\
        name: SE
        label: Subject Elements
        keys: [STUDYID, USUBJID, SESTDTC]
        mapping:
          sources:
            - dataset: DM
              set: {SESTDTC: {algorithm: assign, column: RFICDTC}, SEENDTC: {algorithm: assign, column: RFXSTDTC},
                    EPOCH: {algorithm: hardcode, value: SCREENING}}
            - dataset: DM
              set: {SESTDTC: {algorithm: assign, column: RFXSTDTC}, SEENDTC: {algorithm: parameter, name: cutoff},
                    EPOCH: {algorithm: hardcode, value: TREATMENT}}
        variables:
          - {name: STUDYID, label: Study Identifier}
          - {name: USUBJID, label: Unique Subject Identifier}
          - {name: SESEQ, label: Sequence Number, data_type: integer, mapping: {algorithm: seq}}
          - {name: SESTDTC, label: Start Date/Time of Element}
          - {name: SEENDTC, label: End Date/Time of Element}
          - {name: EPOCH, label: Epoch, codelist: EPOCH}
        """,
    "sdtm/QS.yaml": """\
        name: QS
        label: Questionnaires
        keys: [STUDYID, USUBJID, QSTESTCD, VISITNUM]
        mapping:
          sources: [{form: qlq, transpose: {columns: [ITEM2, ITEM1]}}]
        variables:
          - {name: STUDYID, label: Study Identifier, mapping: {algorithm: hardcode, value: TINY}}
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: concat, separator: "-",
             parts: [{variable: STUDYID}, {column: SITE}, {column: SUBJ}]}}
          - {name: QSSEQ, label: Sequence Number, data_type: integer, mapping: {algorithm: seq}}
          - {name: QSTESTCD, label: Test Code, codelist: QSTESTCD,
             mapping: {algorithm: assign, column: _item, decode: {ITEM1: Q1, ITEM2: Q2}}}
          - {name: QSTEST, label: Test Name, codelist: QSTEST, mapping: {algorithm: paired_term, variable: QSTESTCD}}
          - {name: QSORRES, label: Result, mapping: {algorithm: assign, column: _value}}
          - {name: QSSTRESN, label: Numeric Result, data_type: float, mapping: {algorithm: assign, column: _value}}
          - {name: QSLOBXFL, label: Last Observation Before Exposure Flag,
             mapping: {algorithm: baseline_flag, result: QSORRES, date: QSDTC, by: [QSTESTCD]}}
          - {name: VISITNUM, label: Visit Number, data_type: float,
             mapping: {algorithm: condition, cases: [{when: {column: VISIT, equals: Baseline}, then: {text: "1"}}],
                       default: {text: "2"}}}
          - {name: QSDTC, label: Date, mapping: {algorithm: datetime, date: QSDAT, style: DD MMM YYYY}}
        """,
}

RAW = {
    "enrol": pd.DataFrame({"SITE": ["01", "01"], "SUBJ": ["002", "001"], "ICDAT": ["01 JAN 2021", "05 JAN 2021"],
                           "BRTHDAT": ["UN JUN 1960", "15 MAR 1970"], "SEX": ["male ", "Female"]}, index=[2, 3]),
    "dose": pd.DataFrame({"SITE": ["01", "01", "01"], "SUBJ": ["001", "001", "002"], "DOSED": ["Yes", "Yes", "No"],
                          "DOSEDAT": ["01 FEB 2021", "22 FEB 2021", ""], "DOSETIM": ["10:00", "", ""]}, index=[2, 3, 4]),
    "ae": pd.DataFrame({"SITE": ["01", "01", "01"], "SUBJ": ["001", "001", "001"],
                        "TERM": ["RCCEP", "皮疹", "Fatigue"], "GRADE": ["Grade 1", "grade 3", "Grade 1"],
                        "START": ["UN FEB 2021", "10 JAN 2021", "01 FEB 2021"]}, index=[2, 3, 4]),
    "qlq": pd.DataFrame({"SITE": ["01", "01"], "SUBJ": ["001", "001"], "VISIT": ["Baseline", "Cycle 3"],
                         "QSDAT": ["30 JAN 2021", "15 MAR 2021"], "ITEM1": ["1", "2"], "ITEM2": ["", "4"]},
                        index=[2, 3]),
}


def records(frame):
    """Rows as dicts with None for missing numbers, so they compare equal."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.fixture
def tiny(tmp_path):
    for name, text in STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for name, frame in RAW.items():
        frame.attrs["source"] = f"raw/{name}.csv"
    return load_study(tmp_path)


def test_dm_subject_level_and_cross_domain(tiny):
    dm = map_study(tiny, RAW, ["DM"])["DM"]
    assert records(dm) == [
        {"STUDYID": "TINY", "USUBJID": "TINY-01-001", "RFSTDTC": "2021-02-01T10:00", "RFXSTDTC": "2021-02-01T10:00",
         "RFXENDTC": "2021-02-22", "RFICDTC": "2021-01-05", "BRTHDTC": "1970-03-15", "AGE": 50.0, "SEX": "F",
         "DMDY": -27.0},
        {"STUDYID": "TINY", "USUBJID": "TINY-01-002", "RFSTDTC": "", "RFXSTDTC": "", "RFXENDTC": "",
         "RFICDTC": "2021-01-01", "BRTHDTC": "1960-06", "AGE": 60.0, "SEX": "M", "DMDY": None},
    ]


def test_events_seq_partial_dates_codelist_and_epoch(tiny):
    out = map_study(tiny, RAW, ["AE", "SUPPAE"])
    ae = out["AE"]
    assert records(ae[["AESEQ", "AETERM", "AESEV", "AESTDTC", "EPOCH", "AESTDY"]]) == [
        {"AESEQ": 1.0, "AETERM": "Fatigue", "AESEV": "MILD", "AESTDTC": "2021-02-01", "EPOCH": "TREATMENT", "AESTDY": 1.0},
        {"AESEQ": 2.0, "AETERM": "RASH", "AESEV": "SEVERE", "AESTDTC": "2021-01-10", "EPOCH": "SCREENING", "AESTDY": -22.0},
        {"AESEQ": 3.0, "AETERM": "RCCEP", "AESEV": "MILD", "AESTDTC": "2021-02", "EPOCH": "", "AESTDY": None},
    ]
    assert out["SUPPAE"].to_dict("records") == [
        {"STUDYID": "TINY", "RDOMAIN": "AE", "USUBJID": "TINY-01-001", "IDVAR": "AESEQ", "IDVARVAL": "3",
         "QNAM": "AESPEC", "QLABEL": "AE of Special Interest", "QVAL": "Y", "QORIG": "Derived", "QEVAL": ""}]


def test_findings_transpose_paired_term_and_baseline(tiny):
    qs = map_study(tiny, RAW, ["QS"])["QS"]
    assert qs[["QSSEQ", "QSTESTCD", "QSTEST", "QSORRES", "QSLOBXFL", "VISITNUM"]].values.tolist() == [
        [1.0, "Q1", "Item one", "1", "Y", 1.0],
        [2.0, "Q1", "Item one", "2", "", 2.0],
        [3.0, "Q2", "Item two", "4", "", 2.0],
    ]


def test_unmapped_value_names_file_row_column_and_spec(tiny):
    raw = dict(RAW, enrol=RAW["enrol"].assign(SEX=["male", "unknown"]))
    raw["enrol"].attrs["source"] = "raw/enrol.csv"
    with pytest.raises(InputError) as info:
        map_study(tiny, raw, ["DM"])
    message = str(info.value)
    assert message.startswith("raw/enrol.csv: row 3, column SEX: value 'unknown' is not in the non-extensible codelist SEX")
    assert "sdtm/DM.yaml: variables[8].mapping" in message


def test_bad_date_and_missing_column(tiny):
    raw = dict(RAW, ae=RAW["ae"].assign(START=["UN FEB 2021", "31 FEB 2021", "x"]))
    raw["ae"].attrs["source"] = "raw/ae.csv"
    with pytest.raises(InputError, match=r"raw/ae.csv: row 3, column START: date '31 FEB 2021' is not a valid date .*1 more"):
        map_study(tiny, raw, ["AE"])
    raw = dict(RAW, ae=RAW["ae"].drop(columns="GRADE"))
    raw["ae"].attrs["source"] = "raw/ae.csv"
    with pytest.raises(InputError, match=r"raw/ae.csv: column 'GRADE' not found \(needed by .*AE.yaml: variables\[4\]"):
        map_study(tiny, raw, ["AE"])


def test_non_ascii_value_is_refused_with_its_record(tiny):
    raw = dict(RAW, ae=RAW["ae"].assign(TERM=["RCCEP", "皮疹", "Fatigué"]))
    raw["ae"].attrs["source"] = "raw/ae.csv"
    with pytest.raises(InputError, match=r"raw/ae.csv: row 4: AE.AETERM value 'Fatigué' is not ASCII"):
        map_study(tiny, raw, ["AE"])


# A joined one-row-per-subject form and visits collapsed to one record per subject and visit.
JOIN_COLLAPSE = {
    "study.yaml": STUDY["study.yaml"],
    "sdtm/DM.yaml": """\
        name: DM
        label: Demographics
        keys: [USUBJID]
        mapping: {sources: [{form: enrol, join: [{form: eos, on: [SUBJ]}]}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: RFPENDTC, label: End of Participation, mapping: {algorithm: extreme, how: max,
             values: [{column: ICDAT}, {column: eos.EOSDAT}]}}
        """,
    "sdtm/SV.yaml": """\
        name: SV
        label: Subject Visits
        keys: [USUBJID, VISITNUM]
        mapping:
          sources: [{form: visits}]
          collapse: {by: [USUBJID, VISITNUM], min: [SVSTDTC], max: [SVENDTC]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: VISITNUM, label: Visit Number, data_type: float, mapping: {algorithm: assign, column: V}}
          - {name: SVSTDTC, label: Start, mapping: {algorithm: assign, column: D}}
          - {name: SVENDTC, label: End, mapping: {algorithm: assign, column: D}}
        """,
}


def join_collapse_raw():
    """Raw forms of ``JOIN_COLLAPSE``."""
    return {
        "enrol": pd.DataFrame({"SUBJ": ["A", "B"], "ICDAT": ["2021-01-01", "2021-02-01"]}, index=[2, 3]),
        "eos": pd.DataFrame({"SUBJ": ["B"], "EOSDAT": ["2021-09-30"]}, index=[2]),
        "visits": pd.DataFrame({"SUBJ": ["A", "A", "A", "B"], "V": ["2", "1", "2", "1"],
                                "D": ["2021-03-05", "2021-01-02", "2021-03-01", ""]}, index=[2, 3, 4, 5]),
    }


def test_join_collapse_and_extreme(tmp_path):
    """A joined one-row-per-subject form, the latest of several dates, and
    records collapsed to one per subject and visit."""
    study = JOIN_COLLAPSE
    for name, text in study.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    raw = join_collapse_raw()
    out = map_study(load_study(tmp_path), raw, ["DM", "SV"])
    assert out["DM"].values.tolist() == [["A", "2021-01-01"], ["B", "2021-09-30"]]
    assert out["SV"].values.tolist() == [["A", 1.0, "2021-01-02", "2021-01-02"],
                                         ["A", 2.0, "2021-03-01", "2021-03-05"],
                                         ["B", 1.0, "", ""]]
    raw["eos"] = pd.DataFrame({"SUBJ": ["B", "B"], "EOSDAT": ["2021-09-30", "2021-10-01"]}, index=[2, 3])
    raw["eos"].attrs["source"] = "raw/eos.csv"
    with pytest.raises(InputError, match=r"raw/eos.csv: row 3: more than one row for \{'SUBJ': 'B'\}"):
        map_study(load_study(tmp_path), raw, ["DM"])
