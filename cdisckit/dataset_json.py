"""CDISC Dataset-JSON v1.1 files: JSON, NDJSON and compressed DSJC, written and read.

A Dataset-JSON file is its metadata (the "header": creation time, OIDs, name,
label, ``records`` and ``columns``) and its rows, arrays of values in column
order. The three forms hold the same content: ``.json`` one document with a
``rows`` array; ``.ndjson`` the header on the first line and one row per
line; ``.dsjc`` the NDJSON bytes compressed with zlib (reading also accepts
gzip, which CDISC's own example files use).

Frames follow the XPT conventions of ``cdisckit.xpt``, so either format reads
to the same frame: character columns hold strings (a null reads as ""),
numeric columns float64 (null is NaN). A column is numeric when its
``dataType`` is a number type or its ``targetDataType`` is ``integer``
(ADaM dates: ISO 8601 text in the file, SAS date, datetime or time numbers in
the frame) or ``decimal`` (text in the file, a number in the frame).

Headers are checked against CDISC's JSON Schema (shipped in
``dataset_json_schema/``, copied by ``scripts/copy_dataset_json_schema.py``;
an NDJSON first line is a document without the optional ``rows``, so the same
schema checks it: CDISC's NDJSON schema has dangling references)
and streams rows a chunk at a time into a file that appears complete or not at
all; NDJSON and DSJC are read a chunk of lines at a time into preallocated
columns, so a large dataset is never held twice. Rows are written compactly
(no blanks), as the DSJC specification asks.
"""

from __future__ import annotations

import functools
import io
import json
import zlib
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd

from specs.atomic import atomic_file
from specs.errors import InputError

from .xpt import missing_codes

VERSION = "1.1.0"
KINDS = {".json": "json", ".ndjson": "ndjson", ".dsjc": "dsjc"}
TOP_LEVEL = ("datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "dbLastModifiedDateTime",
             "originator", "sourceSystem", "studyOID", "metaDataVersionOID", "metaDataRef",
             "itemGroupOID", "records", "name", "label", "columns")
COLUMN = ("itemOID", "name", "label", "dataType", "targetDataType", "length", "displayFormat",
          "keySequence")
NUMBER_TYPES = ("integer", "float", "double", "decimal", "boolean")
TIMING_TYPES = ("date", "datetime", "time")
SCHEMA = Path(__file__).parent / "dataset_json_schema" / "dataset.schema.json"
CHUNK_ROWS = 20_000
_EPOCH_DAY = np.datetime64("1960-01-01", "D")
_EPOCH_SECOND = np.datetime64("1960-01-01T00:00:00", "s")
_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


# ---------------------------------------------------------------- metadata


def kind_of(path):
    """"json", "ndjson" or "dsjc" from the file's suffix; None for other files."""
    return KINDS.get(Path(path).suffix.lower())


@functools.cache
def validator():
    """A validator of CDISC's Dataset-JSON v1.1 JSON Schema."""
    return jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def schema_problems(document):
    """Each way ``document`` breaks the schema, as "path: message" (empty: valid)."""
    problems = []
    for error in sorted(validator().iter_errors(document), key=lambda e: list(map(str, e.path))):
        where = "/".join(map(str, error.path)) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


def check_header(header, where):
    """Raise InputError, naming ``where``, when the metadata breaks CDISC's schema."""
    problems = schema_problems(header)
    if problems:
        raise InputError(f"{where}: not valid Dataset-JSON v1.1 metadata: {problems[0]}")


def ordered(header):
    """The header with its attributes, and each column's, in the specification's order."""
    top = {key: header[key] for key in TOP_LEVEL if header.get(key) is not None}
    top["columns"] = [{key: column[key] for key in COLUMN if column.get(key) is not None}
                      for column in header.get("columns", [])]
    return top


def is_numeric(column):
    """True when the column is a number in the frame (and an XPT numeric)."""
    return column["dataType"] in NUMBER_TYPES or column.get("targetDataType") in ("integer", "decimal")


# ---------------------------------------------------------------- writing


