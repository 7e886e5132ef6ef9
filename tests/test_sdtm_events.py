"""AE, SUPPAE, EX, CM, PR, SS and IE of the bundled study, mapped from simulated raw data.

The simulator writes a small export (fixed seed), the engine maps it with the
bundled specs, and every expectation is computed from the raw rows with an
independent reading of the EDC date style, never from the engine.
"""

import datetime as dt

import pandas as pd
import pytest

from sdtm.engine import map_study
from sdtm.iso8601 import is_valid_dtc
from specs import load_study
from tests.edc import MONTHS, iso, simulated, usubjid

SUBJECTS, SEED = 60, 2
MINE = ["AE", "SUPPAE", "EX", "CM", "PR", "SS", "IE"]
DOSING = ["EC", "SUPPEX", "RELREC"]
RCCEP = "Reactive capillary endothelial proliferation"

# SDTMIG 3.4 names and labels, in the order the datasets must have them.
LABELS = {
    "AE": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("AESEQ", "Sequence Number"),
        ("AESPID", "Sponsor-Defined Identifier"), ("AETERM", "Reported Term for the Adverse Event"),
        ("AELLT", "Lowest Level Term"), ("AELLTCD", "Lowest Level Term Code"),
        ("AEDECOD", "Dictionary-Derived Term"), ("AEPTCD", "Preferred Term Code"),
        ("AEHLT", "High Level Term"), ("AEHLTCD", "High Level Term Code"),
        ("AEHLGT", "High Level Group Term"), ("AEHLGTCD", "High Level Group Term Code"),
        ("AEBODSYS", "Body System or Organ Class"), ("AEBDSYCD", "Body System or Organ Class Code"),
        ("AESOC", "Primary System Organ Class"), ("AESOCCD", "Primary System Organ Class Code"),
        ("AESER", "Serious Event"), ("AEACN", "Action Taken with Study Treatment"), ("AEREL", "Causality"),
        ("AEOUT", "Outcome of Adverse Event"), ("AESCONG", "Congenital Anomaly or Birth Defect"),
        ("AESDISAB", "Persist or Signif Disability/Incapacity"), ("AESDTH", "Results in Death"),
        ("AESHOSP", "Requires or Prolongs Hospitalization"), ("AESLIFE", "Is Life Threatening"),
        ("AESMIE", "Other Medically Important Serious Event"), ("AETOXGR", "Standard Toxicity Grade"),
        ("EPOCH", "Epoch"), ("AESTDTC", "Start Date/Time of Adverse Event"),
        ("AEENDTC", "End Date/Time of Adverse Event"), ("AESTDY", "Study Day of Start of Adverse Event"),
        ("AEENDY", "Study Day of End of Adverse Event"), ("AEENRTPT", "End Relative to Reference Time Point"),
        ("AEENTPT", "End Reference Time Point")],
    "SUPPAE": [
        ("STUDYID", "Study Identifier"), ("RDOMAIN", "Related Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("IDVAR", "Identifying Variable"),
        ("IDVARVAL", "Identifying Variable Value"), ("QNAM", "Qualifier Variable Name"),
        ("QLABEL", "Qualifier Variable Label"), ("QVAL", "Data Value"), ("QORIG", "Origin"),
        ("QEVAL", "Evaluator")],
    "EX": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("EXSEQ", "Sequence Number"), ("EXTRT", "Name of Treatment"),
        ("EXDOSE", "Dose"), ("EXDOSU", "Dose Units"), ("EXDOSFRM", "Dose Form"),
        ("EXDOSFRQ", "Dosing Frequency per Interval"), ("EXROUTE", "Route of Administration"),
        ("EXADJ", "Reason for Dose Adjustment"), ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("EXSTDTC", "Start Date/Time of Treatment"), ("EXENDTC", "End Date/Time of Treatment"),
        ("EXSTDY", "Study Day of Start of Treatment"), ("EXENDY", "Study Day of End of Treatment")],
    "CM": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("CMSEQ", "Sequence Number"),
        ("CMSPID", "Sponsor-Defined Identifier"), ("CMTRT", "Reported Name of Drug, Med, or Therapy"),
        ("CMDECOD", "Standardized Medication Name"), ("CMCAT", "Category for Medication"),
        ("CMSCAT", "Subcategory for Medication"), ("CMINDC", "Indication"), ("CMCLAS", "Medication Class"),
        ("CMCLASCD", "Medication Class Code"), ("CMDOSE", "Dose per Administration"), ("CMDOSU", "Dose Units"),
        ("CMDOSFRQ", "Dosing Frequency per Interval"), ("CMROUTE", "Route of Administration"), ("EPOCH", "Epoch"),
        ("CMSTDTC", "Start Date/Time of Medication"), ("CMENDTC", "End Date/Time of Medication"),
        ("CMSTDY", "Study Day of Start of Medication"), ("CMENDY", "Study Day of End of Medication"),
        ("CMENRTPT", "End Relative to Reference Time Point"), ("CMENTPT", "End Reference Time Point")],
    "PR": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("PRSEQ", "Sequence Number"),
        ("PRTRT", "Reported Name of Procedure"), ("PRDECOD", "Standardized Procedure Name"),
        ("PRCAT", "Category"), ("PRSTDTC", "Start Date/Time of Procedure"),
        ("PRENDTC", "End Date/Time of Procedure"), ("PRENDY", "Study Day of End of Procedure")],
    "SS": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("SSSEQ", "Sequence Number"),
        ("SSTESTCD", "Status Short Name"), ("SSTEST", "Status Name"),
        ("SSORRES", "Result or Finding Original Result"),
        ("SSSTRESC", "Character Result/Finding in Std Format"), ("VISITNUM", "Visit Number"),
        ("VISIT", "Visit Name"), ("EPOCH", "Epoch"), ("SSDTC", "Date/Time of Assessment"),
        ("SSDY", "Study Day of Assessment")],
    "IE": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("IESEQ", "Sequence Number"),
        ("IETESTCD", "Inclusion/Exclusion Criterion Short Name"), ("IETEST", "Inclusion/Exclusion Criterion"),
        ("IECAT", "Inclusion/Exclusion Category"), ("IEORRES", "I/E Criterion Original Result"),
        ("IESTRESC", "I/E Criterion Result in Std Format"), ("VISITNUM", "Visit Number"),
        ("VISIT", "Visit Name"), ("EPOCH", "Epoch"), ("IEDTC", "Date/Time of Collection")],
}

