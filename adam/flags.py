"""Analysis flags: conditions as Y/N flags, first occurrences, treatment emergence."""

import numpy as np
import pandas as pd

from specs.conditions import where_mask
from specs.errors import InputError


def derive_var_flag(dataset, new_var, condition, false_value="N"):
    """Add ``new_var`` = "Y" where ``condition`` holds, else ``false_value`` ("N", or "" for Y/null flags)."""
    mask = where_mask(dataset, condition, "condition")
    return dataset.assign(**{new_var: np.where(mask, "Y", false_value).astype(object)})


def derive_var_extreme_flag(dataset, new_var, by_vars, order, mode="first", filter=None):
    """Add ``new_var`` = "Y" on the first (or last) record in ``order`` of each
    ``by_vars`` group among the records passing ``filter`` (e.g. AOCCPFL: the
    first treatment-emergent occurrence of each preferred term), "" elsewhere."""
    if mode not in ("first", "last"):
        raise InputError(f"mode {mode!r} must be first or last")
    keys = list(by_vars)
    mask = where_mask(dataset, filter, "filter")
    candidates = dataset.loc[mask, [*keys, *order]].assign(_pos=np.flatnonzero(mask))
    candidates = candidates.sort_values([*order, "_pos"], kind="mergesort", na_position="last")
    chosen = candidates.drop_duplicates(keys, keep=mode)["_pos"].to_numpy()
    flags = np.full(len(dataset), "", dtype=object)
    flags[chosen] = "Y"
    return dataset.assign(**{new_var: flags})


def derive_var_trtemfl(dataset, new_var, start_date, end_date, trt_start_date, trt_end_date, windows):
    """Add ``new_var`` = "Y" on treatment-emergent records, "" elsewhere.

    A record is treatment-emergent when it starts (``start_date``) on or after
    the first dose (``trt_start_date``) and no later than N days after the last
    dose (``trt_end_date``), N being the days of the first of ``windows`` (pairs
    ``(mask, days)``; a mask of None matches every record) that matches the
    record. A record without a start date is counted as treatment-emergent
    (conservatively) unless it ended (``end_date``, optional) before the first dose.
    """
    days = pd.Series(np.nan, index=dataset.index)
    for mask, limit in reversed(windows):
        days = days.mask(np.ones(len(dataset), dtype=bool) if mask is None else mask, float(limit))
    end = dataset[end_date] if end_date is not None else pd.Series(np.nan, index=dataset.index)
    st, fst, lst = (dataset[c] for c in (start_date, trt_start_date, trt_end_date))
    within = (st >= fst) & (st <= lst + days)
    unknown = st.isna() & fst.notna() & ~(end < fst)
    return dataset.assign(**{new_var: np.where(within | unknown, "Y", "").astype(object)})