def write_dataset_json(frame, header, path, *, compression=9):
    """Write ``frame`` with ``header`` (columns in frame order) as .json, .ndjson or .dsjc.

    ``records`` is set from the frame. Raises InputError naming the file, the
    column and the first row whose value the column's dataType cannot hold.
    """
    path = Path(path)
    kind = kind_of(path)
    if kind is None:
        raise InputError(f"{path}: not a Dataset-JSON file name (.json, .ndjson or .dsjc)")
    header = ordered({**header, "records": len(frame)})
    check_header(header, path)
    names = [c["name"] for c in header["columns"]]
    if names != [str(c) for c in frame.columns]:
        raise InputError(f"{path}: the columns of the metadata ({', '.join(names)}) are not those of "
                         f"the data ({', '.join(map(str, frame.columns))})")
    encoders = [_encoder(frame.iloc[:, i], column, f"{path}: column {column['name']}")
                for i, column in enumerate(header["columns"])]
    head = json.dumps(header, **_COMPACT)
    with atomic_file(path, "wb") as out:
        sink = _Deflating(out, compression) if kind == "dsjc" else out
        if kind == "json":
            sink.write(head[:-1].encode("utf-8") + b',"rows":[')
        else:
            sink.write(head.encode("utf-8") + b"\n")
        for start in range(0, len(frame), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, len(frame))
            cells = [encode(start, stop) for encode in encoders]
            lines = ["[" + ",".join(row) + "]" for row in zip(*cells)]
            if kind == "json":
                text = ("," if start else "") + "\n" + ",\n".join(lines)
            else:
                text = "\n".join(lines) + "\n"
            sink.write(text.encode("utf-8"))
        if kind == "json":
            sink.write(b"\n]}" if len(frame) else b"]}")
        if kind == "dsjc":
            sink.close()
    return path


class _Deflating:
    """A write-only stream that zlib-compresses into ``out``."""

    def __init__(self, out, level):
        self.out, self.zip = out, zlib.compressobj(level, zlib.DEFLATED, 15)

    def write(self, data):
        self.out.write(self.zip.compress(data))

    def close(self):
        self.out.write(self.zip.flush())


def _encoder(series, column, where):
    """``encode(start, stop)``: the JSON text of each value of rows start..stop.

    The whole column is checked first (before a byte is written): a value its
    dataType cannot hold raises InputError naming ``where`` and the row.
    """
    kind = column["dataType"]
    target = column.get("targetDataType")
    numeric_frame = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    if not is_numeric(column):
        if numeric_frame:
            raise InputError(f"{where}: dataType {kind} but the data are numbers")
        values = series.to_numpy(dtype=object)
        codes, uniques = pd.factorize(values)
        for j, value in enumerate(uniques):
            if not isinstance(value, str):
                raise InputError(f"{where}: row {int(np.argmax(codes == j)) + 1}: value {value!r} is not text")
        texts = np.array([json.dumps(u, **_COMPACT) for u in uniques] + ['""'], dtype=object)
        return lambda start, stop: texts[codes[start:stop]]
    if not numeric_frame:
        raise InputError(f"{where}: dataType {kind}{' (' + target + ')' if target else ''} "
                         f"but the data are {series.dtype} values, not numbers")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    codes_missing = missing_codes(values[np.isnan(values)])
    special = [c for c in codes_missing if c != "."]
    if special:
        row = int(np.flatnonzero(np.isnan(values))[[c != "." for c in codes_missing].index(True)]) + 1
        raise InputError(f"{where}: row {row}: special missing value .{special[0]} has no "
                         "Dataset-JSON form (only null)")
    bad = np.flatnonzero(np.isinf(values))
    if len(bad):
        raise InputError(f"{where}: row {bad[0] + 1}: value {values[bad[0]]} is not a JSON number")
    codes, uniques = pd.factorize(values)
    texts = _number_texts(np.asarray(uniques, dtype=np.float64), kind, target, where, codes)
    texts = np.array(texts + ["null"], dtype=object)
    return lambda start, stop: texts[codes[start:stop]]


def _number_texts(uniques, kind, target, where, codes):
    """JSON texts of distinct non-missing numbers, as ``kind``/``target`` writes them."""
    def first_row(j):
        return int(np.argmax(codes == j)) + 1

    if target == "integer" and kind in TIMING_TYPES:
        return [json.dumps(t) for t in timing_texts(uniques, kind, where, first_row)]
    if kind == "integer" or (kind == "boolean"):
        odd = np.flatnonzero((uniques != np.floor(uniques)) | (np.abs(uniques) > 2.0 ** 53))
        if len(odd):
            raise InputError(f"{where}: row {first_row(odd[0])}: value {float(uniques[odd[0]])!r} is not a "
                             f"whole number (dataType {kind})")
        if kind == "boolean":
            return ["true" if u else "false" for u in uniques]
        return [str(int(u)) for u in uniques]
    if kind == "decimal" or target == "decimal":
        return [json.dumps(repr(float(u))) for u in uniques]
    return [repr(float(u)) for u in uniques]


