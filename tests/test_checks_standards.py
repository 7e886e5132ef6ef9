"""Standards knowledge shipped with the package, and the precision regressions of issue 14."""


import numpy as np
import pandas as pd
import pytest

from cdisckit.checks import check_tables, from_frame, run_checks
from cdisckit.checks import rule as rules_module
from cdisckit.standards import Standards, build
from cdisckit.xpt import read_xpt, write_xpt
from specs.errors import InputError
from specs.model import Dataset, Study, Variable
from conftest import reference

RULES = {r.id: r for r in rules_module.catalogue()}


def by_p21(p21_id):
    return [r for r in RULES.values() if r.p21_id == p21_id]


def run(tables, p21_id):
    found = check_tables([from_frame(n, pd.DataFrame(rows)) for n, rows in tables.items()], rules=by_p21(p21_id))
    return found.frame


def test_package_data_is_the_conversion_of_the_reference_files():
    root = reference("igs", "SDTMIG_v3.4.xlsx").parents[1]
    made = build.outputs(root)
    assert set(made) == {p.name for p in build.DATA.glob("*.json.gz")}
    for name, data in made.items():
        assert (build.DATA / name).read_bytes() == data, f"{name} differs from a fresh conversion"


def test_ig_metadata_and_ct_read_back():
    std = Standards("SDTMIG", "3.4")
    dm = std.dataset("DM")
    sex = dm.variable("SEX")
    assert (sex.core, sex.codelist) == ("Req", "C66731")
    assert sorted(std.codelist("C66731").values()) == ["F", "INTERSEX", "M", "U"]
    assert std.dataset("QSCO").domain == "QS" and std.dataset("QSCO").variable("QSTESTCD").core == "Req"
    assert std.dataset("SUPPAE").variable("QNAM").core == "Req"
    assert Standards("SDTMIG", "3.2").dataset("DM").variable("ACTARMUD") is None
    assert Standards("SDTMIG", "3.4").dataset("DM").variable("ACTARMUD").core == "Exp"


def test_ct_file_option_reads_an_nci_evs_release(tmp_path):
    path = tmp_path / "sdtm-terminology-2030-01-01.txt"
    path.write_text("Code\tCodelist Code\tCodelist Extensible (Yes/No)\tCodelist Name\tCDISC Submission Value\t"
                    "CDISC Synonym(s)\tCDISC Definition\tNCI Preferred Term\n"
                    "C66731\t\tNo\tSex\tSEX\tSex\tdef\tSex\n"
                    "C20197\tC66731\t\tSex\tM\tMale\tdef\tMale\n", encoding="utf-8")
    std = Standards("SDTMIG", "3.4", str(path))
    assert std.codelist("C66731").values() == ["M"] and std.ct_package == "sdtmct-2030-01-01"


def test_folder_without_define_checks_ct_core_and_metadata(tmp_path):
    """The pilot's SDTM folder (its define.xml is Define 1.0, not used) with SEX = X seeded in DM
    and AETERM emptied on one record: CT, Core and variable metadata come from SDTMIG 3.4."""
    pilot = reference("cdiscpilot01", "sdtm", "dm.xpt").parent
    for name in ("dm", "ae", "ta"):
        frame, meta = read_xpt(pilot / f"{name}.xpt")
        if name == "dm":
            frame.loc[0, "SEX"] = "X"
        if name == "ae":
            frame.loc[0, "AETERM"] = ""
        write_xpt(frame, tmp_path / f"{name}.xpt", name=meta.name, label=meta.label, variables=meta.variables)
    found = run_checks(tmp_path, rules=[RULES["CK0301"], RULES["CK0103"], RULES["CK0102"]])
    assert found.inputs["standard"] == "SDTMIG 3.4" and found.inputs["define"] == []
    frame = found.frame
    sex = frame[frame["rule"].eq("CK0301") & frame["dataset"].eq("DM")]
    assert list(sex["values"]) == ["SEX=X"] and "C66731" in sex["detail"].iloc[0]
    assert list(frame.loc[frame["rule"].eq("CK0103"), "values"]) == ["AETERM=(missing)"]
    # SDTMIG 3.4 expects ACTARMUD and ARMNRS in DM (the pilot, 3.1.2, has neither)
    missing = set(frame.loc[frame["rule"].eq("CK0102") & frame["dataset"].eq("DM"), "variables"])
    assert {"ACTARMUD", "ARMNRS"} <= missing


def test_numbers_equal_at_xpt_precision_match_across_datasets():
    visit = {"STUDYID": ["S"], "USUBJID": ["1"], "VISIT": ["WEEK 1"]}
    tables = {"VS": {**visit, "DOMAIN": ["VS"], "VSSEQ": [1.0], "VISITNUM": [1.2000000000000002]},
              "SV": {**visit, "DOMAIN": ["SV"], "VISITNUM": [1.2]}}
    assert run(tables, "SD0065").empty
    tables["SV"]["VISITNUM"] = [1.3]
    assert len(run(tables, "SD0065")) == 1


def test_screen_failure_exemption_is_case_insensitive():
    tables = {"DM": {"STUDYID": ["S", "S"], "DOMAIN": ["DM", "DM"], "USUBJID": ["1", "2"],
                     "ARMCD": ["Scrnfail", "B"]},
              "TA": {"STUDYID": ["S"], "DOMAIN": ["TA"], "ARMCD": ["A"]}}
    assert list(run(tables, "SD0066")["values"]) == ["ARMCD=B; STUDYID=S"]


