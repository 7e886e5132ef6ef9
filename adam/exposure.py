"""Exposure (ADEX): per-administration records and per-subject summary
parameters, all declared in the spec (no parameter is coded here).

The builder reads the records of one SDTM ``source`` (EC: every dosing visit
as collected, given or not). ``records`` declares the per-administration
parameters, one record per source record passing ``filter``:

    - {paramcd: DOSE, filter: {variable: ECOCCUR, equals: "Y"}, value: ECDOSE, unit: mg}

and ``summaries`` the per-subject ones, in order (a summary may use the ones
before it), each one ``kind``:

| kind | AVAL per subject |
|---|---|
| count | the number of source records passing ``filter`` (0 when none) |
| sum | the sum of AVAL of the per-administration parameter ``of`` |
| span | days from the first to the last ASTDT of parameter ``of``, plus ``add`` (e.g. the dosing interval) |
| ratio | ``numerator`` / ``denominator`` x ``factor``; each a PARAMCD or ``{value: number}`` |

Every summary has one record for each subject with at least one record of
the ``subjects`` parameter (e.g. DOSE: the treated subjects). Records carry
PARAMCD, AVAL, AVALU (``unit``), ASTDT/AENDT (SAS dates of the source's
``date``/``end``; for a summary the first and last date of the subjects'
``subjects`` records), PARCAT1 (``category`` of ``records`` or ``summaries``)
and, for per-administration records, SRCDOM/SRCVAR/SRCSEQ.
"""

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.dates import sas_date
from specs.errors import InputError
from specs.mapping import Condition, Name, Table


KINDS = ("count", "sum", "span", "ratio")


@dataclass
class _Source:
    """The builder's SDTM source: its name, final frame and date variables."""
    name: str
    frame: pd.DataFrame
    date: str
    end: str


# The ``records`` and ``summaries`` of an exposure spec as JSON Schema.
_PARAMCD = {"type": "string", "minLength": 1}
Records = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["paramcd", "value"], "additionalProperties": False,
    "properties": {"paramcd": _PARAMCD, "value": {"type": "string"}, "filter": Condition.__metadata__[0],
                   "unit": {"type": "string"}}}}]
_OPERAND = {"anyOf": [_PARAMCD, {"type": "object", "required": ["value"], "additionalProperties": False,
                                 "properties": {"value": {"type": "number"}}}]}
Summaries = Annotated[list, {"type": "array", "items": {
    "type": "object", "required": ["paramcd", "kind"], "additionalProperties": False,
    "properties": {"paramcd": _PARAMCD, "kind": {"enum": list(KINDS)}, "filter": Condition.__metadata__[0],
                   "of": _PARAMCD, "add": {"type": "number"}, "numerator": _OPERAND, "denominator": _OPERAND,
                   "factor": {"type": "number"}, "unit": {"type": "string"}}}}]


def _dates(values):
    """ISO 8601 text to SAS dates (the date part; NaN where no full date)."""
    text = pd.Series(values, dtype=object).fillna("").astype(str).str.slice(0, 10)
    return sas_date(text.where(text.str.len() == 10, None))


def _per_record(src, spec, category, path):
    rows = select(src.frame, spec.get("filter"), f"{path}.filter")
    value = spec.get("value")
    if value not in src.frame.columns:
        raise InputError(f"{path}.value: {value!r} is not a variable of {src.name}")
    return pd.DataFrame({
        "USUBJID": rows["USUBJID"].to_numpy(), "PARAMCD": spec["paramcd"], "PARCAT1": category,
        "AVAL": pd.to_numeric(rows[value], errors="coerce").to_numpy(dtype="float64"),
        "AVALU": spec.get("unit", ""),
        "ASTDT": _dates(rows[src.date]).to_numpy(), "AENDT": _dates(rows[src.end]).to_numpy(),
        "SRCDOM": src.name, "SRCVAR": value,
        "SRCSEQ": pd.to_numeric(rows[f"{src.name}SEQ"], errors="coerce").to_numpy(dtype="float64"),
    })


def _operand(item, values, path):
    if isinstance(item, dict) and set(item) == {"value"}:
        return float(item["value"])
    if item not in values:
        raise InputError(f"{path}: {item!r} is neither an earlier parameter nor {{value: number}}")
    return values[item]


def _summary(src, spec, per_record, values, subjects, path):
    """AVAL per subject (a Series on ``subjects``) of one summary parameter."""
    kind = spec.get("kind")
    if kind == "count":
        rows = select(src.frame, spec.get("filter"), f"{path}.filter")
        return rows.groupby("USUBJID").size().reindex(subjects, fill_value=0).astype("float64")
    if kind in ("sum", "span"):
        of = per_record[per_record["PARAMCD"] == spec.get("of")]
        if of.empty:
            raise InputError(f"{path}.of: {spec.get('of')!r} is not a per-administration parameter with records")
        grouped = of.groupby("USUBJID")
        if kind == "sum":
            return grouped["AVAL"].sum(min_count=1).reindex(subjects)
        return (grouped["ASTDT"].max() - grouped["ASTDT"].min() + float(spec.get("add", 0))).reindex(subjects)
    if kind == "ratio":
        numerator = _operand(spec.get("numerator"), values, f"{path}.numerator")
        denominator = _operand(spec.get("denominator"), values, f"{path}.denominator")
        ratio = numerator / denominator * float(spec.get("factor", 1))
        return ratio if isinstance(ratio, pd.Series) else pd.Series(ratio, index=subjects)
    raise InputError(f"{path}.kind: {kind!r} must be one of {', '.join(KINDS)}")


def exposure_records(ctx, source: Name, date: Name, records: Records, summaries: Summaries, subjects: Name,
                     end: Name = None, category: Table = None):
    """The builder of an exposure dataset (ADEX): per-administration records of
    ``source`` and per-subject summaries of them (see ``adam.exposure``)."""
    src = _Source(source, ctx.frame(source), date, end or date)
    for name in (src.date, src.end):
        if name not in src.frame.columns:
            raise InputError(f"{ctx.path}: mapping: {name!r} is not a variable of {source}")
    category = dict(category or {})
    per_record = pd.concat([_per_record(src, spec, category.get("records", ""), f"{ctx.path}: mapping.records[{i}]")
                            for i, spec in enumerate(records)], ignore_index=True)
    if subjects not in {spec["paramcd"] for spec in records}:
        raise InputError(f"{ctx.path}: mapping.subjects: {subjects!r} is not a per-administration parameter")
    treated = per_record[per_record["PARAMCD"] == subjects]
    ids = pd.Index(sorted(treated["USUBJID"].unique()), name="USUBJID")
    first, last = (treated.groupby("USUBJID")["ASTDT"].agg(how).reindex(ids) for how in ("min", "max"))
    values, parts = {}, [per_record]
    for i, spec in enumerate(summaries):
        aval = _summary(src, spec, per_record, values, ids, f"{ctx.path}: mapping.summaries[{i}]")
        values[spec["paramcd"]] = aval
        parts.append(pd.DataFrame({
            "USUBJID": ids.to_numpy(), "PARAMCD": spec["paramcd"], "PARCAT1": category.get("summaries", ""),
            "AVAL": aval.to_numpy(dtype="float64"), "AVALU": spec.get("unit", ""),
            "ASTDT": first.to_numpy(), "AENDT": last.to_numpy(), "SRCDOM": "", "SRCVAR": "", "SRCSEQ": np.nan}))
    return pd.concat(parts, ignore_index=True)
