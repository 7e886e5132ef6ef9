"""Generic time-to-event derivation: one record per subject and parameter
from declared event sources and censoring rules (no parameter is coded here).

A parameter (``TteParameter``) names its origin date (an ADSL variable such
as TRTSDT, or a source whose first date per subject is the origin, e.g. the
start of a response for its duration: subjects without one get no record),
its event sources, its assessment source and its censoring rules.
A source (``Source``) is a dataset, a filter, a date variable (ISO 8601 text,
imputed only as its ``impute`` allows, or a SAS date) and what to write in
EVNTDESC, SRCDOM, SRCVAR and SRCSEQ. For each subject with an origin date:

1. Follow-up ends at the earliest date of the ``stop`` rules (e.g. the data
   cut-off, the start of a new anticancer therapy); dates before the origin
   are ignored everywhere.
2. The event is the earliest event-source date from the origin up to the end
   of follow-up (on a tie, the source declared first).
3. The censoring rules are tried in their declared order and the first that
   applies decides (CNSR, EVNTDESC, CNSDTDSC and the date):

   - ``no_baseline``: the subject has no record of the rule's dataset
     (``filter``, e.g. the baseline tumour measurements), event or not:
     censored at the origin (FDA: no baseline tumour assessment).
   - ``no_assessment``: no event, and no assessment after the origin up to
     the end of follow-up: censored at the origin.
   - ``stop``: no event, and this rule's date ends follow-up (a stop without a
     dataset or parameter ends it only when no other stop does): censored at
     the last assessment from the origin up to the stop date (the origin if
     none). With ``cap``, a subject with an assessment or event after the
     stop date is censored at the stop date itself (known event-free then).
   - ``missed_visits``: an event after ``missed`` or more scheduled
     assessments were missed: censored at the last assessment before the
     event (the origin if none). The schedule is data: the planned study days
     (``schedule``: a dataset such as TV, a filter and the day variable,
     VISITDY) counted from the subject's ``reference`` date (an ADSL variable,
     day 1); a planned assessment is missed when its whole window
     (``window_days`` either side) lies after the last assessment and before
     the event, so a visit done late or early inside its window is not.

4. A subject with an event to whom no rule applies has the event (CNSR 0).

AVAL = ADT - STARTDT + 1 days, divided by the days of the unit (DAYS 1,
WEEKS 7, MONTHS 30.4375, YEARS 365.25). ADT is never before STARTDT, so AVAL
is never negative; CNSR is 0 or the rule's positive code.
"""

from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.dates import sas_date
from specs.errors import InputError
from specs.mapping import Condition, Name

from .dates import DateSource, Impute, dated_records

UNIT_DAYS = {"DAYS": 1.0, "WEEKS": 7.0, "MONTHS": 30.4375, "YEARS": 365.25}
RULES = ("no_baseline", "no_assessment", "stop", "missed_visits")
_OUTPUT = ["USUBJID", "PARAMCD", "STARTDT", "ADT", "AVAL", "AVALU", "CNSR", "EVNTDESC", "CNSDTDSC",
           "SRCDOM", "SRCVAR", "SRCSEQ"]


@dataclass
class Source:
    """Dated records of one dataset: events, assessments or the stops of follow-up."""
    dataset: str
    date: str
    filter: dict | None = None
    impute: dict | None = None
    srcdom: str | None = None      # default: the dataset
    srcvar: str | None = None      # default: the date variable
    seq: str | None = None         # default: <dataset>SEQ when the dataset has it
    evntdesc: str = ""
    method: str | None = None
    path: str = "source"


@dataclass
class Rule:
    """One censoring rule (see the module docstring for each kind)."""
    rule: str
    cnsr: int
    evntdesc: str
    cnsdtdsc: str
    method: str | None = None
    source: Source | None = None   # stop: the dataset whose first date stops follow-up; no_baseline: the records
    parameter: str | None = None   # stop: a study parameter date (e.g. data_cutoff)
    cap: bool = False              # stop: censor at the stop date when seen after it
    srcdom: str = ""               # stop: SRCDOM/SRCVAR when censored at the stop date
    srcvar: str = ""
    missed: int = 2                # missed_visits
    window_days: float = 0.0
    schedule: dict = field(default_factory=dict)
    reference: str = "TRTSDT"
    path: str = "rule"


