"""``cdisckit xpt dump``: text and JSON output, and one-line errors with exit code 2."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from cdisckit.cli import main
from cdisckit.xpt import XptVariable, special_missing, write_xpt


@pytest.fixture
def small_file(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["S-001", "S-002", "S-003"], "AGE": [63.0, np.nan, special_missing("U")],
                          "RFSTDT": [19725.0, 19210.5, 0.0]})
    variables = [XptVariable("USUBJID", "Unique Subject Identifier", "char"),
                 XptVariable("AGE", "Age", "num", format="3."),
                 XptVariable("RFSTDT", "Reference Start Date", "num", format="DATE9.")]
    return write_xpt(frame, tmp_path / "dm.xpt", name="DM", label="Demographics", variables=variables,
                     created=dt.datetime(2024, 1, 2, 3, 4, 5))


def test_dump_prints_dataset_variables_and_first_rows(small_file, capsys):
    assert main(["xpt", "dump", str(small_file)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"File:         {small_file}",
        "Dataset:      DM  Demographics",
        "Created:      2024-01-02 03:04:05 (SAS 9.4, cdisckit)",
        "Observations: 3",
        "Variables:    3",
        "",
        "#  Name     Type  Length  Format  Label",
        "1  USUBJID  char       5          Unique Subject Identifier",
        "2  AGE      num        8  3.      Age",
        "3  RFSTDT   num        8  DATE9.  Reference Start Date",
        "",
        "First 3 of 3 rows:",
        "  USUBJID AGE   RFSTDT",
        "1   S-001  63    19725",
        "2   S-002   .  19210.5",
        "3   S-003  .U        0",
    ]


def test_dump_json_gives_the_same(small_file, capsys):
    assert main(["xpt", "dump", str(small_file), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "file": str(small_file), "format": "xpt", "name": "DM", "label": "Demographics", "created": "2024-01-02T03:04:05",
        "sas_version": "9.4", "os_name": "cdisckit", "observations": 3,
        "variables": [
            {"name": "USUBJID", "type": "char", "length": 5, "label": "Unique Subject Identifier",
             "format": None, "informat": None, "data_type": "string", "key_sequence": None},
            {"name": "AGE", "type": "num", "length": 8, "label": "Age", "format": "3.", "informat": None,
             "data_type": "integer", "key_sequence": None},
            {"name": "RFSTDT", "type": "num", "length": 8, "label": "Reference Start Date", "format": "DATE9.",
             "informat": None, "data_type": "double", "key_sequence": None}],
        "rows": [{"USUBJID": "S-001", "AGE": 63.0, "RFSTDT": 19725.0},
                 {"USUBJID": "S-002", "AGE": None, "RFSTDT": 19210.5},
                 {"USUBJID": "S-003", "AGE": ".U", "RFSTDT": 0.0}],
    }
    assert main(["xpt", "dump", str(small_file), "--json", "--rows", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 1


def _bad_files(tmp_path, small_file):
    data = small_file.read_bytes()
    (tmp_path / "truncated.xpt").write_bytes(data[:700])
    (tmp_path / "cut.xpt").write_bytes(data[:-7])
    (tmp_path / "notes.xpt").write_text("USUBJID,AGE\nS-001,63\n")
    (tmp_path / "empty.xpt").write_bytes(b"")
    return {
        "missing.xpt": "no such file",
        "truncated.xpt": "truncated XPT file: it ends before the observations",
        "cut.xpt": f"truncated XPT file: {len(data) - 7} bytes is not a whole number of 80-byte records",
        "notes.xpt": "not a SAS XPORT file (no library header record)",
        "empty.xpt": "not a SAS XPORT file (no library header record)",
    }


def test_bad_files_give_one_line_and_exit_code_2(tmp_path, small_file, capsys):
    for name, problem in _bad_files(tmp_path, small_file).items():
        path = tmp_path / name
        for extra in ([], ["--json"]):
            assert main(["xpt", "dump", str(path), *extra]) == 2
            captured = capsys.readouterr()
            assert captured.out == ""
            assert captured.err == f"cdisckit xpt: error: {path}: {problem}\n"


def test_bad_arguments_are_usage_errors(small_file, capsys):
    for argv in (["xpt"], ["xpt", "dump"], ["xpt", "dump", str(small_file), "--rows", "-1"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
    assert "is not a whole number >= 0" in capsys.readouterr().err
