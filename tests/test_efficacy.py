"""The efficacy package recomputed from SDTM alone, with the tests' own code.

For every subject of the bundled run (60 subjects; 300 in the slow run):
sums of diameters and nadirs (ADTR), the RECIST 1.1 overall response of
every assessment (ADRS OVRCALC) and its disagreements with the recorded one
(conformance rule CK0523), the confirmed best overall response and the
responder parameters (ADRS BOR, RSP, DCR), the date last known alive
(ADSL), PFS, DOR and OS (ADTTE: censoring code and date). Nothing here calls
the code under test; RECIST 1.1 and the censoring rules are written out
again below, from the protocol and the method texts.
"""

import datetime as dt

import pandas as pd
import pytest

from adam.engine import build_adam

SAS = dt.date(1960, 1, 1)
CUTOFF = dt.date(2024, 3, 31)
CONFIRM, SD_MIN, WINDOW = 28, 42, 7


def day(text):
    """A complete ISO 8601 date (time dropped) as a date; None when partial or blank."""
    text = str(text)[:10]
    return dt.date.fromisoformat(text) if len(text) == 10 else None


def sas(value):
    return None if value is None or value != value else SAS + dt.timedelta(days=int(value))


def earliest(text):
    """The earliest day of a partial date (2022-05 -> 2022-05-01)."""
    parts = (str(text).split("-") + ["01", "01"])[:3]
    return dt.date(int(parts[0]), int(parts[1] or 1), int(parts[2] or 1))


@pytest.fixture(scope="module", params=["bundled", pytest.param(300, marks=pytest.mark.slow)])
def efficacy(request, bundled_sdtm, tmp_path_factory):
    """SDTM and the ADaM built from it: the session's bundled 60 subjects, or a 300-subject run."""
    if request.param == "bundled":
        study, sdtm = bundled_sdtm
    else:
        from sdtm.engine import map_study
        from specs import load_study
        from tests.edc import simulated
        study = load_study("camrelizumab-npc")
        sdtm = map_study(study, simulated(tmp_path_factory.mktemp("raw300") / "export", 300, 1))
    return sdtm, build_adam(study, sdtm, ["ADSL", "ADRS", "ADTR", "ADTTE"])


# -- RECIST 1.1, written out again ------------------------------------------------

def lesions(sdtm):
    """Per subject: target lesions [(link, nodal)], non-target links, new links."""
    out = {}
    for r in sdtm["TU"].itertuples():
        mine = out.setdefault(r.USUBJID, {"TARGET": [], "NON-TARGET": [], "NEW": []})
        mine[r.TUSTRESC].append((r.TULNKID, "LYMPH NODE" in r.TULOC))
    return out


def measurements(sdtm):
    """(subject, group, link) -> diameter (None when not done) or state; baseline diameters."""
    values, baseline = {}, {}
    for r in sdtm["TR"].itertuples():
        if r.TRTESTCD == "LDIAM":
            values[(r.USUBJID, r.TRLNKGRP, r.TRLNKID)] = None if r.TRSTAT == "NOT DONE" else float(r.TRSTRESN)
            if r.TRLOBXFL == "Y":
                baseline[(r.USUBJID, r.TRLNKID)] = float(r.TRSTRESN)
        elif r.TRTESTCD == "TUMSTATE":
            values[(r.USUBJID, r.TRLNKGRP, r.TRLNKID)] = r.TRSTRESC
    return values, baseline


def overall_responses(sdtm):
    """RS OVRLRESP records per subject in date order: (date, group, recorded response)."""
    rs = sdtm["RS"]
    rs = rs[(rs["RSCAT"] == "RECIST 1.1") & (rs["RSTESTCD"] == "OVRLRESP")]
    out = {}
    for r in rs.sort_values(["USUBJID", "RSDTC"]).itertuples():
        out.setdefault(r.USUBJID, []).append((day(r.RSDTC), r.RSLNKGRP, r.RSSTRESC))
    return out


