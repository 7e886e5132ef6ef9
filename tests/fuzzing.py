"""Fuzz targets for the readers of outside input, shared by ``test_fuzz.py``
(bounded, with hypothesis) and ``benchmarks/fuzz.py`` (longer, with counts).

Each target starts from a valid file, corrupts it with a ``random.Random``
and reads it back through the public reader. It returns "read" (a result
that passed the target's checks of a correct reading) or "rejected" (the
documented ``InputError``, one line per problem); anything else escapes: a
crash.
"""

import datetime as dt
import functools
import random
import tempfile
from pathlib import Path

import pandas as pd

from specs.errors import InputError
from test_workbook import RICH, spec_folder

CREATED = dt.datetime(2024, 1, 2, 3, 4, 5)
HOSTILE = ["[", "]", "{", "}", ":", ",", "&", "*", "!", "|", ">", "'", '"', "\x07", "\x00", "\t", "\n", "-",
           "?", "%", "@", "`", "#", "<", "&amp;", "&foo;", "<!--", "]]>", "9" * 40, "\u00e9", "\ufeff", " ", "\r"]


def _one_line(exc):
    for problem in getattr(exc, "problems", [str(exc)]):
        assert problem and "\n" not in problem, f"message not on one line: {problem!r}"
    return "rejected"


def _bytes_mutation(rng, data, header=None):
    """Flip, overwrite, insert, delete or truncate bytes (within ``header`` bytes, when given)."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        span = min(header or len(data), len(data))
        if not span:
            data += rng.randbytes(rng.randint(1, 80))
            continue
        kind = rng.choice(("flip", "set", "insert", "delete", "truncate", "copy"))
        at = rng.randrange(span)
        if kind == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "set":
            data[at:at + 2] = rng.randbytes(2)
        elif kind == "insert":
            data[at:at] = rng.randbytes(rng.randint(1, 80))
        elif kind == "delete":
            del data[at:at + rng.randint(1, 80)]
        elif kind == "truncate":
            del data[at:]
        else:
            size = rng.randint(1, 140)
            source = rng.randrange(span)
            data[at:at + size] = data[source:source + size]
    return bytes(data)


def _text_mutation(rng, text):
    """Insert hostile tokens, delete or duplicate spans of ``text``."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        kind = rng.choice(("insert", "delete", "duplicate", "nest"))
        if kind == "insert":
            text = text[:at] + rng.choice(HOSTILE) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + rng.randint(1, 30):]
        elif kind == "duplicate":
            text = text[:at] + text[at:at + rng.randint(1, 200)] * 2 + text[at + 200:]
        else:
            depth = rng.choice((5, 150, 2000))
            text = text[:at] + "[" * depth + "]" * depth + text[at:]
    return text


# ------------------------------------------------------------------ XPT

@functools.cache
def xpt_seed():
    from cdisckit.xpt import write_xpt
    frame = pd.DataFrame({"USUBJID": ["S-001", "S-002", "S-003"], "AGE": [34.0, float("nan"), 71.5],
                          "SEX": ["F", "M", ""], "AVAL": [1e-9, -2.5e17, 0.0]})
    with tempfile.TemporaryDirectory() as folder:
        return write_xpt(frame, Path(folder) / "dm.xpt", name="DM", label="Demographics",
                         created=CREATED).read_bytes(), frame


def fuzz_xpt(rng, folder):
    """A corrupted XPT file: read correctly (names unique, columns as declared) or refused."""
    from cdisckit.xpt import read_xpt
    seed, original = xpt_seed()
    data = _bytes_mutation(rng, seed, header=rng.choice((None, 8 * 80 + 4 * 140 + 80)))
    path = Path(folder) / "dm.xpt"
    path.write_bytes(data)
    try:
        frame, meta = read_xpt(path)
    except InputError as exc:
        return _one_line(exc)
    names = [v.name for v in meta.variables]
    assert len(set(names)) == len(names) and list(frame.columns) == names
    for var in meta.variables:
        kind = "char" if frame[var.name].dtype != "float64" else "num"
        assert kind == var.type, (var.name, frame[var.name].dtype, var.type)
    if data == seed:
        pd.testing.assert_frame_equal(frame, original, check_dtype=False)
    return "read"


# ------------------------------------------------------------------ specs

def fuzz_specs(rng, folder):
    """A spec folder with one file corrupted: loaded, or refused with one line per problem."""
    from specs import load_study
    files = dict(RICH)
    name = rng.choice(sorted(files))
    files[name] = _text_mutation(rng, files[name])
    root = spec_folder(files, Path(folder) / "specs")
    try:
        study = load_study(root)
    except InputError as exc:
        return _one_line(exc)
    assert study.studyid and all(ds.variables for ds in study.datasets.values())
    return "read"


# ------------------------------------------------------------------ define.xml