def test_absent_lookup_dataset_gives_one_finding_not_one_per_record():
    n = 500
    tables = {"DM": {"STUDYID": ["S"] * n, "DOMAIN": ["DM"] * n, "USUBJID": [str(i) for i in range(n)],
                     "ARMCD": ["A"] * n}}
    found = run(tables, "SD0066")
    assert len(found) == 1 and "TA is absent: 500 record(s)" in found["detail"].iloc[0]


def test_tsval_null_is_accepted_when_tsvalnf_is_filled():
    ts = {"STUDYID": ["S", "S"], "DOMAIN": ["TS", "TS"], "TSSEQ": [1.0, 1.0], "TSPARMCD": ["AGEMAX", "AGEMIN"],
          "TSPARM": ["Planned Maximum Age of Subjects", "Planned Minimum Age of Subjects"],
          "TSVAL": [None, None], "TSVALNF": ["PINF", None]}
    spec = Dataset(name="TS", label="Trial Summary", model="SDTM", variables=[
        Variable(name=n, label=n, core="Req") for n in ("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM", "TSVAL")])
    study = Study(studyid="S", title="t", protocol="p", datasets={"TS": spec})
    found = check_tables([from_frame("TS", pd.DataFrame(ts))], study=study, rules=[RULES["CK0103"]]).frame
    assert list(found["record"]) == [2] and list(found["variables"]) == ["TSVAL"]


def test_explained_findings_do_not_fail(tmp_path, mini_study):
    (mini_study / "explanations.yaml").write_text(
        "- {rule: CK0301, dataset: DM, explanation: Sex X is the study's own code.}\n", encoding="utf-8")
    from specs.loader import load_study
    study = load_study(mini_study)
    frame = pd.DataFrame({"STUDYID": ["S"], "DOMAIN": ["DM"], "USUBJID": ["1"], "SEX": ["X"]})
    from cdisckit.checks.explanations import explain
    found = explain(check_tables([from_frame("DM", frame)], rules=[RULES["CK0301"]]), study.explanations)
    assert list(found.frame["explanation"]) == ["Sex X is the study's own code."]
    assert found.exit_code() == 0


def test_old_arm_rule_exempts_screen_failures_in_any_case():
    dm = {"STUDYID": ["S", "S"], "DOMAIN": ["DM", "DM"], "USUBJID": ["1", "2"], "ARMCD": ["Scrnfail", "B"]}
    ta = {"STUDYID": ["S"], "DOMAIN": ["TA"], "ARMCD": ["A"]}
    found = check_tables([from_frame("DM", pd.DataFrame(dm)), from_frame("TA", pd.DataFrame(ta))],
                         rules=[RULES["CK0519"]]).frame
    assert list(found["values"]) == ["ARMCD=B"]


def test_supp_records_of_an_absent_parent_dataset_give_one_finding():
    n = 1000
    supp = pd.DataFrame({"STUDYID": "S", "RDOMAIN": "LB", "USUBJID": [str(i) for i in range(n)],
                         "IDVAR": "LBSEQ", "IDVARVAL": "1", "QNAM": "X", "QLABEL": "X", "QVAL": "1", "QORIG": "CRF"})
    found = check_tables([from_frame("SUPPLB", supp)], rules=[RULES["CK0503"]]).frame
    assert len(found) == 1 and found["record"].isna().all()
    assert "no dataset of domain LB is in the submission (1000 records refer to it)" in found["detail"].iloc[0]


def test_bad_standard_or_ct_option_is_bad_input(tmp_path):
    pilot = reference("cdiscpilot01", "sdtm", "dm.xpt").parent
    with pytest.raises(InputError, match="--standard sdtmig-9.9"):
        run_checks(pilot, standard="sdtmig-9.9")
    bad = tmp_path / "ct.txt"
    bad.write_text("not a CT release\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a CDISC CT release"):
        run_checks(pilot, ct=bad)


def test_lesions_of_one_assessment_are_told_apart_by_their_link_id():
    """TR holds one record per lesion and test at an assessment: --LNKID, not a duplicate (SD1117),
    and each lesion has its own baseline (SD1445)."""
    tr = {"STUDYID": ["S"] * 3, "DOMAIN": ["TR"] * 3, "USUBJID": ["1"] * 3, "TRSEQ": [1.0, 2.0, 3.0],
          "TRLNKID": ["T01", "T02", "T02"], "TRTESTCD": ["LDIAM"] * 3, "TRMETHOD": ["CT SCAN"] * 3,
          "VISITNUM": [1.0] * 3, "TRDTC": ["2020-02-02"] * 3, "TRLOBXFL": ["Y", "Y", "Y"]}
    assert list(run({"TR": tr}, "SD1117")["seq"]) == [2.0, 3.0]
    assert list(run({"TR": tr}, "SD1445")["seq"]) == [2.0, 3.0]
    tr["TRLNKID"] = ["T01", "T02", "T03"]
    assert run({"TR": tr}, "SD1117").empty and run({"TR": tr}, "SD1445").empty
