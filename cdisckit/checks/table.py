"""A dataset under check: its values, its transport metadata, and how to read a folder of them.

Rules see every dataset as a ``Table``: the frame as read (never changed),
the dataset name and label, and per variable its XPT type, length, label and
format. A folder of dataset files (XPT or Dataset-JSON) becomes tables plus a
list of the files that could not be read; a bad file is reported as a
finding, it never stops a run.
Tables can also be made from in-memory frames (``from_frame``), so the
pipeline and the tests check data without writing it first.

Columns repeat few distinct values, so value work is done once per distinct
value: a table factorizes each column once (cached) and rules test the
distinct values and spread the results back over the rows, or compare rows by
integer codes instead of strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from define.where import where_mask
from specs.dates import to_date
from specs.errors import InputError
from specs.text import numbers_text
from specs.transport import text_length

from ..datasets import SUFFIXES, dataset_files, read_dataset


@dataclass(frozen=True)
class Column:
    """One variable's transport metadata."""
    name: str
    type: str                      # "char" or "num"
    length: int | None = None
    label: str | None = None
    format: str | None = None


def _is_number(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


@dataclass
class Table:
    """One dataset as the rules see it."""
    name: str
    frame: pd.DataFrame
    label: str | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    path: str | None = None        # file it was read from, None for in-memory frames
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def rows(self):
        return len(self.frame)

    def has(self, *names):
        """True when every name is a variable of the table."""
        return all(n in self.frame.columns for n in names)

    def column(self, name):
        return self.columns.get(name)

    def numeric(self, name):
        """True when ``name`` is stored as an XPT numeric."""
        col = self.columns.get(name)
        return col.type == "num" if col else _is_number(self.frame[name])

    def cached(self, key, compute):
        """``compute()``, computed once per table for ``key`` (values of a column read once)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def distinct(self, name):
        """(codes, values): each row's position among the distinct values of ``name`` as
        written (numbers as ``display`` shows them), -1 where missing."""
        def compute():
            series = self.frame[name]
            if _is_number(series):
                codes, uniques = pd.factorize(series)
                values = display(pd.Series(uniques, dtype="float64"))
            else:                           # as objects: twice as fast as through the "str" dtype
                codes, uniques = pd.factorize(series.to_numpy(dtype=object))
                values = pd.Series(uniques, dtype="str")
            return codes, values.reset_index(drop=True)
        return self.cached(("distinct", name), compute)

    def shown(self, name):
        """Values of ``name`` as a report shows them (``display``), as an array over the rows."""
        def compute():
            codes, values = self.distinct(name)
            return np.append(values.to_numpy(dtype=object), "")[codes]
        return self.cached(("shown", name), compute)

    def codes(self, name):
        """(codes, values): each row's position among the distinct stripped, non-blank text
        values of ``name``; -1 where the value is missing or blank."""
        def compute():
            codes, values = self.distinct(name)
            stripped = [v.strip() for v in values.to_numpy(dtype=object)]
            recoded, texts = pd.factorize(np.array([v or None for v in stripped], dtype=object))
            return np.append(recoded, -1)[codes], pd.Series(texts, dtype="str")
        return self.cached(("codes", name), compute)

    def text(self, name):
        """Values of ``name`` as stripped text, missing and blank values as NA."""
        def compute():
            codes, texts = self.codes(name)
            values = np.append(texts.to_numpy(dtype=object), None)[codes]
            return pd.Series(values, index=self.frame.index, dtype="str")
        return self.cached(("text", name), compute)

    def dates(self, name):
        """Values of ``name`` as calendar dates (``specs.dates.to_date``: datetime64, NaT where not
        a complete date), a Series aligned with the rows; text is read once per distinct value."""
        def compute():
            column = self.frame[name]
            if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
                return to_date(column)
            codes, values = self.distinct(name)
            parsed = to_date(values).to_numpy(dtype="datetime64[ns]")
            return pd.Series(np.append(parsed, np.datetime64("NaT", "ns"))[codes], index=self.frame.index)
        return self.cached(("dates", name), compute)

    def blank(self, name):
        """True where ``name`` is missing or blank (a boolean array)."""
        return self.codes(name)[0] < 0

    def per_value(self, name, test):
        """``test`` (text Series of distinct values as written -> booleans) spread over the
        rows of ``name``; False where the value is missing (a boolean array)."""
        codes, values = self.distinct(name)
        result = np.asarray(test(values), dtype=bool) if len(values) else np.zeros(0, dtype=bool)
        return np.append(result, False)[codes]

    def per_values(self, names, test):
        """``per_value`` of each of ``names`` (a list of boolean arrays), with ``test`` run once
        on the distinct values of all of them together."""
        parts = [self.distinct(n) for n in names]
        values = pd.concat([v for _, v in parts], ignore_index=True) if parts else pd.Series([], dtype="str")
        result = np.asarray(test(values), dtype=bool) if len(values) else np.zeros(0, dtype=bool)
        ends = np.cumsum([len(v) for _, v in parts])
        return [np.append(piece, False)[codes] for (codes, _), piece in zip(parts, np.split(result, ends[:-1]))]

    def per_text(self, name, key, test, missing=False):
        """``test`` (Series of the distinct stripped, non-blank texts of ``name`` -> booleans)
        spread over the rows, ``missing`` where the value is missing or blank (a boolean array);
        computed once per table for ``key``, the test's name and parameters."""
        def compute():
            codes, texts = self.codes(name)
            result = np.asarray(test(texts), dtype=bool) if len(texts) else np.zeros(0, dtype=bool)
            return np.append(result, missing)[codes]
        return self.cached(("per text", name, key), compute)

    def where(self, conditions):
        """The rows a value-level where clause selects (``define.where.where_mask``; a boolean
        array), worked out on one row of each combination of the values of the variables it reads."""
        names = list(dict.fromkeys(c.variable for c in conditions if self.has(c.variable)))
        if not names:
            return where_mask(self.frame, conditions).to_numpy(dtype=bool)
        first, groups = self.alike(names)
        return where_mask(self.frame[names].iloc[first], conditions).to_numpy(dtype=bool)[groups]

    def alike(self, names):
        """(first, groups): the rows with the same values of ``names`` (as ``pd.factorize`` tells
        them apart) form a group; ``first`` is the first row of each group, ``groups`` each row's."""
        def compute():
            _, first, groups = np.unique(combine([self.distinct(n)[0] + 1 for n in names]),
                                         return_index=True, return_inverse=True)
            return first, groups.reshape(-1)
        return self.cached(("alike", tuple(names)), compute)

    def group(self, names, required=None):
        """One code per row for its combination of ``names`` values (as text). The first
        ``required`` names (default: all) must have a value, else the code is -1; a missing
        value of the others counts as a value of its own."""
        required = len(names) if required is None else required

        def compute():
            parts = [self.codes(n)[0] for n in names]
            return combine(parts[:required] + [p + 1 for p in parts[required:]])
        return self.cached(("group", tuple(names), required), compute)


def combine(code_arrays):
    """Codes of several code arrays taken together: one compact code per distinct
    combination, -1 where any part is -1. Codes are mixed as digits of a number and
    re-factorized only when that number could overflow."""
    out = np.asarray(code_arrays[0], dtype=np.int64)
    missing = out < 0
    size = int(out.max(initial=-1)) + 1
    for codes in code_arrays[1:]:
        codes = np.asarray(codes, dtype=np.int64)
        missing |= codes < 0
        base = int(codes.max(initial=-1)) + 2
        if size * base >= 1 << 62:
            out = pd.factorize(out)[0]
            size = int(out.max(initial=-1)) + 1
        out = out * base + codes + 1
        size *= base
    return np.where(missing, -1, pd.factorize(out)[0]) if len(code_arrays) > 1 else out


def shared_codes(left, right):
    """Codes of the rows of two lists of coded variables (``(codes, texts)`` as ``Table.codes``
    or ``coded`` give them; same length lists), in one code space: equal combinations get equal
    codes in both; -1 where a part is missing. Only the distinct texts are hashed."""
    n = len(left[0][0])
    parts = []
    for (codes_a, texts_a), (codes_b, texts_b) in zip(left, right):
        texts_a, texts_b = np.asarray(texts_a, dtype=object), np.asarray(texts_b, dtype=object)
        union = pd.factorize(np.concatenate([texts_a, texts_b]))[0]
        parts.append(np.concatenate([np.append(union[:len(texts_a)], -1)[codes_a],
                                     np.append(union[len(texts_a):], -1)[codes_b]]))
    codes = combine(parts)
    return codes[:n], codes[n:]


def coded(series):
    """(codes, texts) of a Series of text: each row's position among the distinct values, -1 where missing."""
    codes, uniques = pd.factorize(series)
    return codes, np.asarray(uniques, dtype=object)


def from_frame(name, frame, *, label=None, columns=None, path=None):
    """A table for an in-memory frame; metadata not given is inferred from the values
    (numeric dtypes are "num" of length 8, others "char" as long as the longest value)."""
    given = {c.name: c for c in (columns or [])}
    cols = {}
    for var in frame.columns:
        if var in given:
            cols[var] = given[var]
        elif _is_number(frame[var]):
            cols[var] = Column(var, "num", 8)
        else:
            cols[var] = Column(var, "char", text_length(pd.unique(frame[var].dropna())))
    return Table(name=name, frame=frame, label=label, columns=cols, path=path)


def read_table(path):
    """Read one dataset file (XPT or Dataset-JSON) into a table (raises InputError naming the file)."""
    frame, meta = read_dataset(path)
    meta = meta.xpt
    columns = [Column(v.name, v.type, v.length, v.label or None, v.format) for v in meta.variables]
    return from_frame(meta.name, frame, label=meta.label or None, columns=columns, path=str(path))


@dataclass(frozen=True)
class Unreadable:
    """A file of the folder that is not a readable dataset (XPT v5 or Dataset-JSON)."""
    path: str
    dataset: str                   # the name the file stands for (its stem, upper case)
    problem: str


def read_folders(folders):
    """Tables of every dataset file in ``folders`` and the files that could not be read.

    Files are XPT v5 or Dataset-JSON (.json, .ndjson, .dsjc); when a folder
    holds one dataset in several formats, the first of ``SUFFIXES`` is read.
    Raises InputError when a folder does not exist or holds no dataset file.
    """
    tables, unreadable = [], []
    files = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(f"{folder}: no such folder" if not folder.exists() else
                             f"{folder}: not a folder of dataset files")
        chosen = {}
        for path in sorted(dataset_files(folder), key=lambda p: SUFFIXES.index(p.suffix.lower())):
            chosen.setdefault(path.stem.lower(), path)
        files += sorted(chosen.values())
    if not files:
        raise InputError(f"{', '.join(map(str, folders))}: no dataset files to check "
                         f"({', '.join(SUFFIXES)})")
    for file in files:
        try:
            tables.append(read_table(file))
        except (InputError, ValueError, OSError, UnicodeError) as exc:
            message = str(exc)
            prefix = f"{file}: "
            unreadable.append(Unreadable(str(file), file.stem.upper(),
                                         message[len(prefix):] if message.startswith(prefix) else message))
    return tables, unreadable


# ------------------------------------------------------------ values of any Series


def text(series):
    """Values as stripped text, missing and blank values as NA (the "str" dtype)."""
    return Table("", series.to_frame("v")).text("v")


def display(series):
    """Values as they read in a report: numbers as ``specs.text.number_text`` (3, not 3.0; at 15
    significant digits, so 1.2000000000000002 from an IBM-float round trip reads, and compares, as 1.2),
    missing as ""."""
    if _is_number(series):
        return numbers_text(series)
    return series.astype("str").where(series.notna(), "")


def condition(table, cond):
    """(mask, variables): where ``cond`` holds, or None when it names no variable of the table.

    A condition is ``{}`` (always), ``{variables: [...], values: [...]}`` (any variable has one of
    the values), ``{variables: [...], populated: true|false}``, or a list of conditions (any holds).
    """
    if isinstance(cond, list):
        parts = [p for p in (condition(table, c) for c in cond) if p is not None]
        if not parts:
            return None
        return np.logical_or.reduce([m for m, _ in parts]), [v for _, names in parts for v in names]
    if not cond:
        return np.ones(table.rows, dtype=bool), []
    names = [n for n in cond["variables"] if table.has(n)]
    if not names:
        return None
    masks = []
    for name in names:
        codes, values = table.codes(name)
        if "values" in cond:
            wanted = np.append(values.isin([str(v) for v in cond["values"]]).to_numpy(dtype=bool), False)
            masks.append(wanted[codes])
        else:
            masks.append(codes >= 0 if cond.get("populated", True) else codes < 0)
    return np.logical_or.reduce(masks), names
