"""Subject-level analysis data (ADSL): one record per DM subject, and the
subject-level derivations that summarise a subject's records elsewhere
(disposition status)."""

from specs.conditions import select
from specs.errors import InputError



def subject_records(ctx, source="DM"):
    """The builder of ADSL: one record per subject of ``source`` (every DM
    subject, screen failures included), with all its variables as columns."""
    frame = ctx.frame(source)
    twice = frame["USUBJID"].duplicated()
    if twice.any():
        raise InputError(f"{ctx.path}: mapping.source: {source} has more than one record for "
                         f"{frame.loc[twice, 'USUBJID'].iloc[0]!r}; a subject-level dataset needs one")
    return frame.copy()


def derive_var_status(frame, other, new, variable, completed, values, where=None, order=(), path="status",
                      study=None):
    """Add ``new``: a subject's status from its last record (in ``order``) of
    ``other`` passing ``where``: ``values["completed"]`` when ``variable`` is one
    of ``completed``, ``values["discontinued"]`` for any other value,
    ``values["ongoing"]`` when there is no record (e.g. EOTSTT, EOSSTT)."""
    missing = [k for k in ("completed", "discontinued", "ongoing") if k not in values]
    if missing:
        raise InputError(f"{path}.values: give the {missing[0]} value")
    records = select(other, where, path)
    if order:
        records = records.sort_values(list(order), kind="mergesort")
    last = records.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")[variable]
    status = last.isin(list(completed)).map({True: values["completed"], False: values["discontinued"]})
    return frame.assign(**{new: frame["USUBJID"].map(status).fillna(values["ongoing"]).to_numpy()})
