"""Mapping coverage on the tiny study: raw columns, dropped lines, spellings,
the Notice findings, and the reports."""

import openpyxl
import pandas as pd
import pytest

from cdisckit.checks import check_tables
from cdisckit.checks.rule import catalogue
from cdisckit.coverage import mapping_coverage, write_mapping_reports
from sdtm.engine import map_and_trace
from test_sdtm_engine import STUDY
from test_sdtm_lineage import _raw, _write


@pytest.fixture
def seeded(tmp_path):
    """The tiny study with AESEV's codelist extensible, a grade no term spells
    and a raw column no mapping reads."""
    files = dict(STUDY)
    files["codelists.yaml"] = files["codelists.yaml"].replace(
        "          name: Severity\n", "          name: Severity\n          extensible: true\n")
    study = _write(tmp_path, files)
    raw = _raw()
    raw["ae"] = raw["ae"].assign(GRADE=["Grade 1", "grade 3", "Grade 5"], NOTE=["", "see notes", ""])
    raw["ae"].attrs["source"] = "raw/ae.csv"
    mapped = map_and_trace(study, raw)
    return study, raw, mapped, mapping_coverage(study, raw, mapped)


def test_raw_columns_with_their_status_and_share(seeded):
    _, _, _, cov = seeded
    table = cov.columns.set_index(["form", "column"])
    assert table.loc[("ae", "NOTE"), ["status", "feeds", "non_empty", "reached"]].tolist() == \
        ["not submitted", "", 1, 0]
    assert table.loc[("ae", "GRADE"), ["status", "feeds", "non_empty", "reached", "share"]].tolist() == \
        ["submitted", "AE.AESEV", 3, 3, 1.0]
    # dose line 4 (DOSED No) is filtered out, so its empty date is not counted and SITE reached 2 of 3.
    assert table.loc[("dose", "DOSED"), ["status", "feeds"]].tolist() == ["selects records", "EX (where)"]
    assert table.loc[("dose", "SITE"), ["non_empty", "reached"]].tolist() == [3, 2]
    assert table.loc[("qlq", "ITEM2"), ["feeds", "non_empty", "reached"]].tolist() == \
        ["QS.QSORRES when QSTESTCD = Q2; QS.QSSTRESN when QSTESTCD = Q2", 1, 1]
    # Every column of every raw form is listed once.
    assert len(cov.columns) == sum(len(f.columns) for f in _raw().values()) + 1


def test_dropped_lines_name_the_rule(seeded):
    _, _, _, cov = seeded
    assert cov.dropped.values.tolist() == [["dose", "dose.csv", 4, "EX: EX.yaml: mapping.sources[0].where (DOSED = Yes)"]]


def test_spellings_and_the_values_they_became(seeded):
    _, _, _, cov = seeded
    sev = cov.spellings[cov.spellings["variable"] == "AESEV"]
    assert sev[["collected", "records", "submitted", "in_codelist"]].values.tolist() == [
        ["Grade 1", 1, "MILD", "yes"], ["Grade 5", 1, "Grade 5", "no"], ["grade 3", 1, "SEVERE", "yes"]]
    assert cov.unmapped()[["dataset", "variable", "collected"]].values.tolist() == [["AE", "AESEV", "Grade 5"]]


def test_unused_column_and_unmapped_spelling_are_notice_findings(seeded):
    study, _, _, cov = seeded
    rules = [r for r in catalogue() if r.id in ("CK0003", "CK0004")]
    findings = check_tables([], study=study, rules=rules, coverage=cov).frame
    assert findings[["rule", "severity", "dataset", "variables", "values"]].values.tolist() == [
        ["CK0003", "Notice", "", "", "form=ae; column=NOTE"],
        ["CK0004", "Notice", "AE", "AESEV", "AESEV=Grade 5"]]
    assert "ae.GRADE collected 'Grade 5' on 1 record(s): not a term of codelist AESEV" in findings["detail"].iloc[1]


def test_declared_columns_are_not_findings(tmp_path, seeded):
    study, raw, mapped, _ = seeded
    study.not_submitted.append({"form": "ae", "columns": ["NOTE"], "reason": "free text kept in the EDC"})
    cov = mapping_coverage(study, raw, mapped)
    assert cov.columns.set_index("column").loc["NOTE", "reason"] == "free text kept in the EDC"
    assert cov.unused().empty


def test_reports(tmp_path, seeded):
    _, _, _, cov = seeded
    xlsx, html = write_mapping_reports(cov, tmp_path, title="Mapping coverage: TINY")
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["Raw columns", "Dropped raw rows", "Spellings", "Collected fields"]
    rows = list(book["Raw columns"].values)
    assert rows[0][:4] == ("Form", "File", "Column", "Status") and len(rows) == len(cov.columns) + 1
    text = html.read_text()
    assert "1 not submitted" in text and "Grade 5" in text
    spellings = pd.read_excel(xlsx, sheet_name="Spellings")
    assert spellings[["Variable", "Collected", "Submitted"]].values.tolist() == [
        ["AESEV", "Grade 1", "MILD"], ["AESEV", "Grade 5", "Grade 5"], ["AESEV", "grade 3", "SEVERE"],
        ["SEX", "Female", "F"], ["SEX", "male ", "M"]]
