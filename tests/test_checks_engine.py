"""The rule engine: catalogue integrity, reading folders, robustness, and the CDISC pilot data."""

import os
import re

import pandas as pd
import pytest

from cdisckit.checks import rule as rule_module
from cdisckit.checks.engine import check_tables, run_checks
from cdisckit.checks.table import from_frame
from cdisckit.standards import Standards
from cdisckit.xpt import write_xpt
from specs.dates import study_day
from specs.errors import InputError
from specs.model import Standard, Study

from conftest import reference

RULES = rule_module.catalogue()


def select(*ids):
    return [r for r in RULES if r.id in ids]


def test_catalogue_and_functions_match():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) >= 80
    assert {r.id for r in RULES if r.kind is None} == rule_module.registered_ids()
    assert all(re.fullmatch(r"CK\d{4}", i) for i in ids)


def test_catalogue_fields():
    for rule in RULES:
        assert rule.severity in rule_module.SEVERITIES
        assert rule.category in rule_module.CATEGORIES
        assert rule.message and rule.condition and rule.description
        assert rule.p21_id is None or re.fullmatch(r"(SD|CT|AD)\d{4}[A-Z]?", rule.p21_id), rule.id
    cited = {r.id: r.p21_id for r in RULES if r.p21_id}
    assert cited["CK0103"] == "SD0002" and cited["CK0201"] == "SD0003" and cited["CK0402"] == "SD0005"
    assert len(set(cited.values())) == len(cited), "a P21 rule is cited by one rule only"


def _dm():
    return pd.DataFrame({"STUDYID": ["S1", "S1"], "DOMAIN": ["DM", "DM"], "USUBJID": ["1", "2"],
                         "RFSTDTC": ["2021-01-10", "2021-01-11"]})


def _ae():
    return pd.DataFrame({"STUDYID": ["S1"] * 3, "DOMAIN": ["AE"] * 3, "USUBJID": ["1", "1", "3"],
                         "AESEQ": [1.0, 1.0, 1.0], "AETERM": ["Headache", "Nausea", "Rash"],
                         "AESTDTC": ["2021-01-12", "2021-13-01", "2021-01-12"], "AESTDY": [3.0, None, 1.0]})


def test_run_checks_reads_a_folder_and_reports_unreadable_files(tmp_path):
    write_xpt(_dm(), tmp_path / "dm.xpt", name="DM", label="Demographics")
    write_xpt(_ae(), tmp_path / "ae.xpt", name="AE", label="Adverse Events")
    (tmp_path / "cm.xpt").write_bytes(b"not an xport file")
    (tmp_path / "notes.txt").write_text("ignored")
    findings = run_checks(tmp_path)
    frame = findings.frame
    bad = frame[frame["rule"].eq("CK0001")]
    assert bad[["dataset", "values"]].values.tolist() == [["CM", "file=cm.xpt"]]
    assert "not a SAS XPORT file" in bad["detail"].iloc[0]
    got = {(r, d, rec, v) for r, d, rec, v in frame[["rule", "dataset", "record", "variables"]]
           .itertuples(index=False, name=None) if r in ("CK0402", "CK0201", "CK0501", "CK0514")}
    assert got == {("CK0402", "AE", 1, "USUBJID, AESEQ"), ("CK0402", "AE", 2, "USUBJID, AESEQ"),
                   ("CK0201", "AE", 2, "AESTDTC"), ("CK0501", "AE", 3, "USUBJID")}
    assert findings.datasets[["dataset", "readable"]].values.tolist() == [["AE", True], ["CM", False], ["DM", True]]
    assert findings.inputs == {"data": [str(tmp_path)], "study": None, "define": [], "standard": "SDTMIG 3.4",
                               "ct": "sdtmct-2025-03-28"}


def test_unreadable_arguments_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        run_checks(tmp_path / "missing")
    with pytest.raises(InputError, match="no dataset files to check"):
        run_checks(tmp_path)
    write_xpt(_dm(), tmp_path / "dm.xpt", name="DM", label="Demographics")
    with pytest.raises(InputError, match="no such define.xml"):
        run_checks(tmp_path, define=tmp_path / "define.xml")


def test_rules_never_change_data():
    frames = {"DM": _dm(), "AE": _ae()}
    copies = {k: v.copy(deep=True) for k, v in frames.items()}
    check_tables([from_frame(k, v) for k, v in frames.items()])
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[name])


