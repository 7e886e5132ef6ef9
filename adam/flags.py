"""Analysis flags: conditions as Y/N flags, first occurrences, treatment emergence."""

import numpy as np
import pandas as pd

from specs.conditions import where_mask
from specs.errors import InputError



def derive_var_flag(frame, new, where, false="N", path="flag", study=None):
    """Add ``new`` = "Y" where the filter holds, else ``false`` ("N", or "" for Y/null flags)."""
    return frame.assign(**{new: np.where(where_mask(frame, where, path), "Y", false).astype(object)})


def derive_var_extreme_flag(frame, new, by=(), order=(), mode="first", where=None, path="flag", study=None):
    """Add ``new`` = "Y" on the first (or last) record in ``order`` of each USUBJID
    and ``by`` group among the records passing ``where`` (e.g. AOCCPFL: the first
    treatment-emergent occurrence of each preferred term), "" elsewhere."""
    if mode not in ("first", "last"):
        raise InputError(f"{path}: mode {mode!r} must be first or last")
    keys = ["USUBJID", *by]
    mask = where_mask(frame, where, path)
    candidates = frame.loc[mask, [*keys, *order]].assign(_pos=np.flatnonzero(mask))
    candidates = candidates.sort_values([*order, "_pos"], kind="mergesort", na_position="last")
    chosen = candidates.drop_duplicates(keys, keep=mode)["_pos"].to_numpy()
    flags = np.full(len(frame), "", dtype=object)
    flags[chosen] = "Y"
    return frame.assign(**{new: flags})


def derive_var_trtemfl(frame, windows, new="TRTEMFL", start="ASTDT", end="AENDT", first="TRTSDT",
                       last="TRTEDT"):
    """Add ``new`` = "Y" on treatment-emergent records, "" elsewhere.

    A record is treatment-emergent when it starts on or after the first dose and
    no later than N days after the last dose, N being the days of the first of
    ``windows`` (pairs ``(mask, days)``; a mask of None matches every record)
    that matches the record. A record without a start date is counted as
    treatment-emergent (conservatively) unless it ended before the first dose.
    """
    days = pd.Series(np.nan, index=frame.index)
    for mask, limit in reversed(windows):
        days = days.mask(np.ones(len(frame), dtype=bool) if mask is None else mask, float(limit))
    st, en, fst, lst = (frame[c] for c in (start, end, first, last))
    within = (st >= fst) & (st <= lst + days)
    unknown = st.isna() & fst.notna() & ~(en < fst)
    return frame.assign(**{new: np.where(within | unknown, "Y", "").astype(object)})
