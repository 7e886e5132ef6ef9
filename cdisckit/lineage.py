"""Record lineage of a run: where every SDTM and ADaM record came from.

The lineage file ``reports/lineage.csv.gz`` (gzip'd CSV, since Parquet would
need pyarrow) has one row per record and direct source:

| column | meaning |
|---|---|
| dataset | SDTM or ADaM dataset of the record |
| record | the record's 1-based row in the dataset's XPT file |
| kind | ``form`` (a raw form line), ``dataset`` (a record of another dataset), ``spec`` (a literal record of the spec) |
| source | the raw form, the dataset or the spec path |
| file | the raw file's name (without its folder), ``AE (SDTM)`` for a dataset |
| row | the raw file's line (header = line 1), or the source dataset's record |

SDTM rows come from the mapping engine (``sdtm.engine.Mapper.lineage``).
ADaM records are linked to their SDTM (or ADSL) predecessors here: by
SRCDOM/SRCSEQ where the dataset has them, else to the records of the
builder's ``source`` dataset that share USUBJID, the --SEQ and the variables
the spec names as predecessors (ADAE to its AE record; ADQS to the QS
records of its scale's items at its visit); a record with none of these goes to its subject's
ADSL (or DM) record. Nothing of it is written into an XPT file.
"""

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from specs.conditions import as_text
from sdtm.engine import LINEAGE
from specs.atomic import write_bytes
from specs.errors import InputError

from .csv_fields import csv_field

FILE_NAME = "lineage.csv.gz"


def write_lineage(path, lineage):
    """Write a lineage frame as gzip'd CSV, byte-identical for the same content
    (the text ``DataFrame.to_csv`` writes, made a block of rows at a time)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", filename="", mtime=0, compresslevel=6) as handle:
        handle.write((",".join(map(csv_field, LINEAGE)) + "\n").encode("utf-8"))
        for block in _csv_blocks(lineage[LINEAGE]):
            handle.write(block)
    write_bytes(path, buffer.getvalue())
    return Path(path)


def _cells(values):
    """The CSV cells of a column: (width, a function of a row slice giving the
    cells there as a byte matrix, one row per record, each cell left-aligned
    and padded with NUL bytes). Non-negative integers are written digit by
    digit; other values once per run of equal values (text, "" when missing)."""
    if pd.api.types.is_integer_dtype(values) and (values >= 0).all():
        numbers = values.to_numpy(dtype="uint64")
        powers = 10 ** np.arange(len(str(numbers.max())) - 1, -1, -1, dtype="uint64")

        def digits(rows):
            out = np.empty((len(numbers[rows]), len(powers)), dtype=np.uint8)
            for j, power in enumerate(powers):
                high = numbers[rows] // power
                out[:, j] = np.where((high > 0) | (power == 1), high % 10 + ord("0"), 0)
            return out
        return len(powers), digits
    array = values.to_numpy(dtype=object)
    starts = np.flatnonzero(np.concatenate([[True], array[1:] != array[:-1]]))
    codes, distinct = pd.factorize(array[starts])          # missing: -1, the last text
    codes = np.repeat(codes, np.diff(np.append(starts, len(array))))
    texts = [csv_field(str(value)).encode("utf-8") for value in distinct] + [b""]
    width = max(1, *map(len, texts))
    table = np.array(texts, dtype=f"V{width}")           # a cell as one item: fast to take
    return width, lambda rows: np.take(table, codes[rows]).view(np.uint8).reshape(-1, width)


def _csv_blocks(frame, size=1 << 18):
    """The CSV lines of ``frame`` (no header, "\\n" after each) as bytes, ``size``
    rows at a time: the cells side by side in a byte matrix, separators
    between, and the NUL padding dropped (text in a lineage holds no NUL)."""
    columns = [_cells(frame[name]) for name in frame.columns] if len(frame) else []
    ends = np.cumsum([width + 1 for width, _ in columns])
    for start in range(0, len(frame), size):
        rows = slice(start, start + size)
        block = np.full((len(frame.index[rows]), ends[-1]), ord(","), dtype=np.uint8)
        for (width, cells), end in zip(columns, ends):
            block[:, end - width - 1:end - 1] = cells(rows)
        block[:, -1] = ord("\n")
        yield block[block != 0].tobytes()


def read_lineage(path):
    """A lineage file as written by ``write_lineage``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no lineage file (cdisckit run and cdisckit sdtm write reports/{FILE_NAME})")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in LINEAGE if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: not a lineage file (columns {missing} missing)")
    return frame.astype({"record": "int64", "row": "int64"})