@dataclass
class TteParameter:
    """A time-to-event parameter: origin, events, assessments and censoring rules."""
    paramcd: str
    start: "str | Source"          # an ADSL date variable, or a source whose first date is the origin
    events: list
    rules: list
    assessments: Source | None = None
    unit: str = "DAYS"
    method: str | None = None
    path: str = "parameter"


# -- reading a parameter from its spec ------------------------------------

def _keys(spec, path, required, optional):
    if not isinstance(spec, dict):
        raise InputError(f"{path}: must be a mapping")
    missing = [k for k in required if k not in spec]
    unknown = sorted(set(spec) - set(required) - set(optional))
    if missing:
        raise InputError(f"{path}: missing key {missing[0]!r}")
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join([*required, *optional])})")


_SOURCE_KEYS = ("filter", "impute", "srcdom", "srcvar", "seq", "evntdesc", "method")


def source_from_spec(spec, path):
    _keys(spec, path, ("dataset", "date"), _SOURCE_KEYS)
    return Source(**spec, path=path)


def rule_from_spec(spec, path):
    kind = spec.get("rule") if isinstance(spec, dict) else None
    if kind not in RULES:
        raise InputError(f"{path}.rule: {kind!r} must be one of {', '.join(RULES)}")
    common = ("rule", "cnsr", "evntdesc", "cnsdtdsc")
    optional = {"no_assessment": ("method",),
                "no_baseline": ("method", "dataset", "date", "filter"),
                "stop": ("method", "dataset", "date", "filter", "impute", "parameter", "cap", "srcdom",
                         "srcvar", "seq"),
                "missed_visits": ("method", "missed", "window_days", "schedule", "reference")}[kind]
    _keys(spec, path, common, optional)
    if not isinstance(spec["cnsr"], int) or spec["cnsr"] < 1:
        raise InputError(f"{path}.cnsr: {spec['cnsr']!r} must be a positive integer (0 is an event)")
    values = {k: v for k, v in spec.items() if k not in ("dataset", "date", "filter", "impute", "seq")}
    if kind == "no_baseline" and not {"dataset", "date"} <= set(spec):
        raise InputError(f"{path}: a no_baseline rule needs the dataset and date of the baseline records")
    if kind in ("stop", "no_baseline") and ("dataset" in spec or "date" in spec):
        if "parameter" in spec:
            raise InputError(f"{path}: a stop takes either a dataset and date or a parameter")
        source = {k: spec[k] for k in ("dataset", "date", "filter", "impute", "seq", "srcdom", "srcvar") if k in spec}
        values["source"] = source_from_spec(source, path)
    if kind == "missed_visits":
        schedule = spec.get("schedule")
        if not isinstance(schedule, dict) or not {"dataset", "day"} <= set(schedule) \
                or set(schedule) - {"dataset", "filter", "day"}:
            raise InputError(f"{path}.schedule: a missed_visits rule needs the schedule of assessments, "
                             "{dataset, filter, day}, e.g. {dataset: TV, day: VISITDY}")
    return Rule(**values, path=path)


def parameter_from_spec(spec, path):
    """A ``TteParameter`` from one entry of an ADTTE spec's ``mapping.parameters``."""
    _keys(spec, path, ("paramcd", "start", "events", "censoring"), ("assessments", "unit", "method"))
    unit = spec.get("unit", "DAYS")
    if unit not in UNIT_DAYS:
        raise InputError(f"{path}.unit: {unit!r} must be one of {', '.join(UNIT_DAYS)}")
    events = [source_from_spec(e, f"{path}.events[{i}]") for i, e in enumerate(spec["events"] or [])]
    rules = [rule_from_spec(r, f"{path}.censoring[{i}]") for i, r in enumerate(spec["censoring"] or [])]
    if not events:
        raise InputError(f"{path}.events: a parameter needs at least one event source")
    assessments = source_from_spec(spec["assessments"], f"{path}.assessments") if "assessments" in spec else None
    if assessments is None and any(r.rule != "stop" or r.source or r.parameter for r in rules):
        raise InputError(f"{path}.assessments: censoring rules need the assessment source")
    start = spec["start"]
    if isinstance(start, dict):
        start = source_from_spec(start, f"{path}.start")
    elif not isinstance(start, str):
        raise InputError(f"{path}.start: give an ADSL date variable or a source {{dataset, date, filter}}")
    return TteParameter(paramcd=spec["paramcd"], start=start, events=events, rules=rules,
                        assessments=assessments, unit=unit, method=spec.get("method"), path=path)


