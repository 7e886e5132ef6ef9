"""The catalogue of mapping algorithms a spec may name.

Record sources and dataset-level options are described in ``sdtm.engine``.
Each variable's ``mapping`` is ``{algorithm: NAME, ...parameters}``. An
algorithm takes a ``Block`` (the records of one source, with ``raw(column)``
for raw values, ``var(name)`` for other variables of the dataset and
``subject_values(dataset, variable)`` for subject-level values) and returns
the variable's values. Operands inside parameters are one of
``{column: RAW}``, ``{variable: VAR}``, ``{text: "literal"}``,
``{parameter: NAME}`` (study.yaml ``parameters`` or a study field such as
``studyid``), or a nested mapping ``{algorithm: ..., ...}``.

The catalogue (names, parameters and what each fills a variable with) is
listed in the README, generated from these functions.
"""

import functools
import operator
import re

import numpy as np
import pandas as pd

from specs.conditions import FrameRecords, condition_variables, evaluate_condition, normal, normal_text
from specs.dates import study_day as days_between, to_date
from specs.distinct import distinct_rows, per_distinct, spread
from specs.errors import InputError
from specs.mapping import (Case, Cases, Condition, Flag, Name, NameOrOperand, Names, Operand, Operands, Table, Text,
                           enum, one_or_more)
from specs.text import numbers_text

from . import iso8601

ALGORITHMS = {}
FINAL_ALGORITHMS = {}
# Parameters (besides ``column`` keys) that name raw columns, per algorithm.
COLUMN_PARAMETERS = {}


def algorithm(name, final=False, columns=()):
    """Register an algorithm; ``columns`` names its parameters that are raw column names."""
    def register(func):
        (FINAL_ALGORITHMS if final else ALGORITHMS)[name] = func
        COLUMN_PARAMETERS[name] = tuple(columns)
        return func
    return register


# -- operands and conditions ---------------------------------------------

def operand(block, spec):
    """Values of an operand dict for the block's records."""
    if isinstance(spec, dict) and "algorithm" in spec:
        return block.mapper.apply(block, spec).fillna("").astype(str)
    if not isinstance(spec, dict) or len(spec) != 1:
        raise InputError(f"{block.path}: operand {spec!r} must be one of column, variable, text, parameter "
                         "or an algorithm")
    (kind, name), = spec.items()
    if kind == "column":
        return block.raw(name)
    if kind == "variable":
        return block.var(name).fillna("").astype(str)
    if kind == "text":
        return pd.Series(str(name), index=block.index, dtype="object")
    if kind == "parameter":
        return pd.Series(_parameter(block, name), index=block.index, dtype="object")
    raise InputError(f"{block.path}: unknown operand kind {kind!r} (column, variable, text, parameter)")


_STUDY_FIELDS = ("studyid", "title", "protocol", "sponsor", "ct_version")


def _parameter(block, name):
    """A study.yaml ``parameters`` entry, or one of the study's own fields."""
    study = block.study
    if name in study.parameters:
        return str(study.parameters[name])
    if name in _STUDY_FIELDS and getattr(study, name) is not None:
        return str(getattr(study, name))
    raise InputError(f"{block.path}: {name!r} is neither in study.yaml parameters nor a study field "
                     f"({', '.join(_STUDY_FIELDS)})")


# -- controlled terminology ----------------------------------------------

def to_codelist(block, values, column=None, codelist=None):
    """Map values to the variable's codelist (or the ``codelist`` named, for
    value-level codelists such as DSDECOD by DSCAT) submission values.

    A value matches a term by its submission value, decode or any of its
    ``collected`` spellings, ignoring case and repeated spaces. An unmapped
    value of a non-extensible codelist stops the run; of an extensible one
    it is kept as given (a sponsor extension).
    """
    terms = _codelist(block, codelist)
    if terms is None:
        return values
    coded, unmapped = _coded(values, _spellings(terms))
    _refuse(block, terms, unmapped, values, column)
    return coded


def _codelist(block, codelist=None):
    """The codelist a block's values go through (None: none, or one without terms)."""
    var = block.variable
    name = codelist or (var.codelist if var is not None else None)
    if codelist is not None and codelist not in block.study.codelists:
        raise InputError(f"{block.path}.codelist: codelist {codelist!r} is not defined")
    terms = block.study.codelists.get(name) if name else None
    return terms if terms is not None and terms.terms else None


