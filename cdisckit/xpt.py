"""SAS XPORT version 5 files (SAS technical note TS-140): read and write.

A file is a sequence of 80-byte records: a library header, one member (dataset)
header with its descriptor, one 140-byte NAMESTR per variable, then the
observations, one fixed-width record per row, padded with blanks to a multiple
of 80. Numbers are IBM 370 doubles, text is blank-padded ASCII. The whole
observation block is built and parsed with numpy, column by column, so a
million rows take about a second.

Conventions of this module:

- Numeric columns read as float64. An ordinary missing value (``.``) is NaN;
  the special missing values ``.A``-``.Z`` and ``._`` are NaNs that carry the
  letter in their payload (as SAS does in memory): ``special_missing("A")``
  makes one and ``missing_codes(values)`` tells them apart. Any other NaN is
  written as ``.``. Writing keeps the payloads, so read -> write preserves
  special missing values byte for byte.
- Character columns read as strings with trailing blanks removed; an
  all-blank value reads as "" (SDTM practice), never NaN. Writing pads with
  blanks and writes NaN/None as blanks. Text is ASCII (the FDA's rule) unless
  an ``encoding`` is given: reading without one decodes bytes outside ASCII as
  Latin-1, one character per byte, so nothing is lost; ``encoding="cp1252"``
  reads a SAS-on-Windows file's 0x92 as ’, and writing with the same encoding
  gives the bytes back (``ENCODINGS``).
- The header names the SAS version and operating system that wrote the file;
  they are kept in ``XptMetadata`` so a rewrite reproduces them, and default to
  ``SAS_VERSION``/``OS_NAME`` for new files. The dataset type field is blank.
- Zero is written as IBM's true zero (all bits clear), so -0.0 reads back 0.0.
- Name, label and length limits are those of ``specs.transport``; messages
  name the file, dataset, variable and, for values, the first bad row
  (1-based position in the frame) and its value.
- A file ends with padding shorter than 80 bytes (blanks; NULs are accepted
  too). When the record length is under 80, trailing observations that are
  entirely blank cannot be told from padding (a limit of the format) and are
  read as padding.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import numpy as np
import pandas as pd

from specs.atomic import atomic_file
from specs.distinct import factorize
from specs.errors import InputError
from specs.transport import CHAR_MAX, label_problem, length_problem, name_problem

SAS_VERSION = "9.4"
OS_NAME = "cdisckit"
MISSING_CODES = "._ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NUMERIC_LENGTHS = range(2, 9)   # bytes of an IBM double a numeric may keep

ENCODINGS = ("ascii", "cp1252", "latin-1")   # text encodings of values on request

RECORD = 80
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_NAMESTR = struct.Struct(">hhhh8s40s8shhh2s8shhi52s")   # 140 bytes
_NAMESTR_FIELDS = struct.Struct(">hhhh8s40s8shhh2s8shhi")  # the 88 bytes that carry data
_FORMAT = re.compile(r"^(\$?(?:[A-Z_][A-Z0-9_]*[A-Z_]|[A-Z_])?)(\d*)\.(\d*)$", re.IGNORECASE)
_FORMAT_NAME_MAX = 8
_MAX_VARIABLES = 9999           # the NAMESTR header has four digits for the count
_CHUNK_BYTES = 1 << 21          # bytes of observation records assembled per write

_SIGN = np.uint64(1 << 63)
_NAN = 0x7FF8_0000_0000_0000
_IBM_FRACTION = np.uint64((1 << 56) - 1)
_MISSING_BYTES = np.zeros(256, dtype=bool)
_MISSING_BYTES[[ord(c) for c in MISSING_CODES]] = True


def _header(kind, numbers="0" * 30):
    return f"HEADER RECORD*******{kind:<8}HEADER RECORD!!!!!!!{numbers}  ".encode("ascii")


_LIBRARY = _header("LIBRARY")
_MEMBER = _header("MEMBER", "000000000000000001600000000140")
_DESCRIPTOR = _header("DSCRPTR")
_OBS = _header("OBS")
_PREFIX = 48                    # the part of a header record that names its kind


@dataclass
class XptVariable:
    """One variable's NAMESTR: what ``write_xpt`` needs beyond the values.

    ``type`` is "char" or "num" (None: from the column's dtype); ``length`` is
    the character length (None: the longest value, at least 1) or the bytes
    kept of a numeric (None: 8). ``format`` and ``informat`` are SAS formats
    such as "DATE9.", "8.2" or "$20."; ``justify`` is the format justification
    (0 left, 1 right).
    """
    name: str
    label: str = ""
    type: str | None = None
    length: int | None = None
    format: str | None = None
    informat: str | None = None
    justify: int = 0


@dataclass
class XptMetadata:
    """A dataset's header, in the form ``write_xpt`` takes it back."""
    name: str
    label: str
    variables: list[XptVariable] = field(default_factory=list)
    created: dt.datetime | None = None
    sas_version: str = SAS_VERSION
    os_name: str = OS_NAME


def variables_from_spec(dataset):
    """The ``XptVariable`` list of a ``specs.model.Dataset``, in its order."""
    return [XptVariable(name=v.name, label=v.label, type="num" if v.numeric else "char",
                        length=8 if v.numeric else v.length, format=v.display_format)
            for v in dataset.variables]


# ---------------------------------------------------------------- numbers


def special_missing(code):
    """The float64 NaN that stands for SAS missing value ``.code`` ("A"-"Z", "_" or ".")."""
    code = code.lstrip(".") or "."
    if len(code) != 1 or code not in MISSING_CODES:
        raise ValueError(f"{code!r} is not a SAS missing value code (one of {MISSING_CODES})")
    bits = _NAN if code == "." else _NAN | ord(code)
    return float(np.uint64(bits).view(np.float64))


def missing_codes(values):
    """For each value: None if not missing, else its code ("." or "A"-"Z", "_")."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    codes = np.full(values.shape, None, dtype=object)
    nan = np.isnan(values)
    codes[nan] = [chr(b) for b in _nan_code_bytes(values[nan].view(np.uint64))]
    return codes


def _nan_code_bytes(bits):
    """The SAS missing-value byte (".", "A"-"Z", "_") of each NaN given by its bits."""
    low = bits & np.uint64(0xFF)
    special = ((bits & np.uint64(0x7FFF_FFFF_FFFF_FF00)) == np.uint64(_NAN)) & _MISSING_BYTES[low]
    return np.where(special, low, np.uint64(ord(".")))


def _to_ibm(values):
    """IBM 370 doubles (as uint64) of float64 ``values``, and the positions IBM cannot hold.

    Exact: a 53-bit IEEE significand shifted by 0-3 bits fits the 56-bit IBM
    fraction. Zero (either sign) is IBM's true zero, all bits clear: other
    readers take a signed IBM zero for a tiny number or a missing value. NaNs
    become SAS missing values; infinities and magnitudes outside
    [16**-65, 16**63) are reported, not rounded.
    """
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    t = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).view(np.int64) + (260 - 1023)
    exponent = t >> 2                                   # base-16 exponent + 64
    fraction = ((bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)) << (t & 3).view(np.uint64)
    ibm = (bits & _SIGN) | (exponent.view(np.uint64) << np.uint64(56)) | fraction
    odd = np.flatnonzero(exponent.view(np.uint64) > np.uint64(127))
    if not len(odd):
        return ibm, odd
    b = bits[odd]
    magnitude = b & ~_SIGN
    zero = magnitude == 0
    nan = magnitude > np.uint64(0x7FF0_0000_0000_0000)
    ibm[odd[zero]] = 0
    ibm[odd[nan]] = _nan_code_bytes(b[nan]) << np.uint64(56)
    return ibm, odd[~zero & ~nan]


def ieee_to_ibm(values):
    """IBM 370 doubles, as native uint64 words, of float64 ``values`` (see ``_to_ibm``).

    Raises ValueError naming the first value IBM cannot hold.
    """
    ibm, bad = _to_ibm(values)
    if len(bad):
        raise ValueError(f"value {np.asarray(values).flat[bad[0]]!r} at index {bad[0]} "
                         "is infinite or outside the IBM double range")
    return ibm


def ibm_to_ieee(words):
    """float64 values of IBM 370 doubles given as native uint64 words.

    Exact for every IBM value with at most 53 significant bits (all that
    ``ieee_to_ibm`` makes); wider fractions round to nearest. SAS missing
    values become NaN, special ones with their code in the payload; a zero
    fraction is 0.0 whatever the sign and exponent.
    """
    words = np.asarray(words, dtype=np.uint64)
    fraction = words & _IBM_FRACTION
    top = words >> np.uint64(56)
    power = ((top & np.uint64(0x7F)).view(np.int64) - 64) * 4 - 56
    values = np.ldexp(fraction.astype(np.float64), power)
    bits = values.view(np.uint64)
    bits |= words & _SIGN
    blank = np.flatnonzero(fraction == 0)
    bits[blank] = 0
    missing = blank[_MISSING_BYTES[top[blank]]]
    code = top[missing]
    bits[missing] = np.where(code == ord("."), np.uint64(_NAN), np.uint64(_NAN) | code)
    return values


# ---------------------------------------------------------------- reading


def read_xpt(path, encoding=None):
    """Read a single-dataset XPT v5 file: ``(DataFrame, XptMetadata)``.

    ``encoding`` (one of ``ENCODINGS``; None: ASCII, other bytes as Latin-1)
    decodes character values. Raises InputError, naming the file, for a
    missing, truncated or foreign file, or a value the encoding cannot decode.
    """
    path = Path(path)
    codec = _codec(encoding or "latin-1", path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    meta, positions, obs_start = _parse_header(path, data)
    reclen = sum(v.length for v in meta.variables)
    nobs = _observation_count(path, data, obs_start, reclen)
    block = np.frombuffer(data, dtype=np.uint8, count=nobs * reclen, offset=obs_start)
    block = block.reshape(nobs, reclen)
    columns = {}
    for var, pos in zip(meta.variables, positions):
        cells = block[:, pos:pos + var.length]
        columns[var.name] = (pd.Series(_decode_text(cells, codec, f"{path}: variable {var.name}"),
                                       dtype="str") if var.type == "char"
                             else _decode_numbers(cells))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(nobs))
    return frame, meta


def _parse_header(path, data):
    """Metadata, value positions and the offset of the first observation."""
    if not data.startswith(_LIBRARY[:_PREFIX]):
        if data.startswith(b"HEADER RECORD*******LIBV8"):
            raise InputError(f"{path}: SAS XPORT version 8 file; only version 5 is supported")
        raise InputError(f"{path}: not a SAS XPORT file (no library header record)")

    def record(index, kind=None):
        start = index * RECORD
        rec = data[start:start + RECORD]
        if len(rec) < RECORD:
            raise InputError(f"{path}: truncated XPT file: it ends inside the header")
        if kind is not None and rec[:_PREFIX] != kind[:_PREFIX]:
            raise InputError(f"{path}: not a valid XPT v5 file: record {index + 1} is not the "
                             f"{kind[20:28].decode().strip()} header record")
        return rec

    library = record(1)
    record(3, _MEMBER)
    record(4, _DESCRIPTOR)
    member = record(5)
    member2 = record(6)
    namestr_header = record(7, _header("NAMESTR"))
    try:
        namestr_size = int(record(3)[74:78])
        count = int(namestr_header[54:58])
    except ValueError:
        raise InputError(f"{path}: not a valid XPT v5 file: bad member or NAMESTR header") from None
    if namestr_size not in (136, 140):
        raise InputError(f"{path}: not a valid XPT v5 file: NAMESTR length {namestr_size}")
    start = 8 * RECORD
    end = start + count * namestr_size
    obs_header = end + (-end) % RECORD
    if len(data) < obs_header + RECORD:
        raise InputError(f"{path}: truncated XPT file: it ends before the observations")
    record(obs_header // RECORD, _OBS)

    variables, positions = [], []
    for i in range(count):
        fields = _NAMESTR_FIELDS.unpack_from(data, start + i * namestr_size)
        ntype, _, length, _, name, label, form, fl, fd, fj, _, iform, ifl, ifd, pos = fields
        name = _text(name)
        if ntype not in (1, 2) or length < 1 or pos < 0:
            raise InputError(f"{path}: not a valid XPT v5 file: NAMESTR {i + 1} ({name!r}) is corrupt")
        variables.append(XptVariable(
            name=name, label=_text(label), type="num" if ntype == 1 else "char", length=length,
            format=_format_text(form, fl, fd), informat=_format_text(iform, ifl, ifd), justify=fj))
        positions.append(pos)
    _check_layout(path, variables, positions)
    meta = XptMetadata(name=_text(member[8:16]), label=_text(member2[32:72]), variables=variables,
                       created=_parse_datetime(library[64:80]),
                       sas_version=_text(library[24:32]), os_name=_text(library[32:40]))
    return meta, positions, obs_header + RECORD


def _check_layout(path, variables, positions):
    """Names unique, numeric lengths of a double, and the values tiling the
    record: each starts where the one before it (by position) ends."""
    seen = set()
    for var in variables:
        if var.name.upper() in seen:
            raise InputError(f"{path}: not a valid XPT v5 file: variable {var.name} appears twice")
        seen.add(var.name.upper())
        if var.type == "num" and var.length not in NUMERIC_LENGTHS:
            raise InputError(f"{path}: not a valid XPT v5 file: numeric variable {var.name} has length "
                             f"{var.length}")
    end = 0
    for pos, var in sorted(zip(positions, variables), key=lambda item: item[0]):
        if pos != end:
            raise InputError(f"{path}: not a valid XPT v5 file: variable {var.name} has position {pos}, "
                             f"but the values before it end at {end} (overlapping or gapped NAMESTR records)")
        end = pos + var.length


def _observation_count(path, data, obs_start, reclen):
    """Rows in the observation block, told from its final blank padding."""
    size = len(data) - obs_start
    if size % RECORD:
        raise InputError(f"{path}: truncated XPT file: {len(data)} bytes is not a whole number "
                         f"of {RECORD}-byte records")
    at = data.find(_MEMBER[:_PREFIX], obs_start)
    while at != -1:
        if at % RECORD == 0 and data[at + RECORD:at + RECORD + _PREFIX] == _DESCRIPTOR[:_PREFIX]:
            raise InputError(f"{path}: holds more than one dataset; cdisckit reads "
                             "single-dataset XPT files")
        at = data.find(_MEMBER[:_PREFIX], at + 1)
    if reclen == 0:
        return 0
    nobs = size // reclen
    tail = data[obs_start + nobs * reclen:]
    if tail.strip(b" ") and tail.strip(b"\x00"):     # SAS pads with blanks, some writers with NULs
        raise InputError(f"{path}: truncated XPT file: the last observation is incomplete")
    while nobs and len(data) - (obs_start + (nobs - 1) * reclen) < RECORD \
            and not data[obs_start + (nobs - 1) * reclen:].strip(b" "):
        nobs -= 1
    return nobs


def _text(raw):
    return raw.decode("latin-1").rstrip(" ")


def _format_text(name, width, decimals):
    name = _text(name)
    if not (name or width or decimals):
        return None
    return f"{name}{width or ''}.{decimals or ''}"


def _parse_datetime(raw):
    """The header's ddMMMyy:hh:mm:ss as a datetime, or None when unreadable."""
    text = raw.decode("latin-1")
    match = re.fullmatch(r"(\d\d)([A-Z]{3})(\d\d):(\d\d):(\d\d):(\d\d)", text)
    if not match or match[2] not in _MONTHS:
        return None
    day, month, year, hour, minute, second = match.groups()
    year = int(year)
    try:
        return dt.datetime(year + (1900 if year >= 60 else 2000), _MONTHS.index(month) + 1,
                           int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None


def _codec(encoding, where):
    """``encoding`` checked against ``ENCODINGS`` (raises InputError naming ``where``)."""
    if encoding not in ENCODINGS:
        raise InputError(f"{where}: encoding {encoding!r} is not one of {', '.join(ENCODINGS)}")
    return encoding


def _decode_text(cells, encoding="latin-1", where=""):
    """Strings of a fixed-width byte column (rows x width), trailing blanks removed.

    Rows are hashed eight bytes at a time and factorized, so each distinct
    value is decoded once; the hash is checked against the bytes themselves.
    """
    rows, width = cells.shape
    if rows == 0:
        return np.empty(0, dtype=object)
    words = np.zeros((rows, -(-width // 8) * 8), dtype=np.uint8)
    words[:, :width] = cells
    packed = words.view(np.uint64)
    key = packed[:, 0].copy()
    for k in range(1, packed.shape[1]):
        key *= np.uint64(0x9E37_79B9_7F4A_7C15)
        key ^= packed[:, k]
    codes, _ = pd.factorize(key)
    seen = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]])
    if packed.shape[1] > 1 and not np.array_equal(words[first][codes], words):
        _, first, codes = np.unique(words.view(f"V{words.shape[1]}").ravel(),
                                    return_index=True, return_inverse=True)
    try:
        text = cells[first].tobytes().decode(encoding)
    except UnicodeDecodeError as exc:
        row = int(np.flatnonzero(codes == exc.start // width)[0]) + 1
        raise InputError(f"{where}: row {row}: byte 0x{exc.object[exc.start]:02X} "
                         f"is not {encoding} text (give the file's encoding: "
                         f"{', '.join(e for e in ENCODINGS if e != encoding)})") from None
    values = np.array([text[i:i + width].rstrip(" ") for i in range(0, len(text), width)],
                      dtype=object)
    return values[codes]


def _decode_numbers(cells):
    """float64 values of a column of IBM doubles (rows x 2..8 bytes)."""
    rows, width = cells.shape
    full = np.zeros((rows, 8), dtype=np.uint8)
    full[:, :width] = cells
    return ibm_to_ieee(full.view(">u8").ravel().astype(np.uint64))


# ---------------------------------------------------------------- writing


def write_xpt(frame, path, *, name, label, variables=None, created=None,
              sas_version=SAS_VERSION, os_name=OS_NAME, encoding="ascii"):
    """Write ``frame`` as the one dataset of an XPT v5 file at ``path``.

    ``variables`` (``XptVariable`` list in column order; None: from the
    frame) gives labels, types, lengths and formats; ``created`` fixes the
    header datetime (None: now); ``encoding`` (one of ``ENCODINGS``) is that
    of character values. Everything is checked before a byte is
    written; the file appears complete or not at all (temp file + rename).
    Raises InputError naming the file, dataset, variable, first bad row and value.
    """
    path = Path(path)
    where = f"{path}: dataset {name}"
    problem = name_problem(name)
    if problem:
        raise InputError(f"{path}: dataset {problem}")
    problem = label_problem(label)
    if problem:
        raise InputError(f"{where}: {problem}")
    for what, text in (("SAS version", sas_version), ("operating system", os_name)):
        if not (isinstance(text, str) and text.isascii() and len(text) <= 8):
            raise InputError(f"{where}: {what} {text!r} must be ASCII of at most 8 characters")
    variables = _variables_for(frame, variables, where)
    encoding = _codec(encoding, where)
    columns = [_encode_column(frame.iloc[:, i], var, f"{where}: variable {var.name}", encoding)
               for i, var in enumerate(variables)]
    created = created or dt.datetime.now()
    header = _header_bytes(name, label or "", created, sas_version, os_name, columns)
    if not path.parent.is_dir():
        raise InputError(f"{path}: directory {path.parent} does not exist")
    with atomic_file(path, "wb") as out:
        _write_body(out, header, columns, len(frame))
    return path


def _variables_for(frame, variables, where):
    """Check ``variables`` against the frame's columns; derive them when None."""
    names = list(frame.columns)
    if variables is None:
        variables = [XptVariable(name=n) for n in names]
    variables = list(variables)
    declared = [v.name for v in variables]
    if declared != names:
        missing = [n for n in declared if n not in names]
        extra = [n for n in names if n not in declared]
        detail = "; ".join([f"variables without a column: {', '.join(missing)}"] * bool(missing)
                           + [f"columns without a variable: {', '.join(map(str, extra))}"] * bool(extra))
        raise InputError(f"{where}: frame columns do not match the variables ("
                         f"{detail or 'same names in a different order'})")
    if not variables:
        raise InputError(f"{where}: has no variables")
    if len(variables) > _MAX_VARIABLES:
        raise InputError(f"{where}: has {len(variables)} variables, XPT v5 holds at most {_MAX_VARIABLES}")
    seen = set()
    for var in variables:
        problem = name_problem(var.name)
        if problem:
            raise InputError(f"{where}: variable {problem}")
        if var.name in seen:
            raise InputError(f"{where}: variable {var.name} appears twice")
        seen.add(var.name)
        problem = label_problem(var.label)
        if problem:
            raise InputError(f"{where}: variable {var.name} {problem}")
    return variables


@dataclass
class _Column:
    """One variable ready to write: its NAMESTR fields and encoded values."""
    var: XptVariable
    length: int
    format: tuple
    informat: tuple
    table: np.ndarray | None = None   # char: distinct values as blank-padded bytes + a blank row
    codes: np.ndarray | None = None   # char: row -> table row (-1: blank)
    ibm: np.ndarray | None = None     # num: IBM doubles as uint64


def _encode_column(series, var, where, encoding="ascii"):
    kind = var.type or _column_type(series, where)
    if kind not in ("char", "num"):
        raise InputError(f"{where}: type {kind!r} must be 'char' or 'num'")
    if var.justify not in (0, 1):
        raise InputError(f"{where}: justify {var.justify!r} must be 0 (left) or 1 (right)")
    formats = (_parse_format(var.format, "format", where), _parse_format(var.informat, "informat", where))
    if kind == "num":
        length = 8 if var.length is None else var.length
        if not isinstance(length, int) or isinstance(length, bool) or length not in NUMERIC_LENGTHS:
            raise InputError(f"{where}: numeric length {length!r} must be "
                             f"{NUMERIC_LENGTHS[0]}-{NUMERIC_LENGTHS[-1]}")
        ibm, bad = _to_ibm(_numbers(series, where))
        if len(bad):
            raise InputError(f"{where}: row {bad[0] + 1}: value {_plain(series.iloc[bad[0]])!r} is infinite "
                             "or outside the IBM double range")
        return _Column(var, length, *formats, ibm=ibm)
    problem = length_problem(var.length)
    if problem:
        raise InputError(f"{where}: {problem}")
    codes, uniques = factorize(series.to_numpy(dtype=object))
    for j, value in enumerate(uniques):     # in order of first appearance
        problem = _text_problem(value, var.length, encoding)
        if problem:
            raise InputError(f"{where}: row {int(np.argmax(codes == j)) + 1}: {problem}")
    length = var.length or max(max((len(u) for u in uniques), default=1), 1)
    padded = "".join(u.ljust(length) for u in uniques) + " " * length
    table = np.frombuffer(padded.encode(encoding), dtype=np.uint8).reshape(-1, length)
    return _Column(var, length, *formats, table=table, codes=codes)


def _text_problem(value, length, encoding="ascii"):
    """Why ``value`` cannot be written in a character variable of ``length``, or None."""
    if not isinstance(value, str):
        return f"value {_plain(value)!r} is not text"
    if not value.isascii():
        try:
            value.encode(encoding)
        except UnicodeEncodeError:
            return (f"value {_shown(value)} is not ASCII" if encoding == "ascii"
                    else f"value {_shown(value)} is not {encoding} text")
    if length is not None and len(value) > length:
        return f"value {_shown(value)} has {len(value)} characters, longer than its length {length}"
    if len(value) > CHAR_MAX:
        return f"value {_shown(value)} has {len(value)} characters, over the XPT limit of {CHAR_MAX}"
    return None


def _plain(value):
    """A numpy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _shown(value, limit=60):
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "..."


def _column_type(series, where):
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype) \
            or isinstance(dtype, pd.PeriodDtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise InputError(f"{where}: column of {dtype} cannot be written; store numbers "
                         "(e.g. SAS dates) or text (e.g. ISO 8601)")
    return "num" if pd.api.types.is_numeric_dtype(dtype) else "char"


def _numbers(series, where):
    """float64 values of a numeric column (NaN payloads kept)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        kind = "text" if pd.api.types.is_string_dtype(dtype) else dtype
        raise InputError(f"{where}: declared num but the column holds {kind} values")
    if dtype == np.float64:
        return series.to_numpy()
    if pd.api.types.is_integer_dtype(dtype):
        ints = series.to_numpy(dtype=np.float64, na_value=np.nan)
        too_big = np.flatnonzero(np.abs(ints) > 2.0 ** 53)
        if len(too_big):
            raise InputError(f"{where}: row {too_big[0] + 1}: value {_plain(series.iloc[too_big[0]])!r} "
                             "has more digits than a double holds exactly")
        return ints
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _parse_format(text, what, where):
    """(name, width, decimals) of a SAS format string such as "DATE9." or "8.2"."""
    if text is None or text == "":
        return ("", 0, 0)
    match = _FORMAT.match(text) if isinstance(text, str) else None
    if not match or len(match[1]) > _FORMAT_NAME_MAX or \
            any(len(part) > 4 for part in match.groups()[1:]):
        raise InputError(f"{where}: {what} {text!r} is not a SAS format NAMEw.d (name of at "
                         f"most {_FORMAT_NAME_MAX} characters)")
    return (match[1], int(match[2] or 0), int(match[3] or 0))


def _datetime_text(moment):
    return (f"{moment.day:02d}{_MONTHS[moment.month - 1]}{moment.year % 100:02d}:"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")


def _header_bytes(name, label, created, sas_version, os_name, columns):
    stamp = _datetime_text(created)
    version = f"{sas_version:<8}{os_name:<8}{'':24}{stamp}"
    parts = [_LIBRARY, f"SAS     SAS     SASLIB  {version}".encode("ascii"),
             f"{stamp}{'':64}".encode("ascii"), _MEMBER, _DESCRIPTOR,
             f"SAS     {name:<8}SASDATA {version}".encode("ascii"),
             f"{stamp}{'':16}{label:<40}{'':8}".encode("ascii"),
             _header("NAMESTR", f"000000{len(columns):04d}" + "0" * 20)]
    position = 0
    namestrs = []
    for number, col in enumerate(columns, 1):
        var = col.var
        (form, fl, fd), (iform, ifl, ifd) = col.format, col.informat
        namestrs.append(_NAMESTR.pack(
            2 if col.table is not None else 1, 0, col.length, number, _blank_padded(var.name, 8),
            _blank_padded(var.label or "", 40), _blank_padded(form, 8), fl, fd, var.justify, b"",
            _blank_padded(iform, 8), ifl, ifd, position, b""))
        position += col.length
    namestrs = b"".join(namestrs)
    parts += [namestrs, b" " * (-len(namestrs) % RECORD), _OBS]
    return b"".join(parts)


def _blank_padded(text, width):
    return text.ljust(width).encode("ascii")


def _write_body(out, header, columns, rows):
    """Header, then observation records assembled a chunk of rows at a time."""
    out.write(header)
    layout = np.dtype({
        "names": [f"f{i}" for i in range(len(columns))],
        "formats": [">u8" if c.table is None and c.length == 8 else f"V{c.length}" for c in columns],
        "offsets": list(accumulate((c.length for c in columns[:-1]), initial=0)),
        "itemsize": sum(c.length for c in columns)})
    tables = [None if c.table is None else c.table.view(f"V{c.length}").ravel() for c in columns]
    chunk = np.empty(max(1, _CHUNK_BYTES // layout.itemsize), dtype=layout)
    for start in range(0, rows, len(chunk)):
        stop = min(start + len(chunk), rows)
        part = chunk[:stop - start]
        for i, (col, table) in enumerate(zip(columns, tables)):
            if table is not None:
                np.take(table, col.codes[start:stop], out=part[f"f{i}"], mode="wrap")
            elif col.length == 8:
                part[f"f{i}"] = col.ibm[start:stop]
            else:
                words = col.ibm[start:stop].astype(">u8").view(np.uint8).reshape(-1, 8)
                part[f"f{i}"] = np.ascontiguousarray(words[:, :col.length]).view(f"V{col.length}").ravel()
        out.write(part.view(np.uint8))
    out.write(b" " * (-(rows * layout.itemsize) % RECORD))