# -- the derivation ----------------------------------------------------------

def _dated(source, frames):
    """USUBJID, date, SRCDOM, SRCVAR and SRCSEQ of a source's dated records."""
    if source.dataset not in frames:
        raise InputError(f"{source.path}.dataset: {source.dataset!r} is not among the datasets "
                         f"available ({', '.join(sorted(frames))})")
    frame = frames[source.dataset]
    seq = source.seq or (f"{source.dataset}SEQ" if f"{source.dataset}SEQ" in frame.columns else None)
    if seq is not None and seq not in frame.columns:
        raise InputError(f"{source.path}.seq: {seq!r} is not a variable of {source.dataset}")
    out = dated_records(DateSource(frame, source.date, source.filter, source.impute, source.path),
                        keep=[seq] if seq else [])
    return pd.DataFrame({"USUBJID": out["USUBJID"].to_numpy(), "date": out["value"].to_numpy(),
                         "seq": out[seq].to_numpy(dtype="float64") if seq else np.nan,
                         "srcdom": source.srcdom or source.dataset, "srcvar": source.srcvar or source.date,
                         "desc": source.evntdesc})


def _by_subject(dated, start):
    """Records on or after each subject's origin, in date order, as lists per subject."""
    dated = dated[dated["date"] >= dated["USUBJID"].map(start)].sort_values("date", kind="mergesort")
    records = {}
    for record in dated.itertuples(index=False):
        records.setdefault(record.USUBJID, []).append(record)
    return records


@dataclass
class _Subject:
    """What the censoring rules look at for one subject."""
    origin: float
    end: float                     # end of follow-up: the earliest stop date
    event: tuple | None            # the earliest event up to the end of follow-up
    events: list                   # every event record on or after the origin
    seen: list                     # assessments on or after the origin
    start: tuple                   # the origin as (date, seq, SRCDOM, SRCVAR)


def _censored_at(rule, s, fact):
    """(date, seq, SRCDOM, SRCVAR) a subject is censored at under ``rule``, or
    None when the rule does not apply (see the module docstring). ``fact`` is
    what the rule knows of the subject: the date of a stop, whether the
    baseline records exist, or the planned study days and the subject's day-1
    date of a missed_visits rule."""
    if rule.rule == "no_baseline":
        return None if fact else s.start
    if rule.rule == "no_assessment":
        applies = s.event is None and not any(s.origin < a.date <= s.end for a in s.seen)
        return s.start if applies else None
    if rule.rule == "stop":
        stop_date = fact
        if s.event is not None or stop_date is None or stop_date != s.end:
            return None
        later = any(r.date > s.end for r in [*s.seen, *s.events])
        if rule.cap and later:
            return (s.end, np.nan, rule.srcdom, rule.srcvar)
        before = [a for a in s.seen if a.date <= s.end]
        return (before[-1].date, before[-1].seq, before[-1].srcdom, before[-1].srcvar) if before else s.start
    if s.event is None:             # missed_visits
        return None
    before = [a for a in s.seen if a.date < s.event.date]
    last = (before[-1].date, before[-1].seq, before[-1].srcdom, before[-1].srcvar) if before else s.start
    planned, reference = fact
    return last if missed_visits(planned, last[0] - reference + 1, s.event.date - reference + 1,
                                 rule.window_days) >= rule.missed else None


def missed_visits(planned, last_day, event_day, window_days):
    """How many planned study days have their whole window (``window_days`` either
    side) after the study day of the last assessment and before the event's."""
    planned = np.asarray(planned, dtype="float64")
    return int(((planned - window_days > last_day) & (planned + window_days < event_day)).sum())


