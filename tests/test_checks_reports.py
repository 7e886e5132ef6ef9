"""Reports of a run: Excel, HTML, JSON (schema-valid), JUnit XML, and the baseline comparison."""

import json
import xml.etree.ElementTree as ET

import openpyxl
import pandas as pd
import pytest

from cdisckit.checks import compare, read_report, write_reports
from cdisckit.checks.engine import check_tables
from cdisckit.checks.report import report_format
from cdisckit.checks.report_json import report_data, validator
from cdisckit.checks.table import from_frame
from specs.errors import InputError


def _tables(aeseq=(1.0, 1.0, 3.0), start=("2021-01-12", "2021-01-12", "2021-01-14"), term=" Rash <b>"):
    dm = pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["DM"], "USUBJID": ["1"], "RFSTDTC": ["2021-01-10"]})
    ae = pd.DataFrame({"STUDYID": ["S1"] * 3, "DOMAIN": ["AE"] * 3, "USUBJID": ["1"] * 3,
                       "AESEQ": list(aeseq), "AETERM": ["Headache", "Nausea", term],
                       "AESTDTC": list(start), "AEENDTC": ["2021-01-12", "2021-01-12", "2021-01-20"]})
    return [from_frame("DM", dm, label="Demographics"), from_frame("AE", ae, label="Adverse Events")]


@pytest.fixture
def findings():
    return check_tables(_tables(), rules=None)


def _details(findings):
    frame = findings.frame
    return sorted((r, d, None if pd.isna(n) else int(n)) for r, d, n in zip(frame["rule"], frame["dataset"],
                                                                           frame["record"]))


def test_report_format_by_suffix():
    assert [report_format(p) for p in ("a.xlsx", "b.HTML", "c.json", "d.junit.xml")] == \
        [".xlsx", ".html", ".json", ".junit.xml"]
    with pytest.raises(InputError, match="unknown report format"):
        report_format("r.csv")


def test_xlsx(findings, tmp_path):
    path = tmp_path / "r.xlsx"
    write_reports(findings, [path])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Dataset Summary", "Issue Summary", "Details", "Rules"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert ws.cell(1, 1).font.bold
    details = wb["Details"]
    header = [c.value for c in details[1]]
    assert header[:6] == ["Dataset", "Rule", "Severity", "Record", "USUBJID", "SEQ"]
    rows = [[c.value for c in r] for r in details.iter_rows(min_row=2)]
    assert sorted(((r[1], r[0], r[3]) for r in rows), key=str) == sorted(_details(findings), key=str)
    severity = {r[2] for r in rows}
    fills = {details.cell(i, 3).value: details.cell(i, 3).fill.fgColor.rgb for i in range(2, details.max_row + 1)}
    assert fills["Error"].endswith("FFC7CE") and "Error" in severity
    assert wb["Rules"].max_row == len(findings.rules) + 1
    summary = {r[0].value: r for r in wb["Dataset Summary"].iter_rows(min_row=2)}
    assert summary["AE"][1].value == "Adverse Events"
    again = tmp_path / "again.xlsx"
    write_reports(findings, [again])
    assert again.read_bytes() == path.read_bytes()


def test_html_is_one_self_contained_page(findings, tmp_path):
    path = tmp_path / "r.html"
    write_reports(findings, [path])
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert "CK0402" in page and "Duplicate value for USUBJID, AESEQ" in page
    assert "USUBJID, AESEQ is unique within the dataset" in page        # the condition
    assert "AETERM= Rash &lt;b&gt;" in page and "Rash <b>" not in page


