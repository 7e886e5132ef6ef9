"""Single mapping algorithms on tiny hand-built studies: exact expected values."""

import textwrap

import pandas as pd
import pytest

from sdtm.engine import map_study
from specs import load_study
from specs.errors import InputError

LOOKUP_STUDY = {
    "study.yaml": """\
        studyid: TINY
        title: Tiny
        protocol: TINY-1
        standards: [{id: IG, name: SDTMIG, version: "3.4"}]
        """,
    "codelists.yaml": """\
        - id: IECAT
          name: Category of Inclusion/Exclusion
          terms: [{value: INCLUSION}, {value: EXCLUSION}]
        """,
    "sdtm/TI.yaml": """\
        name: TI
        label: Trial Inclusion/Exclusion Criteria
        keys: [IETESTCD]
        mapping:
          sources:
            - records:
                - {IETESTCD: IN01, IETEST: Adults, IECAT: INCLUSION}
                - {IETESTCD: EX01, IETEST: Pregnant, IECAT: EXCLUSION}
        variables:
          - {name: IETESTCD, label: Incl/Excl Criterion Short Name}
          - {name: IETEST, label: Inclusion/Exclusion Criterion}
          - {name: IECAT, label: Inclusion/Exclusion Category, codelist: IECAT}
        """,
    "sdtm/IE.yaml": """\
        name: IE
        label: Inclusion/Exclusion Criteria Not Met
        keys: [USUBJID, IETESTCD]
        mapping:
          sources:
            - form: enrol
              where: {all: [{column: ELIG, equals: "No"}, {column: NOTMET, not_empty: true}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: IETESTCD, label: Inclusion/Exclusion Criterion Short Name,
             mapping: {algorithm: assign, column: NOTMET}}
          - {name: IETEST, label: Inclusion/Exclusion Criterion,
             mapping: {algorithm: lookup, dataset: TI, variable: IETEST, by: [IETESTCD]}}
          - {name: IECAT, label: Inclusion/Exclusion Category, codelist: IECAT,
             mapping: {algorithm: lookup, dataset: TI, variable: IECAT, by: IETESTCD}}
        """,
}


def _enrol(**columns):
    frame = pd.DataFrame(columns, index=range(2, 2 + len(next(iter(columns.values())))))
    frame.attrs["source"] = "raw/enrol.csv"
    return frame


ENROL = _enrol(SUBJ=["S1", "S2", "S3", "S4"], ELIG=["No", "Yes", "No", "No"], NOTMET=["EX01", "", "", "IN01"])


@pytest.fixture
def lookup_study(tmp_path):
    for name, text in LOOKUP_STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_lookup_takes_values_from_the_matching_record_and_all_filters_the_source(lookup_study):
    ie = map_study(load_study(lookup_study), {"enrol": ENROL}, ["IE"])["IE"]
    assert ie.to_dict("records") == [
        {"USUBJID": "S1", "IETESTCD": "EX01", "IETEST": "Pregnant", "IECAT": "EXCLUSION"},
        {"USUBJID": "S4", "IETESTCD": "IN01", "IETEST": "Adults", "IECAT": "INCLUSION"},
    ]


def test_lookup_of_a_key_the_other_dataset_lacks_names_the_row(lookup_study):
    raw = {"enrol": _enrol(SUBJ=["S1", "S2"], ELIG=["No", "No"], NOTMET=["EX01", "EX07"])}
    with pytest.raises(InputError, match=r"raw/enrol.csv: row 3: IETESTCD 'EX07' is not in TI "
                                         r"\[spec .*IE.yaml: variables\[2\].mapping\]"):
        map_study(load_study(lookup_study), raw, ["IE"])


def test_lookup_refuses_a_key_with_two_values(lookup_study):
    ti = lookup_study / "sdtm" / "TI.yaml"
    ti.write_text(ti.read_text(encoding="utf-8").replace("IETESTCD: EX01, IETEST: Pregnant",
                                                         "IETESTCD: IN01, IETEST: Pregnant"), encoding="utf-8")
    with pytest.raises(InputError, match=r"TI has more than one IETEST for IETESTCD 'IN01'"):
        map_study(load_study(lookup_study), {"enrol": ENROL}, ["IE"])