def _spellings(codelist):
    return _spelling_lookup(tuple((spelling, term.value) for term in codelist.terms
                                  for spelling in [term.value, term.decode, *term.collected] if spelling is not None))


@functools.lru_cache(maxsize=256)
def _spelling_lookup(spellings):
    """Normalised spelling -> submission value, from (spelling, value) pairs (the first pair wins)."""
    lookup = {}
    for spelling, value in spellings:
        lookup.setdefault(normal_text(str(spelling)), value)
    return lookup


def _code(values, lookup):
    """Submission values of spellings (those not found kept, stripped), and where none was found."""
    terms = [_term(value, lookup) for value in values]
    return (pd.Series([term for term, _ in terms], index=values.index, dtype="object"),
            pd.Series([missing for _, missing in terms], index=values.index, dtype=bool))


def _term(value, lookup):
    """(submission value, not in the codelist) of one value: the term it spells, else
    the value stripped (a blank one stays blank and is no miss)."""
    spelled = normal_text(str(value))
    found = lookup.get(spelled)
    if found is not None:
        return found, False
    if not spelled:
        return "", False
    return (value.strip() if isinstance(value, str) else ""), True


_coded = per_distinct(_code)


def _refuse(block, codelist, unmapped, values, column):
    """Stop at the first value a non-extensible codelist does not hold."""
    if unmapped.any() and not codelist.extensible:
        block.fail(unmapped, lambda i: f"value {values[i]!r} is not in the non-extensible codelist "
                                       f"{codelist.id} ({', '.join(codelist.values())})", column)


def _constant(block, value, codelist=None):
    """One value for every record, put through the codelist once."""
    terms = _codelist(block, codelist)
    if terms is not None:
        coded, unmapped = _term(value, _spellings(terms))
        _refuse(block, terms, pd.Series(unmapped, index=block.index),
                pd.Series(value, index=block.index, dtype="object"), None)
        value = coded
    return pd.Series(value, index=block.index, dtype="object")


# -- record-level algorithms ---------------------------------------------

@algorithm("count_subjects")
def count_subjects(block, dataset: Name, where: Condition = None):
    """The number of distinct subjects of ``dataset`` (optionally ``where``), e.g. TS ACTSUB."""
    other = block.other_dataset(dataset, ["USUBJID", *condition_variables(where or {})])
    if where:
        other = other[evaluate_condition(FrameRecords(other, block.path), where).to_numpy()]
    return pd.Series(str(other["USUBJID"].replace("", np.nan).nunique()), index=block.index, dtype="object")


@algorithm("study_summary")
def study_summary(block, dataset: Name, variable: Name, how: enum("min", "max") = "min", where: Condition = None):
    """The earliest (``min``) or latest (``max``) ``variable`` over all records of
    ``dataset`` (optionally ``where``), e.g. TS SSTDTC, the first consent."""
    other = block.other_dataset(dataset, list(dict.fromkeys([variable, *condition_variables(where or {})])))
    if where:
        other = other[evaluate_condition(FrameRecords(other, block.path), where).to_numpy()]
    values = other[variable].fillna("").astype(str)
    values = values[values != ""]
    return pd.Series(getattr(values, how)() if len(values) else "", index=block.index, dtype="object")


@per_distinct
def _assigned(values, case, decode, lookup):
    """Raw text with outer spaces removed and inner runs of spaces collapsed,
    in ``case``, through the ``decode`` table (keys normalised), then to the
    terms of a codelist (``lookup``, None for none): the result, where no term
    was found and the text before the codelist."""
    given = pd.Series([_tidy(value, case, decode) for value in values], index=values.index, dtype="object")
    if lookup is None:
        return given, pd.Series(False, index=values.index), given
    return (*_code(given, lookup), given)


def _tidy(text, case, decode):
    text = " ".join(text.split())        # the whitespace str.strip() and the regex \s see
    if case:
        text = text.upper() if case == "upper" else text.lower()
    return decode.get(normal_text(text), text) if decode else text