def test_json_validates_and_holds_every_finding(findings, tmp_path):
    path = tmp_path / "r.json"
    write_reports(findings, [path])
    data = json.loads(path.read_text())
    assert list(validator().iter_errors(data)) == []
    assert data["summary"]["findings"] == len(findings.frame) == len(data["findings"])
    assert data["summary"]["by_severity"] == findings.counts()
    first = next(f for f in data["findings"] if f["rule"] == "CK0402")
    assert first == {"rule": "CK0402", "severity": "Error", "category": "Consistency", "dataset": "AE",
                     "record": 1, "usubjid": "1", "seq": 1, "variables": ["USUBJID", "AESEQ"],
                     "values": "USUBJID=1; AESEQ=1", "message": "Duplicate value for USUBJID, AESEQ",
                     "condition": "USUBJID, AESEQ is unique within the dataset", "detail": "", "explanation": ""}
    assert {r["id"] for r in data["rules"]} == {r.id for r in findings.rules}
    assert report_data(findings) == data


def test_schema_rejects_a_bad_report(findings):
    data = report_data(findings)
    data["findings"][0]["severity"] = "Fatal"
    assert list(validator().iter_errors(data))


def test_junit(findings, tmp_path):
    path = tmp_path / "r.junit.xml"
    write_reports(findings, [path])
    root = ET.parse(path).getroot()
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(findings.checks) == int(root.get("tests"))
    failed = {(c.get("classname"), c.get("name")[:6]) for c in cases if c.find("failure") is not None}
    assert ("cdisckit.AE", "CK0402") in failed and int(root.get("failures")) == len(failed)
    failure = next(c for c in cases if c.get("name").startswith("CK0402")).find("failure")
    assert failure.get("type") == "Error"
    assert "Condition: USUBJID, AESEQ is unique within the dataset" in failure.text
    assert "AE record 2 USUBJID=1 SEQ=1: USUBJID=1; AESEQ=1" in failure.text
    warning = next(c for c in cases if c.get("name").startswith("CK0207") and c.get("classname") == "cdisckit.AE")
    assert warning.find("failure") is None and "AETERM= Rash <b>" in warning.find("system-out").text
    write_reports(findings, [path], fail_on="warning")
    warning = next(c for c in ET.parse(path).getroot().findall("testsuite/testcase")
                   if c.get("name").startswith("CK0207") and c.get("classname") == "cdisckit.AE")
    assert warning.find("failure").get("type") == "Warning"


def test_baseline_marks_new_persisting_and_resolved(tmp_path):
    old = check_tables(_tables())
    write_reports(old, [tmp_path / "old.json"])
    # the duplicate AESEQ is fixed, the leading blank stays, a start after the end is new
    new = check_tables(_tables(aeseq=(1.0, 2.0, 3.0), start=("2021-01-12", "2021-01-12", "2021-01-21")))
    compared = compare(new, read_report(tmp_path / "old.json"), baseline=tmp_path / "old.json")
    status = {(r, d, rec): s for r, d, rec, s in compared.frame[["rule", "dataset", "record", "status"]]
              .astype(object).itertuples(index=False, name=None) if r in ("CK0402", "CK0207", "CK0411")}
    assert status == {("CK0402", "AE", 1): "resolved", ("CK0402", "AE", 2): "resolved",
                      ("CK0207", "AE", 3): "persisting", ("CK0411", "AE", 3): "new"}
    assert compared.exit_code() == 1 and compared.exit_code(new_only=True) == 1
    assert compared.counts()["Error"] == new.counts()["Error"]         # resolved ones do not count
    write_reports(compared, [tmp_path / "compared.json"])
    data = json.loads((tmp_path / "compared.json").read_text())
    assert list(validator().iter_errors(data)) == []
    assert data["summary"]["by_status"]["resolved"] == 2
    assert data["inputs"]["baseline"] == str(tmp_path / "old.json")
    # comparing a run with its own report: everything persists, nothing is new
    same = compare(new, read_report(tmp_path / "compared.json"))
    assert set(same.frame["status"]) == {"persisting"} and same.exit_code(new_only=True) == 0


def test_baseline_must_be_a_report(tmp_path):
    (tmp_path / "x.json").write_text('{"findings": []}')
    with pytest.raises(InputError, match="not a cdisckit check report"):
        read_report(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("not json")
    with pytest.raises(InputError, match="not a JSON report"):
        read_report(tmp_path / "y.json")
    with pytest.raises(InputError, match="no such baseline"):
        read_report(tmp_path / "z.json")
