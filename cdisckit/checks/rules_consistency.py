"""Consistency rules: records that must agree with themselves and with each other within a dataset.

Keys that must be unique, dates in order, one value of X per value of Y,
numeric and character results that say the same, flags set at most once,
and implications between variables ("AESER = Y needs a seriousness
criterion"). They compare rows by the integer codes of their values
(``Table.codes``/``Table.group``), never row by row.
"""

import numpy as np
import pandas as pd

from . import dates
from .finding import hits
from .rule import implements
from .table import condition


@implements("CK0401")
def domain_value(table, sub):
    """DOMAIN values that are not the dataset's domain code."""
    if not table.has("DOMAIN"):
        return None
    domain = sub.domain(table)
    codes, values = table.codes("DOMAIN")
    wrong = np.append(values.ne(domain).to_numpy(dtype=bool), True)[codes]
    return hits(table, wrong, ["DOMAIN"], f"dataset {table.name} holds domain {domain}")


def _repeated(codes):
    """True where a code (>= 0) occurs on more than one row."""
    known = codes >= 0
    counts = np.bincount(codes[known]) if known.any() else np.zeros(0, dtype=int)
    return known & (np.append(counts, 0)[codes] > 1)


@implements("CK0402", "CK0403", "CK0404", "CK0405", "CK0406", "CK0407", "CK0408", "CK0601")
def unique_key(table, sub, key):
    """Records that share a key which must identify one record (records missing a part
    of the key are left to the null-value rules)."""
    if not table.has(*key):
        return None
    return hits(table, _repeated(table.group(key)), key)


@implements("CK0411", "CK0412", "CK0413", "CK0414", "CK0415", "CK0416", "CK0609", "CK0616", "CK0617")
def not_after(table, sub, first, second):
    """Records whose ``first`` date (or day) is later than their ``second``."""
    if not table.has(first, second):
        return None
    return hits(table, dates.after(table.frame[first], table.frame[second]).to_numpy(), [first, second])


def _groups(table, within):
    """The ``within`` variables present (the first required) and the row groups they make."""
    names = [w for w in within if table.has(w)]
    return names, table.group(names, required=1)


@implements("CK0421", "CK0422", "CK0423", "CK0424", "CK0425", "CK0426", "CK0427", "CK0428", "CK0429",
            "CK0430", "CK0431", "CK0435", "CK0604", "CK0605", "CK0621")
def one_value_per(table, sub, value, within):
    """Records whose ``value`` differs from the one most records with the same ``within``
    values have. ``within[0]`` is required, further ``within`` variables refine the groups
    when present."""
    if not table.has(value, within[0]):
        return None
    names, group = _groups(table, within)
    codes, texts = table.codes(value)
    known = (group >= 0) & (codes >= 0)
    if not known.any():
        return hits(table, known, [value] + names)
    width = len(texts) + 1
    pairs, counts = np.unique(group[known] * width + codes[known], return_counts=True)
    pair_group, pair_value = pairs // width, pairs % width
    split = np.zeros(int(group.max(initial=-1)) + 1, dtype=bool)
    split[pair_group[np.r_[pair_group[1:] == pair_group[:-1], False]]] = True
    if not split.any():
        return hits(table, np.zeros(table.rows, dtype=bool), [value] + names)
    options = pd.DataFrame({"group": pair_group, "value": pair_value, "n": counts})
    options = options[split[options["group"]]]
    options["text"] = texts.to_numpy(dtype=object)[options["value"]]
    usual = options.sort_values(["group", "n", "text"], ascending=[True, False, True]).drop_duplicates("group")
    usual_value = np.full(len(split), -1)
    usual_value[usual["group"]] = usual["value"]
    usual_n = np.zeros(len(split), dtype=int)
    usual_n[usual["group"]] = usual["n"]
    bad = known & np.append(split, False)[group] & (codes != np.append(usual_value, -1)[group])

    def detail(rows):
        g = group[rows]
        out = pd.Series(usual_n[g]).astype("str") + " records with "
        for i, name in enumerate(names):
            out = out + (" and " if i else "") + f"{name}=" + table.text(name).iloc[rows].fillna("").to_numpy()
        return out + f" have {value}=" + texts.iloc[usual_value[g]].to_numpy()
    return hits(table, bad, [value] + names, detail)


@implements("CK0432")
def numeric_result(table, sub, numeric, character):
    """--STRESN must equal --STRESC where --STRESC is a number, and be missing where it is not."""
    if not table.has(numeric, character) or not table.numeric(numeric):
        return None
    codes, values = table.distinct(character)
    parsed = pd.to_numeric(values.str.strip(), errors="coerce").to_numpy(dtype="float64")
    number = np.append(parsed, np.nan)[codes]
    stored = table.frame[numeric].to_numpy(dtype="float64", na_value=np.nan)
    differ = ~np.isclose(number, stored, rtol=1e-9, atol=0, equal_nan=True)
    return hits(table, differ, [character, numeric])


@implements("CK0433", "CK0434", "CK0618")
def at_most_once(table, sub, flag, value, within):
    """``flag`` = ``value`` on more than one record of the same ``within`` group
    (``within[0]`` required, the others refine the groups when present)."""
    if not table.has(flag, within[0]):
        return None
    names, group = _groups(table, within)
    codes, texts = table.codes(flag)
    flagged = np.append(texts.eq(str(value)).to_numpy(dtype=bool), False)[codes]
    return hits(table, _repeated(np.where(flagged, group, -1)), [flag] + names)


@implements("CK0441", "CK0442", "CK0443", "CK0444", "CK0445", "CK0446", "CK0447", "CK0448", "CK0449",
            "CK0450", "CK0451", "CK0452", "CK0453", "CK0454", "CK0619")
def implies(table, sub, when, then):
    """Records where ``when`` holds but ``then`` does not."""
    first, second = condition(table, when), condition(table, then)
    if first is None or second is None:
        return None
    (holds, names), (result, more) = first, second
    return hits(table, holds & ~result, list(dict.fromkeys(names + more)))


@implements("CK0461")
def duplicate_records(table, sub, ignore):
    """Records equal to an earlier record in every variable but ``ignore`` (e.g. --SEQ)."""
    columns = [c for c in table.frame.columns if c not in ignore]
    if not columns or table.rows < 2:
        return None
    group = table.group(columns, required=0)
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    first_row = first[inverse]
    later = first_row != np.arange(table.rows)
    shown = [n for n in ignore if table.has(n)]
    but = ", ".join(ignore) or "none"
    return hits(table, later, shown, lambda rows: "same values as record " + pd.Series(first_row[rows] + 1)
                .astype("str") + f" in every variable but {but}")


@implements("CK0462")
def equal_values(table, sub, first, second):
    """Records where ``first`` and ``second`` both have a value and the values differ."""
    if not table.has(first, second):
        return None
    a, b = table.text(first), table.text(second)
    return hits(table, (a.notna() & b.notna() & a.ne(b)).to_numpy(dtype=bool), [first, second])
