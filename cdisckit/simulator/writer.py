"""Writes the export: one CSV per form and forms.yaml, all or nothing.

Files are written into a temporary folder beside the target and moved into
place only when every file is complete, so a failure leaves no half-written
export. Output is byte-for-byte reproducible: UTF-8 without byte-order mark,
"\\n" line endings, fields quoted only when needed, YAML keys in a fixed order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from specs.errors import InputError


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases for repeated lists."""

    def ignore_aliases(self, data):
        return True


def _prepare(out_dir: Path) -> Path:
    """Create the target's parent and a temporary folder in it, or raise InputError."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a folder")
    for ancestor in out_dir.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise InputError(f"{out_dir}: {ancestor} is not a folder")
            break
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from exc


def check_target(out_dir) -> None:
    """Raise InputError now if ``out_dir`` cannot be written, before any long work."""
    Path(_prepare(Path(out_dir))).rmdir()


def write_export(forms: dict[str, pd.DataFrame], out_dir, dictionary: dict) -> list[Path]:
    """Write ``<form>.csv`` for each form and ``forms.yaml`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    staging = _prepare(out_dir)
    names = [f"{name}.csv" for name in forms] + ["forms.yaml"]
    try:
        for name, frame in forms.items():
            frame.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        with open(staging / "forms.yaml", "w", encoding="utf-8", newline="\n") as handle:
            yaml.dump(dictionary, handle, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        if not out_dir.exists():
            os.rename(staging, out_dir)
        else:
            for name in names:
                os.replace(staging / name, out_dir / name)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in names]
