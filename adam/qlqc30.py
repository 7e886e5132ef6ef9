"""EORTC QLQ-C30 scale scores (EORTC QLQ-C30 Scoring Manual, 3rd edition),
from scales declared in the spec (items, range and kind of each).

Raw score RS = the mean of the scale's answered items, provided at least half
of its items were answered (otherwise the score is missing). Linear
transformation to 0-100: functional scales ``(1 - (RS - 1) / range) x 100``;
symptom scales and global health status ``((RS - 1) / range) x 100``; range
is the difference between the highest and lowest item response (3 for items
scored 1-4, 6 for the 1-7 global items).
"""

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.errors import InputError
from specs.mapping import Condition, Name, Names


KINDS = ("functional", "symptom", "global")


@dataclass
class Scale:
    """One scale: its parameter code, items (test codes), range and kind."""
    paramcd: str
    items: list
    range: float
    kind: str
    method: str | None = None


def scale_from_spec(spec, path):
    """A ``Scale`` from one entry of a spec's ``scales`` list."""
    if not isinstance(spec, dict):
        raise InputError(f"{path}: a scale must be a mapping")
    unknown = sorted(set(spec) - {"paramcd", "items", "range", "kind", "method"})
    missing = [k for k in ("paramcd", "items", "range", "kind") if k not in spec]
    if unknown or missing:
        raise InputError(f"{path}: " + (f"unknown key {unknown[0]!r}" if unknown else f"missing key {missing[0]!r}"))
    if spec["kind"] not in KINDS:
        raise InputError(f"{path}.kind: {spec['kind']!r} must be one of {', '.join(KINDS)}")
    if not spec["items"] or not isinstance(spec["items"], list):
        raise InputError(f"{path}.items: a scale needs a list of items")
    if not isinstance(spec["range"], (int, float)) or spec["range"] <= 0:
        raise InputError(f"{path}.range: {spec['range']!r} must be a positive number")
    return Scale(**spec)


def raw_score(items):
    """Row means of the answered items (columns), missing when fewer than half are answered."""
    answered = items.notna().sum(axis=1)
    return items.mean(axis=1).where(answered >= items.shape[1] / 2)


def linear_transform(raw, scale):
    """The 0-100 score of raw scores of ``scale``."""
    if scale.kind == "functional":
        return (1 - (raw - 1) / scale.range) * 100
    return (raw - 1) / scale.range * 100


def score_scales(records, scales, item_var="QSTESTCD", source_var="QSSTRESN", by_vars=("USUBJID", "VISITNUM"),
                 keep_vars=()):
    """One record per subject and occasion (``by_vars``) and scale: the
    ``by_vars`` and ``keep_vars`` columns (first non-blank value of the
    occasion), PARAMCD and AVAL. ``records`` hold one item response each: its
    item code in ``item_var``, the response in ``source_var``."""
    keys = list(by_vars)
    twice = records.duplicated([*keys, item_var])
    if twice.any():
        raise InputError(f"more than one response for {records.loc[twice, [*keys, item_var]].iloc[0].to_dict()}")
    wide = records.pivot(index=keys, columns=item_var, values=source_var)
    kept = records.replace({c: {"": np.nan} for c in keep_vars}).groupby(keys, sort=False)[list(keep_vars)].first()
    occasions = records[keys].drop_duplicates()
    wide = wide.reindex(pd.MultiIndex.from_frame(occasions))
    parts = []
    for order, scale in enumerate(scales):
        items = wide.reindex(columns=scale.items).astype("float64")
        score = linear_transform(raw_score(items), scale)
        parts.append(pd.DataFrame({"PARAMCD": scale.paramcd, "AVAL": score.to_numpy(), "_order": order},
                                  index=wide.index))
    out = pd.concat(parts).reset_index()
    out["_occasion"] = out.groupby(keys, sort=False).ngroup()
    out = out.sort_values(["_occasion", "_order"], kind="mergesort")
    out = out.merge(kept.reset_index(), on=keys, how="left") if keep_vars else out
    for column in keep_vars:
        if not pd.api.types.is_numeric_dtype(records[column]):
            out[column] = out[column].fillna("").astype(str)
    return out[[*keys, *keep_vars, "PARAMCD", "AVAL"]].reset_index(drop=True)


# The ``scales`` of a questionnaire-score spec as JSON Schema.
Scales = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["paramcd", "items", "range", "kind"], "additionalProperties": False,
    "properties": {"paramcd": {"type": "string"},
                   "items": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                   "range": {"type": "number", "exclusiveMinimum": 0}, "kind": {"enum": list(KINDS)},
                   "method": {"type": "string"}}}}]


def score_records(ctx, source: Name, scales: Scales, filter: Condition = None, item_var: Name = "QSTESTCD",
                  source_var: Name = "QSSTRESN", by_vars: Names = ("USUBJID", "VISITNUM"), keep_vars: Names = ()):
    """The builder of a questionnaire-score BDS dataset: the item responses of
    ``source`` passing ``filter``, scored per ``by_vars`` (subject and occasion) for
    every scale declared in the spec; a scale without a score (fewer than half
    of its items answered) gives no record."""
    path = f"{ctx.path}: mapping"
    parsed = [scale_from_spec(s, f"{path}.scales[{i}]") for i, s in enumerate(scales or [])]
    if not parsed:
        raise InputError(f"{path}.scales: a questionnaire-score dataset needs scales")
    for i, scale in enumerate(parsed):
        ctx.require_method(scale.method, f"{path}.scales[{i}]")
    records = select(ctx.frame(source), filter, f"{path}.filter")
    missing = [c for c in dict.fromkeys(["USUBJID", item_var, source_var, *by_vars, *keep_vars])
               if c not in records.columns]
    if missing:
        raise InputError(f"{path}: {missing[0]!r} is not a variable of {source}")
    try:
        scores = score_scales(records, parsed, item_var, source_var, list(by_vars), list(keep_vars))
    except InputError as exc:
        raise InputError(f"{path}: {source}: {exc}") from None
    return scores[scores["AVAL"].notna()]