def text_codes(values, text=as_text):
    """(codes, texts): each value's code into the distinct texts of ``text(values)``
    (an object array, "" last: the text of a missing value), ``text`` applied
    once per distinct value."""
    codes, uniques = pd.factorize(values)          # missing: -1, text ""
    distinct, texts = pd.factorize(np.append(text(pd.Series(uniques)).to_numpy(dtype=object), ""))
    return distinct[codes], np.append(np.asarray(texts, dtype=object), "")


def _join_keys(left, right):
    """Integer keys of the rows of two lists of aligned columns, equal where every
    column of a left row equals, as text, its column of a right row."""
    keys = np.zeros(len(left[0]) + len(right[0]), dtype=np.int64)
    for a, b in zip(left, right):
        (a_codes, a_texts), (b_codes, b_texts) = text_codes(a), text_codes(b)
        shared, distinct = pd.factorize(np.concatenate([a_texts, b_texts]))
        codes = np.concatenate([shared[:len(a_texts)][a_codes], shared[len(a_texts):][b_codes]])
        keys, _ = pd.factorize(keys * len(distinct) + codes)
    return keys[:len(left[0])], keys[len(left[0]):]


def _inner_join(left, right):
    """Positions (i, j) of equal keys: each left position in order, with its
    right positions in their order (as ``DataFrame.merge(how="inner")``)."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    start = np.searchsorted(ordered, left, "left")
    count = np.searchsorted(ordered, left, "right") - start
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(np.arange(len(left)), count), order[np.repeat(start, count) + offset]


def _record_numbers(frame):
    """A frame's 1-based record numbers (or the ``_record`` column it has)."""
    return frame["_record"].to_numpy(dtype=np.int64) if "_record" in frame.columns else np.arange(1, len(frame) + 1)


def _links(mine, other, on):
    """(record, row) pairs joining records of ``mine`` to the records of ``other`` equal on ``on`` (as text)."""
    on = list(dict.fromkeys(on))
    i, j = _inner_join(*_join_keys([mine[c] for c in on], [other[c] for c in on]))
    return _record_numbers(mine)[i], _record_numbers(other)[j]


def _predecessor_keys(ds, frame, source, other):
    """(ADaM variable, source variable) pairs equal on a record and its source records."""
    pairs = [("USUBJID", "USUBJID")]
    seq = f"{source}SEQ"
    if seq in frame.columns and seq in other.columns:
        pairs.append((seq, seq))
    for var in ds.variables:
        pred = var.origin.predecessor if var.origin else None
        if pred and pred.startswith(f"{source}.") and var.name in frame.columns:
            if pred.split(".", 1)[1] in other.columns and var.name != "USUBJID":
                pairs.append((var.name, pred.split(".", 1)[1]))
    return list(dict.fromkeys(pairs))


def _scale_items(ds, frame, pairs):
    """For scored parameters (ADQS), each record once per item of its scale, so
    it links to the source records of those items only: the builder's
    ``scales`` name each PARAMCD's ``items`` of its ``item_var`` variable."""
    mapping = ds.mapping or {}
    item, scales = mapping.get("item_var"), mapping.get("scales")
    mine = pd.DataFrame({b: frame[a].to_numpy() for a, b in pairs}).assign(_record=np.arange(1, len(frame) + 1))
    if not item or not scales or "PARAMCD" not in frame.columns:
        return mine, [b for _, b in pairs]
    items = {s["paramcd"]: list(s.get("items", [])) for s in scales}
    mine[item] = frame["PARAMCD"].map(items).to_numpy()
    return mine.explode(item).dropna(subset=[item]), [b for _, b in pairs] + [item]


