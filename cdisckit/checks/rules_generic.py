"""Generic rule kinds: rules written wholly as data in the catalogue.

A catalogue entry with ``kind`` names one of these functions instead of a
function of its own, and its ``params`` say everything else, in the
condition language of ``expression.py`` ("--" stands for the domain prefix):

- ``condition``: where ``when`` holds (default: every record), ``test`` must
  hold; ``optional`` variables may be absent (they read as missing), any
  other variable named makes the rule not apply when absent.
- ``unique``: ``variables`` identify one record within ``group`` (``when``
  limits the records); with ``consistent: true`` instead, ``variables`` have
  one value within each ``group``.
- ``exists``, ``variables``, ``dataset``: a record, a variable or a dataset that
  must be there;
- ``dictionary``: values found in a dictionary file the user supplies.
- ``lookup``: for records where ``when`` holds, a record of dataset ``from``
  (each of a list; ``where`` limits its records) must share the values of
  ``keys`` (``{here: there}``). A ``from`` dataset that is absent gives one
  finding for the dataset, not one per record.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from . import expression
from .finding import MISSING, concat, dataset_hits, hits
from .dictionaries import dictionary_file, read_dictionary
from .rule import NotRun, kind
from .table import from_frame, shared_codes

_PREFIX = re.compile(r"--(?=[A-Z])")


def _prefixed(text, sub, table):
    """``text`` with every "--" replaced by the dataset's prefix; LookupError without one."""
    if text is None or "--" not in text:
        return text
    prefix = sub.prefix(table)
    if prefix is None:
        raise LookupError("--")
    return _PREFIX.sub(prefix, text)


def _fill(value, match):
    """``value`` (text, or lists and mappings of text) with ``EACH`` replaced by the variable
    name ``match`` was made on and ``{1}``, ``{2}`` by its groups."""
    if isinstance(value, str):
        value = re.sub(r"\bEACH\b", match.string, value)
        return re.sub(r"\{(\d)\}", lambda m: match.group(int(m.group(1))) or "", value)
    if isinstance(value, (list, tuple)):
        return [_fill(v, match) for v in value]
    if isinstance(value, dict):
        return {_fill(k, match): _fill(v, match) for k, v in value.items()}
    return value


def per_variable(func):
    """Let a generic kind take ``each``: a regular expression on variable names; the rule runs
    once per variable of the dataset it matches (searched), with ``EACH`` standing for the
    name and ``{1}``, ``{2}`` for the groups of the match in every other parameter (TRT{1}PN
    beside TRT{1}P). No matching variable: the rule does not apply."""
    @functools.wraps(func)
    def run(table, sub, *args, each=None, **params):
        if each is None:
            return func(table, sub, *args, **params)
        parts = []
        for name in table.frame.columns:
            match = re.search(each, name)
            if match:
                parts.append(func(table, sub, *_fill(list(args), match), **_fill(params, match)))
        parts = [p for p in parts if p is not None]
        return concat(parts)
    return run


def _mask(text, table, sub, optional):
    if not text:
        return np.ones(table.rows, dtype=bool)
    return expression.evaluate(_prefixed(text, sub, table), table, sub, optional)


def _shown(table, sub, texts, optional):
    """The variables of the dataset the expressions read, for the findings' values."""
    out = []
    for text in texts:
        if text:
            for name in expression.names(_prefixed(text, sub, table)):
                if "." not in name and table.has(name) and name not in out:
                    out.append(name)
    return out


@kind("condition")
@per_variable
def condition(table, sub, test, when=None, optional=(), show=None):
    """Records where ``when`` holds and ``test`` does not."""
    optional = [_prefixed(o, sub, table) for o in optional]
    try:
        applies = _mask(when, table, sub, optional)
        passes = _mask(test, table, sub, optional)
    except LookupError:
        return None
    shown = [_prefixed(s, sub, table) for s in show] if show else _shown(table, sub, [when, test], optional)
    return hits(table, applies & ~passes, [s for s in shown if table.has(s)] or ["USUBJID"])