BASELINE_STUDY = {
    "study.yaml": """\
        studyid: TINY
        title: Tiny
        protocol: TINY-1
        standards: [{id: IG, name: SDTMIG, version: "3.4"}]
        """,
    "sdtm/DM.yaml": """\
        name: DM
        label: Demographics
        keys: [USUBJID]
        mapping: {sources: [{records: [{USUBJID: S1, RFXSTDTC: "2021-02-01T10:00"}, {USUBJID: S2, RFXSTDTC: ""}]}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier}
          - {name: RFXSTDTC, label: Date/Time of First Study Treatment}
        """,
    "sdtm/LB.yaml": """\
        name: LB
        label: Laboratory Test Results
        keys: [USUBJID, LBTESTCD, LBDTC]
        mapping: {distinct: true, sources: [{form: lab}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: LBSEQ, label: Sequence Number, data_type: integer, mapping: {algorithm: seq}}
          - {name: LBTESTCD, label: Lab Test or Examination Short Name, mapping: {algorithm: assign, column: TEST}}
          - {name: LBORRES, label: Result or Finding in Original Units, mapping: {algorithm: assign, column: RES}}
          - {name: LBLOBXFL, label: Last Observation Before Exposure Flag,
             mapping: {algorithm: baseline_flag, result: LBORRES, date: LBDTC, by: [LBTESTCD]}}
          - {name: LBDTC, label: Date/Time of Specimen Collection, mapping: {algorithm: assign, column: DTC}}
        """,
}


def test_baseline_flag_survives_dropping_a_double_entry_and_skips_the_undosed(tmp_path):
    for name, text in BASELINE_STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    lab = pd.DataFrame({
        "SUBJ": ["S1", "S1", "S1", "S1", "S1", "S1", "S2"],
        "TEST": ["HGB", "HGB", "HGB", "HGB", "ALT", "ALT", "HGB"],
        "RES": ["130", "128", "128", "140", "", "20", "120"],
        "DTC": ["2021-01-10", "2021-02-01T08:00", "2021-02-01T08:00", "2021-02-01T11:00", "2021-02-01",
                "2021-01-20", "2021-01-10"]}, index=range(2, 9))
    lab.attrs["source"] = "raw/lab.csv"
    out = map_study(load_study(tmp_path), {"lab": lab}, ["LB"])["LB"]
    # The entry made twice is kept once and keeps its flag; the 11:00 sample is after the
    # dose, a blank result never counts, and a subject never dosed has no baseline.
    assert out[["USUBJID", "LBTESTCD", "LBORRES", "LBLOBXFL", "LBDTC"]].values.tolist() == [
        ["S1", "ALT", "20", "Y", "2021-01-20"],
        ["S1", "ALT", "", "", "2021-02-01"],
        ["S1", "HGB", "130", "", "2021-01-10"],
        ["S1", "HGB", "128", "Y", "2021-02-01T08:00"],
        ["S1", "HGB", "140", "", "2021-02-01T11:00"],
        ["S2", "HGB", "120", "", "2021-01-10"],
    ]