def recist(sdtm):
    """(subject, date) -> (overall response, sum, nadir before, baseline sum) from TU/TR."""
    found, (values, baseline) = lesions(sdtm), measurements(sdtm)
    out = {}
    for subject, visits in overall_responses(sdtm).items():
        mine = found.get(subject, {"TARGET": [], "NON-TARGET": [], "NEW": []})
        targets = mine["TARGET"]
        base = sum(baseline[(subject, k)] for k, _ in targets) if targets else None
        nadir = base
        for date, group, _ in visits:
            sizes = [values.get((subject, group, k)) for k, _ in targets]
            total = None if not targets or None in sizes else sum(sizes)
            if total is None:
                target = "NE"
            elif total - nadir >= 5 and total >= 1.2 * nadir:
                target = "PD"
            elif all(s < 10 if node else s == 0 for s, (_, node) in zip(sizes, targets)):
                target = "CR"
            elif total <= 0.7 * base:
                target = "PR"
            else:
                target = "SD"
            states = [values.get((subject, group, k), "NE") for k, _ in mine["NON-TARGET"]]
            new = any(values.get((subject, group, k)) == "PRESENT" for k, _ in mine["NEW"])
            if new or target == "PD" or "UNEQUIVOCAL" in states:
                response = "PD"
            elif target == "CR":
                response = "CR" if all(s == "ABSENT" for s in states) else "PR"
            elif target in ("PR", "SD"):
                response = target
            else:
                response = "NE"
            out[(subject, date)] = (response, total, nadir, base)
            if total is not None and total < nadir:
                nadir = total
    return out


def best_response(visits, first_dose, therapy=()):
    """Confirmed best overall response: (BOR, its date, start of the response), from the
    assessments before the first subsequent anticancer therapy."""
    upto = []
    stop = min((d for d in therapy if d >= first_dose), default=dt.date.max)
    for date, _, response in visits:
        if date >= stop:
            break
        upto.append((date, response))
        if response == "PD":
            break

    def confirmed(kinds):
        starts = [d for i, (d, r) in enumerate(upto) if r in kinds
                  and any(r2 in kinds and (d2 - d).days >= CONFIRM for d2, r2 in upto[i + 1:])]
        return starts[0] if starts else None

    cr, pr = confirmed({"CR"}), confirmed({"CR", "PR"})
    if cr:
        return "CR", cr, pr
    if pr:
        return "PR", pr, pr
    for d, r in upto:
        if r in ("CR", "PR", "SD", "NON-CR/NON-PD") and (d - first_dose).days >= SD_MIN:
            return "SD", d, None
    for d, r in upto:
        if r == "PD":
            return "PD", d, None
    return "NE", None, None


def subsequent_therapy(sdtm):
    """Start dates (earliest day of a partial date) of subsequent anticancer therapies, by subject."""
    cm = sdtm["CM"][sdtm["CM"]["CMCAT"] == "SUBSEQUENT ANTICANCER THERAPY"]
    therapy = {}
    for s, text in zip(cm["USUBJID"], cm["CMSTDTC"]):
        therapy.setdefault(s, []).append(earliest(text))
    return therapy


def by_subject(frame, paramcd):
    return {r.USUBJID: r for r in frame[frame["PARAMCD"] == paramcd].itertuples()}


def test_sums_of_diameters_and_nadirs(efficacy):
    sdtm, adam = efficacy
    expected = recist(sdtm)
    adtr = adam["ADTR"]
    post = adtr[adtr["ABLFL"] != "Y"]
    got = {(r.USUBJID, sas(r.ADT)): (r.AVAL, r.NADIR, r.BASE) for r in post.itertuples()}
    want = {k: (v[1], v[2], v[3]) for k, v in expected.items() if v[1] is not None
            and k[0] in set(adam["ADSL"].loc[adam["ADSL"]["FASFL"] == "Y", "USUBJID"])}
    assert got == want and len(got) > 100
    # Baseline records carry the baseline sum.
    base = adtr[adtr["ABLFL"] == "Y"]
    assert (base["AVAL"] == base["BASE"]).all() and base["USUBJID"].is_unique


def test_recist_response_of_every_assessment(efficacy):
    sdtm, adam = efficacy
    expected = recist(sdtm)
    calc = adam["ADRS"][adam["ADRS"]["PARAMCD"] == "OVRCALC"]
    got = {(r.USUBJID, sas(r.ADT)): r.AVALC for r in calc.itertuples()}
    assert got == {k: v[0] for k, v in expected.items() if k in got} and len(got) == len(expected)
    recorded = {(s, d): r for s, visits in overall_responses(sdtm).items() for d, _, r in visits}
    differ = sorted(k for k in got if got[k] != recorded[k])
    # The investigator disagrees now and then (seeded), never at progression.
    assert len(differ) < 0.02 * len(got)
    assert all("PD" not in (got[k], recorded[k]) for k in differ)