def derive_param_tte(subjects, parameter, frames, parameters=None):
    """Records of one time-to-event parameter for the ``subjects`` (ADSL rows with
    USUBJID and the parameter's origin variable) from the ``frames`` (name ->
    final dataset, ADSL included). Columns: USUBJID, PARAMCD, STARTDT, ADT, AVAL,
    AVALU, CNSR, EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ. ``parameters`` are the
    study.yaml parameters (a stop rule may name one, e.g. data_cutoff)."""
    p = parameter
    start, origins = _origins(subjects, p, frames)
    subjects = subjects[subjects["USUBJID"].isin(start.index)]
    events = pd.concat([_dated(s, frames).assign(order=i) for i, s in enumerate(p.events)],
                       ignore_index=True).sort_values(["date", "order"], kind="mergesort")
    events = _by_subject(events, start)
    assessed = _by_subject(_dated(p.assessments, frames), start) if p.assessments else {}
    stops = {i: _stop_dates(rule, frames, parameters, start) for i, rule in enumerate(p.rules) if rule.rule == "stop"}
    schedules = {i: _schedule(rule, subjects, frames) for i, rule in enumerate(p.rules)
                 if rule.rule == "missed_visits"}
    baselines = {i: set(_dated(rule.source, frames)["USUBJID"]) for i, rule in enumerate(p.rules)
                 if rule.rule == "no_baseline"}

    def fact(i, subject):
        if i in stops:
            return stops[i].get(subject)
        if i in schedules:
            return schedules[i][0], schedules[i][1][subject]
        return subject in baselines[i] if i in baselines else None

    rows = []
    for subject, origin in start.items():
        end = min([dates[subject] for dates in stops.values() if subject in dates], default=np.inf)
        mine = events.get(subject, [])
        s = _Subject(origin, end, next((e for e in mine if e.date <= end), None), mine, assessed.get(subject, []),
                     origins[subject])
        outcome = next(((rule, at) for i, rule in enumerate(p.rules)
                        if (at := _censored_at(rule, s, fact(i, subject))) is not None), None)
        if outcome is not None:
            rule, (adt, seq, dom, var) = outcome
            cnsr, desc, cdesc = rule.cnsr, rule.evntdesc, rule.cnsdtdsc
        elif s.event is not None:
            adt, seq, dom, var = s.event.date, s.event.seq, s.event.srcdom, s.event.srcvar
            cnsr, desc, cdesc = 0, s.event.desc, ""
        else:
            raise InputError(f"{p.path}.censoring: no rule applies to subject {subject} (no event); "
                             "end the list with a stop rule (e.g. the data cut-off)")
        rows.append((subject, p.paramcd, origin, adt, (adt - origin + 1) / UNIT_DAYS[p.unit], p.unit,
                     float(cnsr), desc, cdesc, dom, var, seq))
    return pd.DataFrame(rows, columns=_OUTPUT)


def _origins(subjects, p, frames):
    """The origin date of each subject (a Series by USUBJID) and its source as
    (date, seq, SRCDOM, SRCVAR): an ADSL variable, or the first date of a source."""
    if isinstance(p.start, Source):
        first = _dated(p.start, frames).sort_values("date", kind="mergesort").drop_duplicates("USUBJID")
        first = first[first["USUBJID"].isin(set(subjects["USUBJID"]))].set_index("USUBJID")
        order = [s for s in subjects["USUBJID"] if s in first.index]
        start = first.loc[order, "date"].astype("float64")
        return start, {s: (first.at[s, "date"], first.at[s, "seq"], first.at[s, "srcdom"], first.at[s, "srcvar"])
                       for s in order}
    if p.start not in subjects.columns:
        raise InputError(f"{p.path}.start: {p.start!r} is not a variable of ADSL")
    subjects = subjects[subjects[p.start].notna()]
    start = pd.Series(subjects[p.start].to_numpy(dtype="float64"), index=subjects["USUBJID"].to_numpy())
    return start, {s: (d, np.nan, "ADSL", p.start) for s, d in start.items()}


def _schedule(rule, subjects, frames):
    """The planned study days of a missed_visits rule and each subject's day-1 date."""
    schedule = rule.schedule
    if schedule["dataset"] not in frames:
        raise InputError(f"{rule.path}.schedule.dataset: {schedule['dataset']!r} is not among the datasets "
                         f"available ({', '.join(sorted(frames))})")
    visits = select(frames[schedule["dataset"]], schedule.get("filter"), f"{rule.path}.schedule.filter")
    if schedule["day"] not in visits.columns or rule.reference not in subjects.columns:
        raise InputError(f"{rule.path}: {schedule['day']!r} is not a variable of {schedule['dataset']} "
                         f"or {rule.reference!r} not one of ADSL")
    planned = pd.to_numeric(visits[schedule["day"]], errors="coerce").dropna().to_numpy(dtype="float64")
    return planned, dict(zip(subjects["USUBJID"], subjects[rule.reference].astype("float64")))