# What the specs must make of the Chinese verbatim terms of the simulator's dictionaries.
TRANSLATIONS = {
    "反应性皮肤毛细血管增生症": "REACTIVE CUTANEOUS CAPILLARY ENDOTHELIAL PROLIFERATION",
    "甲状腺功能减退症": "HYPOTHYROIDISM", "乏力": "FATIGUE", "发热": "FEVER", "皮疹": "RASH",
    "谷丙转氨酶升高": "ALT INCREASED", "贫血": "ANAEMIA", "免疫相关性肺炎": "IMMUNE-RELATED PNEUMONITIS",
    "恶心": "NAUSEA", "免疫性肝炎": "IMMUNE HEPATITIS", "口干": "DRY MOUTH", "肺部感染": "LUNG INFECTION",
    "吉西他滨+顺铂 (GP)": "GEMCITABINE + CISPLATIN (GP)",
}
CRITERIA = {"IN04": ("ECOG performance status 0 or 1", "INCLUSION"),
            "IN06": ("Adequate organ function", "INCLUSION"),
            "EX03": ("Active autoimmune disease", "EXCLUSION"),
            "EX09": ("Prior anti-PD-1/PD-L1 therapy", "EXCLUSION")}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """(study, raw forms, mapped datasets incl. DM) for the simulated export."""
    forms = simulated(tmp_path_factory.mktemp("events") / "raw", SUBJECTS, SEED)
    study = load_study("camrelizumab-npc")
    return study, forms, map_study(study, forms, ["DM", *MINE, *DOSING])