@algorithm("assign")
def assign(block, column: Name, decode: Table = None, case: Case = None, codelist: Name = None):
    """A raw column (spaces trimmed and collapsed, optional ``case``: upper/lower),
    through an optional ``decode`` table, then the variable's codelist (or ``codelist``)."""
    raw = block.raw(column)
    if case not in (None, "upper", "lower"):
        raise InputError(f"{block.path}.case: {case!r} must be upper or lower")
    table = {normal_text(str(k)): str(v) for k, v in decode.items()} if decode else None
    terms = _codelist(block, codelist)
    values, unmapped, given = _assigned(raw, case, table, _spellings(terms) if terms is not None else None)
    if terms is not None:
        _refuse(block, terms, unmapped, given, column)
    return values


@algorithm("hardcode")
def hardcode(block, value: Text, codelist: Name = None):
    """One value, checked against the variable's codelist (or ``codelist``)."""
    return _constant(block, str(value), codelist)


@algorithm("parameter")
def parameter(block, name: Name):
    """A study.yaml ``parameters`` entry or study field (``studyid``, ``protocol``, ...)."""
    return _constant(block, _parameter(block, name))


@algorithm("datetime", columns=("date", "time"))
def datetime(block, date: Name, style: one_or_more(Text), time: Name = None):
    """ISO 8601 from a raw ``date`` in ``style`` (or a list of styles: each value read
    by the first it fits) and an optional raw ``time``; partial dates stay partial."""
    key = ("datetime", block.dataset.name, block.source.index, date, repr(style), time)   # e.g. --STDTC and --ENDTC
    cache = block.mapper.cache
    if key not in cache:
        cache[key] = _datetimes(block, date, style, time)
    return cache[key]


def _datetimes(block, date, style, time):
    raw = block.raw(date)
    if time is None:
        dates, bad = iso8601.parse_dates(raw, style)
        block.fail(bad, lambda i: f"date {raw[i]!r} is not a valid date in the style {style!r}", date)
        return dates
    raw_time = block.raw(time)
    # Once per distinct (date, time) pair; the checks see every record.
    pairs, firsts = distinct_rows(raw, raw_time)
    dates, bad = iso8601.parse_dates(raw.iloc[firsts], style)
    block.fail(spread(bad, pairs, raw.index), lambda i: f"date {raw[i]!r} is not a valid date in the style {style!r}",
               date)
    times, bad = iso8601.parse_times(raw_time.iloc[firsts])
    block.fail(spread(bad, pairs, raw.index), lambda i: f"time {raw_time[i]!r} is not a valid HH:MM[:SS] time", time)
    return spread(iso8601.combine(dates, times), pairs, raw.index)


@algorithm("concat")
def concat(block, parts: Operands, separator: Text = ""):
    """``parts`` (operands) joined by ``separator``."""
    values = [operand(block, p) for p in parts]
    # Once per distinct combination of the parts (subject numbers repeat over records).
    codes, firsts = distinct_rows(*values)
    out = values[0].iloc[firsts]
    for more in values[1:]:
        out = out + separator + more.iloc[firsts]
    return to_codelist(block, spread(out, codes, block.index))


@algorithm("condition")
def condition(block, cases: Cases, default: Operand = None):
    """The ``then`` of the first of ``cases`` whose ``when`` holds, else ``default``."""
    out = operand(block, default) if default is not None else pd.Series("", index=block.index, dtype="object")
    for case in reversed(cases):
        out = out.where(~evaluate_condition(block, case["when"]), operand(block, case["then"]))
    return to_codelist(block, out)


@algorithm("extreme")
def extreme(block, values: Operands, how: enum("min", "max") = "max"):
    """The latest (``max``) or earliest (``min``) non-blank of several operands,
    e.g. dates from different forms; ISO 8601 text compares in time order."""
    if how not in ("min", "max"):
        raise InputError(f"{block.path}.how: {how!r} must be min or max")
    if not isinstance(values, list) or not values:
        raise InputError(f"{block.path}.values: must be a list of operands")
    best = operand(block, values[0])
    for value in values[1:]:
        current = operand(block, value)
        better = current > best if how == "max" else current < best
        best = best.where((current == "") | ((best != "") & ~better), current)
    return best


@algorithm("count")
def count(block, values: Operands, equals: Text):
    """How many of several operands equal ``equals`` (case and spaces ignored),
    e.g. the metastatic sites ticked Yes on a CRF."""
    target = normal(pd.Series([str(equals)])).iloc[0]
    hits = sum((normal(operand(block, v)) == target).astype(int) for v in values)
    return pd.Series(hits, index=block.index).astype(str)


