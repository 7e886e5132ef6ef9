"""Occurrence data (ADAE): one record per record of an SDTM events domain,
with its supplemental qualifiers (SUPPAE) as columns named by QNAM."""

import pandas as pd

from specs.conditions import as_text, select
from specs.errors import InputError
from specs.mapping import Condition, Name


def merge_supplemental(frame, supp, parent):
    """Add one column per QNAM of ``supp`` (a SUPP-- dataset of ``parent``)
    to the parent's records ``frame``, matched on USUBJID and IDVAR/IDVARVAL
    (subject-level qualifiers, IDVAR blank, go to every record of the subject);
    "" where a record has no such qualifier."""
    supp = supp[supp["RDOMAIN"] == parent]
    out = frame.copy()
    for qnam, rows in supp.groupby("QNAM", sort=True):
        if qnam in out.columns:
            raise InputError(f"SUPP{parent}: QNAM {qnam} is also a variable of {parent}")
        values = pd.Series("", index=out.index, dtype=object)
        for idvar, group in rows.groupby("IDVAR", sort=False):
            if idvar and idvar not in out.columns:
                raise InputError(f"SUPP{parent}: IDVAR {idvar!r} is not a variable of {parent}")
            keys = ["USUBJID", "IDVARVAL"] if idvar else ["USUBJID"]
            if group.duplicated(keys).any():
                raise InputError(f"SUPP{parent}: QNAM {qnam} has more than one value for a {parent} record")
            mine = pd.DataFrame({"USUBJID": out["USUBJID"].to_numpy(),
                                 "IDVARVAL": as_text(out[idvar]).to_numpy() if idvar else ""})
            found = mine.merge(group[[*keys, "QVAL"]], on=keys, how="left")["QVAL"]
            values = values.where(found.isna().to_numpy(), found.to_numpy())
        out[qnam] = values.to_numpy()
    return out


def occurrence_records(ctx, source: Name, supplemental: Name = None, filter: Condition = None):
    """The builder of an OCCDS dataset: the records of SDTM ``source`` (optionally
    filtered by ``filter``) with the qualifiers of its ``supplemental`` dataset as columns."""
    frame = select(ctx.frame(source), filter, f"{ctx.path}: mapping.filter")
    if supplemental:
        frame = merge_supplemental(frame, ctx.frame(supplemental), source)
    return frame.reset_index(drop=True)
