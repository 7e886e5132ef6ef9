"""Follow a record back to the raw lines it came from, or a raw line forward
to every record it fed, through the lineage file of a run (``cdisckit.lineage``).

A run folder is what ``cdisckit run`` (or ``cdisckit sdtm``) wrote: dataset
files (XPT or Dataset-JSON) anywhere below it and ``reports/lineage.csv.gz``. Records are named by their
dataset and 1-based row, shown with USUBJID and the --SEQ (or PARAMCD).
"""

from pathlib import Path

import pandas as pd

from specs.errors import InputError

from .compare import dataset_paths
from .datasets import read_dataset
from .lineage import FILE_NAME, read_lineage
from .raw import read_form


class Run:
    """The datasets and lineage of a run folder, read on demand."""

    def __init__(self, folder, raw=None):
        self.folder, self.raw = Path(folder), Path(raw) if raw else None
        if not self.folder.is_dir():
            raise InputError(f"{self.folder}: run folder not found")
        self.lineage = read_lineage(self.folder / "reports" / FILE_NAME)
        self.files = dataset_paths(self.folder)
        self._frames, self._forms = {}, {}

    def frame(self, name):
        if name not in self._frames:
            if name not in self.files:
                raise InputError(f"{self.folder}: no dataset {name} (found: {', '.join(self.files) or 'none'})")
            self._frames[name] = read_dataset(self.files[name])[0]
        return self._frames[name]

    def raw_line(self, file, row):
        """The non-empty cells of a raw line as ``COLUMN=value`` text (needs ``raw``)."""
        if self.raw is None or not (self.raw / file).is_file():
            return None
        if file not in self._forms:
            self._forms[file] = read_form(self.raw / file)
        frame = self._forms[file]
        if row not in frame.index:
            return None
        cells = frame.loc[row]
        return "; ".join(f"{c}={v}" for c, v in cells.items() if str(v).strip())

    def label(self, name, record):
        """``AE record 4 (USUBJID=..., AESEQ=3)``."""
        frame = self.frame(name)
        shown = [c for c in frame.columns if c == "USUBJID" or c.endswith("SEQ") or c in ("PARAMCD", "QNAM")]
        values = frame.iloc[record - 1]
        text = ", ".join(f"{c}={_text(values[c])}" for c in shown[:3])
        return f"{name} record {record}" + (f" ({text})" if text else "")

    def records(self, name, criteria):
        """1-based rows of dataset ``name`` whose variables equal every ``criteria`` value."""
        frame = self.frame(name)
        keep = pd.Series(True, index=frame.index)
        for var, wanted in criteria.items():
            if var not in frame.columns:
                raise InputError(f"{self.files[name]}: {name} has no variable {var}")
            values = frame[var]
            if pd.api.types.is_numeric_dtype(values):
                number = pd.to_numeric(pd.Series([wanted]), errors="coerce")[0]
                keep &= values == number
            else:
                keep &= values.astype(str).str.strip() == wanted.strip()
        return [int(i) + 1 for i in frame.index[keep.to_numpy()]]


def _text(value):
    if isinstance(value, float):
        return "." if pd.isna(value) else f"{value:g}"
    return str(value)


def back(run, name, record, depth=0):
    """Lines tracing one record to its raw sources, indented by hop."""
    pad = "  " * depth
    lines = [pad + run.label(name, record)] if depth == 0 else []
    sources = run.lineage[(run.lineage["dataset"] == name) & (run.lineage["record"] == record)]
    if not len(sources):
        lines.append(pad + "  <- no recorded source")
    for src in sources.itertuples(index=False):
        if src.kind == "dataset":
            lines.append(pad + "  <- " + run.label(src.source, src.row))
            lines += back(run, src.source, src.row, depth + 1)
        elif src.kind == "form":
            lines.append(pad + f"  <- raw {src.file} line {src.row}")
            cells = run.raw_line(src.file, src.row)
            if cells:
                lines.append(pad + "       " + cells)
        else:
            lines.append(pad + f"  <- spec {src.source} record {src.row}")
    return lines


def forward(run, form, row):
    """Every record a raw line fed, directly or through other datasets, in hop
    order: ``(file, [(dataset, record), ...])``."""
    lineage = run.lineage
    direct = lineage[(lineage["kind"] == "form") & ((lineage["source"] == form) | (lineage["file"] == form))
                     & (lineage["row"] == row)]
    if not len(direct):
        known = sorted(set(lineage.loc[lineage["kind"] == "form", "source"]))
        if form not in known and form not in set(lineage["file"]):
            raise InputError(f"raw form {form!r} fed no record of this run (forms: {', '.join(known)})")
    found, frontier = [], list(dict.fromkeys(zip(direct["dataset"], direct["record"])))
    seen = set()
    while frontier:
        found += [r for r in frontier if r not in seen]
        seen.update(frontier)
        hop = lineage[(lineage["kind"] == "dataset")]
        keys = pd.MultiIndex.from_tuples(frontier) if frontier else None
        nxt = hop[pd.MultiIndex.from_arrays([hop["source"], hop["row"]]).isin(keys)]
        frontier = [r for r in dict.fromkeys(zip(nxt["dataset"], nxt["record"])) if r not in seen]
    return (direct["file"].iloc[0] if len(direct) else form), found
