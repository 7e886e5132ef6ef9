"""Writes the export: one CSV per form and forms.yaml, all or nothing.

Files are written into a temporary folder beside the target that replaces it
only when every file is complete (``specs.atomic``), so a failure leaves no
half-written export. Output is byte-for-byte reproducible: UTF-8 without
byte-order mark, "\\n" line endings, fields quoted only when needed, YAML keys
in a fixed order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from specs.atomic import atomic_folder, check_folder
from specs.errors import InputError
from specs.frames import blank_missing

from ..csv_fields import csv_fields


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases for repeated lists."""

    def ignore_aliases(self, data):
        return True


def write_export(forms: dict[str, pd.DataFrame], out_dir, dictionary: dict) -> list[Path]:
    """Write ``<form>.csv`` for each form and ``forms.yaml`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    check_folder(out_dir)
    names = [f"{name}.csv" for name in forms] + ["forms.yaml"]
    try:
        with atomic_folder(out_dir) as staging:
            for name, frame in forms.items():
                with open(staging / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
                    handle.write(csv_text(frame))
            with open(staging / "forms.yaml", "w", encoding="utf-8", newline="\n") as handle:
                yaml.dump(dictionary, handle, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from exc
    return [out_dir / name for name in names]


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as ``frame.to_csv(index=False, lineterminator="\\n")`` writes it
    (text; missing values blank), built a column at a time: pandas' writer
    handles every field in Python."""
    frame = blank_missing(frame.astype("object")).astype(str)
    columns = [csv_fields(frame.iloc[:, i].to_numpy(dtype=object)) for i in range(frame.shape[1])]
    if len(columns) == 1:   # a record of one empty field is written quoted, so it is not a blank line
        columns = [np.where(columns[0] == "", '""', columns[0])]
    header = ",".join(csv_fields(np.array([str(c) for c in frame.columns], dtype=object)))
    body = "\n".join(map(",".join, zip(*columns)))
    return header + "\n" + (body + "\n" if len(frame) else "")