# -- independent readings of the raw data ----------------------------------

def clean(text):
    """A typed term in upper case without stray spaces, or its translation."""
    text = " ".join(text.split())
    return TRANSLATIONS.get(text, text.upper())


def first_doses(forms):
    """Date of the first dose given, by SUBJECT (the reference of study days)."""
    given = forms["dosing"][forms["dosing"]["ECYN"] == "Yes"]
    return given.groupby("SUBJECT")["ECDAT"].agg(lambda d: min(dt.date.fromisoformat(iso(x)) for x in d))


def study_day(date, first):
    """SDTM study day of an ISO date against the first dose; None when unknown."""
    if first is None or pd.isna(first) or len(date) < 10:
        return None
    days = (dt.date.fromisoformat(date[:10]) - first).days
    return days + 1 if days >= 0 else days


def number(value):
    return None if pd.isna(value) else value


def by_key(frame, *keys):
    return {tuple(row[k] for k in keys): row for row in frame.to_dict("records")}


# -- whole-dataset properties ------------------------------------------------

def test_variables_in_sdtmig_order_with_sdtmig_labels(bundle):
    study, _, out = bundle
    for name in MINE:
        spec = study.datasets[name]
        assert [(v.name, v.label) for v in spec.variables] == LABELS[name], name
        assert list(out[name].columns) == spec.variable_names, name


# -- records checked against their raw rows ------------------------------------

def test_ae_records_follow_their_raw_rows(bundle):
    study, forms, out = bundle
    ae, raw, ended = out["AE"], forms["ae"], set(forms["eos"]["SUBJECT"])
    first = first_doses(forms)
    assert len(ae) == len(raw)
    records = by_key(ae, "USUBJID", "AESPID")
    criteria = ["AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE"]
    for row in raw.to_dict("records"):
        rec = records[(usubjid(study, row["SUBJECT"]), row["AENUM"])]
        start, end = iso(row["AESTDAT"]), iso(row["AEENDAT"])
        ongoing = row["AEONGO"] == "Yes"
        assert rec["AETERM"] == clean(row["AETERM"]) and rec["AETERM"].isascii()
        assert (rec["AEDECOD"], rec["AEBODSYS"], rec["AESOC"]) == (row["AEPT"], row["AESOC"], row["AESOC"])
        assert rec["AETOXGR"] == row["AETOXGR"].removeprefix("Grade ")
        assert (rec["AESTDTC"], rec["AEENDTC"]) == (start, end)
        assert number(rec["AESTDY"]) == study_day(start, first.get(row["SUBJECT"]))
        assert number(rec["AEENDY"]) == study_day(end, first.get(row["SUBJECT"]))
        assert rec["AESER"] == row["AESER"][0]
        assert [rec[c] for c in criteria] == [row[c][:1] for c in criteria]
        assert rec["AEREL"] == row["AEREL"].upper() and rec["AEOUT"] == row["AEOUT"].upper()
        assert rec["AEENRTPT"] == ("ONGOING" if ongoing else "")
        assert rec["AEENTPT"] == ("" if not ongoing else
                                  "END OF STUDY" if row["SUBJECT"] in ended else "DATA CUT-OFF")
    # Seriousness: Y exactly when a criterion is Y; criteria blank for non-serious events.
    serious = ae[criteria].eq("Y").any(axis=1)
    assert (serious == ae["AESER"].eq("Y")).all()
    assert (ae.loc[ae["AESER"] == "N", criteria] == "").all().all()
    # The cases the checks above must have met at least once.
    assert (ae["AESTDTC"].str.len() == 7).any() and ae.loc[ae["AESTDTC"].str.len() == 7, "AESTDY"].isna().all()
    assert (ae["AETOXGR"] == "3").any() and set(ae["AEENTPT"]) == {"", "END OF STUDY", "DATA CUT-OFF"}
    assert raw["AETERM"].map(lambda t: not t.isascii()).any()
    assert (ae["AESTDY"] < 0).any() and (ae["EPOCH"] == "SCREENING").any()