def timing_texts(values, kind, where, first_row=lambda j: j + 1):
    """ISO 8601 text of SAS date (days), datetime or time (seconds) numbers."""
    odd = np.flatnonzero(values != np.floor(values))
    if len(odd):
        raise InputError(f"{where}: row {first_row(odd[0])}: {kind} value {float(values[odd[0]])!r} is not a "
                         f"whole number of {'days' if kind == 'date' else 'seconds'}")
    whole = values.astype(np.int64)
    if kind == "date":
        return list(np.datetime_as_string(_EPOCH_DAY + whole.astype("timedelta64[D]"), unit="D"))
    if kind == "datetime":
        return list(np.datetime_as_string(_EPOCH_SECOND + whole.astype("timedelta64[s]"), unit="s"))
    odd = np.flatnonzero((whole < 0) | (whole >= 86400))
    if len(odd):
        raise InputError(f"{where}: row {first_row(odd[0])}: time value {float(values[odd[0]])!r} is not "
                         "within a day")
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in whole.tolist()]


# ---------------------------------------------------------------- reading


def read_dataset_json(path):
    """Read a .json, .ndjson or .dsjc file: ``(DataFrame, header)``.

    The header is the file's metadata (without rows), checked against CDISC's
    schema. Raises InputError naming the file and, for a bad value, the row
    and column.
    """
    path = Path(path)
    kind = kind_of(path)
    if kind is None:
        raise InputError(f"{path}: not a Dataset-JSON file name (.json, .ndjson or .dsjc)")
    try:
        if kind == "json":
            return _read_document(path)
        with _lines(path, kind) as lines:
            return _read_lines(path, lines)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (zlib.error, EOFError) as exc:
        raise InputError(f"{path}: not a zlib or gzip compressed file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _object(path, load, what):
    """The JSON object ``load()`` parses; InputError naming the file and line otherwise."""
    try:
        value = load()
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise InputError(f"{path}: {what} is not a JSON object")
    return value


def _read_document(path):
    with open(path, "rb") as handle:
        document = _object(path, lambda: json.load(handle), "the document")
    rows = document.pop("rows", None) or []
    header = _checked_header(path, document)
    columns = _Columns(path, header)
    for start in range(0, len(rows), CHUNK_ROWS):
        columns.fill(start, rows[start:start + CHUNK_ROWS], first_line=None)
    return columns.frame(len(rows)), header


def _read_lines(path, lines):
    header = _checked_header(path, _object(path, lambda: json.loads(next(lines, "")),
                                           "line 1 (the metadata)"))
    columns = _Columns(path, header)
    done = 0
    for chunk in _chunks(lines, CHUNK_ROWS):
        done = columns.fill(done, _parse_rows(path, chunk, done + 2), first_line=done + 2)
    return columns.frame(done), header


def _chunks(lines, size):
    """Lists of ``size`` non-blank lines (the last one shorter)."""
    chunk = []
    for line in lines:
        if line.strip():
            chunk.append(line)
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _parse_rows(path, lines, first_line):
    try:
        return json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        for number, line in enumerate(lines, first_line):
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {number}: not valid JSON: {exc.msg}") from None
        raise


def _checked_header(path, header):
    problems = schema_problems(header)
    if problems:
        raise InputError(f"{path}: not valid Dataset-JSON v1.1: {problems[0]}")
    return ordered(header)


class _lines:
    """The text lines of an NDJSON file, or of a DSJC file decompressed on the fly."""

    def __init__(self, path, kind):
        self.path, self.kind = path, kind

    def __enter__(self):
        self.raw = open(self.path, "rb")
        stream = _Inflating(self.raw) if self.kind == "dsjc" else self.raw
        self.text = io.TextIOWrapper(io.BufferedReader(stream) if self.kind == "dsjc" else stream,
                                     encoding="utf-8", newline=None)
        return iter(self.text)

    def __exit__(self, *exc):
        self.raw.close()


class _Inflating(io.RawIOBase):
    """A readable stream of a zlib or gzip file's decompressed bytes."""

    def __init__(self, raw):
        self.raw, self.zip = raw, zlib.decompressobj(47)   # 32 + 15: zlib or gzip header
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.pending:
            data = self.raw.read(1 << 16)
            if not data:
                self.pending = self.zip.flush()
                if not self.zip.eof:
                    raise EOFError("the compressed stream is truncated")
                break
            self.pending = self.zip.decompress(data)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class _Columns:
    """Preallocated frame columns filled a chunk of rows at a time."""

    def __init__(self, path, header):
        self.path, self.header = path, header
        self.records = header["records"]
        self.columns = header["columns"]
        self.data = [np.empty(self.records, dtype=np.float64 if is_numeric(c) else object)
                     for c in self.columns]

    def fill(self, start, rows, first_line):
        """Put ``rows`` (lists of values) at row ``start``; the next start."""
        stop = start + len(rows)
        if stop > self.records:
            raise InputError(f"{self.path}: holds more rows than its records ({self.records})")
        width = len(self.columns)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                where = f"line {first_line + i}" if first_line else f"rows[{start + i}]"
                raise InputError(f"{self.path}: {where}: a row of {width} values was expected")
        for j, (column, values) in enumerate(zip(self.columns, zip(*rows))):
            where = f"{self.path}: column {column['name']}"
            self.data[j][start:stop] = _decode(values, column, where, start)
        return stop

    def frame(self, rows):
        if rows != self.records:
            raise InputError(f"{self.path}: holds {rows} rows but its records say {self.records}")
        return pd.DataFrame({c["name"]: pd.Series(data, dtype="float64" if is_numeric(c) else "str")
                             for c, data in zip(self.columns, self.data)},
                            index=pd.RangeIndex(rows))


def _decode(values, column, where, start):
    """Frame values of one column's JSON values (a tuple)."""
    kind, target = column["dataType"], column.get("targetDataType")
    if kind in ("integer", "float", "double") and \
            pd.api.types.infer_dtype(values, skipna=True) in ("integer", "floating", "mixed-integer-float", "empty"):
        return np.array(values, dtype=np.float64)     # None becomes NaN
    codes, uniques = pd.factorize(np.array(values, dtype=object))

    def row(j):
        return start + int(np.argmax(codes == j)) + 1

    if not is_numeric(column):
        for j, value in enumerate(uniques):
            if not isinstance(value, str):
                raise InputError(f"{where}: row {row(j)}: value {value!r} is not text")
        return np.append(np.asarray(uniques, dtype=object), "")[codes]
    numbers = np.empty(len(uniques) + 1)
    numbers[-1] = np.nan
    for j, value in enumerate(uniques):
        numbers[j] = _number(value, kind, target, f"{where}: row {row(j)}")
    return numbers[codes]


def _number(value, kind, target, where):
    """A frame number from one JSON value of a numeric column."""
    if target == "integer" and kind in TIMING_TYPES:
        if not isinstance(value, str):
            raise InputError(f"{where}: {kind} value {value!r} is not ISO 8601 text")
        return sas_timing(value, kind, where)
    if kind == "decimal" or target == "decimal":
        if isinstance(value, str):
            try:
                return float(value.replace(",", ""))
            except ValueError:
                raise InputError(f"{where}: value {value!r} is not a decimal number") from None
    if isinstance(value, bool) != (kind == "boolean") or not isinstance(value, (int, float)):
        raise InputError(f"{where}: value {value!r} is not a {kind}")
    return float(value)


def sas_timing(text, kind, where):
    """The SAS number (days or seconds from 1960) of an ISO 8601 date, datetime or time."""
    try:
        if kind == "date":
            return float((np.datetime64(text, "D") - _EPOCH_DAY).astype(np.int64))
        if kind == "datetime":
            return float((np.datetime64(text.rstrip("Z"), "s") - _EPOCH_SECOND).astype(np.int64))
        hours, minutes, seconds = (text.split(":") + ["0"])[:3]
        return float(int(hours) * 3600 + int(minutes) * 60 + int(seconds))
    except ValueError:
        raise InputError(f"{where}: value {text!r} is not an ISO 8601 {kind}") from None
