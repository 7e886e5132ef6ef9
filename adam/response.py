"""Tumour response builders: ADRS (responses by assessment, best overall
response, responder parameters) and ADTR (sums of diameters), from SDTM RS,
TU and TR with the RECIST 1.1 rules of ``adam.recist``.

The spec names the assessments (the investigator's overall responses:
``{dataset, filter, source_var, date_var, group_var}``, the group being the
TR link group of the assessment), the lesion datasets, the origin
(``reference_date``, an ADSL date) and the parameters, each one of:

| key | records |
|---|---|
| ``response: recorded`` | one per assessment: the response as recorded |
| ``response: recist`` | one per assessment: RECIST 1.1 recomputed from TU/TR (``criteria`` may override its thresholds) |
| ``best_of: PARAMCD`` | one per subject: the confirmed best overall response of that parameter's responses (``confirm_days``, ``sd_min_days`` from the origin) before the first date of ``until`` (a source ``{dataset, filter, date, impute}``, e.g. the start of a subsequent anticancer therapy); NE without any assessment |
| ``responder: PARAMCD`` | one per subject: Y when that parameter's AVALC is in ``values``, else N; ADT is the start of the response (CR/PR) or the date of the best response (other values) |

Columns of the records: USUBJID, PARAMCD, AVALC, ADT, AVISIT, AVISITN,
SRCDOM, SRCVAR, SRCSEQ. Only assessments after the origin count.
"""

from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import select
from specs.dates import sas_date
from specs.errors import InputError
from specs.mapping import Condition, Name

from . import recist
from .dates import DateSource, Impute, dated_records

_NAME, _CONDITION = Name.__metadata__[0], Condition.__metadata__[0]
Assessments = Annotated[dict, {
    "type": "object", "required": ["dataset", "source_var", "date_var", "group_var"], "additionalProperties": False,
    "properties": {"dataset": _NAME, "filter": _CONDITION, "source_var": _NAME, "date_var": _NAME,
                   "group_var": _NAME, "visit_var": _NAME, "visitnum_var": _NAME, "seq_var": _NAME}}]
Lesions = Annotated[dict, {"type": "object", "additionalProperties": False,
                           "properties": {"identification": _NAME, "results": _NAME}}]
Criteria = Annotated[dict, {"type": "object", "additionalProperties": False,
                            "properties": {k: {"type": "number"} for k in recist.Criteria.__dataclass_fields__}}]
ResponseParameters = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["paramcd"], "additionalProperties": False,
    "properties": {
        "paramcd": {"type": "string"}, "method": {"type": "string"},
        "response": {"enum": ["recorded", "recist"]},
        "best_of": {"type": "string"}, "confirm_days": {"type": "number"}, "sd_min_days": {"type": "number"},
        "until": {"type": "object", "required": ["dataset", "date"], "additionalProperties": False,
                  "properties": {"dataset": _NAME, "filter": _CONDITION, "date": _NAME,
                                 "impute": Impute.__metadata__[0]}},
        "responder": {"type": "string"}, "values": {"type": "array", "items": {"type": "string"}}}}}]

_COLUMNS = ["USUBJID", "PARAMCD", "AVALC", "ADT", "AVISIT", "AVISITN", "SRCDOM", "SRCVAR", "SRCSEQ"]


def _assessments(ctx, spec, subjects, origin, path):
    """The assessments after each subject's origin: USUBJID, GROUP, DATE, VALUE, VISIT, VISITNUM, SEQ."""
    frame = select(ctx.frame(spec["dataset"], path), spec.get("filter"), f"{path}.filter")
    names = {"GROUP": spec["group_var"], "VALUE": spec["source_var"], "DTC": spec["date_var"],
             "VISIT": spec.get("visit_var", "VISIT"), "VISITNUM": spec.get("visitnum_var", "VISITNUM"),
             "SEQ": spec.get("seq_var", f"{spec['dataset']}SEQ")}
    missing = [v for v in names.values() if v not in frame.columns]
    if missing:
        raise InputError(f"{path}: {missing[0]!r} is not a variable of {spec['dataset']}")
    out = pd.DataFrame({"USUBJID": frame["USUBJID"].to_numpy(),
                        **{k: frame[v].to_numpy() for k, v in names.items()}})
    out["DATE"] = sas_date(out["DTC"]).to_numpy()
    out["ORIGIN"] = out["USUBJID"].map(origin).to_numpy(dtype="float64")
    out = out[out["USUBJID"].isin(subjects) & (out["DATE"] > out["ORIGIN"])]
    out.attrs.update(dataset=spec["dataset"], value=spec["source_var"])
    return out.sort_values(["USUBJID", "DATE"], kind="mergesort").reset_index(drop=True)


