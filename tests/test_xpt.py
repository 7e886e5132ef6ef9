"""XPT v5 reading and writing: exact bytes, IBM doubles, refusals, other readers, SAS files."""

import datetime as dt
import math
import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import cdisckit.xpt as xpt
from conftest import REFERENCE
from cdisckit.xpt import (XptMetadata, XptVariable, ibm_to_ieee, ieee_to_ibm, missing_codes, read_xpt,
                          special_missing, variables_from_spec, write_xpt)
from specs.errors import InputError
from specs.model import Dataset, Variable

CREATED = dt.datetime(2024, 1, 2, 3, 4, 5)


def ibm_reference(x):
    """IBM 370 double of ``x`` by exact integer arithmetic (independent of the module)."""
    if x == 0:
        return 0
    num, den = abs(x).as_integer_ratio()
    for exponent in range(128):                   # |x| = fraction / 2**56 * 16**(exponent - 64)
        top = num * 2 ** 56 * 16 ** max(0, 64 - exponent)
        bottom = den * 16 ** max(0, exponent - 64)
        if top % bottom == 0 and 2 ** 52 <= top // bottom < 2 ** 56:
            return ((0x80 if x < 0 else 0) | exponent) << 56 | top // bottom
    raise ValueError(x)


# --- exact bytes -----------------------------------------------------------------------------------

