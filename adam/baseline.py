"""Baseline of BDS data: ABLFL, BASE, CHG and PCHG.

The baseline record of a subject and parameter is the last one with a value
dated on or before the reference date (first dose); records after the
reference are post-baseline and get a change from baseline.
"""

import numpy as np
import pandas as pd


def derive_var_ablfl(frame, by=("PARAMCD",), value="AVAL", date="ADT", reference="TRTSDT", new="ABLFL"):
    """Add ``new`` = "Y" on the baseline record of each USUBJID and ``by`` group
    (the last with a ``value``, dated on or before ``reference``; the later in
    frame order on a tie), "" elsewhere."""
    keys = ["USUBJID", *by]
    has = frame[value].notna() & (frame[value].astype(str) != "")
    ok = has & frame[date].notna() & frame[reference].notna() & (frame[date] <= frame[reference])
    candidates = frame.loc[ok, [*keys, date]].assign(_pos=np.arange(len(frame))[ok.to_numpy()])
    last = candidates.sort_values([*keys, date, "_pos"], kind="mergesort").drop_duplicates(keys, keep="last")
    flags = np.full(len(frame), "", dtype=object)
    flags[last["_pos"].to_numpy()] = "Y"
    return frame.assign(**{new: flags})


def derive_var_base(frame, by=("PARAMCD",), value="AVAL", flag="ABLFL", new="BASE"):
    """Add ``new``: the ``value`` of the group's baseline record (``flag`` = "Y") on every record."""
    keys = ["USUBJID", *by]
    base = frame.loc[frame[flag] == "Y", [*keys, value]].drop_duplicates(keys).rename(columns={value: "_base"})
    merged = frame[keys].merge(base, on=keys, how="left")
    return frame.assign(**{new: merged["_base"].to_numpy()})


def _post(frame, date, reference):
    return (frame[date] > frame[reference]).to_numpy()


def derive_var_chg(frame, value="AVAL", base="BASE", date="ADT", reference="TRTSDT", new="CHG"):
    """Add ``new`` = ``value`` - ``base`` on post-baseline records (``date`` after ``reference``)."""
    change = (frame[value] - frame[base]).where(_post(frame, date, reference))
    return frame.assign(**{new: change.astype("float64").to_numpy()})


def derive_var_pchg(frame, value="AVAL", base="BASE", date="ADT", reference="TRTSDT", new="PCHG"):
    """Add ``new`` = 100 x (``value`` - ``base``) / ``base`` on post-baseline records; missing when the base is 0."""
    base_values = frame[base].where(frame[base] != 0)
    percent = (100 * (frame[value] - base_values) / base_values).where(_post(frame, date, reference))
    return frame.assign(**{new: pd.to_numeric(percent).astype("float64").to_numpy()})