def _origins(ctx, subjects, population, reference_date, path):
    """Each subject's origin date (by USUBJID) and the subjects in order."""
    adsl = select(ctx.frame(subjects), population, f"{path}.population")
    if reference_date not in adsl.columns:
        raise InputError(f"{path}.reference_date: {reference_date!r} is not a variable of {subjects}")
    adsl = adsl[adsl[reference_date].notna()]
    return (pd.Series(adsl[reference_date].to_numpy(dtype="float64"), index=adsl["USUBJID"].to_numpy()),
            list(adsl["USUBJID"]))


def _lesion_responses(ctx, assessments, lesions, criteria, path):
    tu = ctx.frame(lesions.get("identification", "TU"), f"{path}.lesions")
    tr = ctx.frame(lesions.get("results", "TR"), f"{path}.lesions")
    return recist.assessment_responses(assessments, tu, tr, recist.Criteria(**(criteria or {})))


def _per_assessment(assessments, paramcd, values, srcdom, srcvar):
    return pd.DataFrame({"USUBJID": assessments["USUBJID"], "PARAMCD": paramcd, "AVALC": values,
                         "ADT": assessments["DATE"], "AVISIT": assessments["VISIT"],
                         "AVISITN": assessments["VISITNUM"], "SRCDOM": srcdom, "SRCVAR": srcvar,
                         "SRCSEQ": assessments["SEQ"] if srcdom else np.nan})


def _first_dates(ctx, spec, start, path):
    """The first date on or after the origin of a source, by subject."""
    found = dated_records(DateSource(ctx.frame(spec["dataset"], path), spec["date"], spec.get("filter"),
                                     spec.get("impute"), path))
    found = found[found["value"] >= found["USUBJID"].map(start).to_numpy(dtype="float64")]
    return found.groupby("USUBJID")["value"].min()


def _responder(values):
    """Y (dated at the start of a CR/PR, else at the best response) when the best response is in ``values``."""
    def answer(best):
        if best.response not in values:
            return "N", np.nan
        return "Y", (best.response_start if best.response in (recist.CR, recist.PR) else best.date)
    return answer


def _best(records, subjects, origin, confirm_days, sd_min_days):
    """Best overall response per subject from per-assessment records, as BestResponse."""
    best = {}
    grouped = {s: g for s, g in records.groupby("USUBJID", sort=False)}
    for subject in subjects:
        mine = grouped.get(subject)
        best[subject] = recist.best_overall_response(
            [] if mine is None else list(mine["ADT"]), [] if mine is None else list(mine["AVALC"]),
            origin[subject], confirm_days, sd_min_days)
    return best


def response_records(ctx, assessments: Assessments, parameters: ResponseParameters, reference_date: Name = "TRTSDT",
                     population: Condition = None, lesions: Lesions = None, criteria: Criteria = None,
                     subjects: Name = "ADSL"):
    """The builder of a response dataset (ADRS): the records of every parameter of
    the spec, for the ``subjects`` passing ``population``, from their origin ``reference_date``."""
    path = f"{ctx.path}: mapping"
    start, ids = _origins(ctx, subjects, population, reference_date, path)
    found = _assessments(ctx, assessments, set(ids), start, f"{path}.assessments")
    built, bests, parts = {}, {}, []
    for i, p in enumerate(parameters or []):
        where = f"{path}.parameters[{i}]"
        paramcd = p.get("paramcd")
        ctx.require_method(p.get("method"), where)
        if p.get("response") == "recorded":
            out = _per_assessment(found, paramcd, found["VALUE"], found.attrs["dataset"], found.attrs["value"])
        elif p.get("response") == "recist":
            derived = _lesion_responses(ctx, found, lesions or {}, criteria, path)
            out = _per_assessment(derived, paramcd, derived["OVERALL"], "", "")
        elif "best_of" in p:
            of = built.get(p["best_of"])
            if of is None:
                raise InputError(f"{where}.best_of: {p['best_of']!r} is not a parameter declared before {paramcd}")
            if "until" in p:
                stops = _first_dates(ctx, p["until"], start, f"{where}.until")
                of = of[of["ADT"] < of["USUBJID"].map(stops).fillna(np.inf).to_numpy()]
            best = _best(of, ids, start, p["confirm_days"], p["sd_min_days"])
            bests[paramcd] = (best, of)
            out = _subject_records(ids, paramcd, best, of, lambda b: (b.response, b.date))
        elif "responder" in p:
            if p["responder"] not in bests:
                raise InputError(f"{where}.responder: {p['responder']!r} is not a best-response parameter "
                                 f"declared before {paramcd}")
            best, of = bests[p["responder"]]
            out = _subject_records(ids, paramcd, best, of, _responder(set(p.get("values") or [])))
        else:
            raise InputError(f"{where}: a parameter needs response (recorded or recist), best_of or responder")
        built[paramcd] = out
        parts.append(out)
    if not parts:
        raise InputError(f"{path}.parameters: a response dataset needs parameters")
    return pd.concat(parts, ignore_index=True)[_COLUMNS]


