"""Explanations: findings accepted as data, with the reason a reviewer reads.

A study's ``explanations.yaml`` (spec folder; schema ``explanations``)
lists ``{rule, dataset, explanation}``: ``rule`` is our rule id or the
Pinnacle 21 id a rule carries, ``dataset`` a dataset name or "*". Matching
findings keep their severity but are marked explained (the ``explanation``
column) and no longer fail a run; the reviewer's guide prints the same list.
"""

from __future__ import annotations

from pathlib import Path

from specs.errors import InputError
from specs.loader import load_explanations


def read_explanations(path):
    """The entries of an explanations.yaml file (InputError when it cannot be read)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such explanations file")
    return load_explanations(path)


def study_explanations(study):
    """The explanations of a loaded study (none without one)."""
    return list(getattr(study, "explanations", None) or [])


def explain(findings, explanations):
    """``findings`` with the ``explanation`` column filled where an entry matches."""
    frame = findings.frame
    if not explanations or frame.empty:
        return findings
    p21 = {r.id: r.p21_id for r in findings.rules}
    text = {}
    for item in explanations:
        text.setdefault((item.rule, item.dataset), item.explanation)
    ids = frame["rule"].astype("str")
    other = ids.map(p21).astype("object")
    datasets = frame["dataset"].astype("str")
    found = []
    for rule, alias, dataset in zip(ids, other, datasets):
        found.append(text.get((rule, dataset)) or text.get((rule, "*")) or
                     (alias and (text.get((alias, dataset)) or text.get((alias, "*")))) or "")
    frame = frame.copy()
    frame["explanation"] = found
    return findings.with_frame(frame)