def test_one_partial_start_by_hand(bundle):
    study, forms, out = bundle
    row = forms["ae"][forms["ae"]["AESTDAT"].str.startswith("UN ")].iloc[0]
    _, month, year = row["AESTDAT"].split()
    rec = out["AE"][(out["AE"]["USUBJID"] == usubjid(study, row["SUBJECT"])) & (out["AE"]["AESPID"] == row["AENUM"])]
    assert rec["AESTDTC"].tolist() == [f"{year}-{MONTHS[month]:02d}"]
    assert rec["AESTDY"].isna().all() and rec["EPOCH"].tolist() == [""]


def test_suppae_flags_exactly_the_rccep_events(bundle):
    _, _, out = bundle
    ae, supp = out["AE"], out["SUPPAE"]
    expected = {(u, f"{s:g}") for u, s in ae.loc[ae["AEDECOD"] == RCCEP, ["USUBJID", "AESEQ"]].itertuples(index=False)}
    assert expected and set(zip(supp["USUBJID"], supp["IDVARVAL"])) == expected
    assert len(supp) == len(expected)
    assert supp[["RDOMAIN", "IDVAR", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]].drop_duplicates().values.tolist() == [
        ["AE", "AESEQ", "AESI", "Adverse Event of Special Interest", "Y", "Derived", ""]]


def test_ex_holds_the_given_doses_with_infusion_times(bundle):
    study, forms, out = bundle
    ex, raw = out["EX"], forms["dosing"]
    first = first_doses(forms)
    given = raw[raw["ECYN"] == "Yes"]
    assert len(ex) == len(given) and (raw["ECYN"] == "No").any()
    records = by_key(ex, "USUBJID", "EXSTDTC")
    for row in given.to_dict("records"):
        day = iso(row["ECDAT"])
        rec = records[(usubjid(study, row["SUBJECT"]), f"{day}T{row['ECSTTIM']}")]
        assert rec["EXENDTC"] == f"{day}T{row['ECENTIM']}"
        assert (rec["EXTRT"], rec["EXDOSE"], rec["EXDOSU"], rec["EXROUTE"], rec["EXDOSFRQ"]) == (
            "CAMRELIZUMAB", float(row["ECDOSE"]), "mg", "INTRAVENOUS", "EVERY 3 WEEKS")
        assert rec["VISIT"] == row["FOLDERNAME"].upper() and rec["EPOCH"] == "TREATMENT"
        assert rec["EXSTDY"] == rec["EXENDY"] == study_day(day, first[row["SUBJECT"]])
    skipped = raw[raw["ECYN"] == "No"]
    dates = set(zip(ex["USUBJID"], ex["EXSTDTC"].str.slice(0, 10)))
    assert not any((usubjid(study, s), iso(d)) in dates for s, d in zip(skipped["SUBJECT"], skipped["ECDAT"]))
    # Visit numbers follow the cycles within each subject.
    assert ex.groupby("USUBJID")["VISITNUM"].apply(lambda v: v.is_monotonic_increasing).all()


