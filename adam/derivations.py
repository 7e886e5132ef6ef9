"""The catalogue of variable derivations an ADaM spec may name.

A variable's ``mapping`` is ``{algorithm: NAME, ...parameters}`` (the same key
as in SDTM) and may add ``when: FILTER`` (the value is kept only where the
filter holds, missing elsewhere). NAME is the toolkit function that does the
work, admiral style (``derive_var_*`` adds one variable, ``derive_vars_*`` a
variable with its imputation flags), and the parameters are that function's,
in the same words: ``source_var`` (the variable read), ``by_vars``,
``order``, ``mode`` (first/last), ``filter`` (which of this dataset's records
count), ``dataset_add`` and ``filter_add`` (another dataset and which of its
records count), ``dtc``, ``impute``, ``start_date``/``end_date``,
``reference_date``. The engine supplies the dataset (the variables named,
evaluated on demand in any order) and ``new_var`` (the variable being
derived), and adds the spec path to any error. Parameter types are declared
by the annotations (``specs.mapping``) and checked when the study is loaded.
"""

from typing import Annotated

import numpy as np
import pandas as pd

from specs.conditions import as_text, condition_variables, where_mask
from specs.dates import sas_date
from specs.errors import InputError
from specs.mapping import Condition, Mode, Name, Names, Number, Table, Text, enum

from . import adsl, baseline, codes, dates, flags, merge

DERIVATIONS = {}

Impute = dates.Impute
DateSources = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["dataset", "date"], "additionalProperties": False, "properties": {
        "dataset": {"type": "string"}, "date": {"type": "string"},
        "filter": Condition.__metadata__[0], "impute": Impute.__metadata__[0]}}}]
Groups = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["value"], "additionalProperties": False,
    "properties": {"below": {"type": "number"}, "value": {"type": ["string", "number"]}}}}]
Windows = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["days"], "additionalProperties": False,
    "properties": {"when": Condition.__metadata__[0], "days": {"type": "number"}}}}]


def derivation(func):
    """Register a derivation under its function's name."""
    DERIVATIONS[func.__name__] = func
    return func


def _filter_vars(*conditions):
    return [v for c in conditions if c for v in condition_variables(c)]


# -- dates -----------------------------------------------------------------

@derivation
def derive_vars_dt(rec, dtc: Name, impute: Impute = None, not_before: Name = None, not_after: Name = None):
    """SAS date of ISO 8601 ``dtc``, imputed as ``impute`` allows (``highest``,
    ``date``, ``time``, ``ignore_seconds``), kept within the dates ``not_before``
    and ``not_after``; its imputation flag is read by ``derive_var_dtf``."""
    out = rec.apply(dates.derive_vars_dt, [dtc, not_before, not_after], dtc=dtc, impute=impute,
                    not_before=not_before, not_after=not_after, flag_var="_dtf")
    return pd.DataFrame({"value": out["_new"], "dtf": out["_dtf"]})


@derivation
def derive_vars_dtm(rec, dtc: Name, impute: Impute = None):
    """SAS datetime of ISO 8601 ``dtc``, imputed as ``impute`` allows; its
    imputation flags are read by ``derive_var_dtf`` and ``derive_var_tmf``."""
    out = rec.apply(dates.derive_vars_dtm, [dtc], dtc=dtc, impute=impute, date_flag_var="_dtf",
                    time_flag_var="_tmf")
    return pd.DataFrame({"value": out["_new"], "dtf": out["_dtf"], "tmf": out["_tmf"]})


@derivation
def derive_var_dtf(rec, source_var: Name):
    """The date imputation flag of the date derived for ``source_var`` (M, D or blank)."""
    return rec.side(source_var, "dtf")


@derivation
def derive_var_tmf(rec, source_var: Name):
    """The time imputation flag of the datetime derived for ``source_var`` (H, M, S or blank)."""
    return rec.side(source_var, "tmf")


@derivation
def derive_var_dtm_to_dt(rec, source_var: Name):
    """The SAS date of SAS datetime ``source_var``."""
    return rec.apply(dates.derive_var_dtm_to_dt, [source_var], source_var=source_var)["_new"]


@derivation
def derive_var_dtm_to_tm(rec, source_var: Name):
    """The SAS time of SAS datetime ``source_var``."""
    return rec.apply(dates.derive_var_dtm_to_tm, [source_var], source_var=source_var)["_new"]


@derivation
def derive_var_parameter_dt(rec, name: Name):
    """A study.yaml ``parameters`` date as a SAS date (e.g. the data cut-off)."""
    if name not in rec.study.parameters:
        raise InputError(f"{rec.path}.name: {name!r} is not in study.yaml parameters")
    value = sas_date(pd.Series([str(rec.study.parameters[name])])).iloc[0]
    if pd.isna(value):
        raise InputError(f"{rec.path}.name: study parameter {name} = {rec.study.parameters[name]!r} is not a date")
    return pd.Series(value, index=rec.index, dtype="float64")


