"""``cdisckit compare`` on hand-built XPT files: exact differences, tolerance,
IDs, folders, reports and exit codes."""

import datetime as dt
import json

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from cdisckit.cli import main
from cdisckit.compare import compare_paths
from cdisckit.pipeline import write_datasets
from cdisckit.xpt import XptVariable, write_xpt
from sdtm.engine import map_study
from tests.edc import simulated

VARIABLES = [XptVariable("USUBJID", "Unique Subject Identifier", "char", 8),
             XptVariable("AESEQ", "Sequence Number", "num", 8),
             XptVariable("AETERM", "Reported Term", "char", 20),
             XptVariable("AESTDY", "Study Day", "num", 8)]


def _ae(path, rows, label="Adverse Events", variables=VARIABLES):
    frame = pd.DataFrame(rows, columns=[v.name for v in variables])
    write_xpt(frame, path, name="AE", label=label, variables=variables)
    return path


BASE = [["S1", 1.0, "HEADACHE", 3.0], ["S1", 2.0, "RASH", 10.0], ["S2", 1.0, "COUGH", np.nan],
        ["S3", 1.0, "FEVER", 1.0]]


@pytest.fixture
def pair(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "comp").mkdir()
    base = _ae(tmp_path / "base" / "ae.xpt", BASE)
    comp_rows = [["S1", 1.0, "HEADACHE", 3.0000001], ["S1", 2.0, "Rash", 10.0], ["S2", 1.0, "COUGH", 4.0],
                 ["S4", 1.0, "FATIGUE", 2.0]]
    variables = [*VARIABLES[:2], XptVariable("AETERM", "Reported Term for the AE", "char", 20), VARIABLES[3]]
    comp = _ae(tmp_path / "comp" / "ae.xpt", comp_rows, label="AE", variables=variables)
    return base, comp


def test_differences_of_two_files(pair):
    base, comp = pair
    result = compare_paths(base, comp, ids=["USUBJID", "AESEQ"], tolerance=1e-3)
    (ae,) = result.datasets
    assert not result.equal and not ae.equal
    assert ae.metadata.values.tolist() == [["", "dataset label", "Adverse Events", "AE"],
                                           ["AETERM", "label", "Reported Term", "Reported Term for the AE"]]
    assert ae.only_base.values.tolist() == [["S3", "1"]]
    assert ae.only_comp.values.tolist() == [["S4", "1"]]
    diffs = {v.variable: (v.differences, v.within_tolerance, v.examples.values.tolist()) for v in ae.values}
    # 3 vs 3.0000001 is within the tolerance; a missing day against 4 is a difference.
    assert diffs == {"AETERM": (1, 0, [["S1", "2", "RASH", "Rash"]]),
                     "AESTDY": (1, 1, [["S2", "1", "", "4"]])}


def test_exact_comparison_counts_the_small_gap(pair):
    base, comp = pair
    (ae,) = compare_paths(base, comp, ids=["USUBJID", "AESEQ"]).datasets
    assert {v.variable: v.differences for v in ae.values} == {"AETERM": 1, "AESTDY": 2}


def test_without_ids_records_pair_by_row(pair):
    base, comp = pair
    (ae,) = compare_paths(base, comp).datasets
    assert ae.keys == [] and ae.only_base.empty and ae.only_comp.empty
    assert {v.variable: v.differences for v in ae.values} == {"USUBJID": 1, "AETERM": 2, "AESTDY": 3}