def _stop_dates(rule, frames, parameters, start):
    """Stop dates by subject: the first on or after the origin of the rule's
    dataset, or its study parameter date; a stop without either ends follow-up
    only where no other stop does (an infinite date)."""
    if rule.source is not None:
        return {s: recs[0].date for s, recs in _by_subject(_dated(rule.source, frames), start).items()}
    date = _parameter_date(parameters, rule) if rule.parameter is not None else np.inf
    return {s: date for s in start.index}


def _parameter_date(parameters, rule):
    """A study parameter (e.g. data_cutoff) as a SAS date."""
    parameters = parameters or {}
    if rule.parameter not in parameters:
        raise InputError(f"{rule.path}.parameter: {rule.parameter!r} is not in study.yaml parameters")
    value = sas_date(pd.Series([str(parameters[rule.parameter])])).iloc[0]
    if pd.isna(value):
        raise InputError(f"{rule.path}.parameter: study parameter {rule.parameter} = "
                         f"{parameters[rule.parameter]!r} is not a date")
    return float(value)


_TEXT, _NAME = {"type": "string"}, Name.__metadata__[0]
_SOURCE = {"dataset": _NAME, "date": _NAME, "filter": Condition.__metadata__[0], "impute": Impute.__metadata__[0],
           "srcdom": _TEXT, "srcvar": _TEXT, "seq": _NAME, "evntdesc": _TEXT, "method": _TEXT}
# The ``parameters`` of a time-to-event spec as JSON Schema (which keys a rule
# takes depends on its kind: ``rule_from_spec`` checks that).
Parameters = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["paramcd", "start", "events", "censoring"], "additionalProperties": False,
    "properties": {
        "paramcd": _TEXT, "unit": {"enum": list(UNIT_DAYS)}, "method": _TEXT,
        "start": {"anyOf": [_NAME, {"type": "object", "required": ["dataset", "date"], "additionalProperties": False,
                                    "properties": _SOURCE}]},
        "events": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["dataset", "date"], "additionalProperties": False,
            "properties": _SOURCE}},
        "assessments": {"type": "object", "required": ["dataset", "date"], "additionalProperties": False,
                        "properties": _SOURCE},
        "censoring": {"type": "array", "items": {
            "type": "object", "required": ["rule", "cnsr", "evntdesc", "cnsdtdsc"], "additionalProperties": False,
            "properties": {
                **_SOURCE, "rule": {"enum": list(RULES)}, "cnsr": {"type": "integer", "minimum": 1},
                "cnsdtdsc": _TEXT, "parameter": _NAME, "cap": {"type": "boolean"},
                "missed": {"type": "integer", "minimum": 1}, "window_days": {"type": "number"},
                "schedule": {"type": "object", "required": ["dataset", "day"], "additionalProperties": False,
                             "properties": {"dataset": _NAME, "filter": Condition.__metadata__[0], "day": _NAME}},
                "reference": _NAME}}}}}}]


def tte_records(ctx, parameters: Parameters, population: Condition = None, subjects: Name = "ADSL"):
    """The builder of a time-to-event dataset: the records of every parameter
    declared in the spec, for the ``subjects`` dataset's records passing
    ``population``."""
    adsl = select(ctx.frame(subjects), population, f"{ctx.path}: mapping.population")
    parts = []
    for i, spec in enumerate(parameters or []):
        p = parameter_from_spec(spec, f"{ctx.path}: mapping.parameters[{i}]")
        sources = [*p.events, p.assessments, *(r.source for r in p.rules),
                   *([p.start] if isinstance(p.start, Source) else [])]
        for item in [p, *p.events, *p.rules]:
            ctx.require_method(item.method, item.path)
        frames = {s.dataset: ctx.frame(s.dataset, s.path) for s in sources if s is not None}
        frames.update({r.schedule["dataset"]: ctx.frame(r.schedule["dataset"], r.path)
                       for r in p.rules if r.rule == "missed_visits"})
        parts.append(derive_param_tte(adsl, p, frames, ctx.study.parameters))
    if not parts:
        raise InputError(f"{ctx.path}: mapping.parameters: a time-to-event dataset needs parameters")
    return pd.concat(parts, ignore_index=True)
