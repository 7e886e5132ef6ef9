"""The ADaM engine: spec-driven building, errors naming the spec path, the
bundled study end to end (simulated raw -> SDTM -> ADaM) and the adam command."""

import textwrap

import numpy as np
import pandas as pd
import pytest

from adam.engine import build_adam
from cdisckit.cli import main
from cdisckit.pipeline import write_datasets
from cdisckit.xpt import read_xpt, write_xpt
from specs import load_study
from specs.errors import InputError

MINI = {
    "study.yaml": """\
        studyid: MINI
        title: Mini
        protocol: MINI-1
        standards: [{id: IG, name: ADaMIG, version: "1.3"}]
        """,
    "codelists.yaml": """\
        - id: GRP
          name: Group
          terms: [{value: YOUNG}, {value: OLD}]
        """,
    "adam/ADSL.yaml": """\
        name: ADSL
        label: Subject-Level Analysis Dataset
        keys: [STUDYID, USUBJID]
        mapping: {builder: subject_records, source: DM}
        variables:
          - {name: STUDYID, label: Study Identifier}
          - {name: USUBJID, label: Unique Subject Identifier}
          - {name: AGE, label: Age, data_type: integer}
          - {name: AGEGR1, label: Pooled Age Group 1, codelist: GRP,
             mapping: {algorithm: derive_var_group, source_var: AGE, groups: [{below: 50, value: YOUNG}, {value: OLD}]}}
          - {name: TRTSDT, label: Date of First Exposure to Treatment, data_type: integer, display_format: DATE9.,
             mapping: {algorithm: derive_vars_dt, dtc: RFXSTDTC}}
        """,
    "adam/ADAE.yaml": """\
        name: ADAE
        label: Adverse Events Analysis Dataset
        keys: [STUDYID, USUBJID, AESEQ]
        mapping: {builder: occurrence_records, source: AE}
        variables:
          - {name: STUDYID, label: Study Identifier}
          - {name: USUBJID, label: Unique Subject Identifier}
          - {name: AGE, label: Age, data_type: integer, origin: {type: Predecessor, predecessor: ADSL.AGE}}
          - {name: AESEQ, label: Sequence Number, data_type: integer}
          - {name: ATERM, label: Analysis Term, origin: {type: Predecessor, predecessor: AE.AETERM}}
          - {name: ASTDY, label: Analysis Start Relative Day, data_type: integer,
             mapping: {algorithm: derive_var_dy, source_var: ASTDT, reference_date: TRTSDT}}
          - {name: ASTDT, label: Analysis Start Date, data_type: integer, display_format: DATE9.,
             mapping: {algorithm: derive_vars_dt, dtc: AESTDTC, impute: {highest: D}}}
          - {name: TRTSDT, label: Date of First Exposure to Treatment, data_type: integer,
             origin: {type: Predecessor, predecessor: ADSL.TRTSDT}}
        """,
}
SDTM = {
    "DM": pd.DataFrame({"STUDYID": ["MINI"] * 3, "USUBJID": ["M-3", "M-1", "M-2"], "AGE": [70.0, 30.0, np.nan],
                        "RFXSTDTC": ["2021-01-05T10:00", "2021-02-01", ""]}),
    "AE": pd.DataFrame({"STUDYID": ["MINI"] * 3, "USUBJID": ["M-1", "M-3", "M-1"], "AESEQ": [2.0, 1.0, 1.0],
                        "AETERM": ["HEADACHE", "RASH", "NAUSEA"], "AESTDTC": ["2021-02-03", "2021-01", "2021-01-20"]}),
}


def write_mini(root, changes=None):
    files = dict(MINI, **(changes or {}))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_study(root)


def day(text):
    return float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)


def test_built_frames_are_typed_ordered_and_sorted(tmp_path):
    frames = build_adam(write_mini(tmp_path), SDTM)
    adsl, adae = frames["ADSL"], frames["ADAE"]
    expected = pd.DataFrame({"STUDYID": ["MINI"] * 3, "USUBJID": ["M-1", "M-2", "M-3"], "AGE": [30.0, np.nan, 70.0],
                             "AGEGR1": ["YOUNG", "", "OLD"],
                             "TRTSDT": [day("2021-02-01"), np.nan, day("2021-01-05")]})
    pd.testing.assert_frame_equal(adsl, expected, check_dtype=False)
    assert adsl.dtypes["AGE"] == "float64" and adsl["AGEGR1"].map(type).eq(str).all()
    assert list(adae.columns) == ["STUDYID", "USUBJID", "AGE", "AESEQ", "ATERM", "ASTDY", "ASTDT", "TRTSDT"]
    assert adae[["USUBJID", "AESEQ", "ATERM"]].values.tolist() == [
        ["M-1", 1.0, "NAUSEA"], ["M-1", 2.0, "HEADACHE"], ["M-3", 1.0, "RASH"]]
    assert adae["AGE"].tolist() == [30.0, 30.0, 70.0]
    assert adae["ASTDY"].tolist() == [-12.0, 3.0, -4.0]        # 2021-01 imputed to 2021-01-01
    assert adae.dtypes["AESEQ"] == "float64" and adae["ATERM"].map(type).eq(str).all()