def test_cli_folders_reports_and_exit_codes(pair, tmp_path, capsys):
    base, comp = pair
    reports = [tmp_path / "diff.json", tmp_path / "diff.xlsx", tmp_path / "diff.html"]
    args = ["compare", str(base.parent), str(comp.parent), "--id", "usubjid,aeseq"]
    assert main([*args, *(x for r in reports for x in ("--report", str(r)))]) == 1
    out = capsys.readouterr().out
    assert "AE: 2 metadata difference(s), 1 record(s) only in BASE, 1 only in COMP, 3 value(s) differ in 2 " \
           "variable(s)" in out and out.rstrip().endswith("DIFFERENT")
    data = json.loads(reports[0].read_text())
    assert data["equal"] is False and data["datasets"][0]["only_in_base"] == ["USUBJID=S3; AESEQ=1"]
    assert [v["variable"] for v in data["datasets"][0]["values"]] == ["AETERM", "AESTDY"]
    book = openpyxl.load_workbook(reports[1], read_only=True)
    assert book.sheetnames == ["Summary", "Metadata", "Records", "Values"]
    assert "Dataset comparison" in reports[2].read_text()
    # A folder against itself is equal; a dataset on one side only is a difference.
    assert main(["compare", str(base.parent), str(base.parent)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("EQUAL")
    _ae(base.parent / "dm.xpt", BASE)
    assert main(["compare", str(base.parent), str(comp.parent), "--id", "USUBJID,AESEQ"]) == 1
    assert "DM: only in BASE" in capsys.readouterr().out


def test_bad_input_exits_2(pair, tmp_path, capsys):
    base, comp = pair
    assert main(["compare", str(base), str(tmp_path / "nothing.xpt")]) == 2
    assert main(["compare", str(base), str(comp), "--id", "NOPE"]) == 2
    assert "ID variable(s) NOPE not in both datasets" in capsys.readouterr().err
    assert main(["compare", str(base), str(comp), "--report", str(tmp_path / "r.pdf")]) == 2


def test_repeated_ids_pair_in_order(tmp_path):
    base = _ae(tmp_path / "a.xpt", [["S1", 1.0, "A", 1.0], ["S1", 1.0, "B", 2.0]])
    comp = _ae(tmp_path / "b.xpt", [["S1", 1.0, "A", 1.0], ["S1", 1.0, "C", 2.0]])
    (ae,) = compare_paths(base, comp, ids=["USUBJID", "AESEQ"]).datasets
    assert ae.duplicate_keys == 2
    assert [(v.variable, v.examples.values.tolist()) for v in ae.values] == [("AETERM", [["S1", "1", "B", "C"]])]


# The bundled study mapped from exports simulated with different seeds: the
# session's 60 subjects of seed 1 against 8 subjects of seed 2 (AE and DM).

@pytest.fixture(scope="module")
def seeded_sdtm(bundled_sdtm, tmp_path_factory):
    study, frames = bundled_sdtm
    root = tmp_path_factory.mktemp("seeds")
    other = map_study(study, simulated(root / "raw", 8, 2), ["AE", "DM"])
    created = dt.datetime(2024, 4, 1, 9)
    outs = [write_datasets(study, {n: f[n] for n in ("AE", "DM")}, root / name, created)
            for name, f in (("seed1", frames), ("seed2", other))]
    return study, outs


def test_runs_with_different_seeds_differ_record_by_record(seeded_sdtm, capsys):
    study, (first, second) = seeded_sdtm
    assert main(["compare", str(first), str(second), "--study", "camrelizumab-npc"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("DIFFERENT")
    result = compare_paths(first, second, study=study)
    for name in ("AE", "DM"):
        (diff,) = [d for d in result.datasets if d.dataset == name]
        keys = study.datasets[name].keys
        assert diff.keys == keys
        # The records on one side only are the key tuples the other side lacks, read independently.
        sides = [pyreadstat.read_xport(str(folder / f"{name.lower()}.xpt"))[0] for folder in (first, second)]
        tuples = [set(map(tuple, frame[keys].fillna("").astype(str).values.tolist())) for frame in sides]
        assert set(map(tuple, diff.only_base.values.tolist())) == tuples[0] - tuples[1], name
        assert set(map(tuple, diff.only_comp.values.tolist())) == tuples[1] - tuples[0], name
        assert len(diff.only_base), name


def test_a_run_against_itself_is_equal(seeded_sdtm, capsys):
    _, (first, _) = seeded_sdtm
    assert main(["compare", str(first), str(first)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("EQUAL") and "AE: equal" in out
