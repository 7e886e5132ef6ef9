"""One way in and out for dataset files of any format: XPT v5, Dataset-JSON .json, .ndjson, .dsjc.

``read_dataset(path)`` gives the frame (XPT conventions: strings and
float64) and a ``DatasetMeta`` holding both views of the metadata: the XPT v5
header (``xpt``) and the Dataset-JSON header (``header``). Whatever the file
was, both are filled, so ``check``, ``dump``, ``compare`` and ``convert`` need
not know the format. ``write_dataset`` writes either format from them.

From XPT to Dataset-JSON: names, labels, lengths and formats come from the
file; with a define.xml (``with_define``) the OIDs, data types, lengths,
display formats and keys come from it, as CDISC's examples do. Without one,
a numeric variable with a date, datetime or time format (DATE9., E8601DT.,
TIME8. ...) is ``date``/``datetime``/``time`` with ``targetDataType``
integer, one holding whole numbers only is ``integer`` and others ``double``.
The XPT header's creation time is ``dbLastModifiedDateTime`` (the data's
last change, as in CDISC's files) and its SAS version and operating system
are the ``sourceSystem`` (``SAS on <os>``), unless cdisckit wrote it.

From Dataset-JSON to XPT the reverse holds, so XPT -> Dataset-JSON -> XPT
gives the same bytes for a file without informats, right justification,
numeric lengths under 8 or special missing values, which Dataset-JSON cannot
carry (special missing values are refused rather than lost).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from define import oids
from specs.errors import InputError

from . import __version__
from .dataset_json import (NUMBER_TYPES, TIMING_TYPES, VERSION, is_numeric, kind_of, ordered, read_dataset_json,
                           write_dataset_json)
from .xpt import OS_NAME, SAS_VERSION, XptMetadata, XptVariable, read_xpt, write_xpt

SUFFIXES = (".xpt", ".json", ".ndjson", ".dsjc")
FORMATS = {"xpt": ".xpt", "json": ".json", "ndjson": ".ndjson", "dsjc": ".dsjc"}
SOURCE_SYSTEM = {"name": "cdisckit", "version": __version__}
# SAS format names (without width) that show a numeric as a date, datetime or time.
TIMING_FORMATS = {
    "date": ("DATE", "E8601DA", "IS8601DA", "YYMMDD", "MMDDYY", "DDMMYY", "WORDDATE", "WEEKDATE",
             "MONYY", "B8601DA"),
    "datetime": ("DATETIME", "E8601DT", "IS8601DT", "DATEAMPM", "B8601DT"),
    "time": ("TIME", "E8601TM", "IS8601TM", "TOD", "HHMM", "B8601TM"),
}


@dataclass
class DatasetMeta:
    """A dataset file's metadata as XPT v5 and as Dataset-JSON; ``format`` is the file's."""
    xpt: XptMetadata
    header: dict
    format: str
    path: Path | None = None

    @property
    def name(self):
        return self.xpt.name


def dataset_format(path):
    """"xpt", "json", "ndjson" or "dsjc" from the suffix; InputError for others."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xpt":
        return "xpt"
    kind = kind_of(path)
    if kind is None:
        raise InputError(f"{path}: not a dataset file (.xpt, .json, .ndjson or .dsjc)")
    return kind


def read_dataset(path, *, encoding=None):
    """``(frame, DatasetMeta)`` of an XPT or Dataset-JSON file (``encoding``: XPT text)."""
    path = Path(path)
    kind = dataset_format(path)
    if kind == "xpt":
        frame, meta = read_xpt(path, encoding=encoding)
        return frame, DatasetMeta(meta, header_from_xpt(frame, meta), "xpt", path)
    frame, header = read_dataset_json(path)
    return frame, DatasetMeta(xpt_from_header(header, path), header, kind, path)


def write_dataset(frame, meta, path, *, created, encoding="ascii"):
    """Write ``frame`` in the format of ``path``'s suffix; returns the path.

    ``created`` is the Dataset-JSON creation datetime (an XPT keeps its own).
    """
    path = Path(path)
    if dataset_format(path) == "xpt":
        x = meta.xpt
        return write_xpt(frame, path, name=x.name, label=x.label, variables=x.variables,
                         created=x.created, sas_version=x.sas_version, os_name=x.os_name,
                         encoding=encoding)
    header = {**meta.header, "datasetJSONCreationDateTime": _iso(created)}
    return write_dataset_json(frame, header, path)


