"""Cross-reference rules: records that must agree with other datasets.

Subjects known to DM (ADSL), supplemental and related records that point to
a parent, exposure inside the subject's reference period, death recorded
alike in DM and DS, study days computed from RFSTDTC, visits known to SV,
and trial-design codes known to TA, TE and TI. Other datasets are looked up
by subject or by key codes shared between the two datasets, never row by row.
"""

import numpy as np
import pandas as pd

from specs.dates import study_day, to_date

from . import dates
from .finding import concat, dataset_hits, hits
from .rule import implements
from .table import coded, condition, display, shared_codes


def _lookup_detail(prefix, values):
    """A detail function showing ``prefix`` and a subject-level value for the failing rows."""
    return lambda rows: prefix + display(values.iloc[rows]).to_numpy(dtype=object)


@implements("CK0501", "CK0502")
def in_subjects(table, sub, reference):
    """Subjects missing from the subject-level dataset (DM or ADSL)."""
    subjects = sub.subjects(reference)
    if subjects is None or not table.has("USUBJID"):
        return None
    codes, values = table.codes("USUBJID")
    unknown = np.append(~values.isin(subjects).to_numpy(dtype=bool), False)[codes]
    return hits(table, unknown, ["USUBJID"], f"no {reference} record has this USUBJID")


@implements("CK0503", "CK0504")
def parent_records(table, sub):
    """SUPP-- and RELREC records whose parent record (RDOMAIN, USUBJID, IDVAR, IDVARVAL) does not exist;
    a parent dataset that is absent altogether gives one finding, not one per record."""
    names = ["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"]
    if not table.has(*names):
        return None
    frame = pd.DataFrame({n: table.text(n) for n in names})
    bad = np.zeros(table.rows, dtype=bool)
    why = np.full(table.rows, "", dtype=object)
    subject_rows = frame["USUBJID"].notna() & frame["RDOMAIN"].notna()
    absent = {}
    for (domain, idvar), group in frame[subject_rows].groupby(["RDOMAIN", "IDVAR"], dropna=False, sort=True):
        parents = [t for t in sub.tables.values()
                   if sub.domain(t) == domain and not t.name.startswith("SUPP") and t.has("USUBJID")]
        keyed = ["USUBJID"] if pd.isna(idvar) else ["USUBJID", idvar]
        parents = [t for t in parents if t.has(*keyed)]
        if not any(sub.domain(t) == domain and not t.name.startswith("SUPP") for t in sub.tables.values()):
            absent[domain] = absent.get(domain, 0) + len(group)     # one finding per missing parent dataset
            continue
        mine = [group["USUBJID"]] + ([] if pd.isna(idvar) else [group["IDVARVAL"]])
        theirs = [pd.concat([t.text(n) for t in parents], ignore_index=True) if parents else
                  pd.Series(dtype="str") for n in keyed]
        left, right = shared_codes([coded(m) for m in mine], [coded(t) for t in theirs])
        missing = ~np.isin(left, right[right >= 0])
        positions = table.frame.index.get_indexer(group.index[missing])
        bad[positions] = True
        why[positions] = f"no {domain} record has this " + " and ".join(keyed)
    found = hits(table, bad, names, lambda rows: why[rows])
    missing = dataset_hits((["RDOMAIN"], f"RDOMAIN={domain}",
                            f"no dataset of domain {domain} is in the submission ({n} records refer to it)")
                           for domain, n in sorted(absent.items()))
    return concat([found, missing]) if absent else found


@implements("CK0505", "CK0506", "CK0507")
def vs_subject(table, sub, variable, dataset, reference, relation):
    """Dates that fall outside a subject-level date: not before it (``relation`` not_before)
    or not after it (not_after)."""
    if not table.has(variable):
        return None
    ref = sub.subject_values(table, dataset, [reference])
    if ref is None:
        return None
    values, limit = table.frame[variable].astype("str"), ref[reference].astype("str")
    bad = dates.after(limit, values) if relation == "not_before" else dates.after(values, limit)
    return hits(table, bad.to_numpy(), [variable], _lookup_detail(f"{dataset}.{reference}=", ref[reference]))


@implements("CK0508", "CK0510")
def subject_value(table, sub, when, dataset, variable, values):
    """Records where ``when`` holds but the subject's ``dataset.variable`` is not one of ``values``."""
    holds = condition(table, when)
    ref = sub.subject_values(table, dataset, [variable])
    if holds is None or ref is None:
        return None
    mask, names = holds
    allowed = ref[variable].astype("str").str.strip().isin([str(v) for v in values]).to_numpy(dtype=bool)
    bad = mask & ref["_known"].to_numpy() & ~allowed
    return hits(table, bad, names, _lookup_detail(f"{dataset}.{variable}=", ref[variable]))


