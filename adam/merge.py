"""Variables merged from another dataset by key (admiral's ``derive_vars_merged``
and ``derive_var_merged_summary``): ADSL variables onto a BDS or OCCDS dataset,
one subject's baseline value or count from an SDTM dataset onto ADSL.
"""

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.errors import InputError


def derive_vars_merged(dataset, new_vars, dataset_add, by_vars=("USUBJID",), order=(), filter_add=None,
                       mode=None):
    """Add ``new_vars`` (a list, or ``{new: old}``) of ``dataset_add``'s record with
    the same ``by_vars`` values. With ``filter_add`` only records passing the filter
    count; with ``mode`` ("first" or "last") several records per key are allowed
    and the first or last in ``order`` is taken, otherwise a key with several
    records is an error. Keys without a record get missing values ("" or NaN)."""
    by = list(by_vars)
    names = dict(new_vars) if isinstance(new_vars, dict) else {v: v for v in new_vars}
    missing = [c for c in [*by, *names.values(), *order] if c not in dataset_add.columns]
    if missing:
        raise InputError(f"{', '.join(map(str, missing))} not in the dataset merged from")
    records = select(dataset_add, filter_add, "filter_add")
    if mode is not None:
        if mode not in ("first", "last"):
            raise InputError(f"mode {mode!r} must be first or last")
        if order:
            records = records.sort_values(list(order), kind="mergesort", na_position="first")
        records = records.drop_duplicates(by, keep=mode)
    elif records.duplicated(by).any():
        key = records[records.duplicated(by)][by].iloc[0].to_dict()
        raise InputError(f"more than one record for {key}; give a mode (first or last) and an order")
    picked = records[[*by, *dict.fromkeys(names.values())]]
    merged = dataset[by].merge(picked, on=by, how="left")
    out = dataset.copy()
    for new, old in names.items():
        values = merged[old]
        if not pd.api.types.is_numeric_dtype(dataset_add[old]):
            values = values.astype(object).where(values.notna(), "").astype(str)
        out[new] = values.to_numpy()
    return out


def derive_var_merged_count(dataset, new_var, dataset_add, by_vars=("USUBJID",), filter_add=None, distinct=()):
    """Add ``new_var``: the number of ``dataset_add``'s records (or of their distinct
    ``distinct`` values) per ``by_vars`` key passing ``filter_add``; 0 where none."""
    by = list(by_vars)
    records = select(dataset_add, filter_add, "filter_add")
    if distinct:
        records = records.drop_duplicates([*by, *distinct])
    counts = records.groupby(by).size().rename("_n").reset_index()
    merged = dataset[by].merge(counts, on=by, how="left")
    return dataset.assign(**{new_var: merged["_n"].fillna(0).to_numpy(dtype=np.float64)})