def test_ec_holds_every_dosing_visit_with_reasons_and_links_to_ae(bundle):
    study, forms, out = bundle
    ec, ex, raw, ae = out["EC"], out["EX"], forms["dosing"], out["AE"]
    assert len(ec) == len(raw)
    records = by_key(ec, "USUBJID", "ECSPID")
    for row in raw.to_dict("records"):
        rec = records[(usubjid(study, row["SUBJECT"]), row["FOLDER"])]
        given = row["ECYN"] == "Yes"
        assert rec["ECOCCUR"] == ("Y" if given else "N") and rec["ECSTDTC"][:10] == iso(row["ECDAT"])
        reason = row["ECNDOTH"] if row["ECNDRSN"] == "Other" else row["ECNDRSN"]
        delay = row["ECDELOTH"] if row["ECDELRSN"] == "Other" else row["ECDELRSN"]
        assert (rec["ECREASOC"], rec["ECADJ"]) == (reason.upper(), delay.upper())
        assert (rec["ECDOSE"] == float(row["ECDOSE"])) if given else pd.isna(rec["ECDOSE"])
    # EX: the given doses with the same adjustment reason; SUPPEX flags exactly the delays.
    given = ec[ec["ECOCCUR"] == "Y"]
    assert sorted(ex["EXADJ"]) == sorted(given["ECADJ"])
    supp = out["SUPPEX"]
    assert (supp["QNAM"] == "EXDELAY").all() and len(supp) == int((raw["ECDELAY"] == "Yes").sum()) > 0
    adjusted = by_key(ex, "USUBJID", "EXSEQ")
    assert all(adjusted[(s, float(v))]["EXADJ"] != "" for s, v in zip(supp["USUBJID"], supp["IDVARVAL"]))
    # RELREC: one EC and one AE record per raw link, the AE being the one the form names.
    everything = out["RELREC"]
    everything = everything[everything["USUBJID"] != ""]          # record-level links (not TU/TR/RS)
    assert (everything.groupby(["USUBJID", "RELID"]).size() == 2).all()
    rel = everything[~everything["RELID"].str.startswith("EOT-")]
    linked = raw[raw["ECAENUM"] != ""]
    assert len(rel) == 2 * len(linked) > 0
    aes = set(zip(ae["USUBJID"], ae["AESPID"]))
    ecs = set(zip(ec["USUBJID"], ec["ECSPID"]))
    for row in linked.to_dict("records"):
        subject, relid = usubjid(study, row["SUBJECT"]), f"{row['FOLDER']}-AE{row['ECAENUM']}"
        pair = rel[(rel["USUBJID"] == subject) & (rel["RELID"] == relid)].set_index("RDOMAIN")
        assert (pair.loc["EC", "IDVAR"], pair.loc["EC", "IDVARVAL"]) == ("ECSPID", row["FOLDER"])
        assert (pair.loc["AE", "IDVAR"], pair.loc["AE", "IDVARVAL"]) == ("AESPID", row["ECAENUM"])
        assert (subject, row["FOLDER"]) in ecs and (subject, row["ECAENUM"]) in aes
    # End of treatment for an adverse event: the subject's DS record of STUDY TREATMENT and that AE.
    eot = forms["eot"][forms["eot"]["EOTAENUM"] != ""]
    ended = everything[everything["RELID"].str.startswith("EOT-")]
    assert len(ended) == 2 * len(eot) > 0
    for row in eot.to_dict("records"):
        subject = usubjid(study, row["SUBJECT"])
        pair = ended[(ended["USUBJID"] == subject)].set_index("RDOMAIN")
        assert (pair.loc["DS", "IDVAR"], pair.loc["DS", "IDVARVAL"]) == ("DSSCAT", "STUDY TREATMENT")
        assert pair.loc["AE", "IDVARVAL"] == row["EOTAENUM"] and (subject, row["EOTAENUM"]) in aes


def test_cm_prior_and_subsequent_anticancer_therapy(bundle):
    study, forms, out = bundle
    cm = out["CM"]
    first = first_doses(forms)
    later = cm[cm["CMCAT"] == "SUBSEQUENT ANTICANCER THERAPY"]
    raw = forms["subsequent_therapy"]
    assert len(later) == len(raw) and raw["CMTRT"].map(lambda t: not t.isascii()).any()
    expected = sorted((usubjid(study, r["SUBJECT"]), clean(r["CMTRT"]), r["CMTYPE"].upper(), iso(r["CMSTDAT"]),
                       study_day(iso(r["CMSTDAT"]), first.get(r["SUBJECT"])))
                      for r in raw.to_dict("records"))
    got = sorted(zip(later["USUBJID"], later["CMTRT"], later["CMSCAT"], later["CMSTDTC"], map(number, later["CMSTDY"])))
    assert got == expected
    assert (later["CMSTDTC"].str.len() < 10).any()
    prior = cm[cm["CMCAT"] == "PRIOR ANTICANCER THERAPY"]
    enrol = forms["enrolment"][forms["enrolment"]["CTENDDAT"] != ""]
    assert sorted(zip(prior["USUBJID"], prior["CMENDTC"])) == sorted(
        (usubjid(study, s), iso(d)) for s, d in zip(enrol["SUBJECT"], enrol["CTENDDAT"]))
    assert set(prior["CMTRT"]) == {"CHEMOTHERAPY"} and set(prior["CMSTDTC"]) == {""}