@implements("CK0509", "CK0511")
def has_record(table, sub, when, dataset, where):
    """Records where ``when`` holds but the subject has no ``dataset`` record where ``where`` holds."""
    other = sub.table(dataset)
    holds = condition(table, when)
    if other is None or holds is None or not table.has("USUBJID") or not other.has("USUBJID"):
        return None
    found = condition(other, where)
    if found is None:
        return None
    subjects = other.text("USUBJID")[found[0]].dropna().unique()
    codes, values = table.codes("USUBJID")
    recorded = np.append(values.isin(subjects).to_numpy(dtype=bool), False)[codes]
    mask, names = holds
    return hits(table, mask & ~recorded, list(dict.fromkeys(["USUBJID"] + names)))


@implements("CK0512")
def subject_date(table, sub, when, variable, dataset, reference):
    """Records where ``when`` holds and the date ``variable`` differs from the subject's
    ``dataset.reference`` (compared at the precision both have)."""
    holds = condition(table, when)
    ref = sub.subject_values(table, dataset, [reference])
    if holds is None or ref is None or not table.has(variable):
        return None
    a, b = table.frame[variable].astype("str"), ref[reference].astype("str")
    differ = (dates.after(a, b) | dates.after(b, a)).to_numpy()
    return hits(table, holds[0] & differ, list(dict.fromkeys(holds[1] + [variable])),
                _lookup_detail(f"{dataset}.{reference}=", ref[reference]))


def _reference_dates(table, sub, ref):
    """DM.RFSTDTC of each row's subject (``ref``, ``subject_values``) as calendar dates, once per dataset."""
    return sub.per_table("RFSTDTC dates", table, lambda: to_date(ref["RFSTDTC"]))


@implements("CK0513", "CK0514", "CK0515")
def study_days(table, sub, day, date):
    """Study days that differ from the day computed from the date and DM.RFSTDTC
    (complete dates only; no day 0)."""
    if not table.has(day, date) or not table.numeric(day):
        return None
    ref = sub.subject_values(table, "DM", ["RFSTDTC"])
    if ref is None:
        return None
    expected = study_day(table.dates(date), _reference_dates(table, sub, ref))
    stored = table.frame[day]
    bad = (expected.notna() & stored.notna() & expected.ne(stored)).to_numpy(dtype=bool)

    def detail(rows):
        return ("expected " + display(expected.iloc[rows]).to_numpy(dtype=object) + f" from {date} and DM.RFSTDTC="
                + display(ref["RFSTDTC"].iloc[rows]).to_numpy(dtype=object))
    return hits(table, bad, [day, date], detail)


@implements("CK0516")
def day_without_dates(table, sub, day, date):
    """Study days given although the date or DM.RFSTDTC is not a complete date (imputed days)."""
    if not table.has(day, date) or not table.numeric(day):
        return None
    ref = sub.subject_values(table, "DM", ["RFSTDTC"])
    if ref is None:
        return None
    incomplete = table.dates(date).isna() | _reference_dates(table, sub, ref).isna()
    bad = (table.frame[day].notna() & incomplete & ref["_known"]).to_numpy(dtype=bool)
    return hits(table, bad, [day, date], _lookup_detail("DM.RFSTDTC=", ref["RFSTDTC"]))


@implements("CK0517", "CK0518", "CK0519", "CK0520", "CK0522")
def in_keys(table, sub, keys, dataset, ignore=(), other_keys=None):
    """Records whose key (``keys[0]`` required, the others used when both datasets have them)
    is not a key of ``dataset`` (named ``other_keys`` there, default the same); key values
    in ``ignore`` (any case: the catalogue compares SCRNFAIL case-insensitively) are exempt."""
    other = sub.table(dataset)
    theirs = dict(zip(keys, other_keys or keys))
    if other is None or not table.has(keys[0]) or not other.has(theirs[keys[0]]):
        return None
    names = [k for k in keys if table.has(k) and other.has(theirs[k])]
    left, right = shared_codes([table.codes(n) for n in names], [other.codes(theirs[n]) for n in names])
    exempt = np.zeros(table.rows, dtype=bool)
    for name in names if ignore else ():
        codes, values = table.codes(name)
        exempted = values.str.upper().isin([str(v).upper() for v in ignore]).to_numpy(dtype=bool)
        exempt |= np.append(exempted, False)[codes]
    bad = (left >= 0) & ~np.isin(left, right[right >= 0]) & ~exempt
    return hits(table, bad, names, f"no {dataset} record has these values")


@implements("CK0521")
def same_study(table, sub):
    """STUDYID values that differ from the one most records of the submission carry."""
    if not table.has("STUDYID"):
        return None

    def usual():
        counts = {}
        for t in sub.tables.values():
            if t.has("STUDYID"):
                codes, values = t.codes("STUDYID")
                for value, n in zip(values, np.bincount(codes[codes >= 0], minlength=len(values))):
                    counts[value] = counts.get(value, 0) + int(n)
        return min(counts, key=lambda v: (-counts[v], v)) if counts else None
    studyid = sub.cached("studyid", usual)
    codes, values = table.codes("STUDYID")
    return hits(table, np.append(values.ne(studyid).to_numpy(dtype=bool), False)[codes], ["STUDYID"],
                f"the submission's STUDYID is {studyid}")