@algorithm("paired_term")
def paired_term(block, variable: Name):
    """The term of this variable's codelist sharing the NCI code of ``variable``'s term (TEST from TESTCD)."""
    study = block.study
    source = block.dataset.variable(variable)
    if source is None or not source.codelist or not block.variable.codelist:
        raise InputError(f"{block.path}: paired_term needs a codelist on {variable} and on {block.variable.name}")
    codes = {t.value: t.nci_code for t in study.codelists[source.codelist].terms}
    target = {t.nci_code: t.value for t in study.codelists[block.variable.codelist].terms if t.nci_code}
    values = block.var(variable)
    out = values.map(codes).map(target)
    block.fail(out.isna() & (values != ""), lambda i: f"{variable} {values[i]!r} has no paired term in codelist "
                                                      f"{block.variable.codelist}")
    return out.fillna("")


@algorithm("subject_summary")
def subject_summary(block, dataset: Name, variable: Name,
                    how: enum("min", "max", "first", "last", "count", "any") = "min", where: Condition = None):
    """Per subject, ``how`` of ``variable`` in ``dataset``, optionally filtered by ``where``."""
    # Each variable once, even when the filter tests the summarised one.
    needed = dict.fromkeys(["USUBJID", variable, *condition_variables(where or {})])
    other = block.other_dataset(dataset, list(needed))
    if where:
        mask = evaluate_condition(FrameRecords(other, block.path), where)
        other = other[mask.to_numpy()]
    values = other[variable].astype(str)
    values = values[values != ""]
    subjects = other.loc[values.index, "USUBJID"]
    groups = values.groupby(subjects, sort=False)
    summary = {"count": groups.count, "any": lambda: groups.count().gt(0).map({True: "Y"}),
               **{h: lambda h=h: group_reduce(values, subjects, h) for h in ("min", "max", "first", "last")}}.get(how)
    if summary is None:
        raise InputError(f"{block.path}.how: {how!r} must be min, max, first, last, count or any")
    return block.var("USUBJID").map(summary()).fillna("").astype(str)


def group_reduce(values, keys, how):
    """``values.groupby(keys).agg(how)`` for ``how`` first, last, min or max,
    missing values skipped; text through its ranks (pandas would compare it in
    Python, group by group)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.groupby(np.asarray(keys)).agg(how)
    valid = values.notna().to_numpy()
    kept = values.to_numpy(dtype=object)[valid]
    ranks, picks = (np.arange(len(kept)), kept) if how in ("first", "last") else pd.factorize(kept, sort=True)
    best = pd.Series(ranks).groupby(np.asarray(keys)[valid]).agg("max" if how in ("max", "last") else "min")
    return pd.Series(np.asarray(picks, dtype=object)[best.to_numpy()], index=best.index, dtype=object)


def _reference(block, reference):
    dataset, variable = (reference or "DM.RFSTDTC").split(".")
    return block.subject_values(dataset, variable)


@algorithm("subject_value")
def subject_value(block, dataset: Name, variable: Name):
    """The subject's value of a variable of a one-record-per-subject dataset (DM)."""
    return block.subject_values(dataset, variable)


@algorithm("study_day")
def study_day(block, date: Name, reference: Name = None):
    """--DY of ``date`` against ``reference`` (default DM.RFSTDTC); no day 0."""
    dates, references = block.var(date), _reference(block, reference)
    pairs, firsts = distinct_rows(dates, references)      # once per distinct pair of dates
    return spread(numbers_text(days_between(dates.iloc[firsts], references.iloc[firsts])), pairs, block.index)


@algorithm("age")
def age(block, birth: Name, reference: Name):
    """Completed years from ``birth`` to ``reference``; a partial birth date counts from its latest possible
    day (month 12, day 31 where unknown), so the age is the certain one."""
    born = block.var(birth).fillna("")
    ref = to_date(block.var(reference) if "." not in reference else _reference(block, reference))
    year = pd.to_numeric(born.str.slice(0, 4), errors="coerce")
    month = pd.to_numeric(born.str.slice(5, 7), errors="coerce").fillna(12)
    day = pd.to_numeric(born.str.slice(8, 10), errors="coerce").fillna(31)
    years = ref.dt.year - year - ((ref.dt.month * 100 + ref.dt.day) < (month * 100 + day)).astype(int)
    return numbers_text(years)


