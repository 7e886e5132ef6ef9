"""ADaM rules that only make sense for analysis datasets.

ADSL variables copied into other datasets must carry ADSL's values, CNSR
belongs to time-to-event data, and *DT/*DTM/*TM variables are SAS numbers
with a display format of their kind. (ADaM rules that share their test with
SDTM ones - unique keys, dates in order, allowed values - use those functions.)
The kinds at the end serve the ADaMIG catalogue (rules_adamig.yaml): arithmetic of
derived values, ADSL period and phase variables, SDTM records carried into ADaM.
"""

import re

import numpy as np
import pandas as pd

from .finding import MISSING, concat, dataset_hits, hits
from .rule import implements, kind
from .rules_generic import per_variable
from .table import display, shared_codes, text


def _as_text_codes(table, sub, names, name):
    """Variable ``name`` here and in ADSL for each row's subject, as codes among the table's
    stripped texts (``Table.codes``): -1 where missing (both sides), -2 for an ADSL text the
    table does not have. ADSL's values are read once per subject."""
    mine, texts = table.codes(name)
    subject, subjects = table.codes("USUBJID")
    per_subject = text(sub.by_subject("ADSL", names)[name]).reindex(list(subjects) + [None])
    found = pd.Index(texts).get_indexer(per_subject.to_numpy(dtype=object))
    theirs = np.where(per_subject.isna().to_numpy(dtype=bool), -1, np.where(found < 0, -2, found))
    theirs = theirs[np.where(subject < 0, len(subjects), subject)]
    return np.where(mine < 0, -1, mine), theirs


@implements("CK0602")
def adsl_copies(table, sub, ignore):
    """Variables shared with ADSL whose value differs from the subject's ADSL value."""
    adsl = sub.table("ADSL")
    if adsl is None or table.name == "ADSL":
        return None
    names = [n for n in table.frame.columns if adsl.has(n) and n not in ignore]
    ref = sub.subject_values(table, "ADSL", names) if names else None
    if ref is None:
        return None
    parts = []
    for name in names:
        mine, theirs = table.frame[name], ref[name]
        if table.numeric(name) and pd.api.types.is_numeric_dtype(theirs):
            a = mine.to_numpy(dtype="float64", na_value=np.nan)
            b = theirs.to_numpy(dtype="float64", na_value=np.nan)
            differ = ~np.isclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
        else:
            mine_codes, theirs_codes = _as_text_codes(table, sub, names, name)
            differ = mine_codes != theirs_codes

        def detail(rows, name=name, theirs=theirs):
            shown = display(theirs.iloc[rows])
            return f"ADSL has {name}=" + shown.where(shown.ne(""), MISSING).to_numpy(dtype=object)
        parts.append(hits(table, differ & ref["_known"].to_numpy(), [name], detail))
    return concat(parts)


@implements("CK0607")
def tte_only(table, sub, variable):
    """A censoring variable in a dataset that is not time-to-event data."""
    if not table.has(variable):
        return None
    structure = sub.adam_kind(table)
    why = f"{table.name} is {structure} data, not time-to-event"
    return dataset_hits([] if structure == "TTE" else [([variable], "", why)])


def _format_name(fmt):
    """The name of a SAS format without width and decimals ("DATE9." -> "DATE")."""
    return re.sub(r"\d*\.\d*$", "", fmt or "").upper()


@implements("CK0613", "CK0614", "CK0615")
def typed_dates(table, sub, pattern, formats, kind):
    """Variables named like dates (or datetimes, times) that are not numbers shown with
    a SAS format of that kind."""
    names = [n for n in table.frame.columns if re.search(pattern, n)]
    if not names:
        return None
    allowed = {f.upper() for f in formats}
    problems = []
    for name in names:
        col = table.column(name)
        if not table.numeric(name):
            problems.append(([name], "type=char", f"{name} must be numeric (a SAS {kind} value)"))
        elif _format_name(col.format if col else None) not in allowed:
            problems.append(([name], f"format={col.format if col and col.format else '(none)'}",
                             f"a {kind} format is needed: {', '.join(sorted(allowed))}"))
    return dataset_hits(problems)


# ------------------------------------------------------------------ kinds of the ADaMIG catalogue

_FORMULA = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Z][A-Z0-9_]*)|(?P<op>[-+*/()]))")