def test_small_frame_is_written_byte_for_byte(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-22", None], "AGE": [1.0, np.nan, -100.0]})
    variables = [XptVariable("USUBJID", "Unique Subject Identifier", "char"),
                 XptVariable("AGE", "Age", "num", format="8.")]
    path = write_xpt(frame, tmp_path / "dm.xpt", name="DM", label="Demographics", variables=variables,
                     created=CREATED)
    stamp = b"02JAN24:03:04:05"
    blank = b" "
    expected = b"".join([
        b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ",
        b"SAS     SAS     SASLIB  9.4     cdisckit" + blank * 24 + stamp,
        stamp + blank * 64,
        b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  ",
        b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  ",
        b"SAS     DM      SASDATA 9.4     cdisckit" + blank * 24 + stamp,
        stamp + blank * 16 + b"Demographics".ljust(40) + blank * 8,
        b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000000200000000000000000000  ",
        # type 2 (char), hash 0, length 4, varnum 1, name, label, format, fl/fd/fj, fill, informat, ifl/ifd, pos
        b"\x00\x02\x00\x00\x00\x04\x00\x01USUBJID " + b"Unique Subject Identifier".ljust(40) + blank * 8
        + b"\x00" * 8 + blank * 8 + b"\x00" * 4 + b"\x00\x00\x00\x00" + b"\x00" * 52,
        b"\x00\x01\x00\x00\x00\x08\x00\x02AGE     " + b"Age".ljust(40) + blank * 8
        + b"\x00\x08\x00\x00\x00\x00" + b"\x00\x00" + blank * 8 + b"\x00" * 4 + b"\x00\x00\x00\x04" + b"\x00" * 52,
        blank * 40,
        b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ",
        b"S-1 " + bytes.fromhex("4110000000000000"),
        b"S-22" + b"." + b"\x00" * 7,
        b"    " + bytes.fromhex("C264000000000000"),
        blank * 44,
    ])
    assert path.read_bytes() == expected

    back, meta = read_xpt(path)
    assert back["USUBJID"].tolist() == ["S-1", "S-22", ""]
    assert back["AGE"].tolist()[::2] == [1.0, -100.0] and math.isnan(back["AGE"][1])
    assert meta == XptMetadata(name="DM", label="Demographics", created=CREATED, sas_version="9.4",
                               os_name="cdisckit", variables=[
                                   XptVariable("USUBJID", "Unique Subject Identifier", "char", 4),
                                   XptVariable("AGE", "Age", "num", 8, format="8.")])
    again = write_xpt(back, tmp_path / "again.xpt", name=meta.name, label=meta.label,
                      variables=meta.variables, created=meta.created)
    assert again.read_bytes() == expected


def test_character_values_pad_strip_and_infer_lengths(tmp_path):
    frame = pd.DataFrame({"A": ["  lead", "trail  ", "", None], "B": [None] * 4, "C": [1, 2, 3, 4]})
    write_xpt(frame, tmp_path / "x.xpt", name="X", label="")
    back, meta = read_xpt(tmp_path / "x.xpt")
    assert [(v.name, v.type, v.length) for v in meta.variables] == [("A", "char", 7), ("B", "char", 1),
                                                                    ("C", "num", 8)]
    assert back["A"].tolist() == ["  lead", "trail", "", ""]
    assert back["B"].tolist() == [""] * 4
    assert back["C"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_records_shorter_than_80_bytes_and_empty_datasets(tmp_path):
    frame = pd.DataFrame({"V": ["A", "B", "C"]})
    write_xpt(frame, tmp_path / "x.xpt", name="X", label="", created=CREATED)
    data = (tmp_path / "x.xpt").read_bytes()
    assert data[-80:] == b"ABC" + b" " * 77
    assert read_xpt(tmp_path / "x.xpt")[0]["V"].tolist() == ["A", "B", "C"]

    write_xpt(frame.iloc[:0], tmp_path / "e.xpt", name="E", label="", created=CREATED)
    assert (tmp_path / "e.xpt").read_bytes()[-80:].startswith(b"HEADER RECORD*******OBS")
    empty, meta = read_xpt(tmp_path / "e.xpt")
    assert len(empty) == 0 and list(empty.columns) == ["V"] and meta.variables[0].length == 1


# --- IBM doubles -----------------------------------------------------------------------------------

EDGES = [0.0, 1.0, -1.0, 0.5, 0.1, -0.1, 100.0, -100.0, 1 / 3, 2.0 ** -260, -(2.0 ** -260),
         (2 ** 53 - 1) * 2.0 ** 199, -(2 ** 53 - 1) * 2.0 ** 199, 1e-78, 7.2e75, 1e-300 * 1e222, 2.0 ** 52 + 1,
         22222.0, 1e15 + 0.5, math.pi, -math.e, 19725.0]


def test_ibm_conversion_of_edge_values_is_exact():
    values = np.array(EDGES)
    words = ieee_to_ibm(values)
    assert [int(w) for w in words] == [ibm_reference(x) for x in EDGES]
    assert [hex(int(w)) for w in words[:7]] == [
        "0x0", "0x4110000000000000", "0xc110000000000000", "0x4080000000000000", "0x401999999999999a",
        "0xc01999999999999a", "0x4264000000000000"]
    assert ibm_to_ieee(words).tobytes() == values.tobytes()


def test_ibm_round_trip_of_random_doubles_is_bitwise():
    rng = np.random.default_rng(7)
    values = rng.standard_normal(200_000) * 10.0 ** rng.integers(-70, 70, 200_000)
    back = ibm_to_ieee(ieee_to_ibm(values))
    assert back.tobytes() == values.tobytes()
    sample = values[:300]
    assert [int(w) for w in ieee_to_ibm(sample)] == [ibm_reference(x) for x in sample]


def test_negative_zero_is_ibm_true_zero():
    assert int(ieee_to_ibm(np.array([-0.0]))[0]) == 0
    zeros = ibm_to_ieee(np.array([0x8000000000000000, 0x3000000000000000], dtype=np.uint64))
    assert zeros.tobytes() == bytes(16)


@pytest.mark.parametrize("value", [2.0 ** 252, -(2.0 ** 252), 2.0 ** -261, 5e-324, math.inf, -math.inf])
def test_values_ibm_cannot_hold_are_refused(value):
    with pytest.raises(ValueError, match="at index 1 is infinite or outside the IBM double range"):
        ieee_to_ibm(np.array([1.0, value]))


def test_special_missing_values_are_written_read_and_kept(tmp_path):
    codes = [".", "A", "Z", "_", "."]
    values = [special_missing(c) for c in codes[:4]] + [-np.nan]
    assert all(math.isnan(v) for v in values)
    assert missing_codes(np.array(values + [1.0])).tolist() == codes + [None]
    assert [int(w) >> 56 for w in ieee_to_ibm(np.array(values))] == [ord(c) for c in codes]
    assert np.float64(special_missing(".B")).tobytes() == np.float64(special_missing("B")).tobytes()
    with pytest.raises(ValueError):
        special_missing("AA")

    frame = pd.DataFrame({"X": values + [2.5]})
    write_xpt(frame, tmp_path / "m.xpt", name="M", label="", created=CREATED)
    data = (tmp_path / "m.xpt").read_bytes()
    records = data[data.index(b"OBS     HEADER") + 60:]
    assert [records[i * 8:i * 8 + 8] for i in range(5)] == [c.encode() + b"\x00" * 7 for c in codes]
    back, meta = read_xpt(tmp_path / "m.xpt")
    assert missing_codes(back["X"].to_numpy()).tolist() == codes + [None]
    write_xpt(back, tmp_path / "again.xpt", name=meta.name, label=meta.label, variables=meta.variables,
              created=meta.created)
    assert (tmp_path / "again.xpt").read_bytes() == data


def test_numeric_lengths_under_8_keep_the_leading_bytes(tmp_path):
    frame = pd.DataFrame({"N": [0.1, 3.0, np.nan]})
    write_xpt(frame, tmp_path / "n.xpt", name="N", label="", created=CREATED,
              variables=[XptVariable("N", type="num", length=4)])
    data = (tmp_path / "n.xpt").read_bytes()
    assert data[-80:-68] == bytes.fromhex("40199999") + bytes.fromhex("41300000") + b".\x00\x00\x00"
    back, meta = read_xpt(tmp_path / "n.xpt")
    expected = ibm_to_ieee(np.array([0x4019999900000000], dtype=np.uint64))[0]
    assert back["N"].tolist()[:2] == [expected, 3.0] and meta.variables[0].length == 4
    theirs, _ = pyreadstat.read_xport(tmp_path / "n.xpt")
    assert theirs["N"].tolist()[:2] == [expected, 3.0]


# --- refusals --------------------------------------------------------------------------------------

def _frame():
    return pd.DataFrame({"AETERM": ["HEADACHE", "NAUSEA", "RASH"], "AESEQ": [1.0, 2.0, 3.0]})


REFUSALS = [
    ("dataset name lower case", _frame, {"name": "ae"},
     "dataset name 'ae' must be 1-8 characters, upper-case letters, digits or underscore, starting with a letter"),
    ("dataset name too long", _frame, {"name": "ADVERSEEV"}, "dataset name 'ADVERSEEV' must be 1-8 characters"),
    ("dataset label too long", _frame, {"label": "L" * 41}, "dataset AE: label 'LLLLL"),
    ("variable name", lambda: _frame().rename(columns={"AETERM": "AE_TERM_X"}), {},
     "dataset AE: variable name 'AE_TERM_X' must be 1-8 characters"),
    ("variable label", _frame, {"variables": [XptVariable("AETERM", "T" * 41), XptVariable("AESEQ")]},
     "dataset AE: variable AETERM label 'TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT' has 41 characters, must be <= 40"),
    ("value over 200", lambda: _frame().assign(AETERM=["OK", "X" * 201, "Y" * 300]), {},
     "dataset AE: variable AETERM: row 2: value 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'... "
     "has 201 characters, over the XPT limit of 200"),
    ("value over declared length", _frame,
     {"variables": [XptVariable("AETERM", type="char", length=6), XptVariable("AESEQ", type="num")]},
     "dataset AE: variable AETERM: row 1: value 'HEADACHE' has 8 characters, longer than its length 6"),
    ("non-ASCII value", lambda: _frame().assign(AETERM=["HEADACHE", "NAUSEA", "ÉRYTHÈME"]), {},
     "dataset AE: variable AETERM: row 3: value 'ÉRYTHÈME' is not ASCII"),
    ("declared length over 200", _frame,
     {"variables": [XptVariable("AETERM", length=201), XptVariable("AESEQ")]},
     "dataset AE: variable AETERM: length 201 must be <= 200 and >= 1"),
    ("columns and variables differ", _frame, {"variables": [XptVariable("AETERM"), XptVariable("AESTDY")]},
     "dataset AE: frame columns do not match the variables (variables without a column: AESTDY; "
     "columns without a variable: AESEQ)"),
    ("column order differs", _frame, {"variables": [XptVariable("AESEQ"), XptVariable("AETERM")]},
     "(same names in a different order)"),
    ("text declared num", _frame, {"variables": [XptVariable("AETERM", type="num"), XptVariable("AESEQ")]},
     "dataset AE: variable AETERM: declared num but the column holds text values"),
    ("numbers declared char", _frame, {"variables": [XptVariable("AETERM"), XptVariable("AESEQ", type="char")]},
     "dataset AE: variable AESEQ: row 1: value 1.0 is not text"),
    ("infinite value", lambda: _frame().assign(AESEQ=[1.0, np.inf, 3.0]), {},
     "dataset AE: variable AESEQ: row 2: value inf is infinite or outside the IBM double range"),
    ("huge integer", lambda: _frame().assign(AESEQ=[1, 2, 2 ** 60]), {},
     "dataset AE: variable AESEQ: row 3: value 1152921504606846976 has more digits than a double holds exactly"),
    ("datetime column", lambda: _frame().assign(AESEQ=pd.to_datetime(["2021-01-01"] * 3)), {},
     "dataset AE: variable AESEQ: column of datetime64"),
    ("bad format", _frame, {"variables": [XptVariable("AETERM"), XptVariable("AESEQ", format="DATE9")]},
     "dataset AE: variable AESEQ: format 'DATE9' is not a SAS format NAMEw.d"),
    ("bad numeric length", _frame, {"variables": [XptVariable("AETERM"), XptVariable("AESEQ", length=9)]},
     "dataset AE: variable AESEQ: numeric length 9 must be 2-8"),
    ("duplicate variable", lambda: pd.DataFrame([["A", "B"]], columns=["X", "X"]), {},
     "dataset AE: variable X appears twice"),
]


@pytest.mark.parametrize("make, options, message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals_name_the_problem_and_write_nothing(tmp_path, make, options, message):
    target = tmp_path / "ae.xpt"
    arguments = {"name": "AE", "label": "Adverse Events", "created": CREATED} | options
    with pytest.raises(InputError) as caught:
        write_xpt(make(), target, **arguments)
    assert f"{target}: " in str(caught.value)
    assert message in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_refusal_and_failed_write_leave_the_old_file_alone(tmp_path, monkeypatch):
    target = tmp_path / "ae.xpt"
    write_xpt(_frame(), target, name="AE", label="Adverse Events", created=CREATED)
    before = target.read_bytes()
    with pytest.raises(InputError):
        write_xpt(_frame().assign(AETERM=["é", "", ""]), target, name="AE", label="Adverse Events")

    def broken_body(out, header, columns, rows):
        out.write(header)
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(xpt, "_write_body", broken_body)
    with pytest.raises(OSError):
        write_xpt(_frame(), target, name="AE", label="Adverse Events")
    assert [p.name for p in tmp_path.iterdir()] == ["ae.xpt"] and target.read_bytes() == before


def test_missing_output_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_xpt(_frame(), tmp_path / "no" / "ae.xpt", name="AE", label="Adverse Events")


# --- reading bad files -----------------------------------------------------------------------------

@pytest.fixture
def good_file(tmp_path):
    frame = pd.DataFrame({"USUBJID": [f"S-{i:03d}" for i in range(20)], "AGE": np.arange(20.0)})
    return write_xpt(frame, tmp_path / "dm.xpt", name="DM", label="Demographics", created=CREATED)


@pytest.mark.parametrize("cut, message", [
    (0, "not a SAS XPORT file (no library header record)"),
    (100, "truncated XPT file: it ends inside the header"),
    (720, "truncated XPT file: it ends before the observations"),
    (1000, "truncated XPT file: it ends before the observations"),
    (1100, "truncated XPT file: 1100 bytes is not a whole number of 80-byte records"),
    (1120, "truncated XPT file: the last observation is incomplete"),
])
def test_truncated_files_are_input_errors(good_file, cut, message):
    data = good_file.read_bytes()
    assert len(data) == 1360
    good_file.write_bytes(data[:cut])
    with pytest.raises(InputError, match=f"^{re.escape(f'{good_file}: {message}')}$"):
        read_xpt(good_file)


def test_foreign_files_are_input_errors(good_file, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_xpt(tmp_path / "absent.xpt")
    with pytest.raises(InputError, match="cannot read"):
        read_xpt(tmp_path)
    text = tmp_path / "notes.xpt"
    text.write_text("STUDYID,USUBJID\n" * 100)
    with pytest.raises(InputError, match="not a SAS XPORT file"):
        read_xpt(text)
    data = good_file.read_bytes()
    v8 = tmp_path / "v8.xpt"
    v8.write_bytes(b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!" + data[48:])
    with pytest.raises(InputError, match="version 8 file; only version 5 is supported"):
        read_xpt(v8)
    two = tmp_path / "two.xpt"
    two.write_bytes(data + data[240:])
    with pytest.raises(InputError, match="holds more than one dataset"):
        read_xpt(two)
    bad = tmp_path / "bad.xpt"
    bad.write_bytes(data[:640] + b"\x00\x07" + data[642:])
    with pytest.raises(InputError, match=r"NAMESTR 1 \('USUBJID'\) is corrupt"):
        read_xpt(bad)


# --- other readers ---------------------------------------------------------------------------------

def test_pyreadstat_and_pandas_read_the_same_values_labels_and_lengths(tmp_path):
    rng = np.random.default_rng(3)
    numbers = np.r_[EDGES[1:], rng.standard_normal(50) * 1e6, [np.nan, special_missing("A")]]
    frame = pd.DataFrame({
        "TEXT": pd.Series([f"value {i}" if i % 7 else None for i in range(len(numbers))], dtype="str"),
        "NUM": numbers,
        "DT": np.arange(len(numbers), dtype=np.float64) + 19000,
    })
    # records over 80 bytes: for shorter ones pandas takes any 8 aligned blanks of the last
    # 80-byte record for padding and may drop rows (pandas.io.sas.sas_xport._record_count)
    variables = [XptVariable("TEXT", "Some text", "char", 72, "$72."),
                 XptVariable("NUM", "A number", "num", format="BEST12."),
                 XptVariable("DT", "A date", "num", format="DATE9.")]
    path = write_xpt(frame, tmp_path / "rt.xpt", name="RT", label="Round trip", variables=variables,
                     created=CREATED)
    expected_text = frame["TEXT"].fillna("").tolist()

    theirs, meta = pyreadstat.read_xport(path, disable_datetime_conversion=True)
    assert theirs["TEXT"].tolist() == expected_text
    assert theirs["NUM"].to_numpy().tobytes() == np.where(np.isnan(numbers), np.nan, numbers).tobytes()
    assert theirs["DT"].tolist() == frame["DT"].tolist()
    assert meta.table_name == "RT" and meta.file_label == "Round trip"
    assert meta.column_labels == ["Some text", "A number", "A date"]
    assert meta.variable_storage_width == {"TEXT": 72, "NUM": 8, "DT": 8}
    # the format's name and width; pyreadstat versions differ in spelling the trailing dot
    assert {k: v.rstrip(".") for k, v in meta.original_variable_types.items()} == \
        {"TEXT": "$72", "NUM": "BEST12", "DT": "DATE9"}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas_frame = pd.read_sas(path, format="xport", encoding="ascii")
        reader = pd.read_sas(path, format="xport", iterator=True)
        fields = reader.fields
        reader.close()
    assert pandas_frame["TEXT"].tolist() == expected_text
    assert pandas_frame["NUM"].to_numpy().tobytes() == theirs["NUM"].to_numpy().tobytes()
    assert [(f["name"], f["label"], f["field_length"]) for f in fields] == [
        (b"TEXT", b"Some text", 72), (b"NUM", b"A number", 8), (b"DT", b"A date", 8)]

    ours, our_meta = read_xpt(path)
    assert ours["TEXT"].tolist() == expected_text
    assert ours["NUM"].to_numpy().tobytes() == numbers.tobytes()
    assert our_meta.variables == [replace(v, length=v.length or 8) for v in variables]


def test_variables_from_spec():
    dataset = Dataset(name="ADTTE", label="Time-to-Event", model="ADaM", variables=[
        Variable(name="USUBJID", label="Unique Subject Identifier"),
        Variable(name="PARAMCD", label="Parameter Code", length=8),
        Variable(name="AVAL", label="Analysis Value", data_type="float", display_format="8.1"),
        Variable(name="ADT", label="Analysis Date", data_type="integer", display_format="DATE9."),
    ])
    assert variables_from_spec(dataset) == [
        XptVariable("USUBJID", "Unique Subject Identifier", "char", None, None),
        XptVariable("PARAMCD", "Parameter Code", "char", 8, None),
        XptVariable("AVAL", "Analysis Value", "num", 8, "8.1"),
        XptVariable("ADT", "Analysis Date", "num", 8, "DATE9."),
    ]


# --- files SAS wrote -------------------------------------------------------------------------------

PILOT = REFERENCE / "cdiscpilot01"
PILOT_FILES = sorted(PILOT.glob("*/*.xpt"))
DATETIMES = [(80, 64, 80), (160, 0, 16), (400, 64, 80), (480, 0, 16)]   # (record start, from, to)
NOT_ASCII = {"ts.xpt": "dataset TS: variable TSVAL: row 9: value "
                       "'Patients with Probable Mild to Moderate Alzheimer\\x92s Disease' is not ASCII"}


def _without_datetimes(data):
    data = bytearray(data)
    for start, begin, end in DATETIMES:
        data[start + begin:start + end] = b"#" * (end - begin)
    return bytes(data)


@pytest.mark.parametrize("path", PILOT_FILES or [pytest.param(None, marks=pytest.mark.skip(
    reason=f"reference data not available: {PILOT}"))], ids=lambda p: p and f"{p.parent.name}/{p.name}")
def test_sas_files_are_read_like_pyreadstat_and_rewritten_byte_for_byte(path, tmp_path):
    frame, meta = read_xpt(path)
    theirs, their_meta = pyreadstat.read_xport(path, encoding="latin1", disable_datetime_conversion=True)
    assert list(frame.columns) == list(theirs.columns)
    assert [v.label for v in meta.variables] == their_meta.column_labels
    assert {v.name: v.length for v in meta.variables} == their_meta.variable_storage_width
    for var in meta.variables:
        if var.type == "char":
            assert frame[var.name].tolist() == theirs[var.name].fillna("").tolist(), var.name
        else:
            assert frame[var.name].to_numpy().tobytes() == theirs[var.name].to_numpy(float).tobytes(), var.name

    out = tmp_path / path.name
    rewrite = lambda: write_xpt(frame, out, name=meta.name, label=meta.label, variables=meta.variables,
                                sas_version=meta.sas_version, os_name=meta.os_name)
    if path.name in NOT_ASCII:
        with pytest.raises(InputError) as caught:
            rewrite()
        assert str(caught.value) == f"{out}: {NOT_ASCII[path.name]}"
        assert not out.exists()
        return
    rewrite()
    original, ours = path.read_bytes(), out.read_bytes()
    assert len(ours) == len(original)
    start = original.index(b"HEADER RECORD*******OBS     HEADER RECORD") + 80
    assert _without_datetimes(ours[:start]) == _without_datetimes(original[:start])
    assert ours[start:] == original[start:]


def test_texts_that_differ_after_a_nul_are_written_apart(tmp_path):
    frame = pd.DataFrame({"TERM": pd.Series(["A", "A\x00B", "A"], dtype=object)})
    write_xpt(frame, tmp_path / "t.xpt", name="T", label="Terms",
              variables=[XptVariable("TERM", type="char", length=3)], created=dt.datetime(2024, 1, 1))
    data = (tmp_path / "t.xpt").read_bytes()
    start = data.index(b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!") + 80
    assert data[start:start + 9] == b"A  A\x00BA  "
