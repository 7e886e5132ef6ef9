"""Writes the export: one CSV per form and forms.yaml, all or nothing.

Files are written into a temporary folder beside the target that replaces it
only when every file is complete (``specs.atomic``), so a failure leaves no
half-written export. Output is byte-for-byte reproducible: UTF-8 without
byte-order mark, "\\n" line endings, fields quoted only when needed, YAML keys
in a fixed order.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from specs.atomic import atomic_folder, check_folder
from specs.errors import InputError


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases for repeated lists."""

    def ignore_aliases(self, data):
        return True


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, the bytes ``frame.to_csv(index=False, lineterminator="\\n")``
    writes, with each distinct value of a column made a field once (rows are
    joined, not written one by one). Frames with a column that is not text are
    left to pandas."""
    if not all(pd.api.types.is_string_dtype(dtype) for dtype in frame.dtypes) or frame.shape[1] < 2:
        return frame.to_csv(index=False, lineterminator="\n")
    columns = []
    for name in frame.columns:
        codes, distinct = pd.factorize(frame[name].to_numpy(dtype=object), use_na_sentinel=False)
        columns.append(np.array(_fields(["" if pd.isna(v) else v for v in distinct]) or [""], dtype=object)[codes])
    lines = [",".join(_fields([str(name) for name in frame.columns])), *map(",".join, zip(*columns))]
    return "\n".join(lines) + "\n"


def _fields(values: list[str]) -> list[str]:
    """Each value as Python's csv writer (which pandas uses) writes it inside a row:
    quoted, quotes doubled, when it holds a comma, a quote or a line break."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    fields = []
    for value in values:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow((value, ""))      # two fields: an empty value is not quoted
        fields.append(buffer.getvalue()[:-2])
    return fields


def write_export(forms: dict[str, pd.DataFrame], out_dir, dictionary: dict) -> list[Path]:
    """Write ``<form>.csv`` for each form and ``forms.yaml`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    check_folder(out_dir)
    names = [f"{name}.csv" for name in forms] + ["forms.yaml"]
    try:
        with atomic_folder(out_dir) as staging:
            for name, frame in forms.items():
                (staging / f"{name}.csv").write_text(csv_text(frame), encoding="utf-8", newline="\n")
            with open(staging / "forms.yaml", "w", encoding="utf-8", newline="\n") as handle:
                yaml.dump(dictionary, handle, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from exc
    return [out_dir / name for name in names]