def _plain(table, names, numbers=()):
    """Some variables of a table as plain values: text with "" for missing, numbers as floats."""
    return pd.DataFrame({n: (pd.to_numeric(table.frame[n], errors="coerce") if n in numbers
                             else table.text(n).astype(object).where(table.text(n).notna(), ""))
                         for n in names}, index=table.frame.index)


_TU = ["USUBJID", "TULNKID", "TUSTRESC", "TULOC"]
_TR = ["USUBJID", "TRLNKGRP", "TRLNKID", "TRTESTCD", "TRSTRESC", "TRSTRESN", "TRLOBXFL"]


@implements("CK0523")
def recist_overall_response(table, sub):
    """Recorded RECIST 1.1 overall responses (RS OVRLRESP) that differ from the response
    RECIST 1.1 gives from the lesion data of the same assessment (TU, TR by RSLNKGRP =
    TRLNKGRP; ``adam.recist``, the derivation of ADRS OVRCALC)."""
    from adam.recist import assessment_responses
    tu, tr = sub.table("TU"), sub.table("TR")
    if tu is None or tr is None or not table.has("USUBJID", "RSTESTCD", "RSSTRESC", "RSLNKGRP", "RSDTC") \
            or not tu.has(*_TU) or not tr.has(*_TR):
        return None
    rs = _plain(table, ["USUBJID", "RSTESTCD", "RSSTRESC", "RSLNKGRP", "RSDTC"]
                + (["RSCAT"] if table.has("RSCAT") else []))
    chosen = (rs["RSTESTCD"] == "OVRLRESP") & (rs["RSLNKGRP"] != "")
    if "RSCAT" in rs:
        chosen &= rs["RSCAT"].isin(["", "RECIST 1.1"])
    picked = rs[chosen]
    derived = assessment_responses(
        pd.DataFrame({"USUBJID": picked["USUBJID"].to_numpy(), "GROUP": picked["RSLNKGRP"].to_numpy(),
                      "DATE": picked["RSDTC"].to_numpy(), "ROW": np.flatnonzero(chosen.to_numpy())}),
        _plain(tu, _TU), _plain(tr, _TR, numbers=("TRSTRESN",)))
    differs = derived[derived["OVERALL"].to_numpy() != picked["RSSTRESC"].to_numpy()]
    bad = np.zeros(table.rows, dtype=bool)
    bad[differs["ROW"].to_numpy(dtype=int)] = True
    why = {int(r.ROW): (f"RECIST 1.1 from TU/TR gives {r.OVERALL}: target {r.TARGET}, non-target "
                        f"{r.NONTARGET or 'none'}, new lesion {r.NEWLESION}, sum {display(pd.Series([r.SUM])).iloc[0]}"
                        f" mm, nadir {display(pd.Series([r.NADIR])).iloc[0]} mm, baseline "
                        f"{display(pd.Series([r.BASE])).iloc[0]} mm") for r in differs.itertuples()}
    return hits(table, bad, ["RSLNKGRP", "RSSTRESC"], lambda rows: [why[int(i)] for i in rows])


@implements("CK0524")
def recorded_sum_of_diameters(table, sub):
    """TR SUMDIAM records that differ from the sum of the target lesion diameters (LDIAM)
    of the same assessment (TRLNKGRP)."""
    if not table.has("USUBJID", "TRLNKGRP", "TRTESTCD", "TRSTRESN"):
        return None
    tr = _plain(table, ["USUBJID", "TRLNKGRP", "TRTESTCD", "TRSTRESN"], numbers=("TRSTRESN",))
    diameters = tr[tr["TRTESTCD"] == "LDIAM"].groupby(["USUBJID", "TRLNKGRP"])["TRSTRESN"]
    sums = diameters.sum(min_count=1).where(diameters.count() == diameters.size())
    recorded = tr[tr["TRTESTCD"] == "SUMDIAM"]
    expected = pd.Series(list(zip(recorded["USUBJID"], recorded["TRLNKGRP"])), index=recorded.index).map(sums)
    differs = expected.isna() | (expected != recorded["TRSTRESN"])
    bad = np.zeros(table.rows, dtype=bool)
    bad[table.frame.index.get_indexer(recorded.index[differs.to_numpy()])] = True
    detail = expected.reindex(table.frame.index)
    return hits(table, bad, ["TRLNKGRP", "TRSTRESN"],
                lambda rows: [f"the LDIAM records add up to {display(pd.Series([detail.iloc[i]])).iloc[0] or 'nothing (a lesion not measured)'} mm"
                              for i in rows])
