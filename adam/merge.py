"""Variables merged from another dataset by key (admiral's ``derive_vars_merged``
and ``derive_var_merged_summary``): ADSL variables onto a BDS or OCCDS dataset,
one subject's baseline value or count from an SDTM dataset onto ADSL.
"""

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.errors import InputError



def derive_vars_merged(frame, other, variables, by=("USUBJID",), where=None, order=(), mode=None,
                       path="merge", study=None):
    """Add ``variables`` (a list, or ``{new: old}``) of ``other``'s record with the
    same ``by`` values. With ``where`` only records passing the filter count; with
    ``mode`` ("first" or "last") several records per key are allowed and the
    first or last in ``order`` is taken, otherwise a key with several records is
    an error. Keys without a record get missing values ("" or NaN)."""
    by = list(by)
    names = dict(variables) if isinstance(variables, dict) else {v: v for v in variables}
    missing = [c for c in [*by, *names.values(), *order] if c not in other.columns]
    if missing:
        raise InputError(f"{path}: {', '.join(map(str, missing))} not in the dataset merged from")
    records = select(other, where, path)
    if mode is not None:
        if mode not in ("first", "last"):
            raise InputError(f"{path}: mode {mode!r} must be first or last")
        if order:
            records = records.sort_values(list(order), kind="mergesort", na_position="first")
        records = records.drop_duplicates(by, keep=mode)
    elif records.duplicated(by).any():
        key = records[records.duplicated(by)][by].iloc[0].to_dict()
        raise InputError(f"{path}: more than one record for {key}; give a mode (first or last) and an order")
    picked = records[[*by, *dict.fromkeys(names.values())]]
    merged = frame[by].merge(picked, on=by, how="left")
    out = frame.copy()
    for new, old in names.items():
        values = merged[old]
        if not pd.api.types.is_numeric_dtype(other[old]):
            values = values.astype(object).where(values.notna(), "").astype(str)
        out[new] = values.to_numpy()
    return out


def derive_var_merged_count(frame, other, new, by=("USUBJID",), where=None, distinct=(), path="count",
                            study=None):
    """Add ``new``: the number of ``other``'s records (or of their distinct
    ``distinct`` values) per ``by`` key passing ``where``; 0 where none."""
    by = list(by)
    records = select(other, where, path)
    if distinct:
        records = records.drop_duplicates([*by, *distinct])
    counts = records.groupby(by).size().rename("_n").reset_index()
    merged = frame[by].merge(counts, on=by, how="left")
    return frame.assign(**{new: merged["_n"].fillna(0).to_numpy(dtype=np.float64)})
