"""Dataset-JSON v1.1 (JSON, NDJSON, DSJC): exact files for small frames, schema validity,
byte-identical round trips through XPT, agreement with CDISC's example files, and XPT text
encodings."""

import datetime as dt
import filecmp
import json
import zlib

import jsonschema
import numpy as np
import pandas as pd
import pytest

from cdisckit.cli import main
from cdisckit.datasets import read_dataset, with_define, write_dataset
from cdisckit.dataset_json import SCHEMA, read_dataset_json, write_dataset_json
from cdisckit.define_files import write_define
from cdisckit.pipeline import submitted, write_datasets
from cdisckit.xpt import XptVariable, read_xpt, special_missing, write_xpt
from define.dataset_columns import read_define_columns
from scripts.copy_dataset_json_schema import load_reference
from specs.errors import InputError
from conftest import reference

CREATED = dt.datetime(2024, 4, 1, 9, 0, 0)
EXAMPLES = ("dm", "ae", "cm", "ds", "dd")


def _validator():
    return jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def _small():
    """A frame with text, integers, decimals, an ADaM date and datetime, and missing values."""
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-3"], "AGE": [63.0, np.nan, 41.0],
                          "WEIGHT": [70.25, 81.0, np.nan], "TRTSDT": [0.0, 22555.0, np.nan],
                          "TRTSDTM": [86399.0, np.nan, 1.0], "AETERM": ["HEADACHE", "", "Alzheimer’s"]})
    header = {"datasetJSONCreationDateTime": "2024-04-01T09:00:00", "datasetJSONVersion": "1.1.0",
              "itemGroupOID": "IG.ADSL", "name": "ADSL", "label": "Subject-Level", "columns": [
                  {"itemOID": "IT.USUBJID", "name": "USUBJID", "label": "Subject", "dataType": "string",
                   "length": 3, "keySequence": 1},
                  {"itemOID": "IT.AGE", "name": "AGE", "label": "Age", "dataType": "integer"},
                  {"itemOID": "IT.WEIGHT", "name": "WEIGHT", "label": "Weight", "dataType": "double"},
                  {"itemOID": "IT.TRTSDT", "name": "TRTSDT", "label": "Start", "dataType": "date",
                   "targetDataType": "integer", "displayFormat": "DATE9."},
                  {"itemOID": "IT.TRTSDTM", "name": "TRTSDTM", "label": "Start time", "dataType": "datetime",
                   "targetDataType": "integer", "displayFormat": "DATETIME20."},
                  {"itemOID": "IT.AETERM", "name": "AETERM", "label": "Term", "dataType": "string"}]}
    return frame, header


# What the rows must be, computed independently of the writer (1960-01-01 + days / seconds).
SMALL_ROWS = [
    ["S-1", 63, 70.25, "1960-01-01", "1960-01-01T23:59:59", "HEADACHE"],
    ["S-2", None, 81.0, (dt.date(1960, 1, 1) + dt.timedelta(days=22555)).isoformat(), None, ""],
    ["S-3", 41, None, None, "1960-01-01T00:00:01", "Alzheimer’s"],
]


def test_the_three_forms_hold_the_rows_and_read_back(tmp_path):
    frame, header = _small()
    paths = {kind: write_dataset_json(frame, header, tmp_path / f"adsl.{kind}")
             for kind in ("json", "ndjson", "dsjc")}
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert document["rows"] == SMALL_ROWS
    assert document["records"] == 3
    assert list(document)[:2] == ["datasetJSONCreationDateTime", "datasetJSONVersion"]
    assert list(_validator().iter_errors(document)) == []
    lines = paths["ndjson"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines[1:]] == SMALL_ROWS
    assert json.loads(lines[0]) == {k: v for k, v in document.items() if k != "rows"}
    assert zlib.decompress(paths["dsjc"].read_bytes()) == paths["ndjson"].read_bytes()
    for path in paths.values():
        back, read_header = read_dataset_json(path)
        pd.testing.assert_frame_equal(back, frame.astype({"USUBJID": "str", "AETERM": "str"}))
        assert read_header["columns"] == header["columns"]