def dataset_files(folder):
    """The dataset files of ``folder`` (any supported suffix, any case), sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


# ---------------------------------------------------------------- XPT -> Dataset-JSON


def header_from_xpt(frame, meta, define=None, *, metadata_ref=None, created=None):
    """The Dataset-JSON header of an XPT dataset (``define``: ``DefineColumns`` to take OIDs,
    data types and keys from; ``metadata_ref``: the define's URI as the file will see it;
    ``created``: the Dataset-JSON file's creation datetime, default the XPT's)."""
    created = created or meta.created or dt.datetime.now()
    described = define.datasets.get(meta.name.upper()) if define else None
    by_name = {c["name"].upper(): c for c in described.columns} if described else {}
    columns = [_column(frame[var.name], var, meta.name, by_name.get(var.name.upper()))
               for var in meta.variables]
    # The define's FileOID, the file's creation date and the dataset, as CDISC's files have it.
    file_oid = f"{define.file_oid}/{created:%Y-%m-%d}/{meta.name.lower()}" \
        if described and define.file_oid else None
    cdisckit = meta.os_name == OS_NAME and meta.sas_version == SAS_VERSION
    header = {
        "datasetJSONCreationDateTime": _iso(created),
        "datasetJSONVersion": VERSION,
        "fileOID": file_oid,
        "dbLastModifiedDateTime": _iso(meta.created) if meta.created else None,
        "originator": define.originator if define else None,
        "sourceSystem": SOURCE_SYSTEM if cdisckit else
        {"name": f"SAS on {meta.os_name}", "version": meta.sas_version},
        "studyOID": define.study_oid if define else None,
        "metaDataVersionOID": define.metadata_version_oid if define else None,
        "metaDataRef": metadata_ref if define else None,
        "itemGroupOID": described.oid if described else oids.itemgroup_oid(meta.name),
        "records": len(frame),
        "name": meta.name,
        "label": meta.label,
        "columns": columns,
    }
    return ordered(header)


def with_define(frame, meta, define, *, metadata_ref=None, created=None):
    """``meta`` with its Dataset-JSON header rebuilt from its XPT view and a define."""
    return dataclasses.replace(meta, header=header_from_xpt(
        frame, meta.xpt, define, metadata_ref=metadata_ref, created=created))


def _column(series, var, dataset, described):
    """One XPT variable as a Dataset-JSON column; ``described``: the define's column, if any.

    Text keeps the define's data type and length. A numeric takes the define's
    number or timing type unless its format and values make it a date,
    datetime or time (ADaM dates, which Define-XML calls integer).
    """
    column = {"itemOID": oids.item_oid(dataset, var.name), "name": var.name, "label": var.label}
    if described:
        column.update({key: described.get(key) for key in ("itemOID", "displayFormat", "keySequence")})
    if var.type != "num":
        if described and not is_numeric(described):
            column.update(dataType=described["dataType"], length=described.get("length"))
        else:
            column.update(dataType="string", length=var.length)
    else:
        kind = _inferred_type(series, var)
        if described and kind not in TIMING_TYPES and described["dataType"] in NUMBER_TYPES + TIMING_TYPES:
            kind = described["dataType"]
        column["dataType"] = kind
        if kind in TIMING_TYPES:
            column["targetDataType"] = "integer"
    column["displayFormat"] = column.get("displayFormat") or var.format
    return column


def _inferred_type(series, var):
    """Dataset-JSON dataType of an XPT numeric, from its format and its values."""
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[~np.isnan(values)]
    whole = bool(np.all(values == np.floor(values)) and np.all(np.abs(values) < 2.0 ** 53))
    name = (var.format or "").upper().rstrip("0123456789.")
    for kind, names in TIMING_FORMATS.items():
        if name in names and whole and (kind != "time" or np.all((values >= 0) & (values < 86400))):
            return kind
    return "integer" if whole else "double"


def _iso(moment):
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


# ---------------------------------------------------------------- Dataset-JSON -> XPT


def xpt_from_header(header, where):
    """The XPT v5 metadata a Dataset-JSON header describes."""
    system = header.get("sourceSystem") or {}
    sas, os_name = SAS_VERSION, OS_NAME
    if system.get("name", "").startswith("SAS on "):
        sas, os_name = system["version"][:8], system["name"][len("SAS on "):][:8]
    stamp = header.get("dbLastModifiedDateTime") or header["datasetJSONCreationDateTime"]
    try:
        created = dt.datetime.fromisoformat(stamp.rstrip("Z")).replace(tzinfo=None, microsecond=0)
    except ValueError:
        raise InputError(f"{where}: {stamp!r} is not an ISO 8601 date-time") from None
    variables = [XptVariable(name=c["name"], label=c["label"],
                             type="num" if is_numeric(c) else "char",
                             length=8 if is_numeric(c) else c.get("length"),
                             format=c.get("displayFormat"))
                 for c in header["columns"]]
    return XptMetadata(name=header["name"], label=header["label"], variables=variables,
                       created=created, sas_version=sas, os_name=os_name)


def relative_ref(define_path, out_path):
    """``define_path`` as a URI relative to the folder of ``out_path``."""
    return Path(os.path.relpath(define_path, Path(out_path).parent)).as_posix()