@pytest.mark.parametrize("file, old, new, message", [
    ("adam/ADSL.yaml", "source: DM}", "source: XX}",
     r"ADSL\.yaml: dataset 'XX' is neither an ADaM dataset of the specs nor among the SDTM datasets given"),
    ("adam/ADSL.yaml", "{value: OLD}]", "{value: MIDDLE}]",
     r"ADSL\.AGEGR1 value 'MIDDLE' \(USUBJID M-3\) is not in the non-extensible codelist GRP"),
    ("adam/ADAE.yaml", "origin: {type: Predecessor, predecessor: AE.AETERM}", "origin: {type: Derived}",
     r"ADAE\.yaml: variables\[4\]: ATERM has no mapping, its records have no column ATERM and it names no predecessor"),
    ("adam/ADAE.yaml", "mapping: {algorithm: derive_var_dy, source_var: ASTDT, reference_date: TRTSDT}",
     "mapping: {algorithm: derive_var_dy, source_var: ASTDY, reference_date: TRTSDT}",
     r"ADAE\.yaml: variables\[5\]\.mapping: variable ASTDY depends on itself"),
])
def test_spec_errors_name_the_spec_path(tmp_path, file, old, new, message):
    text = textwrap.dedent(MINI[file])
    assert old in text
    study = write_mini(tmp_path, {file: text.replace(old, new)})
    with pytest.raises(InputError, match=message):
        build_adam(study, SDTM)


TTE = """\
    name: ADTTE
    label: Time-to-Event Analysis Dataset
    keys: [STUDYID, USUBJID, PARAMCD]
    mapping:
      builder: tte_records
      parameters:
        - paramcd: TTAE
          start: TRTSDT
          events: [{dataset: AE, filter: {variable: AETERM, equals: RASH}, date: AESTDTC, evntdesc: RASH,
                    impute: {highest: D, date: last}}]
          assessments: {dataset: AE, date: AESTDTC, impute: {highest: D}}
          censoring: [{rule: stop, cnsr: 1, evntdesc: NO RASH, cnsdtdsc: LAST AE START, method: MT.LAST}]
    variables:
      - {name: STUDYID, label: Study Identifier, origin: {type: Predecessor, predecessor: ADSL.STUDYID}}
      - {name: USUBJID, label: Unique Subject Identifier}
      - {name: PARAMCD, label: Parameter Code}
      - {name: AVAL, label: Analysis Value, data_type: integer}
      - {name: CNSR, label: Censor, data_type: integer}
      - {name: EVNTDESC, label: Event or Censoring Description}
      - {name: AGEGRX, label: Age Group, mapping: {algorithm: derive_var_flag, condition: {variable: AGE, equals: "30"},
                                                   when: {variable: CNSR, equals: "1"}}}
      - {name: AGE, label: Age, data_type: integer, origin: {type: Predecessor, predecessor: ADSL.AGE}}
    """


def test_time_to_event_through_the_engine(tmp_path):
    methods = "- {id: MT.LAST, name: Last AE, description: Censored at the last AE start.}\n"
    study = write_mini(tmp_path, {"adam/ADTTE.yaml": TTE, "methods.yaml": methods})
    adtte = build_adam(study, SDTM, ["ADTTE"])["ADTTE"]
    assert adtte.values.tolist() == [
        ["MINI", "M-1", "TTAE", 3.0, 1.0, "NO RASH", "Y", 30.0],      # last AE 2021-02-03, first dose 02-01
        ["MINI", "M-3", "TTAE", 27.0, 0.0, "RASH", "", 70.0],         # rash 2021-01 imputed to 01-31
    ]