def adam_lineage(study, sdtm, adam):
    """Lineage rows of ADaM records: their SDTM (or ADSL) predecessor records."""
    parts = {}
    for name, frame in adam.items():
        ds = study.datasets[name]
        subject_level = adam.get("ADSL") if name != "ADSL" else sdtm.get("DM")
        subject_name = "ADSL" if name != "ADSL" else "DM"
        linked = np.zeros(len(frame) + 1, dtype=bool)       # by record number
        found = []

        def keep(source, records, rows, new=True):
            if new:
                records, rows = records[~linked[records]], rows[~linked[records]]
            found.append((source, records, rows))
            linked[records] = True

        if {"SRCDOM", "SRCSEQ", "USUBJID"} <= set(frame.columns):
            for domain in sorted(set(frame["SRCDOM"]) - {""}):
                other = sdtm.get(domain)
                seq = f"{domain}SEQ"
                if other is None or seq not in other.columns:
                    continue
                rows = frame["SRCDOM"].to_numpy() == domain
                mine = pd.DataFrame({"USUBJID": frame["USUBJID"].to_numpy()[rows], seq: frame["SRCSEQ"].to_numpy()[rows],
                                     "_record": np.flatnonzero(rows) + 1})
                keep(domain, *_links(mine, other, ["USUBJID", seq]), new=False)
        source = (ds.mapping or {}).get("source")
        if source in sdtm and "USUBJID" in frame.columns:
            mine, on = _scale_items(ds, frame, _predecessor_keys(ds, frame, source, sdtm[source]))
            keep(source, *_links(mine, sdtm[source], on))
        if subject_level is not None and "USUBJID" in frame.columns and not linked[1:].all():
            keep(subject_name, *_links(frame[["USUBJID"]], subject_level, ["USUBJID"]))
        parts[name] = found
    return _lineage_frame(parts)


def _lineage_frame(parts):
    """The lineage rows of ``parts`` (dataset -> [(source dataset, records, rows)])
    by dataset and record, a record's sources in the order found."""
    blocks = []
    for name in sorted(parts):
        found = parts[name]
        which = np.concatenate([np.full(len(r), k) for k, (_, r, _) in enumerate(found)] + [np.zeros(0, int)])
        records = np.concatenate([r for _, r, _ in found] + [np.zeros(0, np.int64)])
        rows = np.concatenate([w for _, _, w in found] + [np.zeros(0, np.int64)])
        order = np.argsort(records, kind="stable")
        sources = np.array([s for s, _, _ in found] + [""], dtype=object)
        files = np.array([f"{s} ({'ADaM' if s.startswith('AD') else 'SDTM'})" for s, _, _ in found] + [""],
                         dtype=object)
        blocks.append(pd.DataFrame({"dataset": name, "record": records[order], "kind": "dataset",
                                    "source": sources[which[order]], "file": files[which[order]],
                                    "row": rows[order]}, columns=LINEAGE))
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=LINEAGE)


def raw_sources(lineage):
    """Every record's sources followed back through other datasets to raw
    lines (kind ``form``) or spec records (kind ``spec``); unordered."""
    lineage = lineage[LINEAGE]
    hop = lineage["kind"] == "dataset"
    done, todo = [lineage[~hop]], lineage[hop]
    upstream = lineage.rename(columns={"dataset": "source", "record": "row", "source": "_source", "row": "_row"})
    for _ in range(20):   # datasets built from datasets: a few levels at most
        if not len(todo):
            break
        sources = upstream[upstream["source"].isin(set(todo["source"]))]     # only the datasets linked to
        found = todo[["dataset", "record", "source", "row"]].merge(sources, on=["source", "row"], how="inner")
        found = found[["dataset", "record", "kind", "_source", "file", "_row"]].rename(
            columns={"_source": "source", "_row": "row"}).drop_duplicates()
        hop = found["kind"] == "dataset"
        done.append(found[~hop])
        todo = found[hop]
    return pd.concat(done, ignore_index=True)
