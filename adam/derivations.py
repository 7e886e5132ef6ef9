"""The catalogue of variable derivations an ADaM spec may name.

A variable's ``mapping`` is ``{derivation: NAME, ...parameters}`` and may add
``when: FILTER`` (the value is kept only where the filter holds, missing
elsewhere). Each derivation reads other variables of the same dataset by
name (evaluated on demand, in any order) or other datasets (SDTM, or ADaM
built first), and calls the toolkit (``adam.dates``, ``adam.merge``,
``adam.flags``, ...). Filters are the condition dicts of ``adam.filters``.
Sources in the subject-level derivations are ``{dataset, where, date|variable,
...}``.

| derivation | fills a variable with |
|---|---|
| date | SAS date/datetime/time (``output``) of ISO 8601 ``date``, imputed as ``impute`` allows (``highest``, ``date``, ``time``, ``ignore_seconds``), optionally bounded by the dates ``not_before``/``not_after`` |
| imputation_flag | the date (``part: date``) or time (``part: time``) imputation flag of the date variable ``of`` |
| date_part / time_part | the SAS date (or time) of SAS datetime ``variable`` |
| parameter_date | a study.yaml ``parameters`` date as a SAS date (e.g. the data cut-off) |
| subject_date | the ``first``/``last`` (``mode``) date over ``sources`` (each ``{dataset, where, date, impute}``) per subject, as ``output`` date or datetime |
| subject_value | ``variable`` of the subject's record of ``dataset`` passing ``where`` (``mode`` first/last in ``order`` when several) |
| subject_count | the number of records (or distinct ``distinct`` values) of ``dataset`` per subject passing ``where`` |
| status | COMPLETED/DISCONTINUED/ONGOING-style status (``values``) from the subject's last ``dataset`` record: ``variable`` in ``completed`` or not, or none |
| flag | "Y" where the filter ``where`` holds, else ``false`` (default "N") |
| group | the category (``groups``: ``{below, value}``, the last without ``below``) of number ``variable`` |
| encode | the code in this variable's codelist (or the codelist its value-level metadata gives the record) whose decode is ``variable``'s value (AGEGR1N from AGEGR1; AVAL from AVALC by PARAMCD) |
| constant | ``value`` on every record (with ``when``, where the filter holds) |
| decode | the decode of ``variable``'s value in ``variable``'s codelist (PARAM from PARAMCD) |
| number | ``variable``'s text as a number (ATOXGRN from ATOXGR) |
| duration | ``end`` - ``start`` + ``add`` (default 1) days |
| study_day | relative day of date ``date`` to date ``reference`` (no day 0) |
| treatment_emergent | "Y" when ``start`` is on or after ``first`` and at most the days of the first matching of ``windows`` (``{when, days}``) after ``last`` |
| first_occurrence | "Y" on the first (``mode``) record in ``order`` per subject and ``by`` among those passing ``where`` |
| baseline_flag | "Y" on the last record per subject and ``by`` with a ``value``, ``date`` on or before ``reference`` |
| baseline_value | ``value`` of the baseline record (``flag``) per subject and ``by`` |
| change / percent_change | ``value`` - ``base`` (or as % of ``base``) where ``date`` is after ``reference`` |
"""

import numpy as np
import pandas as pd

from sdtm.algorithms import condition_variables
from specs.errors import InputError

from . import baseline, codes, dates, flags, merge
from .adsl import derive_var_status
from .filters import as_text, where_mask

DERIVATIONS = {}


def derivation(name):
    def register(func):
        DERIVATIONS[name] = func
        return func
    return register


def _subjects(rec):
    return pd.DataFrame({"USUBJID": rec.var("USUBJID").to_numpy()})


def condition_frame(rec, where):
    """The variables a filter tests, as a frame of this dataset's records."""
    return rec.columns(*dict.fromkeys(condition_variables(where or {})))


# -- dates -----------------------------------------------------------------

