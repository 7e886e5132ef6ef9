"""The sdtm and run commands end to end: outputs, exit codes, nothing half-written."""

import shutil

import pandas as pd
import pyreadstat

from cdisckit.cli import main
from specs import load_study


def test_sdtm_command_writes_every_dataset_with_spec_metadata(bundled_raw, tmp_path, capsys):
    out = tmp_path / "sdtm"
    assert main(["sdtm", "--study", "camrelizumab-npc", "--raw", str(bundled_raw[0]), "--out", str(out),
                 "--created", "2024-04-01T09:00:00"]) == 0
    study = load_study("camrelizumab-npc")
    expected = {d.file_name for d in study.model_datasets("SDTM")}
    assert {p.name for p in out.iterdir()} == expected | {"reports"}
    assert {p.name for p in (out / "reports").iterdir()} == {"lineage.csv.gz", "mapping.xlsx", "mapping.html"}
    ae = study.datasets["AE"]
    frame, meta = pyreadstat.read_xport(str(out / "ae.xpt"))
    assert list(frame.columns) == ae.variable_names
    assert meta.column_names_to_labels == {v.name: v.label for v in ae.variables}
    assert meta.file_label == ae.label
    # Character lengths are the longest value (FDA technical conformance guide).
    assert meta.variable_storage_width["USUBJID"] == frame["USUBJID"].str.len().max()


def test_missing_raw_column_stops_with_exit_2_and_writes_nothing(bundled_raw, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(bundled_raw[0], raw)
    ae = pd.read_csv(raw / "ae.csv", dtype=str, keep_default_na=False)
    ae.drop(columns="AETOXGR").to_csv(raw / "ae.csv", index=False)
    out = tmp_path / "out"
    assert main(["sdtm", "--study", "camrelizumab-npc", "--raw", str(raw), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "ae.csv: column 'AETOXGR' not found (needed by" in message and "AE.yaml: variables[" in message
    assert len(message.strip().splitlines()) == 1
    assert not out.exists()


def test_unmappable_value_names_file_row_and_column(bundled_raw, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(bundled_raw[0], raw)
    enrol = pd.read_csv(raw / "enrolment.csv", dtype=str, keep_default_na=False)
    enrol.loc[2, "SEX"] = "Unknown sex"
    enrol.to_csv(raw / "enrolment.csv", index=False)
    assert main(["sdtm", "--study", "camrelizumab-npc", "--raw", str(raw), "--out", str(tmp_path / "o")]) == 2
    message = capsys.readouterr().err
    assert (f"{raw / 'enrolment.csv'}: row 4, column SEX: value 'Unknown sex' is not in the non-extensible "
            "codelist SEX") in message


def test_run_rejects_raw_with_simulation_options(tmp_path, capsys):
    assert main(["run", "--raw", str(tmp_path), "--subjects", "5", "--out", str(tmp_path / "x")]) == 2
    assert "cannot be used with --raw" in capsys.readouterr().err


def test_unknown_study(tmp_path, capsys):
    assert main(["sdtm", "--study", "no-such-study", "--raw", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no such spec folder, nor a bundled study" in capsys.readouterr().err
