"""The protocol's safety endpoint and exposure of the bundled study, counted
from ADaM alone and recounted from SDTM with the tests' own code."""

import pandas as pd
import pytest

from tests.ctcae import GRADERS

AE_DAYS, SAE_DAYS = 30, 90          # protocol: AEs to 30 days after the last dose, SAEs to 90


def _first_day(iso):
    """The earliest day an ISO 8601 (partial) date can be."""
    return pd.Timestamp(iso[:10] if len(iso) >= 10 else (iso + "-01")[:7] + "-01" if len(iso) >= 7
                        else iso[:4] + "-01-01")


def _last_day(iso):
    """The latest day an ISO 8601 (partial) date can be."""
    if len(iso) >= 10:
        return pd.Timestamp(iso[:10])
    if len(iso) >= 7:
        return pd.Timestamp(iso[:7] + "-01") + pd.offsets.MonthEnd(0)
    return pd.Timestamp(iso[:4] + "-12-31")


def exposure_from_sdtm(sdtm):
    """First and last dose day per subject from EX records with a dose."""
    ex = sdtm["EX"]
    ex = ex[pd.to_numeric(ex["EXDOSE"], errors="coerce") > 0]
    days = ex["EXSTDTC"].str.slice(0, 10).map(pd.Timestamp)
    return days.groupby(ex["USUBJID"]).agg(["min", "max"])


def related_teae_grades_from_sdtm(sdtm):
    """Subject -> CTCAE grades of its treatment-related TEAEs, from AE and EX.

    A start known only to the month (or year) that contains the first dose
    counts from the first dose (the ADaM imputation); any other partial start
    from its first possible day. A start without any date is treatment-emergent
    unless the event ended before the first dose.
    """
    dosed = exposure_from_sdtm(sdtm)
    grades = {}
    for rec in sdtm["AE"].itertuples(index=False):
        if rec.USUBJID not in dosed.index or rec.AEREL != "RELATED":
            continue
        first, last = dosed.loc[rec.USUBJID, "min"], dosed.loc[rec.USUBJID, "max"]
        window = SAE_DAYS if rec.AESER == "Y" else AE_DAYS
        if rec.AESTDTC == "":
            emergent = rec.AEENDTC == "" or _last_day(rec.AEENDTC) >= first
        else:
            start = _first_day(rec.AESTDTC)
            if start < first <= _last_day(rec.AESTDTC):
                start = first
            emergent = first <= start <= last + pd.Timedelta(days=window)
        if emergent:
            grades.setdefault(rec.USUBJID, []).append(int(rec.AETOXGR))
    return grades


def safety_table(worst, subjects):
    """Participants with a treatment-related TEAE by worst grade: {"Any": n, "Grade 1": n, ...}, of N."""
    table = {"N": subjects, "Any": len(worst)}
    for grade in range(1, 6):
        table[f"Grade {grade}"] = sum(1 for g in worst.values() if g == grade)
    return table


@pytest.fixture(scope="module")
def frames(bundled_sdtm, bundled_adam):
    return bundled_sdtm[1], bundled_adam[1]


def test_safety_table_from_adae_alone_equals_the_count_from_sdtm_ae_and_ex(frames):
    sdtm, adam = frames
    adae, adsl = adam["ADAE"], adam["ADSL"]
    flagged = adae[(adae["AOCCRIFL"] == "Y") & (adae["SAFFL"] == "Y")]
    assert flagged["USUBJID"].is_unique
    from_adae = safety_table(dict(zip(flagged["USUBJID"], flagged["ATOXGRN"].astype(int))),
                             int((adsl["SAFFL"] == "Y").sum()))
    worst = {s: max(g) for s, g in related_teae_grades_from_sdtm(sdtm).items()}
    from_sdtm = safety_table(worst, len(exposure_from_sdtm(sdtm)))
    print("\ntreatment-related TEAEs by worst CTCAE grade (ADAE / SDTM):", from_adae, from_sdtm)
    assert from_adae == from_sdtm
    assert from_adae["Any"] > 0 and from_adae["Grade 3"] + from_adae["Grade 4"] > 0