@derivation
def derive_vars_extreme_dt(rec, sources: DateSources, mode: Mode = "last", output: enum("date", "datetime") = "date"):
    """The first or last (``mode``) date (or datetime: ``output``) per subject over
    ``sources`` (each ``{dataset, date, filter, impute}``), with its imputation flags."""
    parsed = [dates.DateSource(rec.frame(s["dataset"], f"{rec.path}.sources[{i}]"), s["date"], s.get("filter"),
                               s.get("impute"), f"sources[{i}]") for i, s in enumerate(sources)]
    out = rec.apply(dates.derive_vars_extreme_dt, ["USUBJID"], sources=parsed, mode=mode, output=output,
                    date_flag_var="_dtf", time_flag_var="_tmf")
    return pd.DataFrame({"value": out["_new"], "dtf": out["_dtf"], "tmf": out["_tmf"]})


@derivation
def derive_var_dy(rec, source_var: Name, reference_date: Name):
    """Relative day of date ``source_var`` to date ``reference_date`` (no day 0)."""
    return rec.apply(dates.derive_var_dy, [source_var, reference_date], source_var=source_var,
                     reference_date=reference_date)["_new"]


@derivation
def derive_var_duration(rec, start_date: Name, end_date: Name, add: Number = 1):
    """``end_date`` - ``start_date`` + ``add`` days."""
    return rec.apply(dates.derive_var_duration, [start_date, end_date], start_date=start_date, end_date=end_date,
                     add=add)["_new"]


# -- values from other datasets --------------------------------------------

@derivation
def derive_vars_merged(rec, dataset_add: Name, source_var: Name, filter_add: Condition = None, order: Names = (),
                       mode: Mode = None):
    """``source_var`` of the subject's record of ``dataset_add`` passing
    ``filter_add`` (the ``mode`` first/last in ``order`` when several)."""
    return rec.apply(merge.derive_vars_merged, ["USUBJID"], new={"_new": source_var},
                     dataset_add=rec.frame(dataset_add), filter_add=filter_add, order=list(order), mode=mode)["_new"]


@derivation
def derive_var_merged_count(rec, dataset_add: Name, filter_add: Condition = None, distinct: Names = ()):
    """The number of records (or of distinct ``distinct`` values) of ``dataset_add``
    per subject passing ``filter_add``."""
    return rec.apply(merge.derive_var_merged_count, ["USUBJID"], dataset_add=rec.frame(dataset_add),
                     filter_add=filter_add, distinct=list(distinct))["_new"]


@derivation
def derive_var_status(rec, dataset_add: Name, source_var: Name, completed: Names, values: Table,
                      filter_add: Condition = None, order: Names = ()):
    """COMPLETED/DISCONTINUED/ONGOING-style status (``values``) from the subject's
    last ``dataset_add`` record: ``source_var`` in ``completed`` or not, or none."""
    return rec.apply(adsl.derive_var_status, ["USUBJID"], dataset_add=rec.frame(dataset_add), source_var=source_var,
                     completed=completed, values=values, filter_add=filter_add, order=list(order))["_new"]


# -- flags and codes -----------------------------------------------------------

@derivation
def derive_var_flag(rec, condition: Condition, false_value: Text = "N"):
    """"Y" where ``condition`` holds, else ``false_value`` (default "N")."""
    return rec.apply(flags.derive_var_flag, _filter_vars(condition), condition=condition,
                     false_value=false_value)["_new"]


@derivation
def derive_var_group(rec, source_var: Name, groups: Groups):
    """The category (``groups``: ``{below, value}``, the last without ``below``) of number ``source_var``."""
    return rec.apply(codes.derive_var_group, [source_var], source_var=source_var, groups=groups)["_new"]


@derivation
def derive_var_encode(rec, source_var: Name):
    """The code whose decode is ``source_var``'s value in this variable's codelist (AGEGR1N from
    AGEGR1), or in the codelist its value-level metadata gives the record (AVAL from AVALC by PARAMCD)."""
    frame = rec.columns(source_var)
    out = pd.Series(np.nan if rec.variable.numeric else "", index=rec.index, dtype=None if not rec.variable.numeric
                    else "float64").astype("float64" if rec.variable.numeric else object)
    rest = np.ones(len(frame), dtype=bool)
    for vl in rec.dataset.value_level:
        if vl.variable == rec.variable.name and vl.codelist:
            mask = rest & np.logical_and.reduce([_holds(rec, c) for c in vl.where])
            out[mask] = _encoded(rec, frame[mask], source_var, vl.codelist)
            rest &= ~mask
    if rest.any():
        out[rest] = _encoded(rec, frame[rest], source_var, rec.variable.codelist)
    return out


