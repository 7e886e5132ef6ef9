"""Baseline of BDS data: ABLFL, BASE, CHG and PCHG.

The baseline record of a subject and parameter is the last one with a value
dated on or before the reference date (first dose); records after the
reference are post-baseline and get a change from baseline.
"""

import numpy as np
import pandas as pd

from specs.conditions import where_mask


def derive_var_ablfl(dataset, new_var, by_vars, source_var, date_var, reference_date):
    """Add ``new_var`` = "Y" on the baseline record of each ``by_vars`` group
    (the last with a ``source_var`` value, its ``date_var`` on or before
    ``reference_date``; the later in frame order on a tie), "" elsewhere."""
    keys = list(by_vars)
    has = dataset[source_var].notna() & (dataset[source_var].astype(str) != "")
    ok = has & dataset[date_var].notna() & dataset[reference_date].notna() & \
        (dataset[date_var] <= dataset[reference_date])
    candidates = dataset.loc[ok, [*keys, date_var]].assign(_pos=np.arange(len(dataset))[ok.to_numpy()])
    last = candidates.sort_values([*keys, date_var, "_pos"], kind="mergesort").drop_duplicates(keys, keep="last")
    flags = np.full(len(dataset), "", dtype=object)
    flags[last["_pos"].to_numpy()] = "Y"
    return dataset.assign(**{new_var: flags})


def derive_var_base(dataset, new_var, by_vars, source_var, filter):
    """Add ``new_var``: the ``source_var`` of the group's baseline record (the
    first passing ``filter``, e.g. ABLFL = "Y") on every record of the group."""
    keys = list(by_vars)
    chosen = dataset.loc[where_mask(dataset, filter, "filter"), [*keys, source_var]]
    base = chosen.drop_duplicates(keys).rename(columns={source_var: "_base"})
    merged = dataset[keys].merge(base, on=keys, how="left")
    return dataset.assign(**{new_var: merged["_base"].to_numpy()})


def _post(dataset, date_var, reference_date):
    return (dataset[date_var] > dataset[reference_date]).to_numpy()


def derive_var_chg(dataset, new_var, source_var, base_var, date_var, reference_date):
    """Add ``new_var`` = ``source_var`` - ``base_var`` on post-baseline records
    (``date_var`` after ``reference_date``)."""
    change = (dataset[source_var] - dataset[base_var]).where(_post(dataset, date_var, reference_date))
    return dataset.assign(**{new_var: change.astype("float64").to_numpy()})


def derive_var_pchg(dataset, new_var, source_var, base_var, date_var, reference_date):
    """Add ``new_var`` = 100 x (``source_var`` - ``base_var``) / ``base_var`` on
    post-baseline records; missing when the base is 0."""
    base_values = dataset[base_var].where(dataset[base_var] != 0)
    percent = (100 * (dataset[source_var] - base_values) / base_values).where(_post(dataset, date_var, reference_date))
    return dataset.assign(**{new_var: pd.to_numeric(percent).astype("float64").to_numpy()})