def test_related_teae_counts_per_subject_agree_with_sdtm(frames):
    sdtm, adam = frames
    adae = adam["ADAE"]
    related = adae[(adae["TRTEMFL"] == "Y") & (adae["ARELFL"] == "Y")]
    counted = related.groupby("USUBJID").size()
    assert set(adae.loc[adae["AOCCRFL"] == "Y", "USUBJID"]) == set(counted.index)
    grades = related_teae_grades_from_sdtm(sdtm)
    assert counted.to_dict() == {s: len(g) for s, g in grades.items()}
    assert related.groupby("USUBJID")["ATOXGRN"].max().astype(int).to_dict() == {s: max(g) for s, g in grades.items()}


def exposure_summary_from_sdtm(sdtm):
    """Per subject from EX, SUPPEX, EC and RELREC: cycles, duration, cumulative dose, dose
    intensity (mg per 3 weeks), relative dose intensity (% of 200 mg every 3 weeks), delays and
    doses not given (all, and those linked to an adverse event in RELREC)."""
    ex, ec, supp, rel = sdtm["EX"], sdtm["EC"], sdtm["SUPPEX"], sdtm["RELREC"]
    day = ex["EXSTDTC"].str.slice(0, 10).map(pd.Timestamp)
    out = pd.DataFrame({"NCYCLE": ex.groupby("USUBJID").size().astype(float),
                        "TRTDURD": day.groupby(ex["USUBJID"]).agg(lambda d: (d.max() - d.min()).days + 21.0),
                        "CUMDOSE": ex.groupby("USUBJID")["EXDOSE"].sum()})
    out["DOSEINT"] = out["CUMDOSE"] / out["TRTDURD"] * 21
    out["RDI"] = out["DOSEINT"] / 200 * 100
    delayed = supp[(supp["QNAM"] == "EXDELAY") & (supp["QVAL"] == "Y")]
    out["NDELAY"] = delayed.groupby("USUBJID").size().reindex(out.index, fill_value=0).astype(float)
    missed = ec[ec["ECOCCUR"] == "N"]
    out["NNOTGIV"] = missed.groupby("USUBJID").size().reindex(out.index, fill_value=0).astype(float)
    linked = set(zip(rel.loc[rel["RDOMAIN"] == "EC", "USUBJID"], rel.loc[rel["RDOMAIN"] == "EC", "IDVARVAL"]))
    for_ae = missed[[(s, f) in linked for s, f in zip(missed["USUBJID"], missed["ECSPID"])]]
    out["NNOTGAE"] = for_ae.groupby("USUBJID").size().reindex(out.index, fill_value=0).astype(float)
    return out


def exposure_agreement(sdtm, adex):
    """(equal subjects, subjects) per summary parameter of ADEX against the SDTM recount."""
    expected = exposure_summary_from_sdtm(sdtm)
    summary = adex[adex["PARCAT1"] == "PER SUBJECT"].pivot(index="USUBJID", columns="PARAMCD", values="AVAL")
    table = {}
    for param in expected.columns:
        mine, theirs = expected[param], summary[param].reindex(expected.index)
        table[param] = (int(((mine - theirs).abs() < 1e-9).sum()), len(mine))
    return table, summary.index.equals(expected.index)


def test_exposure_summaries_agree_with_a_recount_from_sdtm(frames):
    sdtm, adam = frames
    adex = adam["ADEX"]
    table, same_subjects = exposure_agreement(sdtm, adex)
    print("\nADEX per-subject agreement (equal/subjects):", table)
    assert same_subjects
    assert all(equal == total for equal, total in table.values()), table
    summary = adex[adex["PARCAT1"] == "PER SUBJECT"].pivot(index="USUBJID", columns="PARAMCD", values="AVAL")
    assert summary["NDELAY"].sum() > 0 and summary["NNOTGIV"].sum() > 0 and (summary["RDI"] < 100).any()
    doses = adex[adex["PARAMCD"] == "DOSE"]
    assert len(doses) == len(sdtm["EX"]) and (doses["SRCDOM"] == "EC").all()