def _period(dates):
    """Earliest and latest moment of each ISO 8601 date as text: the value itself
    for a full date (with its time, if any), the first and last day of a month
    or year known only to that precision (from 00:00 to 23:59, so a partial
    month that starts before an element's first time is not inside it); blank
    for no date."""
    dates = dates.fillna("").astype(str)
    lo, hi = dates.copy(), dates.copy()
    month, year = dates.str.len() == 7, dates.str.len() == 4
    lo[month], lo[year] = dates[month] + "-01T00:00", dates[year] + "-01-01T00:00"
    ends = pd.to_datetime(dates[month] + "-01", errors="coerce") + pd.offsets.MonthEnd(0)
    hi[month], hi[year] = ends.dt.strftime("%Y-%m-%dT23:59").fillna(""), dates[year] + "-12-31T23:59"
    return lo, hi


def _compare(left, right, op):
    """``left op right`` per pair of ISO 8601 texts at the precision both have
    (a date against a datetime compares the dates): the code points of each
    pair's common length, compared at the first position where they differ."""
    left, right = np.asarray(left, dtype=object), np.asarray(right, dtype=object)
    shared = np.minimum(_lengths(left), _lengths(right))
    a, b = _code_points(left), _code_points(right)
    width = max(a.shape[1], b.shape[1])
    a, b = _widen(a, width), _widen(b, width)
    differ = (a != b) & (np.arange(width) < shared[:, None])
    first = differ.argmax(axis=1)
    rows = np.arange(len(a))
    sign = np.where(differ[rows, first], np.sign(a[rows, first].astype(np.int64) - b[rows, first]), 0)
    return op(sign, 0)


