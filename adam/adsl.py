"""Subject-level analysis data (ADSL): one record per DM subject, and the
subject-level derivations that summarise a subject's records elsewhere
(disposition status)."""

from specs.conditions import select
from specs.errors import InputError
from specs.mapping import Name


def subject_records(ctx, source: Name = "DM"):
    """The builder of ADSL: one record per subject of ``source`` (every DM
    subject, screen failures included), with all its variables as columns."""
    frame = ctx.frame(source)
    twice = frame["USUBJID"].duplicated()
    if twice.any():
        raise InputError(f"{ctx.path}: mapping.source: {source} has more than one record for "
                         f"{frame.loc[twice, 'USUBJID'].iloc[0]!r}; a subject-level dataset needs one")
    return frame.copy()


def derive_var_status(dataset, new_var, dataset_add, source_var, completed, values, filter_add=None, order=()):
    """Add ``new_var``: a subject's status from its last record (in ``order``) of
    ``dataset_add`` passing ``filter_add``: ``values["completed"]`` when
    ``source_var`` is one of ``completed``, ``values["discontinued"]`` for any other
    value, ``values["ongoing"]`` when there is no record (e.g. EOTSTT, EOSSTT)."""
    missing = [k for k in ("completed", "discontinued", "ongoing") if k not in values]
    if missing:
        raise InputError(f"values: give the {missing[0]} value")
    records = select(dataset_add, filter_add, "filter_add")
    if order:
        records = records.sort_values(list(order), kind="mergesort")
    last = records.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")[source_var]
    status = last.isin(list(completed)).map({True: values["completed"], False: values["discontinued"]})
    return dataset.assign(**{new_var: dataset["USUBJID"].map(status).fillna(values["ongoing"]).to_numpy()})