def lab_shifts_from_sdtm(sdtm):
    """(test, baseline grade, worst on-treatment grade) -> subjects, from LB and EX with the
    tests' own CTCAE grading: baseline is the LBLOBXFL record; on treatment is from the first
    dose day to 30 days after the last dose day; "" where the subject has no baseline grade."""
    dosed = exposure_from_sdtm(sdtm)
    lb = sdtm["LB"]
    lb = lb[lb["LBTESTCD"].isin(list(GRADERS)) & pd.to_numeric(lb["LBSTRESN"], errors="coerce").notna()]
    base_value = {(s, t): v for s, t, v, f in zip(lb["USUBJID"], lb["LBTESTCD"], lb["LBSTRESN"], lb["LBLOBXFL"])
                  if f == "Y"}

    def grade(rec):
        return GRADERS[rec.LBTESTCD](rec.LBSTRESN, rec.LBSTNRLO, rec.LBSTNRHI,
                                     base_value.get((rec.USUBJID, rec.LBTESTCD), float("nan")))

    baseline, worst = {}, {}
    for rec in lb.itertuples(index=False):
        key = (rec.USUBJID, rec.LBTESTCD)
        if rec.LBLOBXFL == "Y":
            baseline[key] = str(grade(rec))
        elif rec.USUBJID in dosed.index:
            day = pd.Timestamp(rec.LBDTC[:10])
            first, last = dosed.loc[rec.USUBJID, "min"], dosed.loc[rec.USUBJID, "max"]
            if first <= day <= last + pd.Timedelta(days=30):
                worst[key] = max(worst.get(key, 0), grade(rec))
    counts = {}
    for (subject, test), g in worst.items():
        cell = (test, baseline.get((subject, test), ""), str(g))
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def test_lab_shift_to_the_worst_grade_from_adlb_equals_a_recount_from_sdtm(frames):
    sdtm, adam = frames
    adlb = adam["ADLB"]
    worst = adlb[adlb["WGRFL"] == "Y"]
    assert not worst.duplicated(["USUBJID", "PARAMCD"]).any()
    from_adlb = worst.groupby(["PARAMCD", "BTOXGR", "ATOXGR"]).size().to_dict()
    from_sdtm = lab_shifts_from_sdtm(sdtm)
    assert from_adlb == from_sdtm
    assert sum(n for (_, _, g), n in from_sdtm.items() if g >= "3") > 0
    shifted = worst[worst["BTOXGR"] != ""]
    assert (shifted["SHIFT1"] == shifted["BTOXGR"] + " to " + shifted["ATOXGR"]).all()


def test_adqs_single_item_scores_trace_to_their_qs_record(frames):
    sdtm, adam = frames
    adqs, qs = adam["ADQS"], sdtm["QS"].set_index(["USUBJID", "QSSEQ"])
    single = {"DY": "EOR0108", "SL": "EOR0111", "AP": "EOR0113", "CO": "EOR0116", "DI": "EOR0117", "FI": "EOR0128"}
    traced = adqs[adqs["PARAMCD"].isin(list(single)) & adqs["SRCSEQ"].notna()]
    assert len(traced) > 0 and adqs.loc[~adqs["PARAMCD"].isin(list(single)), "SRCSEQ"].isna().all()
    for rec in traced.itertuples(index=False):
        item = qs.loc[(rec.USUBJID, rec.SRCSEQ)]
        assert item["QSTESTCD"] == single[rec.PARAMCD] and item["VISITNUM"] == rec.AVISITN
        assert (rec.AVAL == (item["QSSTRESN"] - 1) / 3 * 100) or (pd.isna(rec.AVAL) and pd.isna(item["QSSTRESN"]))
    # Scores failing the half-items rule are kept, without a value, and never analysed.
    kept = adqs[adqs["AVAL"].isna()]
    assert len(kept) > 0 and (kept["ANL01FL"] == "").all()