def test_a_rule_that_raises_becomes_a_finding_and_the_run_goes_on():
    """AESEQ held as text cannot be tested as whole numbers; the rest still runs."""
    ae = _ae().assign(AESEQ=["1", "x", "1"])
    table = from_frame("AE", ae)
    table.columns["AESEQ"] = table.columns["AESEQ"].__class__("AESEQ", "num", 8)   # metadata says numeric
    findings = check_tables([table, from_frame("DM", _dm())])
    errors = findings.frame[findings.frame["rule"].eq("CK0002")]
    assert set(errors["values"]) == {"rule=CK0208"}
    assert errors["dataset"].tolist() == ["AE"]
    assert "CK0501" in set(findings.frame["rule"])


def _same(one, other):
    for part in ("frame", "checks", "not_run", "datasets"):
        pd.testing.assert_frame_equal(getattr(one, part), getattr(other, part))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no second process here")
def test_a_second_process_for_half_the_data_finds_the_same_rule_errors_included():
    ae = _ae().assign(AESEQ=["1", "x", "1"])
    table = from_frame("AE", ae)
    table.columns["AESEQ"] = table.columns["AESEQ"].__class__("AESEQ", "num", 8)
    lb = from_frame("LB", pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["LB"], "USUBJID": ["9"], "LBSEQ": [1.0],
                                        "LBTESTCD": ["ALT"], "LBDTC": ["2021-02-30"]}))
    tables = [table, from_frame("DM", _dm()), lb]
    one, two = (check_tables(tables, parallel=parallel) for parallel in (False, True))
    _same(one, two)
    assert set(two.frame.loc[two.frame["rule"].eq("CK0002"), "values"]) == {"rule=CK0208"}
    assert {"AE", "LB"} <= set(two.frame["dataset"])


def test_rules_follow_the_declared_standard_version():
    lb = from_frame("LB", pd.DataFrame({"USUBJID": ["1", "1"], "LBTESTCD": ["ALT", "ALT"], "LBBLFL": ["Y", "Y"]}))
    rules = select("CK0433")
    sdtmig33 = Study(studyid="S", title="t", protocol="p",
                     standards=[Standard(id="IG", name="SDTMIG", version="3.3")])
    assert len(check_tables([lb], study=sdtmig33, rules=rules).frame) == 2
    sdtmig34 = Study(studyid="S", title="t", protocol="p",
                     standards=[Standard(id="IG", name="SDTMIG", version="3.4")])
    assert check_tables([lb], study=sdtmig34, rules=rules).checks.empty
    # without metadata the run checks against its default guide, SDTMIG 3.4
    assert check_tables([lb], rules=rules).checks.empty
    assert len(check_tables([lb], rules=rules, standards=Standards("SDTMIG", "3.3")).frame) == 2


def test_domain_prefix_and_scope():
    """"--" becomes the domain prefix; a rule needing a prefix skips datasets without one."""
    ae = from_frame("AE", pd.DataFrame({"AESTDTC": ["2021-02"], "AEENDTC": ["2021-01"]}))
    supp = from_frame("SUPPAE", pd.DataFrame({"QNAM": ["X"]}))
    findings = check_tables([ae, supp], rules=select("CK0411"))
    assert findings.checks.values.tolist() == [["CK0411", "AE", 1]]
    assert findings.frame["message"].tolist() == ["AESTDTC is after AEENDTC"]


def test_findings_are_sorted_and_typed():
    findings = check_tables([from_frame("AE", _ae()), from_frame("DM", _dm())])
    frame = findings.frame
    assert frame["record"].dtype == "Int64" and frame["seq"].dtype == "Float64"
    keys = list(zip(frame["dataset"], frame["rule"]))
    assert keys == sorted(keys)


# ------------------------------------------------------------------ the CDISC pilot study


@pytest.fixture(scope="module")
def pilot():
    root = reference("cdiscpilot01")
    return run_checks([root / "sdtm", root / "adam"])


def test_pilot_runs_on_every_dataset(pilot):
    assert len(pilot.datasets) == 22 and pilot.datasets["readable"].all()
    assert not pilot.frame["rule"].isin(["CK0001", "CK0002"]).any()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no second process here")