@derivation("date")
def date(rec, date, output="date", impute=None, not_before=None, not_after=None):
    bounds = {k: rec.var(v).to_numpy(dtype="float64") for k, v in
              (("not_before", not_before), ("not_after", not_after)) if v}
    if bounds and output != "date":
        raise InputError(f"{rec.path}: not_before/not_after bound dates, not {output}s")
    options = dates.imputation(impute, f"{rec.path}.impute")
    try:
        result = dates.impute_dtc(rec.var(date), **options, **bounds)
    except InputError as exc:
        raise InputError(f"{rec.path}: {date}: {exc}") from None
    value = {"date": result["date"], "datetime": result["date"] * dates.DAY_SECONDS + result["time"],
             "time": result["time"]}.get(output)
    if value is None:
        raise InputError(f"{rec.path}.output: {output!r} must be date, datetime or time")
    return pd.DataFrame({"value": value, "date": result["dtf"], "time": result["tmf"]})


@derivation("imputation_flag")
def imputation_flag(rec, of, part="date"):
    if part not in ("date", "time"):
        raise InputError(f"{rec.path}.part: {part!r} must be date or time")
    return rec.side(of, part)


@derivation("date_part")
def date_part(rec, variable):
    return np.floor(rec.var(variable) / dates.DAY_SECONDS)


@derivation("time_part")
def time_part(rec, variable):
    return rec.var(variable) % dates.DAY_SECONDS


@derivation("parameter_date")
def parameter_date(rec, name):
    if name not in rec.study.parameters:
        raise InputError(f"{rec.path}.name: {name!r} is not in study.yaml parameters")
    value = dates.sas_date(pd.Series([str(rec.study.parameters[name])])).iloc[0]
    if pd.isna(value):
        raise InputError(f"{rec.path}.name: study parameter {name} = {rec.study.parameters[name]!r} is not a date")
    return pd.Series(value, index=rec.index, dtype="float64")


@derivation("subject_date")
def subject_date(rec, sources, mode="first", output="date"):
    parsed = []
    for i, source in enumerate(sources or []):
        path = f"{rec.path}.sources[{i}]"
        unknown = sorted(set(source) - {"dataset", "where", "date", "impute"})
        if unknown or "dataset" not in source or "date" not in source:
            raise InputError(f"{path}: a source is {{dataset, date, where, impute}}"
                             + (f", not {unknown[0]!r}" if unknown else ""))
        parsed.append(dates.DateSource(rec.frame(source["dataset"], path), source["date"], source.get("where"),
                                       source.get("impute"), path))
    if not parsed:
        raise InputError(f"{rec.path}.sources: give at least one source")
    out = dates.derive_vars_extreme_dt(_subjects(rec), "value", parsed, mode, output, "date", "time", rec.study)
    return out[["value", "date", "time"]]


# -- values from other datasets --------------------------------------------

@derivation("subject_value")
def subject_value(rec, dataset, variable, where=None, mode=None, order=()):
    out = merge.derive_vars_merged(_subjects(rec), rec.frame(dataset, rec.path), {"_value": variable},
                                   where=where, order=list(order), mode=mode, path=rec.path, study=rec.study)
    return out["_value"]


@derivation("subject_count")
def subject_count(rec, dataset, where=None, distinct=()):
    out = merge.derive_var_merged_count(_subjects(rec), rec.frame(dataset, rec.path), "_n", where=where,
                                        distinct=list(distinct), path=rec.path, study=rec.study)
    return out["_n"]


@derivation("status")
def status(rec, dataset, variable, completed, values, where=None, order=()):
    out = derive_var_status(_subjects(rec), rec.frame(dataset, rec.path), "_status", variable, completed,
                            values, where, list(order), rec.path, rec.study)
    return out["_status"]


# -- flags and codes -----------------------------------------------------------

@derivation("flag")
def flag(rec, where, false="N"):
    return flags.derive_var_flag(condition_frame(rec, where), "_flag", where, false, rec.path, rec.study)["_flag"]


@derivation("group")
def group(rec, variable, groups):
    return codes.derive_var_group(rec.columns(variable), "_group", variable, groups, rec.path)["_group"]


