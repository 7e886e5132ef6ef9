"""Rules about the run itself: files that could not be read, rules that could not run.

Neither stops a run; both are reported like any other finding, after all
other rules, so a reviewer sees what was not checked and why.
"""

from pathlib import Path

from .finding import dataset_hits
from .rule import implements


@implements("CK0001")
def unreadable_files(table, sub):
    """A file of the folder that is not a readable XPT v5 dataset."""
    found = dataset_hits(("", f"file={Path(u.path).name}", u.problem) for u in sub.unreadable)
    return found.in_datasets([u.dataset for u in sub.unreadable])


@implements("CK0002")
def rules_not_evaluated(table, sub):
    """A rule that raised an error on a dataset (odd types or values it cannot read)."""
    found = dataset_hits(("", f"rule={rule}", problem) for rule, _, problem in sub.rule_errors)
    return found.in_datasets([dataset for _, dataset, _ in sub.rule_errors])