def _formula(text, table):
    """The values of an arithmetic ``text`` (+ - * /, parentheses, variables, numbers) over the
    rows of ``table`` as floats (NaN where a variable is missing); LookupError for an absent one."""
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _FORMULA.match(text, pos)
        if not match:
            raise ValueError(f"cannot read {text!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()

    def number(name):
        if not table.has(name):
            raise LookupError(name)
        return table.frame[name].to_numpy(dtype="float64", na_value=np.nan) if table.numeric(name) else \
            pd.to_numeric(table.text(name), errors="coerce").to_numpy(dtype="float64")

    def expr(i):
        value, i = term(i)
        while i < len(tokens) and tokens[i][1] in "+-":
            op, (right, i) = tokens[i][1], term(i + 1)
            value = value + right if op == "+" else value - right
        return value, i

    def term(i):
        value, i = factor(i)
        while i < len(tokens) and tokens[i][1] in "*/":
            op, (right, i) = tokens[i][1], factor(i + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = value * right if op == "*" else np.where(right == 0, np.nan, value / np.where(right == 0, 1, right))
        return value, i

    def factor(i):
        kind, token = tokens[i]
        if token == "(":
            value, i = expr(i + 1)
            return value, i + 1
        if token == "-":
            value, i = factor(i + 1)
            return -value, i
        return (np.full(table.rows, float(token)) if kind == "num" else number(token)), i + 1
    return expr(0)[0]


def _decimals(values):
    """Decimal places each number is given with (at XPT precision); worked out once per distinct number."""
    codes, uniques = pd.factorize(values)
    text = pd.Series([format(v, ".15g") for v in uniques], dtype=object)
    places = text.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).to_numpy(dtype="float64")
    return places[codes]


@kind("arithmetic")
@per_variable
def arithmetic(table, sub, result, formula):
    """Records where ``result`` and every variable of ``formula`` have a value (and a divisor is
    not 0) but ``result`` differs from the formula by more than the rounding of its decimals."""
    try:
        expected = _formula(formula, table)
        if not table.has(result):
            return None
    except LookupError:
        return None
    actual = table.frame[result].to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(actual) & ~np.isnan(expected)
    tolerance = np.zeros(table.rows)
    tolerance[known] = 0.5 * 10.0 ** -_decimals(actual[known]) + 1e-9 * np.maximum(1, np.abs(actual[known]))
    bad = known & (np.abs(np.where(known, actual - expected, 0)) > tolerance)
    shown = [result] + [n for n in re.findall(r"[A-Z][A-Z0-9_]*", formula) if n != result]
    return hits(table, bad, list(dict.fromkeys(shown)),
                lambda rows: [f"{formula} = {format(v, '.10g')}" for v in expected[rows]])


@kind("adsl_period")
def adsl_period(table, sub, variable):
    """Values of APERIOD for which ADSL lacks ``variable`` ("TR{period}SDT": the period as two
    digits); one finding per period."""
    adsl = sub.table("ADSL")
    if adsl is None or not table.has("APERIOD") or not table.numeric("APERIOD"):
        return None
    periods = pd.unique(table.frame["APERIOD"].dropna())
    missing = [int(p) for p in sorted(periods) if float(p).is_integer()
               and not adsl.has(variable.format(period=f"{int(p):02d}"))]
    return dataset_hits((["APERIOD"], f"APERIOD={p}", f"ADSL has no {variable.format(period=f'{p:02d}')}")
                        for p in missing)


@kind("adsl_phase")
def adsl_phase(table, sub, variable, adsl):
    """Records whose ``variable`` differs from ADSL's ``adsl`` ("PH{1}SDT") of the phase in
    APHASEN, for the record's subject."""
    if not table.has(variable, "APHASEN", "USUBJID") or sub.table("ADSL") is None:
        return None
    phases = pd.unique(table.frame["APHASEN"].dropna())
    bad = np.zeros(table.rows, dtype=bool)
    ran = False
    for phase in phases:
        name = adsl.replace("{1}", str(int(phase)))
        ref = sub.subject_values(table, "ADSL", [name])
        if ref is None:
            continue
        ran = True
        mine = table.frame[variable].to_numpy(dtype="float64", na_value=np.nan)
        theirs = ref[name].to_numpy(dtype="float64", na_value=np.nan)
        bad |= (table.frame["APHASEN"].to_numpy(dtype="float64", na_value=np.nan) == phase) & ref["_known"].to_numpy() & \
            ~((mine == theirs) | (np.isnan(mine) & np.isnan(theirs)))
    return hits(table, bad, ["APHASEN", variable], f"ADSL {adsl} differs") if ran else None


@kind("source_covered")
def source_covered(table, sub, source, keys):
    """Records of SDTM dataset ``source`` (``--sdtm``) whose ``keys`` no record of this dataset has;
    one finding for the dataset, giving their count and the first keys."""
    other = sub.table(source)
    if other is None or not table.has(*keys) or not other.has(*keys):
        return None
    here, there = shared_codes([table.codes(k) for k in keys], [other.codes(k) for k in keys])
    lost = np.flatnonzero((there >= 0) & ~np.isin(there, here))
    if not len(lost):
        return dataset_hits([])
    first = "; ".join(", ".join(f"{k}={other.text(k).iloc[r]}" for k in keys) for r in lost[:5])
    return dataset_hits([(keys, f"{len(lost)} {source} record(s) missing", f"e.g. {first}")])


@kind("trtedt_max")
def trtedt_max(table, sub):
    """Records whose TRTEDT is not the latest of their TRxxEDT."""
    periods = [n for n in table.frame.columns if re.fullmatch(r"TR\d\dEDT", n)]
    if not table.has("TRTEDT") or not periods:
        return None
    latest = table.frame[periods].apply(pd.to_numeric, errors="coerce").max(axis=1).to_numpy(dtype="float64")
    trtedt = table.frame["TRTEDT"].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isnan(latest) & ~np.isnan(trtedt) & (latest != trtedt)
    return hits(table, bad, ["TRTEDT", *periods])


@kind("variable_named")
def variable_named(table, sub, pattern):
    """A dataset with no variable whose whole name matches ``pattern`` (a treatment variable, a
    population flag); one finding."""
    found = any(re.fullmatch(pattern, n) for n in table.frame.columns)
    return dataset_hits([] if found else [("", "", f"no variable named like {pattern}")])


# ------------------------------------------------------------------ traceability to the SDTM (--sdtm)

def _seq_keys(table, seq):
    """USUBJID and sequence number of each row as one text key ("" where either is missing);
    once per table."""
    def compute():
        subject = table.text("USUBJID").fillna("")
        number = pd.to_numeric(table.frame[seq], errors="coerce") if table.has(seq) else \
            pd.Series(np.nan, index=table.frame.index)
        codes, uniques = pd.factorize(number)
        text = pd.Series(np.array([format(v, ".15g") for v in uniques] + [""], dtype=object)[codes],
                         index=table.frame.index, dtype=object)
        return (subject + "|" + text).where(subject.ne("") & text.ne(""), "")
    return table.cached(("seq keys", seq), compute)


@implements("CK0620")
def source_records(table, sub, domain="SRCDOM", variable="SRCVAR", seq="SRCSEQ"):
    """Records whose SRCDOM/SRCSEQ name no record of that dataset (by USUBJID and --SEQ, the
    SDTM read with ``--sdtm``) or whose SRCVAR is not a variable of it."""
    if not table.has(domain, "USUBJID"):
        return None
    domains = table.text(domain)
    bad = np.zeros(table.rows, dtype=bool)
    why = pd.Series("", index=range(table.rows), dtype=object)
    looked = False
    for name in domains.dropna().unique():
        rows = domains.eq(name).fillna(False).to_numpy(dtype=bool)
        source = sub.table(name)
        if source is None:
            bad |= rows
            why[rows] = f"{name} is not in the submission or --sdtm"
            continue
        looked = True
        if table.has(variable):
            named = table.text(variable).fillna("")
            wrong = rows & named.ne("").to_numpy(dtype=bool) & ~named.isin(list(source.frame.columns)).to_numpy(dtype=bool)
            bad |= wrong
            why[wrong] = f"{name} has no such variable"
        prefix = sub.prefix(source)
        source_seq = f"{prefix}SEQ" if prefix else None
        if table.has(seq) and source_seq and source.has(source_seq, "USUBJID"):
            mine = _seq_keys(table, seq)
            wanted = rows & mine.ne("").to_numpy(dtype=bool)
            lost = wanted & ~mine.isin(_seq_keys(source, source_seq)).to_numpy(dtype=bool)
            bad |= lost
            why[lost] = f"no {name} record with this USUBJID and {source_seq}"
    if not looked and not bad.any():
        return None
    shown = [n for n in ("USUBJID", domain, variable, seq) if table.has(n)]
    return hits(table, bad, shown, lambda rows: why.iloc[rows].to_numpy(dtype=object))


@implements("CK0622")
def sdtm_copies(table, sub, ignore):
    """Variables an occurrence dataset shares with its SDTM domain (AETERM, AEDECOD of ADAE)
    whose value differs from the SDTM record of the same USUBJID and --SEQ."""
    seqs = [n for n in table.frame.columns if re.fullmatch(r"[A-Z]{2}SEQ", n) and sub.table(n[:2]) is not None]
    if not seqs or not table.has("USUBJID"):
        return None
    parts = []
    for seq in seqs:
        source = sub.table(seq[:2])
        if not source.has(seq, "USUBJID"):
            continue
        keys = _seq_keys(source, seq)
        shared = [n for n in table.frame.columns if source.has(n) and n not in ignore and n != seq]
        lookup = pd.DataFrame({n: source.text(n).to_numpy() for n in shared}, index=keys.to_numpy())
        lookup = lookup[(lookup.index != "") & ~lookup.index.duplicated()]
        mine = _seq_keys(table, seq)
        known = mine.isin(lookup.index).to_numpy(dtype=bool)
        theirs = lookup.reindex(mine.to_numpy())
        for name in shared:
            a = table.text(name).fillna("").to_numpy(dtype=object)
            b = theirs[name].fillna("").to_numpy(dtype=object)
            differ = known & (a != b)
            parts.append(hits(table, differ, [seq, name],
                              lambda rows, b=b, n=name, s=source.name: [f"{s} has {n}={v or MISSING}" for v in b[rows]]))
    return concat(parts)