@derivation("encode")
def encode(rec, variable):
    """Through the codelist of the value-level metadata that holds for each
    record (e.g. AVAL by PARAMCD), else the variable's own codelist."""
    values = rec.var(variable)
    out = pd.Series(np.nan if rec.variable.numeric else "", index=rec.index, dtype="float64" if rec.variable.numeric
                    else "object")
    rest = np.ones(len(values), dtype=bool)
    for vl in rec.dataset.value_level:
        if vl.variable != rec.variable.name or not vl.codelist:
            continue
        mask = np.logical_and.reduce([_holds(rec, c) for c in vl.where] + [rest])
        out[mask] = codes.encode(values[mask], rec.codelist(vl.codelist), rec.path).to_numpy()
        rest &= ~mask
    if rest.any():
        out[rest] = codes.encode(values[rest], rec.codelist(rec.variable.codelist), rec.path).to_numpy()
    return out


def _holds(rec, clause):
    """Where a value-level where-clause (EQ, NE, IN, NOTIN) holds."""
    inside = as_text(rec.var(clause.variable)).isin([str(v) for v in clause.values]).to_numpy()
    if clause.comparator in ("EQ", "IN"):
        return inside
    if clause.comparator in ("NE", "NOTIN"):
        return ~inside
    raise InputError(f"{rec.path}: a value-level comparator {clause.comparator} cannot select a codelist")


@derivation("constant")
def constant(rec, value):
    """One value for every record (with ``when``: where the filter holds), e.g. PARCAT1, CRIT1."""
    return pd.Series(value, index=rec.index)


@derivation("decode")
def decode(rec, variable):
    return codes.decode(rec.var(variable), rec.codelist(rec.spec_variable(variable).codelist), rec.path)


@derivation("number")
def number(rec, variable):
    return codes.as_number(rec.var(variable))


@derivation("duration")
def duration(rec, start, end, add=1):
    return dates.derive_var_duration(rec.columns(start, end), "_d", start, end, add)["_d"]


@derivation("study_day")
def study_day(rec, date, reference):
    return dates.study_day(rec.var(date), rec.var(reference))


@derivation("treatment_emergent")
def treatment_emergent(rec, start, first, last, windows, end=None):
    frame = rec.columns(*dict.fromkeys([start, first, last, *([end] if end else [])]))
    if end is None:
        frame["_end"], end = np.nan, "_end"
    resolved = []
    for i, window in enumerate(windows or []):
        if "days" not in window or set(window) - {"when", "days"}:
            raise InputError(f"{rec.path}.windows[{i}]: a window is {{days, when}}")
        when = window.get("when")
        mask = where_mask(condition_frame(rec, when), when, f"{rec.path}.windows[{i}].when", rec.study) \
            if when else None
        resolved.append((mask, window["days"]))
    if not resolved or resolved[-1][0] is not None:
        raise InputError(f"{rec.path}.windows: the last window must have no condition (it applies to the rest)")
    return flags.derive_var_trtemfl(frame, resolved, "_f", start, end, first, last)["_f"]


@derivation("first_occurrence")
def first_occurrence(rec, order, by=(), where=None, mode="first"):
    names = dict.fromkeys(["USUBJID", *by, *order, *condition_variables(where or {})])
    return flags.derive_var_extreme_flag(rec.columns(*names), "_f", list(by), list(order), mode, where,
                                         rec.path, rec.study)["_f"]


# -- baseline ------------------------------------------------------------------

@derivation("baseline_flag")
def baseline_flag(rec, value, date, reference, by=()):
    frame = rec.columns(*dict.fromkeys(["USUBJID", *by, value, date, reference]))
    return baseline.derive_var_ablfl(frame, list(by), value, date, reference, "_f")["_f"]


@derivation("baseline_value")
def baseline_value(rec, value, flag, by=()):
    frame = rec.columns(*dict.fromkeys(["USUBJID", *by, value, flag]))
    return baseline.derive_var_base(frame, list(by), value, flag, "_b")["_b"]


@derivation("change")
def change(rec, value, base, date, reference):
    return baseline.derive_var_chg(rec.columns(value, base, date, reference), value, base, date, reference, "_c")["_c"]


@derivation("percent_change")
def percent_change(rec, value, base, date, reference):
    frame = rec.columns(value, base, date, reference)
    return baseline.derive_var_pchg(frame, value, base, date, reference, "_p")["_p"]
