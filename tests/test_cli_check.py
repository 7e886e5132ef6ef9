"""``cdisckit check``: exit codes, reports, --study, --define, --fail-on, --baseline/--new-only."""

import datetime as dt
import json

import pandas as pd
import pytest

from cdisckit.cli import main
from cdisckit.checks.report_json import validator
from cdisckit.checks import catalogue
from cdisckit.xpt import XptVariable, write_xpt
from define.writer import build_define
from specs.loader import load_study

CREATED = dt.datetime(2024, 1, 1)


def _dm():
    return pd.DataFrame({"STUDYID": ["MINI01"], "DOMAIN": ["DM"], "USUBJID": ["MINI01-001"], "SUBJID": ["001"],
                         "SITEID": ["01"], "SEX": ["F"], "COUNTRY": ["CHN"], "RFSTDTC": ["2021-01-10"]})


def _ae(severity="MILD", end="2021-01-12"):
    return pd.DataFrame({"STUDYID": ["MINI01"], "USUBJID": ["MINI01-001"], "AESEQ": [1.0],
                         "AETERM": ["Headache"], "AESEV": [severity], "AESTDTC": ["2021-01-12"], "AEEND": [end]})


def _write(folder, name, frame, label, lengths=None):
    variables = [XptVariable(name=c, label=c.title(), length=(lengths or {}).get(c)) for c in frame.columns]
    write_xpt(frame, folder / f"{name.lower()}.xpt", name=name, label=label, variables=variables, created=CREATED)


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "sdtm"
    folder.mkdir()
    _write(folder, "DM", _dm(), "Demographics")
    return folder


def test_warnings_fail_only_with_fail_on_warning(data, tmp_path, capsys):
    params = ["ADDON", "AGEMAX", "AGEMIN", "LENGTH", "OBJPRIM", "PLANSUB", "RANDOM", "SEXPOP", "SPONSOR",
              "STYPE", "TBLIND", "TCNTRL", "TITLE", "TPHASE", "TTYPE", "SDTMVER", "SSTDTC"]
    values = {"PLANSUB": "40", "SSTDTC": "2021-01-01", "AGEMIN": "P18Y", "AGEMAX": "P75Y", "LENGTH": "P2Y",
              "RANDOM": "N", "ADDON": "N"}
    ts = pd.DataFrame({"STUDYID": "MINI01", "DOMAIN": "TS", "TSSEQ": 1.0, "TSPARMCD": params,
                       "TSPARM": [p.title() for p in params], "TSVAL": [values.get(p, "x") for p in params]})
    _write(data, "TS", ts, "Trial Summary")
    reports = [tmp_path / "out" / f"r{s}" for s in (".xlsx", ".html", ".json", ".junit.xml")]
    options = [a for r in reports for a in ("--report", str(r))]
    assert main(["check", str(data)] + options) == 0         # DM lacks expected variables: warnings only
    assert all(r.is_file() for r in reports)
    out = capsys.readouterr().out
    assert f"cdisckit check: 2 datasets, 18 records, {len(catalogue())} rules: 0 Error" in out
    assert "checked against SDTMIG 3.4 with CT sdtmct-2025-03-28" in out
    # SDTMIG 3.4: DM has 17 Exp variables (ACTARMUD, ARMNRS, the RF dates, ...), RFSTDTC present; TS 4 (TSVAL present)
    assert "Warning CK0102 Expected variable is missing from the dataset (19 in DM, TS)" in out
    assert list(validator().iter_errors(json.loads(reports[2].read_text()))) == []
    assert main(["check", str(data), "--fail-on", "warning"]) == 1


def test_errors_exit_1(data, tmp_path, capsys):
    _write(data, "AE", _ae().rename(columns={"AEEND": "AEENDTC"}).assign(AEENDTC=["2021-01-11"]), "Adverse Events")
    assert main(["check", str(data), "--report", str(tmp_path / "r.json")]) == 1
    found = json.loads((tmp_path / "r.json").read_text())["findings"]
    errors = {(f["rule"], f["dataset"], f["record"], tuple(f["variables"])) for f in found if f["severity"] == "Error"}
    assert ("CK0411", "AE", 1, ("AESTDTC", "AEENDTC")) in errors
    assert "Error   CK0411 AESTDTC is after AEENDTC (1 in AE)" in capsys.readouterr().out


def test_unreadable_input_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "none")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--report", "r.csv"]) == 2
    assert "unknown report format" in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--new-only"]) == 2
    assert "--new-only needs --baseline" in capsys.readouterr().err


def test_study_specs_drive_codelists_and_core(mini_study, data, tmp_path):
    _write(data, "AE", _ae(severity="Mild"), "Adverse Events")
    report = tmp_path / "r.json"
    assert main(["check", str(data), "--study", str(mini_study), "--report", str(report)]) == 1
    found = json.loads(report.read_text())["findings"]
    codelist = [f for f in found if f["rule"] == "CK0301"]
    assert [(f["dataset"], f["record"], f["values"]) for f in codelist] == [("AE", 1, "AESEV=Mild")]
    assert codelist[0]["detail"] == "codelist AESEV (Severity/Intensity Scale for Adverse Events): MILD, MODERATE, SEVERE"
    # the specs describe AE only, and not AEEND
    assert {(f["rule"], f["dataset"], tuple(f["variables"])) for f in found if f["rule"] in ("CK0801", "CK0803")} \
        == {("CK0801", "DM", ()), ("CK0803", "AE", ("AEEND",))}


def test_define_is_the_reference(mini_study, data, tmp_path):
    study = load_study(mini_study)
    ae = _ae().drop(columns="AEEND")
    define = tmp_path / "define.xml"
    define.write_bytes(build_define(study, {"AE": ae}, model="SDTM", created=CREATED))
    _write(data, "AE", ae.assign(AEXTRA=["x"]), "Adverse Events")
    report = tmp_path / "r.json"
    main(["check", str(data), "--define", str(define), "--report", str(report)])
    found = json.loads(report.read_text())
    assert found["inputs"]["define"] == [str(define)]
    assert [(f["dataset"], f["variables"]) for f in found["findings"] if f["rule"] == "CK0803"] == [("AE", ["AEXTRA"])]
    assert all(f["message"] == "Variable is not present in define.xml" for f in found["findings"] if f["rule"] == "CK0803")


def test_baseline_gates_on_new_findings(data, tmp_path, capsys):
    _write(data, "AE", _ae().rename(columns={"AEEND": "AEENDTC"}).assign(AEENDTC=["2021-01-11"]), "Adverse Events")
    old = tmp_path / "old.json"
    assert main(["check", str(data), "--report", str(old)]) == 1
    assert main(["check", str(data), "--baseline", str(old), "--new-only"]) == 0
    assert "against the baseline: 0 new" in capsys.readouterr().out
    _write(data, "AE", _ae(end="2021-01-11").rename(columns={"AEEND": "AEENDTC"}).assign(AESEQ=[0.0]),
           "Adverse Events")
    new = tmp_path / "new.json"
    assert main(["check", str(data), "--baseline", str(old), "--new-only", "--report", str(new)]) == 1
    statuses = {(f["rule"], f["status"]) for f in json.loads(new.read_text())["findings"] if f["rule"] == "CK0411"}
    assert statuses == {("CK0411", "new"), ("CK0411", "resolved")}      # its --SEQ changed