def test_conformance_check_reports_each_disagreement(efficacy):
    from cdisckit.checks.rule import function
    from cdisckit.checks.submission import Submission
    from cdisckit.checks.table import from_frame
    sdtm, _ = efficacy
    expected = recist(sdtm)
    recorded = {(s, d): r for s, visits in overall_responses(sdtm).items() for d, _, r in visits}
    sub = Submission([from_frame(n, sdtm[n]) for n in ("RS", "TU", "TR")])
    found = function("CK0523")(sub.table("RS"), sub)
    rows = sdtm["RS"].iloc[found["row"].astype(int)]
    assert sorted(zip(rows["USUBJID"], rows["RSDTC"].map(day))) == sorted(
        k for k, v in expected.items() if v[0] != recorded[k])
    # The sums the site recorded add up.
    assert function("CK0524")(sub.table("TR"), sub).empty


def test_best_overall_response_and_responders(efficacy):
    sdtm, adam = efficacy
    adsl = adam["ADSL"][adam["ADSL"]["FASFL"] == "Y"]
    visits = overall_responses(sdtm)
    bor, rsp, dcr = (by_subject(adam["ADRS"], p) for p in ("BOR", "RSP", "DCR"))
    therapy = subsequent_therapy(sdtm)
    seen = set()
    for subject, first in zip(adsl["USUBJID"], adsl["TRTSDT"]):
        best, date, start = best_response(visits.get(subject, []), sas(first), therapy.get(subject, []))
        assert (bor[subject].AVALC, sas(bor[subject].ADT)) == (best, date), subject
        responder = best in ("CR", "PR")
        assert (rsp[subject].AVALC, sas(rsp[subject].ADT)) == (("Y", start) if responder else ("N", None))
        control = best in ("CR", "PR", "SD")
        assert (dcr[subject].AVALC, sas(dcr[subject].ADT)) == (
            ("Y", start if responder else date) if control else ("N", None))
        assert bor[subject].CRIT1FL == ("Y" if responder else "N")
        seen.add(best)
    assert len(bor) == len(adsl) and {"CR", "PR", "SD"} <= seen


# -- dates and time to event ---------------------------------------------------

def death_dates(sdtm, last_alive):
    """DM.DTHDTC; a partial date at its earliest day, or at the last known alive date
    when that lies later within the partial date."""
    out = {}
    for subject, text in zip(sdtm["DM"]["USUBJID"], sdtm["DM"]["DTHDTC"]):
        if not text:
            continue
        date = day(text)
        if date is None:
            low, high = earliest(text), _last_day(text)
            known = last_alive.get(subject)
            date = known if known and low < known <= high else low
        out[subject] = date
    return out


def _last_day(text):
    """The latest day of a partial date (2022-05 -> 2022-05-31, 2022 -> 2022-12-31)."""
    parts = text.split("-")
    year, month = int(parts[0]), int(parts[1]) if len(parts) > 1 else 12
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def last_known_alive(sdtm):
    """The latest complete date of a real contact: survival contacts, doses, assessments,
    questionnaires, samples, subsequent-therapy starts and informed consent."""
    dates = {}

    def add(subjects, texts):
        for s, t in zip(subjects, texts):
            d = day(t)
            if d and (s not in dates or d > dates[s]):
                dates[s] = d

    ss, rs, cm = sdtm["SS"], sdtm["RS"], sdtm["CM"]
    add(ss.loc[ss["SSTESTCD"] == "LSCFADTC", "USUBJID"], ss.loc[ss["SSTESTCD"] == "LSCFADTC", "SSSTRESC"])
    alive = (ss["SSTESTCD"] == "SURVSTAT") & (ss["SSSTRESC"] == "ALIVE")
    add(ss.loc[alive, "USUBJID"], ss.loc[alive, "SSDTC"])
    for name, column in (("EX", "EXSTDTC"), ("EX", "EXENDTC"), ("TR", "TRDTC"), ("QS", "QSDTC"), ("LB", "LBDTC"),
                         ("DM", "RFICDTC")):
        add(sdtm[name]["USUBJID"], sdtm[name][column])
    add(rs.loc[rs["RSCAT"] == "RECIST 1.1", "USUBJID"], rs.loc[rs["RSCAT"] == "RECIST 1.1", "RSDTC"])
    later = cm["CMCAT"] == "SUBSEQUENT ANTICANCER THERAPY"
    add(cm.loc[later, "USUBJID"], cm.loc[later, "CMSTDTC"])
    return dates