def test_pilot_checked_in_two_processes_gives_the_same_findings(pilot):
    root = reference("cdiscpilot01")
    _same(pilot, run_checks([root / "sdtm", root / "adam"], parallel=True))


def _rows(findings, rule):
    frame = findings.frame[findings.frame["rule"].eq(rule)]
    return [tuple(None if pd.isna(v) else v for v in row)
            for row in frame[["dataset", "record", "usubjid", "values"]].itertuples(index=False, name=None)]


def test_pilot_known_findings(pilot):
    """Checked by hand with pyreadstat: these are genuine problems of the 2012 pilot files."""
    # AE record 971: AESTDTC = DM.RFSTDTC = 2013-05-09, so AESTDY is 1, not 366
    assert _rows(pilot, "CK0514") == [("AE", 971, "01-716-1063", "AESTDY=366; AESTDTC=2013-05-09")]
    assert pilot.frame.loc[pilot.frame["rule"].eq("CK0514"), "detail"].tolist() == \
        ["expected 1 from AESTDTC and DM.RFSTDTC=2013-05-09"]
    # SV has two UNSCHEDULED 9.2 visits for one subject
    assert _rows(pilot, "CK0408") == [("SV", 2555, "01-711-1143", "USUBJID=01-711-1143; VISITNUM=9.2"),
                                      ("SV", 2556, "01-711-1143", "USUBJID=01-711-1143; VISITNUM=9.2")]
    # TS text has Windows-1252 apostrophes (byte 0x92) in three records
    assert [r[1] for r in _rows(pilot, "CK0709")] == [9, 14, 29]
    # no dataset carries a label; 36 AEs meet a seriousness criterion but have AESER = N
    assert len(_rows(pilot, "CK0705")) == 22
    assert len(_rows(pilot, "CK0442")) == 36
    # the study start date is not in TS (the data predate that FDA requirement)
    assert _rows(pilot, "CK0108") == [("TS", None, None, "TSPARMCD=SSTDTC")]


def test_pilot_adam_is_consistent_with_adsl(pilot):
    assert not pilot.frame["rule"].isin(["CK0502", "CK0601", "CK0602", "CK0613", "CK0606"]).any()
    evaluated = set(map(tuple, pilot.checks[["rule", "dataset"]].values.tolist()))
    assert {("CK0602", "ADAE"), ("CK0602", "ADTTE"), ("CK0606", "ADTTE"), ("CK0609", "ADTTE")} <= evaluated


def test_bad_catalogue_is_refused(tmp_path):
    file = tmp_path / "rules.yaml"
    file.write_text("- {id: CK9999, severity: Fatal, category: Format, message: m, condition: c, "
                    "description: d, standard: XPT}\n")
    with pytest.raises(ValueError, match="severity 'Fatal'"):
        rule_module.catalogue(file)


def test_iso8601_grammar_and_comparison():
    from cdisckit.checks import dates
    good = ["2003", "2003-12", "2003-12-15T10:30:15.5", "2003---15", "--12-15", "-----T07:15", "2003-12-15T-:15",
            "2003-12-15T10:30+01:00", "2003-12-15/2003-12-20", "2003-12-15T10:00/PT2H"]
    bad = ["2003-13-01", "20031215", "2003-12-15 10:00", "P2Y", "2003-12-", "-----"]
    assert pd.Series(good).str.fullmatch(dates.DTC).all()
    assert not pd.Series(bad).str.fullmatch(dates.DTC).any()
    assert pd.Series(["P2Y", "PT15M", "P3W", "-PT15M", "P1.5D"]).str.fullmatch(dates.DURATION).all()
    assert not pd.Series(["P", "PT", "2Y", "P2W3D"]).str.fullmatch(dates.DURATION).any()
    first = pd.Series(["2021-03", "2021-03-05", "2021-03-05T10:00", None, "2021-03-05", "2021-03-05"], dtype="str")
    second = pd.Series(["2021-03-04", "2021-03-04", "2021-03-05T09:59", "2021", "2021---01", "2021-03-05"],
                       dtype="str")
    assert dates.after(first, second).tolist() == [False, True, True, False, False, False]
    days = study_day(pd.Series(["2021-01-10", "2021-01-09", "2021-02-30"]), pd.Series(["2021-01-10"] * 3))
    assert days.tolist()[:2] == [1, -1] and pd.isna(days.iloc[2])