def test_values_the_data_type_cannot_hold_are_refused_naming_row_and_column(tmp_path):
    frame, header = _small()
    cases = [({"AGE": [63.0, 2.5, 41.0]}, "column AGE: row 2: value 2.5 is not a whole number"),
             ({"AGE": [special_missing("A"), 1.0, 2.0]}, "column AGE: row 1: special missing value .A"),
             ({"TRTSDT": [0.5, 1.0, 2.0]}, "column TRTSDT: row 1: date value 0.5 is not a whole number"),
             ({"USUBJID": ["S-1", 2, "S-3"]}, "column USUBJID: row 2: value 2 is not text")]
    for change, message in cases:
        with pytest.raises(InputError, match=message):
            write_dataset_json(frame.assign(**change), header, tmp_path / "adsl.json")
        assert not (tmp_path / "adsl.json").exists()
    with pytest.raises(InputError, match="datasetJSONVersion: '2.0' does not match"):
        write_dataset_json(frame, {**header, "datasetJSONVersion": "2.0"}, tmp_path / "adsl.json")


def test_bad_files_are_named_with_their_line(tmp_path):
    frame, header = _small()
    path = write_dataset_json(frame, header, tmp_path / "adsl.ndjson")
    lines = path.read_text(encoding="utf-8").splitlines()
    (tmp_path / "short.ndjson").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (tmp_path / "broken.ndjson").write_text("\n".join(lines[:2] + ["[1,"] + lines[3:]), encoding="utf-8")
    (tmp_path / "typed.ndjson").write_text("\n".join(lines[:3] + [lines[3].replace('"S-3"', "3")]),
                                           encoding="utf-8")
    (tmp_path / "cut.dsjc").write_bytes(zlib.compress(path.read_bytes())[:-9])
    expected = {"short.ndjson": "holds 2 rows but its records say 3",
                "broken.ndjson": "line 3: not valid JSON",
                "typed.ndjson": "column USUBJID: row 3: value 3 is not text",
                "cut.dsjc": "not a zlib or gzip compressed file"}
    for name, message in expected.items():
        with pytest.raises(InputError, match=message):
            read_dataset_json(tmp_path / name)


@pytest.fixture(scope="module")
def bundled_files(bundled_sdtm, tmp_path_factory):
    """The bundled study's SDTM datasets written as XPT and the three Dataset-JSON forms."""
    study, frames = bundled_sdtm
    folder = tmp_path_factory.mktemp("sdtm")
    data = submitted(frames)
    write_datasets(study, data, folder, CREATED, ("xpt", "json", "ndjson", "dsjc"))
    return study, data, folder


def test_every_dataset_round_trips_through_each_form_byte_for_byte(bundled_files, tmp_path):
    _, data, folder = bundled_files
    xpts = sorted(folder.glob("*.xpt"))
    assert len(xpts) == len(data)
    for kind in ("json", "ndjson", "dsjc"):
        assert main(["convert", str(folder), str(tmp_path / kind), "--to", kind, "--from", "xpt",
                     "--created", "2024-04-01T09:00:00"]) == 0
        assert main(["convert", str(tmp_path / kind), str(tmp_path / f"{kind}-xpt"), "--to", "xpt"]) == 0
        for xpt in xpts:
            assert filecmp.cmp(xpt, tmp_path / f"{kind}-xpt" / xpt.name, shallow=False), (kind, xpt.name)
    validator = _validator()
    for path in [*folder.glob("*.json"), *(tmp_path / "json").glob("*.json")]:
        assert list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))) == [], path


def test_run_files_carry_the_define_metadata_and_read_as_the_xpt(bundled_files):
    study, data, folder = bundled_files
    document = json.loads((folder / "ae.json").read_text(encoding="utf-8"))
    spec = study.datasets["AE"]
    assert [c["name"] for c in document["columns"]] == spec.variable_names
    assert {c["name"]: c["keySequence"] for c in document["columns"] if "keySequence" in c} == \
        {name: i for i, name in enumerate(spec.keys, 1)}
    assert document["metaDataRef"] == "define.xml" and document["itemGroupOID"] == "IG.AE"
    for kind in ("json", "ndjson", "dsjc"):
        for name in data:
            frame, _ = read_xpt(folder / f"{name.lower()}.xpt")
            other, _ = read_dataset(folder / f"{name.lower()}.{kind}")
            pd.testing.assert_frame_equal(other, frame)