def test_date_last_known_alive_from_contacts(efficacy):
    sdtm, adam = efficacy
    want = last_known_alive(sdtm)
    got = {s: sas(v) for s, v in zip(adam["ADSL"]["USUBJID"], adam["ADSL"]["LSTALVDT"])}
    assert got == {s: want.get(s) for s in got}
    # Subjects lost to follow-up: the end-of-study date is not a contact.
    ds = sdtm["DS"]
    lost = ds[(ds["DSDECOD"] == "LOST TO FOLLOW-UP") & (ds["DSSCAT"] == "STUDY PARTICIPATION")]
    assert len(lost) and all(got[s] < day(d) for s, d in zip(lost["USUBJID"], lost["DSSTDTC"]))


def progression_free(subject, origin, first_dose, events, assessed, therapy, baseline, planned):
    """(CNSR, date) of PFS (or DOR from a response start) by the protocol's rules."""
    if subject not in baseline:
        return 5, origin
    therapy = [d for d in therapy if d >= origin]
    end = min([CUTOFF, *therapy[:1]])
    seen = [d for d in assessed if d >= origin]
    event = min((d for d in events if origin <= d <= end), default=None)
    if event is None:
        if not any(origin < d <= end for d in seen):
            return 1, origin
        last = max([d for d in seen if d <= end], default=origin)
        return (2 if therapy and therapy[0] <= CUTOFF else 4), last
    last = max([d for d in seen if d < event], default=origin)
    study_day = [(d - first_dose).days + 1 for d in (last, event)]
    missed = sum(1 for p in planned if p - WINDOW > study_day[0] and p + WINDOW < study_day[1])
    return (3, last) if missed >= 2 else (0, event)