@kind("unique")
@per_variable
def unique(table, sub, variables, group=(), when=None, consistent=False, optional=()):
    """Duplicate ``variables`` within ``group`` (or, ``consistent``, several values per group)."""
    optional = [_prefixed(o, sub, table) for o in optional]
    variables = [_prefixed(v, sub, table) for v in variables]
    group = [g for g in (_prefixed(g, sub, table) for g in group) if table.has(g) or g not in optional]
    if not table.has(*variables, *group):
        return None
    try:
        applies = _mask(when, table, sub, optional)
    except LookupError:
        return None
    group_codes = table.group(group, required=0) if group else np.zeros(table.rows, dtype=np.int64)
    value_codes = table.group(variables, required=0)
    rows = np.flatnonzero(applies)
    frame = pd.DataFrame({"g": group_codes[rows], "v": value_codes[rows]})
    bad = np.zeros(table.rows, dtype=bool)
    if consistent:
        counts = frame.groupby("g")["v"].nunique()
        bad[rows[frame["g"].isin(counts.index[counts > 1]).to_numpy()]] = True
        detail = f"{', '.join(variables)} differ within {', '.join(group) or 'the dataset'}"
    else:
        bad[rows[frame.duplicated(keep=False).to_numpy()]] = True
        detail = f"the same {', '.join(variables)} within {', '.join(group) or 'the dataset'}"
    return hits(table, bad, [*group, *[v for v in variables if v not in group]], detail)


@kind("lookup")
@per_variable
def lookup(table, sub, keys, source, when=None, where=None, optional=(), absent="finding"):
    """Records where ``when`` holds with no record of ``source`` (each of a list; where
    ``where`` holds, "%from%" there standing for the source's prefix) sharing the values of
    ``keys`` ({variable here: variable there}). An absent source gives one finding for the
    dataset (``absent: skip``: nothing)."""
    sources = [source] if isinstance(source, str) else list(source)
    parts = [p for p in (_lookup(table, sub, keys, s, when, where, optional, absent) for s in sources)
             if p is not None]
    return concat(parts)


def _lookup(table, sub, keys, source, when, where, optional, absent):
    optional = [_prefixed(o, sub, table) for o in optional]
    keys = {_prefixed(k, sub, table): v for k, v in keys.items()}
    if not table.has(*keys):
        return None
    try:
        applies = _mask(when, table, sub, optional)
    except LookupError:
        return None
    other = sub.table(source)
    if other is None:
        if absent == "skip" or not applies.any():
            return None
        return dataset_hits([(list(keys), "", f"{source} is absent: {int(applies.sum())} record(s) "
                                            f"of {table.name} cannot be looked up")])
    there = [_prefixed(v, sub, other) for v in keys.values()]
    if not other.has(*there):
        return None
    try:
        kept = _mask(where.replace("%from%", sub.prefix(other) or "") if where else None, other, sub, optional)
    except LookupError:
        return None
    here_codes, there_codes = shared_codes([_key_codes(table, k) for k in keys],
                                           [_key_codes(other, k) for k in there])
    known = np.isin(here_codes, there_codes[kept & (there_codes >= 0)])
    return hits(table, applies & ~known, list(keys), f"no {source} record with these values")


def _key_codes(table, name):
    """Key values coded as text (``Table.codes``), numbers at XPT precision (VISITNUM
    1.2000000000000002 matches 1.2)."""
    if table.numeric(name):
        def compute():
            coded = expression.coded_numbers(table.frame[name].to_numpy(dtype="float64", na_value=np.nan))
            return np.where(coded.text[coded.codes] == "", -1, coded.codes), coded.text
        return table.cached(("key codes", name), compute)
    return table.codes(name)


@kind("exists")
@per_variable
def exists(table, sub, test, condition=None, optional=()):
    """The dataset has no record where ``test`` holds although some record meets
    ``condition`` (default: always); one finding for the dataset."""
    optional = [_prefixed(o, sub, table) for o in optional]
    try:
        needed = condition is None or bool(_mask(condition, table, sub, optional).any())
        found = bool(_mask(test, table, sub, optional).any())
    except LookupError:
        return None
    shown = _shown(table, sub, [test], optional)
    return dataset_hits([] if found or not needed else [(shown, "", f"no record where {_prefixed(test, sub, table)}"
                                                          + (f", although some record has "
                                                             f"{_prefixed(condition, sub, table)}" if condition else ""))])