def test_define_leaves_point_at_the_json_files(bundled_files, tmp_path):
    study, data, folder = bundled_files
    for path in folder.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert write_define(study, data, "SDTM", tmp_path, CREATED, file_suffix=".json") == []
    xml = (tmp_path / "define.xml").read_text(encoding="utf-8")
    assert 'xlink:href="ae.json"' in xml and ".xpt" not in xml


@pytest.mark.parametrize("name", EXAMPLES)
def test_cdisc_examples_agree(name, tmp_path):
    folder = reference("dataset-json", "examples", "sdtm")
    frame, meta = read_dataset(folder / f"{name}.xpt")
    theirs = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    created = dt.datetime.fromisoformat(theirs["datasetJSONCreationDateTime"])
    meta = with_define(frame, meta, read_define_columns(folder / "define.xml"),
                       metadata_ref="define.xml", created=created)
    mine = json.loads(write_dataset(frame, meta, tmp_path / f"{name}.json", created=created)
                      .read_text(encoding="utf-8"))
    # Accepted differences (README, Dataset-JSON v1.1): the XPT header keeps 8 characters of the
    # operating system and SAS's short version; the define's Originator is not CDISC's JSON one.
    assert mine.pop("sourceSystem") == {"name": "SAS on X64_10PR", "version": "9.4"}
    assert theirs.pop("sourceSystem") == {"name": "SAS on X64_10PRO", "version": "9.0401M7"}
    assert (mine.pop("originator"), theirs.pop("originator")) == ("CDISC MSG Team", "CDISC SDTM MSG Team")
    assert mine == theirs
    for kind in ("json", "ndjson", "dsjc"):
        other, _ = read_dataset(folder / f"{name}.{kind}")
        pd.testing.assert_frame_equal(other, frame)


def test_packaged_schema_is_cdiscs():
    path = reference("dataset-json", "schema", "dataset.schema.json")
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == load_reference(path)


def test_legacy_text_reads_and_rewrites_with_its_encoding(tmp_path, capsys):
    path = reference("cdiscpilot01", "sdtm", "ts.xpt")
    frame, meta = read_xpt(path, encoding="cp1252")
    assert "Patients with Probable Mild to Moderate Alzheimer’s Disease" in frame["TSVAL"].tolist()
    assert main(["convert", str(path), str(tmp_path / "ts.json")]) == 2
    assert "variable TSVAL: row 9: byte 0x92 is not ascii text" in capsys.readouterr().err
    assert main(["convert", str(path), str(tmp_path / "ts.json"), "--encoding", "cp1252"]) == 0
    assert "Alzheimer’s Disease" in (tmp_path / "ts.json").read_text(encoding="utf-8")
    assert main(["convert", str(tmp_path / "ts.json"), str(tmp_path / "ts.xpt"), "--encoding", "cp1252"]) == 0
    assert (tmp_path / "ts.xpt").read_bytes() == path.read_bytes()


def test_encoding_of_written_values(tmp_path):
    frame = pd.DataFrame({"X": ["café", "’"]})
    with pytest.raises(InputError, match="value 'café' is not ASCII"):
        write_xpt(frame, tmp_path / "x.xpt", name="X", label="")
    with pytest.raises(InputError, match="value '’' is not latin-1 text"):
        write_xpt(frame, tmp_path / "x.xpt", name="X", label="", encoding="latin-1")
    write_xpt(frame, tmp_path / "x.xpt", name="X", label="", encoding="cp1252",
              variables=[XptVariable("X", length=4)])
    assert tmp_path.joinpath("x.xpt").read_bytes().endswith(b"caf\xe9\x92   " + b" " * 72)


def test_dump_and_check_read_dataset_json(bundled_files, capsys):
    _, _, folder = bundled_files
    assert main(["dump", str(folder / "dm.ndjson"), "--json", "--rows", "1"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "ndjson" and document["name"] == "DM"
    assert document["variables"][0]["key_sequence"] == 1
    assert main(["xpt", "dump", str(folder / "dm.dsjc"), "--rows", "0"]) == 0
    assert "Dataset:      DM  Demographics" in capsys.readouterr().out