def _encoded(rec, frame, source_var, codelist):
    try:
        return codes.derive_var_encode(frame, "_new", source_var, rec.codelist(codelist))["_new"].to_numpy()
    except InputError as exc:
        raise InputError(f"{rec.path}: {exc}") from None


def _holds(rec, clause):
    """Where a value-level where-clause (EQ, NE, IN, NOTIN) holds."""
    inside = as_text(rec.var(clause.variable)).isin([str(v) for v in clause.values]).to_numpy()
    if clause.comparator in ("EQ", "IN"):
        return inside
    if clause.comparator in ("NE", "NOTIN"):
        return ~inside
    raise InputError(f"{rec.path}: a value-level comparator {clause.comparator} cannot select a codelist")


@derivation
def derive_var_constant(rec, value: Text):
    """One value on every record (with ``when``: where the filter holds), e.g. PARCAT1, CRIT1."""
    return pd.Series(value, index=rec.index)


@derivation
def derive_var_decode(rec, source_var: Name):
    """The decode of ``source_var``'s value in ``source_var``'s codelist (PARAM from PARAMCD)."""
    return rec.apply(codes.derive_var_decode, [source_var], source_var=source_var,
                     codelist=rec.codelist(rec.spec_variable(source_var).codelist))["_new"]


@derivation
def derive_var_numeric(rec, source_var: Name):
    """``source_var``'s text as a number (ATOXGRN from ATOXGR)."""
    return rec.apply(codes.derive_var_numeric, [source_var], source_var=source_var)["_new"]


@derivation
def derive_var_trtemfl(rec, start_date: Name, trt_start_date: Name, trt_end_date: Name, windows: Windows,
                       end_date: Name = None):
    """"Y" when ``start_date`` is on or after ``trt_start_date`` and at most the
    days of the first matching of ``windows`` (``{when, days}``) after ``trt_end_date``."""
    resolved = []
    for i, window in enumerate(windows):
        when = window.get("when")
        mask = where_mask(rec.columns(*condition_variables(when)), when, f"{rec.path}.windows[{i}].when") \
            if when else None
        resolved.append((mask, window["days"]))
    if resolved[-1][0] is not None:
        raise InputError(f"{rec.path}.windows: the last window must have no condition (it applies to the rest)")
    return rec.apply(flags.derive_var_trtemfl, [start_date, end_date, trt_start_date, trt_end_date],
                     start_date=start_date, end_date=end_date, trt_start_date=trt_start_date,
                     trt_end_date=trt_end_date, windows=resolved)["_new"]


@derivation
def derive_var_extreme_flag(rec, by_vars: Names, order: Names, mode: Mode = "first", filter: Condition = None):
    """"Y" on the first (``mode``) record in ``order`` per ``by_vars`` among those passing ``filter``."""
    return rec.apply(flags.derive_var_extreme_flag, [*by_vars, *order, *_filter_vars(filter)], by_vars=by_vars,
                     order=list(order), mode=mode, filter=filter)["_new"]


# -- baseline ------------------------------------------------------------------

@derivation
def derive_var_ablfl(rec, by_vars: Names, source_var: Name, date_var: Name, reference_date: Name):
    """"Y" on the last record per ``by_vars`` with a ``source_var``, its ``date_var``
    on or before ``reference_date``."""
    return rec.apply(baseline.derive_var_ablfl, [*by_vars, source_var, date_var, reference_date], by_vars=by_vars,
                     source_var=source_var, date_var=date_var, reference_date=reference_date)["_new"]


@derivation
def derive_var_base(rec, by_vars: Names, source_var: Name, filter: Condition):
    """``source_var`` of the baseline record (the one passing ``filter``) per ``by_vars``."""
    return rec.apply(baseline.derive_var_base, [*by_vars, source_var, *_filter_vars(filter)], by_vars=by_vars,
                     source_var=source_var, filter=filter)["_new"]


@derivation
def derive_var_chg(rec, source_var: Name, base_var: Name, date_var: Name, reference_date: Name):
    """``source_var`` - ``base_var`` where ``date_var`` is after ``reference_date``."""
    return rec.apply(baseline.derive_var_chg, [source_var, base_var, date_var, reference_date], source_var=source_var,
                     base_var=base_var, date_var=date_var, reference_date=reference_date)["_new"]


@derivation
def derive_var_pchg(rec, source_var: Name, base_var: Name, date_var: Name, reference_date: Name):
    """(``source_var`` - ``base_var``) as % of ``base_var`` where ``date_var`` is after ``reference_date``."""
    return rec.apply(baseline.derive_var_pchg, [source_var, base_var, date_var, reference_date], source_var=source_var,
                     base_var=base_var, date_var=date_var, reference_date=reference_date)["_new"]

