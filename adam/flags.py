"""Analysis flags: conditions as Y/N flags, first occurrences, treatment emergence."""

import numpy as np
import pandas as pd

from specs.errors import InputError

from .filters import where_mask


def derive_var_flag(frame, new, where, false="N", path="flag", study=None):
    """Add ``new`` = "Y" where the filter holds, else ``false`` ("N", or "" for Y/null flags)."""
    return frame.assign(**{new: np.where(where_mask(frame, where, path, study), "Y", false).astype(object)})


def order_variables(order):
    """The variables of an ``order`` list, whose items are a name or ``{desc: NAME}``."""
    return [item["desc"] if isinstance(item, dict) else item for item in order]


def derive_var_extreme_flag(frame, new, by=(), order=(), mode="first", where=None, path="flag", study=None):
    """Add ``new`` = "Y" on the first (or last) record in ``order`` of each USUBJID
    and ``by`` group among the records passing ``where`` (e.g. AOCCPFL: the first
    treatment-emergent occurrence of each preferred term; AOCCIFL, ordered by
    ``{desc: ATOXGRN}`` first: the first occurrence of the worst grade), "" elsewhere."""
    if mode not in ("first", "last"):
        raise InputError(f"{path}: mode {mode!r} must be first or last")
    if any(isinstance(item, dict) and set(item) != {"desc"} for item in order):
        raise InputError(f"{path}.order: an item is a variable name or {{desc: NAME}}")
    keys, names = ["USUBJID", *by], order_variables(order)
    mask = where_mask(frame, where, path, study)
    candidates = frame.loc[mask, list(dict.fromkeys([*keys, *names]))].assign(_pos=np.flatnonzero(mask))
    candidates = candidates.sort_values([*names, "_pos"], kind="mergesort", na_position="last",
                                        ascending=[not isinstance(item, dict) for item in order] + [True])
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
