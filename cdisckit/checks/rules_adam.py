"""ADaM rules that only make sense for analysis datasets.

ADSL variables copied into other datasets must carry ADSL's values, CNSR
belongs to time-to-event data, and *DT/*DTM/*TM variables are SAS numbers
with a display format of their kind. (ADaM rules that share their test with
SDTM ones - unique keys, dates in order, allowed values - use those functions.)
"""

import re

import numpy as np
import pandas as pd

from .finding import MISSING, dataset_hits, hits
from .rule import implements
from .table import display, text


@implements("CK0602")
def adsl_copies(table, sub, ignore):
    """Variables shared with ADSL whose value differs from the subject's ADSL value."""
    adsl = sub.table("ADSL")
    if adsl is None or table.name == "ADSL":
        return None
    names = [n for n in table.frame.columns if adsl.has(n) and n not in ignore]
    ref = sub.subject_values(table, "ADSL", names) if names else None
    if ref is None:
        return None
    parts = []
    for name in names:
        mine, theirs = table.frame[name], ref[name]
        if table.numeric(name) and pd.api.types.is_numeric_dtype(theirs):
            a = mine.to_numpy(dtype="float64", na_value=np.nan)
            b = theirs.to_numpy(dtype="float64", na_value=np.nan)
            differ = ~np.isclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
        else:
            a, b = table.text(name), text(theirs)
            differ = ~((a == b).fillna(False) | (a.isna() & b.isna())).to_numpy(dtype=bool)

        def detail(rows, name=name, theirs=theirs):
            shown = display(theirs.iloc[rows])
            return f"ADSL has {name}=" + shown.where(shown.ne(""), MISSING).to_numpy(dtype=object)
        parts.append(hits(table, differ & ref["_known"].to_numpy(), [name], detail))
    return pd.concat(parts, ignore_index=True)


@implements("CK0607")
def tte_only(table, sub, variable):
    """A censoring variable in a dataset that is not time-to-event data."""
    if not table.has(variable):
        return None
    kind = sub.adam_kind(table)
    why = f"{table.name} is {kind} data, not time-to-event"
    return dataset_hits([] if kind == "TTE" else [([variable], "", why)])


def _format_name(fmt):
    """The name of a SAS format without width and decimals ("DATE9." -> "DATE")."""
    return re.sub(r"\d*\.\d*$", "", fmt or "").upper()


@implements("CK0613", "CK0614", "CK0615")
def typed_dates(table, sub, pattern, formats, kind):
    """Variables named like dates (or datetimes, times) that are not numbers shown with
    a SAS format of that kind."""
    names = [n for n in table.frame.columns if re.search(pattern, n)]
    if not names:
        return None
    allowed = {f.upper() for f in formats}
    problems = []
    for name in names:
        col = table.column(name)
        if not table.numeric(name):
            problems.append(([name], "type=char", f"{name} must be numeric (a SAS {kind} value)"))
        elif _format_name(col.format if col else None) not in allowed:
            problems.append(([name], f"format={col.format if col and col.format else '(none)'}",
                             f"a {kind} format is needed: {', '.join(sorted(allowed))}"))
    return dataset_hits(problems)