@functools.cache
def define_seed():
    from define.writer import build_define
    from specs import load_study
    with tempfile.TemporaryDirectory() as folder:
        study = load_study(spec_folder(RICH, Path(folder)))
    frames = {ds.name: pd.DataFrame({v.name: pd.Series([], dtype="float64" if v.numeric else "object")
                                     for v in ds.variables}) for ds in study.model_datasets("SDTM")}
    return build_define(study, frames, model="SDTM", created=CREATED).decode("utf-8")


def fuzz_define(rng, folder):
    """A corrupted define.xml: read into specs, or refused with one line."""
    from define.reader import read_define
    text = define_seed()
    data = (_text_mutation(rng, text).encode("utf-8", "surrogatepass") if rng.random() < 0.7
            else _bytes_mutation(rng, text.encode("utf-8")))
    try:
        study = read_define(data, [])
    except InputError as exc:
        return _one_line(exc)
    assert study.studyid is not None
    assert all(isinstance(var.name, str) for ds in study.datasets.values() for var in ds.variables)
    return "read"


# ------------------------------------------------------------------ workbook

@functools.cache
def workbook_seed():
    from specs import load_study
    from specs.workbook_export import write_workbook
    with tempfile.TemporaryDirectory() as folder:
        study = load_study(spec_folder(RICH, Path(folder) / "specs"))
        path = Path(folder) / "specs.xlsx"
        write_workbook(study, path)
        return path.read_bytes()


def fuzz_workbook(rng, folder):
    """A workbook with cells overwritten, sheets dropped or bytes corrupted, read
    through the public importer: specs, or refused with one line per problem."""
    from openpyxl import load_workbook
    from specs.workbook_import import read_workbook
    path = Path(folder) / "specs.xlsx"
    path.write_bytes(workbook_seed())
    if rng.random() < 0.15:
        path.write_bytes(_bytes_mutation(rng, workbook_seed()))
    else:
        book = load_workbook(path)
        for _ in range(rng.randint(1, 6)):
            sheet = book[rng.choice(book.sheetnames)]
            if rng.random() < 0.05 and len(book.sheetnames) > 1:
                book.remove(sheet)
                continue
            row = rng.randint(1, max(sheet.max_row, 1) + 1)
            col = rng.randint(1, max(sheet.max_column, 1) + 1)
            sheet.cell(row, col).value = rng.choice([
                None, "", rng.choice(HOSTILE).replace("\x00", "").replace("\x07", ""), rng.randint(-10**6, 10**6),
                rng.random() * 1e9, "9" * 400, "[" * 300, "{a: [1, {b: ", "Yes", "text", "$200", "C66742",
                str(sheet.cell(rng.randint(1, max(sheet.max_row, 1)), col).value)])
        book.save(path)
    try:
        study, notes = read_workbook(path)
    except InputError as exc:
        return _one_line(exc)
    assert study.studyid is not None and all("\n" not in note for note in notes)
    return "read"


# ------------------------------------------------------------------ raw export

RAW_FORM = ("SITEID,SUBJID,AETERM,AESTDAT,AESEV\n01,001,Headache,12 MAR 2021,Mild\n"
            "01,001,\"Rash, mild\",UN MAR 2021,Moderate\n02,014,RCCEP,01 APR 2021,\n")
RAW_DICTIONARY = "study: X\nforms:\n  ae: {AETERM: Reported term, AESTDAT: {style: DD MMM YYYY}}\n"


def fuzz_raw(rng, folder):
    """A raw export with a mangled form or forms.yaml: every cell read as text, or refused."""
    from cdisckit.raw import read_raw
    raw = Path(folder) / "raw"
    raw.mkdir()
    form, dictionary = RAW_FORM.encode(), RAW_DICTIONARY.encode()
    if rng.random() < 0.6:
        form = (_text_mutation(rng, RAW_FORM).encode("utf-8", "surrogatepass") if rng.random() < 0.5
                else _bytes_mutation(rng, form))
    else:
        dictionary = (_text_mutation(rng, RAW_DICTIONARY).encode("utf-8", "surrogatepass") if rng.random() < 0.5
                      else _bytes_mutation(rng, dictionary))
    (raw / "ae.csv").write_bytes(form)
    (raw / "forms.yaml").write_bytes(dictionary)
    try:
        forms, meta = read_raw(raw)
    except InputError as exc:
        return _one_line(exc)
    frame = forms["ae"]
    assert frame.index.tolist() == list(range(2, len(frame) + 2))
    assert all(isinstance(v, str) for column in frame.columns for v in frame[column])
    assert meta is None or isinstance(meta, dict)
    if form == RAW_FORM.encode():
        assert frame["AETERM"].tolist() == ["Headache", "Rash, mild", "RCCEP"]
    return "read"


TARGETS = {"xpt": fuzz_xpt, "specs": fuzz_specs, "define": fuzz_define, "workbook": fuzz_workbook,
           "raw": fuzz_raw}


def run_case(target, seed):
    """One case of ``target`` with its own random stream, in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="cdisckit-fuzz-") as folder:
        return TARGETS[target](random.Random(seed), folder)