def test_pfs_dor_and_os(efficacy):
    sdtm, adam = efficacy
    adsl = adam["ADSL"][adam["ADSL"]["FASFL"] == "Y"]
    alive = last_known_alive(sdtm)
    deaths = death_dates(sdtm, alive)
    visits = overall_responses(sdtm)
    therapy = subsequent_therapy(sdtm)
    tr = sdtm["TR"]
    baseline = set(tr.loc[tr["TRLOBXFL"] == "Y", "USUBJID"])
    tv = sdtm["TV"]
    planned = [float(d) for v, d in zip(tv["VISIT"], tv["VISITDY"]) if v.startswith("WEEK ")]
    pfs, dor, os_ = (by_subject(adam["ADTTE"], p) for p in ("PFS", "DOR", "OS"))
    counted = {"PFS": {}, "DOR": {}, "OS": {}}
    for subject, first in zip(adsl["USUBJID"], adsl["TRTSDT"]):
        first = sas(first)
        mine = visits.get(subject, [])
        assessed = [d for d, _, r in mine if r in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")]
        events = [d for d, _, r in mine if r == "PD"][:1] + ([deaths[subject]] if subject in deaths else [])
        args = (events, assessed, sorted(therapy.get(subject, [])), baseline, planned)
        want = progression_free(subject, first, first, *args)
        assert (pfs[subject].CNSR, sas(pfs[subject].ADT)) == want, subject
        assert pfs[subject].AVAL == (want[1] - first).days + 1
        counted["PFS"][want[0]] = counted["PFS"].get(want[0], 0) + 1
        _, _, start = best_response(mine, first, therapy.get(subject, []))
        if start is None:
            assert subject not in dor
        else:
            want = progression_free(subject, start, first, *args)
            assert (dor[subject].CNSR, sas(dor[subject].ADT), sas(dor[subject].STARTDT)) == (*want, start), subject
            counted["DOR"][want[0]] = counted["DOR"].get(want[0], 0) + 1
        death = deaths.get(subject)
        if death is not None and first <= death <= CUTOFF:
            want = (0, death)
        else:
            known = alive.get(subject)
            later = (known and known > CUTOFF) or (death is not None and death > CUTOFF)
            want = (1, CUTOFF if later else (known if known and known >= first else first))
        assert (os_[subject].CNSR, sas(os_[subject].ADT)) == want, subject
        counted["OS"][want[0]] = counted["OS"].get(want[0], 0) + 1
    assert len(pfs) == len(os_) == len(adsl)
    assert counted["PFS"].get(0, 0) > 0 and counted["OS"].get(0, 0) > 0 and counted["DOR"]


def test_death_date_in_ds_equals_dm(efficacy):
    sdtm, _ = efficacy
    ds, dm = sdtm["DS"], sdtm["DM"]
    deaths = dict(zip(dm["USUBJID"], dm["DTHDTC"]))
    dead = ds[ds["DSDECOD"] == "DEATH"]
    assert len(dead) and all(deaths[s] == d for s, d in zip(dead["USUBJID"], dead["DSSTDTC"]))


def test_tumour_links(efficacy):
    sdtm, _ = efficacy
    tu, tr, rs = sdtm["TU"], sdtm["TR"], sdtm["RS"]
    lesion_links = set(zip(tr["USUBJID"], tr["TRLNKID"])) - {(s, "") for s in tr["USUBJID"]}
    assert lesion_links == set(zip(tu["USUBJID"], tu["TULNKID"]))
    # Every assessment of a subject with baseline lesions has its lesion results.
    flagged = tr[tr["TRLOBXFL"] == "Y"]
    recist_rs = rs[(rs["RSCAT"] == "RECIST 1.1") & rs["USUBJID"].isin(set(flagged["USUBJID"]))]
    assert set(zip(recist_rs["USUBJID"], recist_rs["RSLNKGRP"])) <= set(zip(tr["USUBJID"], tr["TRLNKGRP"]))
    # One baseline flag per lesion, on its screening measurement.
    assert not flagged.duplicated(["USUBJID", "TRLNKID", "TRTESTCD"]).any()
    assert set(flagged["VISIT"]) == {"SCREENING"}
    assert set(tr["TRMETHOD"]) == {"CT SCAN", "MRI", "PET/CT SCAN"}


def test_tu_and_tr_from_the_lesion_forms(bundled_raw, bundled_sdtm):
    """Every lesion row of the raw export becomes one TR record (and its identification one TU
    record), with the CRF's values in CDISC terms."""
    from tests.edc import iso, usubjid
    forms = bundled_raw[1]
    study, sdtm = bundled_sdtm
    tu, tr = sdtm["TU"], sdtm["TR"]
    targets, others, new = forms["target_lesions"], forms["nontarget_lesions"], forms["new_lesions"]
    count = tr["TRTESTCD"].value_counts()
    assert count["LDIAM"] == len(targets) and count["TUMSTATE"] == len(others) + len(new)
    assert count["SUMDIAM"] == (forms["tumour"]["SUMDIAM"] != "").sum()
    assert len(tu) == (targets["FOLDER"] == "SCR").sum() + (others["FOLDER"] == "SCR").sum() + len(new)
    methods = {"CT": "CT SCAN", "MRI": "MRI", "PET-CT": "PET/CT SCAN"}
    for row in targets.iloc[::37].itertuples():
        rec = tr[(tr["USUBJID"] == usubjid(study, row.SUBJECT)) & (tr["TRLNKID"] == f"T{row.TLNUM}")
                 & (tr["TRDTC"] == iso(row.TLDAT))].iloc[0]
        assert (rec["TRLNKGRP"], rec["TRORRES"], rec["TRORRESU"], rec["TRSTAT"], rec["TRMETHOD"],
                rec["TRLOBXFL"]) == (row.FOLDER, row.TLDIAM, "mm" if row.TLDIAM else "",
                                     "" if row.TLDIAM else "NOT DONE", methods[row.TLMETH],
                                     "Y" if row.FOLDER == "SCR" else "")
        lesion = tu[(tu["USUBJID"] == rec["USUBJID"]) & (tu["TULNKID"] == rec["TRLNKID"])].iloc[0]
        assert (lesion["TUORRES"], lesion["TULOC"]) == ("TARGET", row.TLSITE.upper())
    states = {"Present": "PRESENT", "Absent": "ABSENT", "Unequivocal progression": "UNEQUIVOCAL",
              "Not evaluable": "NE"}
    got = tr[tr["TRTESTCD"] == "TUMSTATE"].groupby("TRSTRESC").size().to_dict()
    want = pd.concat([others["NTLSTAT"].map(states), pd.Series(["PRESENT"] * len(new))]).value_counts().to_dict()
    assert got == want