@kind("variables")
@per_variable
def variables_present(table, sub, needs, present=(), any_of=False, when_dataset=None):
    """Variables ``needs`` absent (with ``any_of``: all of them) although every one of ``present``
    is in the dataset (and dataset ``when_dataset`` in the submission or ``--sdtm``); one finding
    for the dataset."""
    if when_dataset and not sub.present(when_dataset):
        return None
    try:
        present = [_prefixed(v, sub, table) for v in present]
        needs = [_prefixed(v, sub, table) for v in needs]
    except LookupError:
        return None
    if not table.has(*present):
        return None
    missing = [n for n in needs if not table.has(n)]
    failed = len(missing) == len(needs) if any_of else bool(missing)
    why = (f"none of {', '.join(needs)} is present" if any_of else f"{', '.join(missing)} absent") + \
        (f" although {', '.join(present)} is" if present else "")
    return dataset_hits([(missing if not any_of else needs, "", why)] if failed else [])


@kind("dataset")
def dataset_needed(table, sub, dataset, when_present=None, when_variable=None, model="SDTM"):
    """Study level: dataset ``dataset`` is absent (only when ``when_present`` is there, or
    some dataset has variable ``when_variable``) from a submission with ``model`` data (the SDTM
    read with ``--sdtm`` counts as present); one finding."""
    if sub.model_tables(model) == []:
        return None
    if when_present and not sub.present(when_present):
        return None
    if when_variable and not any(t.has(when_variable) for t in sub.tables.values()):
        return None
    if sub.present(dataset):
        return dataset_hits([])
    why = f"{dataset} is absent" + (f" although {when_present} is present" if when_present else "") + \
        (f" although {when_variable} is used" if when_variable else "")
    return dataset_hits([("", "", why)]).in_datasets([dataset])


@kind("dictionary")
def dictionary(table, sub, dictionary, file, format, variable, field, mode="present", when=None,
               name_field=None, name_variable=None):
    """Values of ``variable`` checked against field ``field`` of a dictionary file: ``present``
    (found in any case), ``case`` (found in any case but not as written) or ``pair`` (the record
    whose ``field`` is the value has ``name_variable`` in ``name_field``). Does not run without the
    dictionary (``--dictionary NAME=PATH``)."""
    given = sub.dictionaries.get(dictionary)
    if given is None:
        raise NotRun(f"no {dictionary} dictionary given (--dictionary {dictionary}=PATH)")
    path = dictionary_file(given, file)
    if path is None:
        raise NotRun(f"{file} is not in the {dictionary} dictionary {given}")
    try:
        variable = _prefixed(variable, sub, table)
        applies = _mask(when, table, sub, ())
    except LookupError:
        return None
    if not table.has(variable) or (name_variable and not table.has(name_variable)):
        return None
    data = read_dictionary(str(path), format)
    if field not in data or (name_field is not None and name_field not in data):
        raise NotRun(f"{path} has no field {field if field not in data else name_field}")
    entries = data[field].str.strip()
    values = table.text(variable)
    known = values.str.upper().isin(set(entries.str.upper())).to_numpy(dtype=bool)
    if mode == "present":
        bad = ~known
    elif mode == "case":
        bad = known & ~values.isin(set(entries)).to_numpy(dtype=bool)
    else:
        pairs = set(zip(entries.str.upper(), data[name_field].str.strip().str.upper()))
        names = table.text(name_variable).str.upper()
        bad = known & ~pd.Series(list(zip(values.str.upper(), names))).isin(pairs).to_numpy(dtype=bool)
    bad &= applies & values.notna().to_numpy(dtype=bool)
    shown = [variable] + ([name_variable] if name_variable else [])
    return hits(table, bad, shown, f"{dictionary} {path.name}, field {field}")