def _lengths(texts):
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def _code_points(texts):
    """Texts as rows of Unicode code points, zero-padded to the longest."""
    fixed = np.asarray(texts, dtype=str) if len(texts) else np.zeros(0, dtype="<U1")
    return fixed.view(np.uint32).reshape(len(fixed), fixed.itemsize // 4)


def _widen(points, width):
    return np.pad(points, ((0, 0), (0, width - points.shape[1]))) if points.shape[1] < width else points


@algorithm("epoch")
def epoch(block, date: Name, elements: Name = "SE"):
    """EPOCH of the subject element (``elements``, SE) in which ``date`` falls,
    by its time where both have one; a partial date gets the EPOCH of the
    element that holds all of it, else none.

    An element holds moments from its start up to (not including) its end, the
    next element's start (a pre-dose sample at 11:10 before an 11:30 infusion
    is still screening); a date equal to the end of an element that no element
    follows belongs to it."""
    se = block.other_dataset(elements, ["USUBJID", "SESTDTC", "SEENDTC", "EPOCH"])
    # The EPOCH depends on the subject and the date only: found once per distinct pair.
    subjects, dates = block.var("USUBJID"), block.var(date)
    codes, firsts = distinct_rows(subjects, dates)
    found = _epochs(pd.Series(subjects.to_numpy(dtype=object)[firsts]), pd.Series(dates.to_numpy(dtype=object)[firsts]),
                    se)
    return pd.Series(found[codes], index=block.index, dtype="object")


def _epochs(subjects, dates, se):
    """EPOCH per (subject, date) pair (the rules of ``epoch``), as an object array."""
    lo, hi = _period(dates)
    out = np.full(len(dates), "", dtype=object)
    known = (lo != "").to_numpy()
    frame = pd.DataFrame({"USUBJID": subjects[known], "lo": lo[known], "hi": hi[known],
                          "_i": np.flatnonzero(known)})
    spans = se[["USUBJID", "SESTDTC", "SEENDTC", "EPOCH"]].fillna("")
    starts = set(zip(spans["USUBJID"].to_numpy(object), spans["SESTDTC"].to_numpy(object)))
    # Followed by no element: none starts at its end, or it starts and ends at once (death on the day).
    spans = spans.assign(_last=[(s, e) not in starts or e == b for s, b, e in
                                zip(*(spans[c].to_numpy(object) for c in ("USUBJID", "SESTDTC", "SEENDTC")))])
    joined = frame.merge(spans, on="USUBJID", how="inner")
    after_start = _compare(joined["lo"], joined["SESTDTC"], operator.ge)
    open_end = (joined["SEENDTC"] == "").to_numpy()
    inside = after_start & (open_end | _compare(joined["hi"], joined["SEENDTC"], operator.lt))
    at_end = (after_start & ~open_end & joined["_last"].to_numpy()
              & _compare(joined["hi"], joined["SEENDTC"], operator.le))
    joined = joined[inside | at_end].assign(_rank=(~inside[inside | at_end]).astype(int))
    joined = joined.sort_values(["_i", "_rank"], kind="mergesort").drop_duplicates("_i")
    out[joined["_i"].to_numpy()] = joined["EPOCH"].to_numpy(object)
    return out


@algorithm("visit_number")
def visit_number(block, visit: NameOrOperand, date: Name = None, unscheduled: Text = "UNSCHEDULED",
                 reference: Name = None):
    """VISITNUM of a TV visit name (``visit``: a variable name or an operand
    such as ``{column: FOLDERNAME}``). An unscheduled visit gets the VISITNUM of
    the last TV visit planned (VISITDY) on or before its study day, plus .01,
    .02, ... for each unscheduled date of the subject after it; this depends
    only on TV and the date, so every domain numbers a visit the same way."""
    tv = block.other_dataset("TV", ["VISIT", "VISITNUM", "VISITDY"])
    numbers = dict(zip(normal(tv["VISIT"]), pd.to_numeric(tv["VISITNUM"])))
    given = operand(block, visit if isinstance(visit, dict) else {"variable": visit})
    names, extra = _visit_names(given, unscheduled.upper())
    nums = names.map(numbers)
    extra &= nums.isna()
    block.fail(nums.isna() & ~extra & (names != ""), lambda i: f"visit {given[i]!r} is not a TV visit "
                                                                f"and not {unscheduled}")
    if not extra.any():
        return numbers_text(nums)
    if date is None:
        raise InputError(f"{block.path}: unscheduled visits need the date parameter")
    day = days_between(block.var(date)[extra], _reference(block, reference)[extra])
    planned = pd.DataFrame({"day": pd.to_numeric(tv["VISITDY"]).astype("float64"),
                            "num": pd.to_numeric(tv["VISITNUM"])})
    planned = planned.dropna().sort_values(["day", "num"])
    frame = pd.DataFrame({"s": block.var("USUBJID")[extra], "d": block.var(date)[extra].str.slice(0, 10),
                          "day": day.fillna(planned["day"].min()).astype("float64")}).sort_values("day")
    frame["base"] = pd.merge_asof(frame.reset_index(), planned, on="day", direction="backward") \
        .set_index("index")["num"].fillna(planned["num"].min())
    dates = frame.drop_duplicates(["s", "d"]).sort_values(["s", "base", "d"])
    dates["num"] = dates["base"] + (dates.groupby(["s", "base"]).cumcount() + 1) / 100
    nums[extra] = frame.merge(dates[["s", "d", "num"]], on=["s", "d"], how="left").set_index(frame.index)["num"]
    return numbers_text(nums)


@algorithm("visit_name")
def visit_name(block, visit: NameOrOperand, number: Name, unscheduled: Text = "UNSCHEDULED"):
    """VISIT: the visit name in upper case, except that unscheduled visits are
    named ``UNSCHEDULED`` and their VISITNUM (``number``), so VISIT and
    VISITNUM stay one-to-one across subjects."""
    names, extra = _visit_names(operand(block, visit if isinstance(visit, dict) else {"variable": visit}),
                                unscheduled.upper())
    numbers = block.var(number).fillna("").astype(str)
    return names.where(~extra, unscheduled.upper() + " " + numbers)


@per_distinct
def _visit_names(given, unscheduled):
    """Visit names as conditions compare them, and whether each starts with ``unscheduled``."""
    names = normal(given)
    return names, names.str.startswith(unscheduled)


@algorithm("baseline_flag")
def baseline_flag(block, result: Name, date: Name, by: Names, reference: Name = None):
    """"Y" on the last record per subject and ``by`` with a ``result``, dated on or
    before ``reference`` (default DM.RFXSTDTC); copies of it (same date and result) share the flag."""
    ref = _reference(block, reference or "DM.RFXSTDTC")
    dates = block.var(date).fillna("")
    has = block.var(result).fillna("") != ""
    # Compare at the precision both have (once per distinct pair); a same-day record counts as before.
    pairs, firsts = distinct_rows(dates, ref)
    on_or_before = pd.Series(_compare(dates.to_numpy(object)[firsts], ref.to_numpy(object)[firsts],
                                      operator.le)[pairs], index=block.index, dtype=bool)
    ok = has & (dates != "") & (ref != "") & on_or_before
    keys = [block.var("USUBJID")] + [block.var(b) for b in by]
    names = [f"k{i}" for i in range(len(keys))]
    frame = pd.DataFrame(dict(zip(names, keys))).assign(d=dates, r=block.var(result).fillna(""), ok=ok)
    cand = frame[ok].sort_values([*names, "d"], kind="mergesort")
    # Records equal to the last one in date and result (a double data entry,
    # which ``distinct`` drops) share its flag, so the flag survives the drop.
    last = cand.groupby(names, sort=False)[["d", "r"]].transform("last")
    out = pd.Series("", index=block.index, dtype="object")
    out[cand.index[(cand["d"] == last["d"]) & (cand["r"] == last["r"])]] = "Y"
    return out


@algorithm("standardize")
def standardize(block, output: enum("c", "n", "u", "l"), result: Name, unit: Name, test: Name, conversions: Table):
    """--STRESC/--STRESN/--STRESU (``output`` c, n or u) or --LLOD (``l``: the limit of a
    ``<x`` result) from ``result``/``unit`` per ``test``, with the ``conversions`` kept
    in the spec (a factor, or ``{factor, offset}``)."""
    key = (block.dataset.name, block.source.index, result, unit, test)
    cache = block.mapper.cache
    if key not in cache:
        cache[key] = _standardized(block, result, unit, test, conversions)
    return cache[key][output]


def _affine(conversion):
    """(factor, offset) of a spec conversion: a number, or ``{factor, offset}``
    for value * factor + offset (F to C: factor 5/9, offset -160/9)."""
    if isinstance(conversion, dict):
        return float(conversion["factor"]), float(conversion.get("offset", 0))
    return (np.nan if conversion is None else float(conversion)), 0.0


def _rounded(values, tests, digits):
    """Values rounded to the digits of their test (unrounded where the spec gives none),
    by Python's decimal-exact ``round``, once per distinct value and test."""
    values_array = values.to_numpy(dtype="float64", na_value=np.nan)
    tests_array = np.asarray(tests, dtype=object)
    codes, firsts = distinct_rows(values_array, tests_array)
    done = [round(v, digits.get(t)) if pd.notna(v) and digits.get(t) is not None else v
            for v, t in zip(values_array[firsts].tolist(), tests_array[firsts])]
    return pd.Series(np.array(done, dtype="float64")[codes], index=values.index, dtype="float64")


def _standardized(block, result, unit, test, conversions):
    """Standard result (text, number) and unit per test, from spec conversion factors."""
    res, number, upper, limit = _results(block.var(result))
    units, tests = _stripped(block.var(unit)), block.var(test)
    std_unit = tests.map({t: c["unit"] for t, c in conversions.items()})
    factors = {(t, u): f for t, c in conversions.items() for u, f in (c.get("factors") or {}).items()}
    factors.update({(t, c["unit"]): 1.0 for t, c in conversions.items()})
    pairs = np.asarray(tests, dtype=object), np.asarray(units, dtype=object)
    codes, firsts = distinct_rows(*pairs)
    scale = np.array([_affine(factors.get((t, u))) for t, u in zip(pairs[0][firsts], pairs[1][firsts])],
                     dtype="float64").reshape(-1, 2)[codes]
    factor = pd.Series(scale[:, 0], index=block.index, dtype="float64")
    offset = pd.Series(scale[:, 1], index=block.index, dtype="float64")
    numeric = number.notna()
    known = tests.isin(list(conversions))
    block.fail(known & numeric & factor.isna() & (units != ""),
               lambda i: f"{test} {tests[i]}: no conversion from unit {units[i]!r} to {std_unit[i]!r} "
                         "in the spec's conversions")
    digits = {t: c.get("digits") for t, c in conversions.items()}
    value = number * factor + offset
    rounded = _rounded(value, tests, digits)
    text = numbers_text(rounded, 10)
    # Non-numeric results (e.g. "<500", "NEGATIVE") are carried as text.
    text = text.where(numeric, upper)
    limit = _rounded(limit * factor + offset, tests, digits)
    return {"l": numbers_text(limit, 10),
            "c": text, "n": numbers_text(rounded, 10),
            "u": std_unit.where(res != "", "").fillna(units).where(known, units)}


@per_distinct
def _results(values):
    """Results stripped, as numbers (NaN if not one), in upper case, and the limit ``x`` of a ``<x`` result."""
    res = values.str.strip()
    limit = pd.to_numeric(res.str.extract(r"^<\s*(\d+(?:\.\d+)?(?:[Ee][+-]?\d+)?)$", expand=False),
                          errors="coerce")
    return res, pd.to_numeric(res, errors="coerce"), res.str.upper(), limit


@per_distinct
def _stripped(values):
    return values.str.strip()


@per_distinct
def numbers(values):
    """Text as numbers (NaN where it is not one)."""
    return pd.to_numeric(values, errors="coerce")


@algorithm("range_indicator")
def range_indicator(block, result: Name, low: Name, high: Name):
    """--NRIND: LOW/HIGH/NORMAL of ``result`` against ``low``/``high``."""
    value, lo, hi = numbers(block.var(result)), numbers(block.var(low)), numbers(block.var(high))
    out = pd.Series("", index=block.index, dtype="object")
    judged = value.notna() & (lo.notna() | hi.notna())
    out[judged] = "NORMAL"
    out[judged & lo.notna() & (value < lo)] = "LOW"
    out[judged & hi.notna() & (value > hi)] = "HIGH"
    return to_codelist(block, out)


@algorithm("lookup")
def lookup(block, dataset: Name, variable: Name, by: one_or_more(Name), required: Flag = True):
    """``variable`` of the record of another ``dataset`` whose ``by`` variables
    equal this record's (e.g. IETEST and IECAT from TI by IETESTCD); a key
    that is not there (unless ``required`` is false: then blank), or that has
    several values there, stops the run."""
    by = [by] if isinstance(by, str) else list(by)
    other = block.other_dataset(dataset, [*by, variable]).fillna("").astype(str).drop_duplicates()
    twice = other.duplicated(by, keep=False)
    if twice.any():
        key = ", ".join(f"{b} {other.loc[twice, b].iloc[0]!r}" for b in by)
        raise InputError(f"{block.path}: {dataset} has more than one {variable} for {key}")
    mine = pd.DataFrame({b: block.var(b).fillna("").astype(str) for b in by}, index=block.index)
    found = mine.merge(other, on=by, how="left")[variable]
    values = pd.Series(found.to_numpy(), index=block.index, dtype="object")
    block.fail(values.isna() & (mine != "").all(axis=1) & bool(required),
               lambda i: f"{', '.join(f'{b} {mine.at[i, b]!r}' for b in by)} is not in {dataset}")
    return to_codelist(block, values.fillna(""))


@algorithm("replace")
def replace(block, value: Operand, pattern: Text, replacement: Text = "", case: Case = None):
    """An operand's text with every match of the regular expression
    ``pattern`` replaced by ``replacement`` (``\\1`` names a group), then put
    in ``case`` (upper/lower) and through the variable's codelist; nothing
    else is changed (inner spaces stay as collected). E.g. the site and
    subject parts of a combined subject number, leading zeros of a number."""
    try:
        regex = re.compile(pattern)
        values = operand(block, value).str.replace(regex, replacement, regex=True)
    except re.error as exc:
        raise InputError(f"{block.path}.pattern: {pattern!r} is not a valid regular expression "
                         f"or replacement: {exc}") from None
    if case not in (None, "upper", "lower"):
        raise InputError(f"{block.path}.case: {case!r} must be upper or lower")
    values = getattr(values.str, case)() if case else values
    return to_codelist(block, values)


# -- algorithms applied to the sorted, final frame ------------------------

@algorithm("seq", final=True)
def seq(frame, by: Names = ("USUBJID",)):
    """--SEQ: 1, 2, ... within each ``by`` group (default USUBJID), in key order (after sorting)."""
    return (frame.groupby(list(by), sort=False).cumcount() + 1).astype("float64")