def test_pr_prior_radiotherapy(bundle):
    study, forms, out = bundle
    pr, enrol = out["PR"], forms["enrolment"]
    first = first_doses(forms)
    assert len(pr) == len(enrol)
    records = by_key(pr, "USUBJID")
    for row in enrol.to_dict("records"):
        rec = records[(usubjid(study, row["SUBJECT"]),)]
        end = iso(row["RTENDDAT"])
        assert (rec["PRTRT"], rec["PRDECOD"], rec["PRCAT"], rec["PRSTDTC"], rec["PRENDTC"]) == (
            "RADIOTHERAPY", "RADIOTHERAPY", "PRIOR ANTICANCER THERAPY", "", end)
        assert number(rec["PRENDY"]) == study_day(end, first.get(row["SUBJECT"]))
    assert (pr["PRENDY"] < 0).any() and pr["PRENDY"].isna().any()   # treated and screen failures


def test_last_known_alive_results_are_full_iso_dates(bundle):
    _, _, out = bundle
    ss = out["SS"][out["SS"]["SSTESTCD"] == "LSCFADTC"]
    assert len(ss) and is_valid_dtc(ss["SSORRES"]).all() and (ss["SSORRES"].str.len() == 10).all()


def test_ss_status_and_date_last_known_alive(bundle):
    study, forms, out = bundle
    ss, raw = out["SS"], forms["survival"]
    status = by_key(ss[ss["SSTESTCD"] == "SURVSTAT"], "USUBJID", "SSDTC")
    alive = by_key(ss[ss["SSTESTCD"] == "LSCFADTC"], "USUBJID", "SSDTC")
    assert len(status) == len(alive) == len(raw)
    for row in raw.to_dict("records"):
        key = (usubjid(study, row["SUBJECT"]), iso(row["SVDAT"]))
        assert (status[key]["SSTEST"], status[key]["SSORRES"], status[key]["SSSTRESC"]) == (
            "Survival Status", row["SURVSTAT"], row["SURVSTAT"].upper())
        assert (alive[key]["SSTEST"], alive[key]["SSORRES"], alive[key]["SSSTRESC"]) == (
            "Latest Date Subject Confirmed Alive", iso(row["LKADAT"]), iso(row["LKADAT"]))
        assert status[key]["VISIT"] == row["FOLDERNAME"].upper() and status[key]["EPOCH"] == "FOLLOW-UP"
    lost = raw[(raw["SURVSTAT"] == "Unknown") & (raw["LKADAT"] != raw["SVDAT"])]
    assert len(lost) > 0
    row = lost.iloc[0]
    assert alive[(usubjid(study, row["SUBJECT"]), iso(row["SVDAT"]))]["SSORRES"] == iso(row["LKADAT"])


def test_ie_one_record_per_screen_failure(bundle):
    study, forms, out = bundle
    ie = out["IE"]
    failures = forms["enrolment"][forms["enrolment"]["ELIGYN"] == "No"]
    assert len(ie) == len(failures) and set(ie["IECAT"]) == {"INCLUSION", "EXCLUSION"}
    records = by_key(ie, "USUBJID")
    for row in failures.to_dict("records"):
        rec = records[(usubjid(study, row["SUBJECT"]),)]
        test, category = CRITERIA[row["IENOTMET"]]
        result = "N" if category == "INCLUSION" else "Y"
        assert (rec["IETESTCD"], rec["IETEST"], rec["IECAT"], rec["IEORRES"], rec["IESTRESC"]) == (
            row["IENOTMET"], test, category, result, result)
        assert (rec["IEDTC"], rec["VISIT"], rec["EPOCH"]) == (iso(row["ICDAT"]), "SCREENING", "SCREENING")