@kind("grouped")
@per_variable
def grouped(table, sub, group, test, when=None, optional=()):
    """Groups of records (same ``group`` values) where some record meets ``when`` but none
    meets ``test``; one hit per group, on its first record that meets ``when``."""
    if not table.has(*group):
        return None
    try:
        applies = _mask(when, table, sub, optional)
        passes = _mask(test, table, sub, optional)
    except LookupError:
        return None
    codes = table.group(list(group), required=0)
    good = np.unique(codes[passes])
    bad = applies & ~np.isin(codes, good)
    first = bad & ~pd.Series(codes).where(bad).duplicated().to_numpy()
    shown = _shown(table, sub, [when, test], optional)
    return hits(table, first, [*group, *[s for s in shown if s not in group]],
                f"no record of this {', '.join(group)} where {test}")


def metadata_table(table, sub, of="variables"):
    """The dataset's metadata as a table the condition language reads. ``of: variables``: one row
    per variable of the data or (absent) of the implementation guide's structure, with NAME,
    PRESENT (Y/N), TYPE (Char/Num), LENGTH, LABEL, FORMAT, the guide's IGLABEL, IGTYPE, IGCORE, and for
    an ADaMIG secondary variable (AVALCA1N) its PRIMARY (AVALCAT1) and whether that is PRIMARYPRESENT (Y/N);
    ``of: dataset``: one row with NAME, LABEL, MODEL, KIND (ADaM structure), CLASS, RECORDS."""
    if of == "dataset":
        frame = pd.DataFrame({"NAME": [table.name], "LABEL": [table.label or ""], "MODEL": [sub.model(table)],
                              "KIND": [sub.adam_kind(table) if sub.model(table) == "ADaM" else ""],
                              "CLASS": [sub.domain_class(table) or ""], "RECORDS": [float(table.rows)]})
        return from_frame(table.name, frame)
    ig = sub.standard_spec(table)
    described = {v.name: v for v in ig.variables} if ig is not None else {}
    rows = []
    for name in list(table.frame.columns) + [n for n in described if not table.has(n)]:
        column, standard = table.column(name), described.get(name)
        rows.append({"NAME": name, "PRESENT": "Y" if table.has(name) else "N",
                     "TYPE": "" if column is None else "Num" if table.numeric(name) else "Char",
                     "LENGTH": np.nan if column is None or column.length is None else float(column.length),
                     "LABEL": (column.label or "") if column else "", "FORMAT": (column.format or "") if column else "",
                     "IGLABEL": standard.label or "" if standard else "",
                     "IGTYPE": ("Num" if standard.numeric else "Char") if standard else "",
                     "IGCORE": standard.core or "" if standard else ""})
    for row in rows:
        primary = sub.adamig.primary(row["NAME"]) if sub.model(table) == "ADaM" else None
        row["PRIMARY"] = primary or ""
        row["PRIMARYPRESENT"] = "" if primary is None else "Y" if table.has(primary) else "N"
    return from_frame(table.name, pd.DataFrame(rows, columns=["NAME", "PRESENT", "TYPE", "LENGTH", "LABEL", "FORMAT",
                                                              "IGLABEL", "IGTYPE", "IGCORE", "PRIMARY",
                                                              "PRIMARYPRESENT"]))


@kind("metadata")
def metadata(table, sub, test, when=None, of="variables"):
    """Variables (or, ``of: dataset``, the dataset) whose metadata (``metadata_table``) meets
    ``when`` but not ``test``; one finding per variable."""
    meta = sub.per_table(("metadata", of), table, lambda: metadata_table(table, sub, of))
    if meta.rows == 0:
        return None
    applies = _mask(when, meta, sub, ())
    passes = _mask(test, meta, sub, ())
    shown = [n for n in expression.names(test) if n != "NAME"]
    bad = np.flatnonzero(applies & ~passes)
    items = []
    for row in bad:
        values = "; ".join(f"{n}={meta.shown(n)[row] or MISSING}" for n in shown)
        items.append(([meta.frame["NAME"].iloc[row]] if of == "variables" else "", values, ""))
    return dataset_hits(items)
