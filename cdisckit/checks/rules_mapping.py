"""Rules about the raw data of the run: what the mapping left out.

They read the run's mapping coverage (``cdisckit.coverage``), so they apply
only where the datasets were just mapped from raw data (``cdisckit run``,
``cdisckit sdtm``); ``cdisckit check`` on a folder of XPT files skips them.
"""

from .finding import dataset_hits
from .rule import implements


@implements("CK0003")
def unused_raw_columns(table, sub):
    """A raw column that no mapping reads."""
    if sub.coverage is None:
        return None
    unused = sub.coverage.unused()
    found = dataset_hits(("", f"form={r.form}; column={r.column}",
                          f"{r.file}: {r.non_empty} non-empty value(s)") for r in unused.itertuples())
    return found.in_datasets([""] * len(unused))


@implements("CK0004")
def unmapped_spellings(table, sub):
    """A collected value kept as given because it matched no term of its codelist."""
    if sub.coverage is None:
        return None
    unmapped = sub.coverage.unmapped()
    found = dataset_hits((r.variable, f"{r.variable}={r.submitted}",
                          f"{r.form}.{r.column} collected {r.collected!r} on {r.records} record(s)"
                          f"{' (' + r.condition + ')' if r.condition else ''}: not a term of codelist {r.codelist}")
                         for r in unmapped.itertuples())
    return found.in_datasets(list(unmapped["dataset"]))