def _subject_records(ids, paramcd, best, assessed, value):
    """One record per subject: AVALC and ADT from ``value(best)``, the visit and
    source of the assessment on that date."""
    rows = []
    on_date = {(s, d): r for s, d, r in zip(assessed["USUBJID"], assessed["ADT"], assessed.index)}
    for subject in ids:
        avalc, adt = value(best[subject])
        row = on_date.get((subject, adt))
        source = assessed.loc[row] if row is not None else None
        rows.append((subject, paramcd, avalc, adt if adt is not None else np.nan,
                     source["AVISIT"] if source is not None else "",
                     source["AVISITN"] if source is not None else np.nan,
                     source["SRCDOM"] if source is not None else "", source["SRCVAR"] if source is not None else "",
                     source["SRCSEQ"] if source is not None else np.nan))
    return pd.DataFrame(rows, columns=_COLUMNS)


def tumour_sum_records(ctx, assessments: Assessments, paramcd: Name = "SUMDIAM", reference_date: Name = "TRTSDT",
                       population: Condition = None, lesions: Lesions = None, subjects: Name = "ADSL"):
    """The builder of a tumour-results dataset (ADTR): the sum of the target
    diameters at baseline (ABLFL Y) and at every assessment, with BASE and
    NADIR (the smallest sum before the assessment, baseline included); no
    record where a target lesion was not measured (no sum)."""
    path = f"{ctx.path}: mapping"
    start, ids = _origins(ctx, subjects, population, reference_date, path)
    found = _assessments(ctx, assessments, set(ids), start, f"{path}.assessments")
    derived = _lesion_responses(ctx, found, lesions or {}, None, path)
    post = pd.DataFrame({"USUBJID": derived["USUBJID"], "PARAMCD": paramcd, "AVAL": derived["SUM"],
                         "ADT": derived["DATE"], "AVISIT": derived["VISIT"], "AVISITN": derived["VISITNUM"],
                         "ABLFL": "", "BASE": derived["BASE"], "NADIR": derived["NADIR"]})
    tr = ctx.frame((lesions or {}).get("results", "TR"), f"{path}.lesions")
    base = tr[(tr["TRTESTCD"] == "LDIAM") & (tr["TRLOBXFL"] == "Y") & tr["USUBJID"].isin(set(ids))]
    base = base.sort_values(["USUBJID", "TRDTC"], kind="mergesort")
    grouped = base.groupby("USUBJID", sort=False)
    first = grouped.first()
    baseline = pd.DataFrame({"USUBJID": first.index, "PARAMCD": paramcd,
                             "AVAL": grouped["TRSTRESN"].sum(min_count=1).where(grouped["TRSTRESN"].count()
                                                                                  == grouped.size()).to_numpy(),
                             "ADT": sas_date(first["TRDTC"]).to_numpy(), "AVISIT": first["VISIT"].to_numpy(),
                             "AVISITN": first["VISITNUM"].to_numpy(), "ABLFL": "Y"})
    baseline["BASE"], baseline["NADIR"] = baseline["AVAL"], np.nan
    out = pd.concat([baseline[post.columns], post], ignore_index=True)
    return out[out["AVAL"].notna()].reset_index(drop=True)