def test_undefined_method_of_a_rule(tmp_path):
    study = write_mini(tmp_path, {"adam/ADTTE.yaml": TTE})
    with pytest.raises(InputError, match=r"ADTTE\.yaml: mapping\.parameters\[0\]\.censoring\[0\]\.method: "
                                         "method 'MT.LAST' is not defined"):
        build_adam(study, SDTM, ["ADTTE"])


# -- the bundled study end to end ----------------------------------------------

@pytest.fixture(scope="module")
def bundled_adam(bundled_sdtm):
    study, sdtm = bundled_sdtm
    sdtm = dict(sdtm)
    # ADSL reads the cause of death from DD and the number of metastatic sites from
    # SUPPDM; where the bundled SDTM specs do not define them yet, they have no records.
    for name, columns in {"DD": ["USUBJID", "DDTESTCD", "DDSTRESC"], "SUPPDM": ["USUBJID", "QNAM", "QVAL"]}.items():
        sdtm.setdefault(name, pd.DataFrame({c: pd.Series(dtype=str) for c in columns}))
    return study, sdtm, build_adam(study, sdtm)


def test_bundled_study_invariants(bundled_adam):
    study, sdtm, adam = bundled_adam
    adsl = adam["ADSL"]
    assert sorted(adsl["USUBJID"]) == sorted(sdtm["DM"]["USUBJID"]) and adsl["USUBJID"].is_unique
    for name in ("ADTTE", "ADAE", "ADQS"):
        assert set(adam[name]["USUBJID"]) <= set(adsl["USUBJID"]), name
    adtte = adam["ADTTE"]
    assert (adtte["AVAL"] >= 0).all() and adtte["AVAL"].notna().all()
    assert ((adtte["CNSR"] == 0) | ((adtte["CNSR"] > 0) & (adtte["CNSR"] % 1 == 0))).all()
    assert (adtte["ADT"] >= adtte["STARTDT"]).all()
    responders = adam["ADRS"][(adam["ADRS"]["PARAMCD"] == "RSP") & (adam["ADRS"]["AVALC"] == "Y")]
    assert adtte.groupby("PARAMCD").size().to_dict() == {"OS": int((adsl["FASFL"] == "Y").sum()),
                                                        "PFS": int((adsl["FASFL"] == "Y").sum()),
                                                        "DOR": len(responders)}
    adqs = adam["ADQS"]
    assert adqs["AVAL"].dropna().between(0, 100).all()
    assert (adqs.groupby(["USUBJID", "PARAMCD"])["ABLFL"].apply(lambda f: (f == "Y").sum()) <= 1).all()
    assert set(adam["ADAE"]["TRTEMFL"]) <= {"Y", ""} and len(adam["ADAE"]) == len(sdtm["AE"])
    again = build_adam(study, sdtm)
    for name, frame in adam.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_adam_command_writes_xpt_with_date_formats(bundled_adam, tmp_path):
    study, sdtm, adam = bundled_adam
    sdtm_dir, out = tmp_path / "sdtm", tmp_path / "adam"
    known = {name: frame for name, frame in sdtm.items() if name in study.datasets}
    write_datasets(study, known, sdtm_dir, None)
    for name in sorted(set(sdtm) - set(known)):
        write_xpt(sdtm[name], sdtm_dir / f"{name.lower()}.xpt", name=name, label=name)
    code = main(["adam", "--study", "camrelizumab-npc", "--sdtm", str(sdtm_dir), "--out", str(out),
                 "--created", "2024-04-01T12:00:00"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["adae.xpt", "adqs.xpt", "adrs.xpt", "adsl.xpt", "adtr.xpt",
                                                    "adtte.xpt"]
    frame, meta = read_xpt(out / "adsl.xpt")
    formats = {v.name: v.format for v in meta.variables}
    assert formats["TRTSDT"] == "DATE9." and formats["TRTSDTM"] == "DATETIME20." and formats["AGE"] is None
    assert meta.label == "Subject-Level Analysis Dataset"
    assert frame["TRTSDT"].equals(adam["ADSL"]["TRTSDT"])
    assert frame["USUBJID"].tolist() == adam["ADSL"]["USUBJID"].tolist()
    adtte, _ = read_xpt(out / "adtte.xpt")
    assert adtte["CNSR"].tolist() == adam["ADTTE"]["CNSR"].tolist()


def test_adam_command_bad_input(tmp_path, capsys):
    assert main(["adam", "--study", "camrelizumab-npc", "--sdtm", str(tmp_path / "none"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "no such folder (--sdtm)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