def test_visit_number_and_name_for_unscheduled_visits(tmp_path):
    """Unscheduled visits: VISITNUM after the last TV visit planned before the
    study day, VISIT built from it, the same in every domain."""
    import textwrap
    import pandas as pd
    from sdtm.engine import map_study
    from specs import load_study
    files = {
        "study.yaml": "studyid: V\ntitle: V\nprotocol: V\nstandards: [{id: IG, name: SDTMIG, version: '3.4'}]\n",
        "sdtm/TV.yaml": """\
            name: TV
            label: Trial Visits
            keys: [VISITNUM]
            mapping: {sources: [{records: [{VISITNUM: "1", VISIT: SCREENING, VISITDY: "-14"},
                                          {VISITNUM: "101", VISIT: CYCLE 1 DAY 1, VISITDY: "1"},
                                          {VISITNUM: "102", VISIT: CYCLE 2 DAY 1, VISITDY: "22"}]}]}
            variables:
              - {name: VISITNUM, label: Visit Number, data_type: float}
              - {name: VISIT, label: Visit Name}
              - {name: VISITDY, label: Planned Study Day of Visit, data_type: integer}
            """,
        "sdtm/DM.yaml": """\
            name: DM
            label: Demographics
            keys: [USUBJID]
            mapping: {sources: [{form: dm}]}
            variables:
              - {name: USUBJID, label: Subject, mapping: {algorithm: assign, column: S}}
              - {name: RFSTDTC, label: Start, mapping: {algorithm: assign, column: START}}
            """,
        "sdtm/LB.yaml": """\
            name: LB
            label: Laboratory
            keys: [USUBJID, LBDTC]
            mapping: {sources: [{form: lab}]}
            variables:
              - {name: USUBJID, label: Subject, mapping: {algorithm: assign, column: S}}
              - {name: VISITNUM, label: Visit Number, data_type: float,
                 mapping: {algorithm: visit_number, visit: {column: FOLDER}, date: LBDTC}}
              - {name: VISIT, label: Visit Name,
                 mapping: {algorithm: visit_name, visit: {column: FOLDER}, number: VISITNUM}}
              - {name: LBDTC, label: Date, mapping: {algorithm: assign, column: D}}
            """,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    raw = {
        "dm": pd.DataFrame({"S": ["A", "B"], "START": ["2021-01-01", ""]}, index=[2, 3]),
        "lab": pd.DataFrame({"S": ["A", "A", "A", "A", "B"],
                             "FOLDER": ["Cycle 1 Day 1", "Unscheduled 1", "Unscheduled 2", "Cycle 2 Day 1",
                                        "Unscheduled 1"],
                             "D": ["2021-01-01", "2021-01-05", "2021-01-30", "2021-01-22", "2021-01-03"]},
                            index=[2, 3, 4, 5, 6]),
    }
    lb = map_study(load_study(tmp_path), raw, ["LB"])["LB"]
    assert lb[["USUBJID", "VISITNUM", "VISIT"]].values.tolist() == [
        ["A", 101.0, "CYCLE 1 DAY 1"],
        ["A", 101.01, "UNSCHEDULED 101.01"],   # day 5: after CYCLE 1 DAY 1 (day 1)
        ["A", 102.0, "CYCLE 2 DAY 1"],
        ["A", 102.01, "UNSCHEDULED 102.01"],   # day 30: after CYCLE 2 DAY 1 (day 22)
        ["B", 1.0 + 0.01, "UNSCHEDULED 1.01"],  # no RFSTDTC: after the first TV visit
    ]


REWRITE_STUDY = {
    "study.yaml": "studyid: R\ntitle: R\nprotocol: R\nstandards: [{id: IG, name: SDTMIG, version: '3.4'}]\n",
    "sdtm/TV.yaml": """\
        name: TV
        label: Trial Visits
        keys: [VISITNUM]
        mapping: {sources: [{records: [{VISITNUM: "1", VISITDY: "-7"}, {VISITNUM: "2", VISITDY: "1"}]}]}
        variables:
          - {name: VISITNUM, label: Visit Number, data_type: float}
          - {name: VISITDY, label: Planned Study Day of Visit, data_type: integer}
        """,
    "sdtm/VS.yaml": """\
        name: VS
        label: Vital Signs
        keys: [USUBJID, VSTESTCD, VSDTC]
        mapping: {sources: [{form: vs}]}
        variables:
          - {name: USUBJID, label: Subject, mapping: {algorithm: concat, separator: "-",
             parts: [{text: "01"}, {column: PATNUM}]}}
          - {name: SITEID, label: Site, mapping: {algorithm: replace, value: {column: PATNUM}, pattern: "-.*$"}}
          - {name: SUBJID, label: Subject in site, mapping: {algorithm: replace, value: {column: PATNUM},
             pattern: "^(\\\\d+)-(\\\\d+)$", replacement: "\\\\2"}}
          - {name: VSTERM, label: Verbatim, mapping: {algorithm: replace, value: {column: NOTE},
             pattern: "^\\\\s+|\\\\s+$", case: upper}}
          - {name: VSTESTCD, label: Test, mapping: {algorithm: assign, column: TEST}}
          - {name: VSORRES, label: Result, mapping: {algorithm: replace, value: {column: RES}, pattern: "^0+(?=\\\\d)"}}
          - {name: VSORRESU, label: Unit, mapping: {algorithm: assign, column: UNIT}}
          - {name: VSSTRESN, label: Standard result, data_type: float,
             mapping: {algorithm: standardize, output: n, result: VSORRES, unit: VSORRESU, test: VSTESTCD,
                       conversions: {TEMP: {unit: C, digits: 1, factors: {F: {factor: 0.5555555555555556,
                                                                                 offset: -17.77777777777778}}},
                                     WEIGHT: {unit: kg, digits: 2, factors: {LB: 0.45359237}}}}}
          - {name: VISITNUM, label: Visit Number, data_type: float, mapping: {algorithm: replace,
             value: {column: VISIT}, pattern: "(?i)^(unscheduled|visit)\\\\s+"}}
          - {name: VISITDY, label: Planned Study Day of Visit, data_type: integer,
             mapping: {algorithm: lookup, dataset: TV, variable: VISITDY, by: [VISITNUM], required: false}}
          - {name: VSDTC, label: Date, mapping: {algorithm: datetime, date: DAT, style: [MM/DD/YYYY, YYYY]}}
        """,
}


@pytest.fixture
def rewrite_study(tmp_path):
    for name, text in REWRITE_STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _vs(**columns):
    frame = pd.DataFrame(columns, index=range(2, 2 + len(next(iter(columns.values())))))
    frame.attrs["source"] = "raw/vs.csv"
    return frame


VS_RAW = _vs(PATNUM=["701-1015", "701-1015", "702-0003"], NOTE=[" Felt  faint ", "", "ok"],
             TEST=["TEMP", "WEIGHT", "TEMP"], RES=["098.6", "120.0", "0.5"], UNIT=["F", "LB", "C"],
             VISIT=["Visit 1", "Unscheduled 1.1", "Visit 2"], DAT=["01/03/2014", "2003", "12/31/2013"])


def records(frame):
    """Rows as dicts with None for missing numbers, so they compare equal."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def test_replace_affine_standardize_optional_lookup_and_date_styles(rewrite_study):
    vs = map_study(load_study(rewrite_study), {"vs": VS_RAW}, ["VS"])["VS"]
    assert records(vs) == [
        # Inner spaces of a verbatim value stay; leading zeros go, "0.5" keeps its zero.
        {"USUBJID": "01-701-1015", "SITEID": "701", "SUBJID": "1015", "VSTERM": "FELT  FAINT",
         "VSTESTCD": "TEMP", "VSORRES": "98.6", "VSORRESU": "F", "VSSTRESN": 37.0, "VISITNUM": 1.0,
         "VISITDY": -7.0, "VSDTC": "2014-01-03"},
        # A bare year in a MM/DD/YYYY column; an unscheduled visit has no planned day.
        {"USUBJID": "01-701-1015", "SITEID": "701", "SUBJID": "1015", "VSTERM": "", "VSTESTCD": "WEIGHT",
         "VSORRES": "120.0", "VSORRESU": "LB", "VSSTRESN": 54.43, "VISITNUM": 1.1, "VISITDY": None,
         "VSDTC": "2003"},
        {"USUBJID": "01-702-0003", "SITEID": "702", "SUBJID": "0003", "VSTERM": "OK", "VSTESTCD": "TEMP",
         "VSORRES": "0.5", "VSORRESU": "C", "VSSTRESN": 0.5, "VISITNUM": 2.0, "VISITDY": 1.0,
         "VSDTC": "2013-12-31"},
    ]


def test_date_styles_read_each_value_by_the_first_fitting_style_only(rewrite_study):
    raw = {"vs": _vs(**{**{k: list(v[:1]) for k, v in VS_RAW.items()}, "DAT": ["02/30/2014"]})}
    with pytest.raises(InputError, match=r"raw/vs.csv: row 2, column DAT: date '02/30/2014' is not a valid date "
                                         r"in the style \['MM/DD/YYYY', 'YYYY'\]"):
        map_study(load_study(rewrite_study), raw, ["VS"])


def test_replace_refuses_a_bad_pattern_and_lookup_still_requires_keys_by_default(rewrite_study):
    vs_yaml = rewrite_study / "sdtm" / "VS.yaml"
    text = vs_yaml.read_text(encoding="utf-8")
    vs_yaml.write_text(text.replace('pattern: "-.*$"', 'pattern: "(-"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"VS.yaml: variables\[1\].mapping.pattern: '\(-' is not a valid regular"):
        map_study(load_study(rewrite_study), {"vs": VS_RAW}, ["VS"])
    vs_yaml.write_text(text.replace(", required: false", ""), encoding="utf-8")
    with pytest.raises(InputError, match=r"raw/vs.csv: row 3: VISITNUM '1.1' is not in TV"):
        map_study(load_study(rewrite_study), {"vs": VS_RAW}, ["VS"])


def test_subject_summary_may_filter_on_the_variable_it_summarises(tmp_path):
    files = {
        "study.yaml": "studyid: S\ntitle: S\nprotocol: S\nstandards: [{id: IG, name: SDTMIG, version: '3.4'}]\n",
        "sdtm/DS.yaml": """\
            name: DS
            label: Disposition
            keys: [USUBJID, DSDECOD]
            mapping: {sources: [{records: [{USUBJID: A, DSDECOD: COMPLETED}, {USUBJID: B, DSDECOD: DEATH}]}]}
            variables:
              - {name: USUBJID, label: Subject}
              - {name: DSDECOD, label: Standardized Disposition Term}
            """,
        "sdtm/DM.yaml": """\
            name: DM
            label: Demographics
            keys: [USUBJID]
            mapping: {sources: [{records: [{USUBJID: A}, {USUBJID: B}]}]}
            variables:
              - {name: USUBJID, label: Subject}
              - {name: DTHFL, label: Subject Death Flag, mapping: {algorithm: subject_summary, dataset: DS,
                 variable: DSDECOD, how: any, where: {variable: DSDECOD, equals: DEATH}}}
            """,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    dm = map_study(load_study(tmp_path), {}, ["DM"])["DM"]
    assert dm.values.tolist() == [["A", ""], ["B", "Y"]]


def test_count_of_operands_equal_to_a_value(tmp_path):
    import textwrap
    import pandas as pd
    from sdtm.engine import map_study
    from specs import load_study
    (tmp_path / "sdtm").mkdir()
    (tmp_path / "study.yaml").write_text("studyid: C\ntitle: C\nprotocol: C\n"
                                         "standards: [{id: IG, name: SDTMIG, version: '3.4'}]\n")
    (tmp_path / "sdtm" / "DM.yaml").write_text(textwrap.dedent("""\
        name: DM
        label: Demographics
        mapping: {sources: [{form: dm}]}
        variables:
          - {name: USUBJID, label: Subject, mapping: {algorithm: assign, column: S}}
          - {name: NSITES, label: Sites, data_type: integer, mapping: {algorithm: count, equals: "Yes",
             values: [{column: BONE}, {column: LUNG}, {column: LIVER}]}}
        """))
    raw = {"dm": pd.DataFrame({"S": ["A", "B", "C"], "BONE": ["Yes", "No", ""], "LUNG": ["yes ", "No", ""],
                               "LIVER": ["No", "Yes", ""]}, index=[2, 3, 4])}
    dm = map_study(load_study(tmp_path), raw, ["DM"])["DM"]
    assert dm["NSITES"].tolist() == [2.0, 1.0, 0.0]


def _tiny_study(root, **datasets):
    """A study folder with only study.yaml and the given SDTM dataset specs (name: YAML text)."""
    (root / "sdtm").mkdir()
    (root / "study.yaml").write_text("studyid: T\ntitle: T\nprotocol: T\n"
                                     "standards: [{id: IG, name: SDTMIG, version: '3.4'}]\n")
    for name, text in datasets.items():
        (root / "sdtm" / f"{name}.yaml").write_text(textwrap.dedent(text))
    return load_study(root)


def test_toxicity_grade_by_direction_limit_baseline_and_absolute_thresholds(tmp_path):
    study = _tiny_study(tmp_path, LB="""\
        name: LB
        label: Laboratory Test Results
        mapping: {sources: [{form: lab}]}
        variables:
          - {name: USUBJID, label: Subject, mapping: {algorithm: assign, column: S}}
          - {name: LBTESTCD, label: Test, mapping: {algorithm: assign, column: T}}
          - {name: LBSTRESN, label: Result, data_type: float, mapping: {algorithm: assign, column: V}}
          - {name: LBSTNRLO, label: Low, data_type: float, mapping: {algorithm: assign, column: LO}}
          - {name: LBSTNRHI, label: High, data_type: float, mapping: {algorithm: assign, column: HI}}
          - {name: LBLOBXFL, label: Baseline, mapping: {algorithm: assign, column: B}}
          - name: LBTOX
            label: Toxicity
            mapping: &g
              algorithm: toxicity_grade
              output: term
              normal: "0"
              result: LBSTRESN
              test: LBTESTCD
              low: LBSTNRLO
              high: LBSTNRHI
              baseline: LBLOBXFL
              criteria:
                CREAT:
                  high: {term: Creatinine increased,
                         grades: {1: [{uln: 1}], 2: [{uln: 1.5}, {baseline: 1.5}], 3: [{uln: 3}, {baseline: 3}]}}
                GLUC:
                  high: {term: Hyperglycemia, grades: {1: [{uln: 1}], 2: [{value: 8.9}]}}
                  low: {term: Hypoglycemia, grades: {1: [{lln: 1}], 2: [{value: 3.0}]}}
          - {name: LBTOXGR, label: Grade, mapping: {<<: *g, output: grade}}
        """)
    rows = [  # subject, test, value, low, high, baseline flag
        ("A", "CREAT", "60", "50", "100", "Y"),    # baseline: within range
        ("A", "CREAT", "95", "50", "100", ""),     # > 1.5 x baseline (90), <= ULN: grade 2
        ("A", "CREAT", "190", "50", "100", ""),    # > 3 x baseline (180): grade 3
        ("B", "CREAT", "120", "50", "100", ""),    # no baseline: > ULN only: grade 1
        ("B", "CREAT", "120", "", "", ""),         # no range, no baseline: not gradable
        ("C", "GLUC", "9.0", "3.9", "6.1", ""),    # > 8.9: hyperglycaemia grade 2
        ("C", "GLUC", "3.5", "3.9", "6.1", ""),    # < LLN: hypoglycaemia grade 1
        ("C", "GLUC", "5.0", "3.9", "6.1", ""),    # normal: "0"
        ("C", "GLUC", "2.9", "", "", ""),          # < 3.0 needs no range: grade 2
        ("C", "ALB", "20", "35", "50", ""),        # no criteria: blank
    ]
    raw = {"lab": pd.DataFrame(rows, columns=["S", "T", "V", "LO", "HI", "B"], index=range(2, 2 + len(rows)))}
    lb = map_study(study, raw, ["LB"])["LB"]
    assert lb["LBTOXGR"].tolist() == ["0", "2", "3", "1", "", "2", "1", "0", "2", ""]
    assert lb["LBTOX"].tolist() == ["", "Creatinine increased", "Creatinine increased", "Creatinine increased", "",
                                    "Hyperglycemia", "Hypoglycemia", "", "Hypoglycemia", ""]


def test_epoch_by_time_where_known_and_for_partial_dates_wholly_inside_an_element(tmp_path):
    study = _tiny_study(tmp_path, SE="""\
        name: SE
        label: Subject Elements
        mapping:
          sources:
            - records:
                - {USUBJID: A, SESTDTC: "2021-01-05", SEENDTC: "2021-02-01T10:00", EPOCH: SCREENING}
                - {USUBJID: A, SESTDTC: "2021-02-01T10:00", SEENDTC: "2021-06-30", EPOCH: TREATMENT}
                - {USUBJID: A, SESTDTC: "2021-06-30", SEENDTC: "2021-12-31", EPOCH: FOLLOW-UP}
                - {USUBJID: B, SESTDTC: "2021-01-05", SEENDTC: "2021-03-01", EPOCH: TREATMENT}
                - {USUBJID: B, SESTDTC: "2021-03-01", SEENDTC: "2021-03-01", EPOCH: FOLLOW-UP}
        variables:
          - {name: USUBJID, label: Subject}
          - {name: SESTDTC, label: Start}
          - {name: SEENDTC, label: End}
          - {name: EPOCH, label: Epoch}
        """, LB="""\
        name: LB
        label: Laboratory Test Results
        mapping: {sources: [{form: lab}]}
        variables:
          - {name: USUBJID, label: Subject, mapping: {algorithm: assign, column: S}}
          - {name: LBDTC, label: Date, mapping: {algorithm: assign, column: D}}
          - {name: EPOCH, label: Epoch, mapping: {algorithm: epoch, date: LBDTC}}
        """)
    expected = {
        "2021-02-01T09:30": "SCREENING",     # pre-dose sample on Day 1
        "2021-02-01T10:30": "TREATMENT",
        "2021-02-01": "TREATMENT",           # no time: the element starting that day
        "2021-02": "",                       # partly screening, partly treatment
        "2021-03": "TREATMENT",              # wholly inside treatment
        "2021-06": "",                       # partly treatment, partly follow-up
        "2021-08": "FOLLOW-UP",
        "2021": "",
        "2021-12-31": "FOLLOW-UP",           # the end of the last element
        "2022-01": "",
        "": "",
    }
    raw = {"lab": pd.DataFrame({"S": ["A"] * len(expected) + ["B"], "D": [*expected, "2021-03-01"]},
                               index=range(2, 3 + len(expected)))}
    lb = map_study(study, raw, ["LB"])["LB"]
    assert dict(zip(lb["LBDTC"][lb["USUBJID"] == "A"], lb["EPOCH"][lb["USUBJID"] == "A"])) == expected
    # Death on the day treatment ended: a follow-up element that starts and ends that day holds it.
    assert lb.loc[lb["USUBJID"] == "B", "EPOCH"].tolist() == ["FOLLOW-UP"]
