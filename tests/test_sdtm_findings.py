"""QS, LB, MB, RS, MI and GF of the bundled study, mapped from simulated raw data.

The simulator writes a small export (fixed seed), the engine maps it with the
bundled specs, and every expectation is computed from the raw rows with an
independent reading of the EDC style (dates, units, answers), never from the
engine.
"""


import pandas as pd
import pytest

from sdtm.engine import map_study
from specs import load_study
from tests.edc import iso, simulated, usubjid

SUBJECTS, SEED = 60, 3
MINE = ["QS", "LB", "MB", "RS", "MI", "GF"]
SCORES = {"Not at all": 1, "A little": 2, "Quite a bit": 3, "Very much": 4}

# SDTMIG 3.4 names and labels, in the order the datasets must have them.
LABELS = {
    "QS": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("QSSEQ", "Sequence Number"),
        ("QSTESTCD", "Question Short Name"), ("QSTEST", "Question Name"), ("QSCAT", "Category of Question"),
        ("QSORRES", "Finding in Original Units"), ("QSSTRESC", "Character Result/Finding in Std Format"),
        ("QSSTRESN", "Numeric Finding in Standard Units"), ("QSSTAT", "Completion Status"),
        ("QSREASND", "Reason Not Performed"), ("QSLOBXFL", "Last Observation Before Exposure Flag"),
        ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("QSDTC", "Date/Time of Finding"), ("QSDY", "Study Day of Finding")],
    "LB": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("LBSEQ", "Sequence Number"),
        ("LBTESTCD", "Lab Test or Examination Short Name"), ("LBTEST", "Lab Test or Examination Name"),
        ("LBCAT", "Category for Lab Test"), ("LBORRES", "Result or Finding in Original Units"),
        ("LBORRESU", "Original Units"), ("LBORNRLO", "Reference Range Lower Limit in Orig Unit"),
        ("LBORNRHI", "Reference Range Upper Limit in Orig Unit"),
        ("LBSTRESC", "Character Result/Finding in Std Format"),
        ("LBSTRESN", "Numeric Result/Finding in Standard Units"), ("LBSTRESU", "Standard Units"),
        ("LBSTNRLO", "Reference Range Lower Limit-Std Units"), ("LBSTNRHI", "Reference Range Upper Limit-Std Units"),
        ("LBNRIND", "Reference Range Indicator"), ("LBSTAT", "Completion Status"),
        ("LBREASND", "Reason Test Not Done"), ("LBNAM", "Vendor Name"), ("LBSPEC", "Specimen Type"),
        ("LBLOBXFL", "Last Observation Before Exposure Flag"), ("LBCLSIG", "Clinically Significant, Collected"),
        ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("LBDTC", "Date/Time of Specimen Collection"), ("LBDY", "Study Day of Specimen Collection")],
    "MB": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("MBSEQ", "Sequence Number"),
        ("MBTESTCD", "Microbiology Test or Finding Short Name"), ("MBTEST", "Microbiology Test or Finding Name"),
        ("MBTSTDTL", "Measurement, Test or Examination Detail"),
        ("MBORRES", "Result or Finding in Original Units"), ("MBORRESU", "Original Units"),
        ("MBSTRESC", "Result or Finding in Standard Format"),
        ("MBSTRESN", "Numeric Result/Finding in Standard Units"), ("MBSTRESU", "Standard Units"),
        ("MBSTAT", "Completion Status"), ("MBREASND", "Reason Not Done"), ("MBNAM", "Laboratory/Vendor Name"),
        ("MBSPEC", "Specimen Material Type"), ("MBMETHOD", "Method of Test or Examination"),
        ("MBLOBXFL", "Last Observation Before Exposure Flag"), ("VISITNUM", "Visit Number"),
        ("VISIT", "Visit Name"), ("EPOCH", "Epoch"), ("MBDTC", "Date/Time of Collection"),
        ("MBDY", "Study Day of Visit/Collection/Exam")],
    "RS": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("RSSEQ", "Sequence Number"), ("RSLNKGRP", "Link Group ID"),
        ("RSTESTCD", "Assessment Short Name"), ("RSTEST", "Assessment Name"), ("RSCAT", "Category for Assessment"),
        ("RSORRES", "Result or Finding in Original Units"), ("RSSTRESC", "Character Result/Finding in Std Format"),
        ("RSSTRESN", "Numeric Result/Finding in Standard Units"),
        ("RSLOBXFL", "Last Observation Before Exposure Flag"), ("RSEVAL", "Evaluator"),
        ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("RSDTC", "Date/Time of Assessment"), ("RSDY", "Study Day of Assessment")],
    "MI": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("MISEQ", "Sequence Number"),
        ("MITESTCD", "Microscopic Examination Short Name"), ("MITEST", "Microscopic Examination Name"),
        ("MITSTDTL", "Microscopic Examination Detail"), ("MIORRES", "Result or Finding in Original Units"),
        ("MIORRESU", "Original Units"), ("MISTRESC", "Character Result/Finding in Std Format"),
        ("MISTRESN", "Numeric Result/Finding in Standard Units"), ("MISTRESU", "Standard Units"),
        ("MISPEC", "Specimen Material Type"), ("MISPCCND", "Specimen Condition"),
        ("MIMETHOD", "Method of Test or Examination"), ("MILOBXFL", "Last Observation Before Exposure Flag"),
        ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("MIDTC", "Date/Time of Specimen Collection"), ("MIDY", "Study Day of Specimen Collection")],
    "GF": [
        ("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"),
        ("USUBJID", "Unique Subject Identifier"), ("GFSEQ", "Sequence Number"), ("GFREFID", "Reference ID"),
        ("GFTESTCD", "Short Name of Genomic Measurement"), ("GFTEST", "Name of Genomic Measurement"),
        ("GFORRES", "Result or Finding in Original Units"), ("GFORRESU", "Original Units"),
        ("GFSTRESC", "Result or Finding in Standard Format"),
        ("GFSTRESN", "Numeric Result/Finding in Standard Units"), ("GFSTRESU", "Standard Units"),
        ("GFSPEC", "Specimen Material Type"), ("GFMETHOD", "Method of Test or Examination"),
        ("VISITNUM", "Visit Number"), ("VISIT", "Visit Name"), ("EPOCH", "Epoch"),
        ("GFDTC", "Date/Time of Specimen Collection"), ("GFDY", "Study Day of Specimen Collection")],
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """(study, raw forms, mapped datasets incl. DM) for the simulated export."""
    forms = simulated(tmp_path_factory.mktemp("findings") / "raw", SUBJECTS, SEED)
    study = load_study("camrelizumab-npc")
    return study, forms, map_study(study, forms, ["DM", *MINE])


# -- independent readings of the raw data ----------------------------------

def first_doses(forms):
    """ISO date/time of the first dose given, by SUBJECT."""
    given = forms["dosing"][forms["dosing"]["ECYN"] == "Yes"]
    return {s: min(iso(d, t) for d, t in zip(g["ECDAT"], g["ECSTTIM"])) for s, g in given.groupby("SUBJECT")}


def one(frame, **equal):
    """The single record of ``frame`` with the given values."""
    mask = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        mask &= frame[column] == value
    found = frame[mask]
    assert len(found) == 1, f"{len(found)} records with {equal}"
    return found.iloc[0]


def lab_rows(forms, test):
    lab = forms["lab"]
    return lab[lab["LBTEST"].str.split().str.join(" ").str.upper() == test.upper()]


# -- whole-dataset properties ------------------------------------------------

def test_variables_in_sdtmig_order_with_sdtmig_labels(bundle):
    study, _, out = bundle
    for name in MINE:
        spec = study.datasets[name]
        assert [(v.name, v.label) for v in spec.variables] == LABELS[name], name
        assert list(out[name].columns) == spec.variable_names, name


def test_one_baseline_flag_per_subject_and_test_on_the_last_record_before_the_first_dose(bundle):
    study, forms, out = bundle
    flags = {"QS": ["QSTESTCD"], "LB": ["LBTESTCD"], "MB": ["MBTESTCD"], "RS": ["RSCAT", "RSTESTCD"],
             "MI": ["MITESTCD", "MITSTDTL"]}
    for name, by in flags.items():
        frame = out[name]
        flagged = frame[frame[f"{name}LOBXFL"] == "Y"]
        assert len(flagged) > 0 and not flagged.duplicated(["USUBJID", *by]).any(), name
    # Haemoglobin: the last raw result dated on or before the first dose, by subject.
    first = first_doses(forms)
    rows = lab_rows(forms, "Haemoglobin")
    rows = rows[rows["LBORRES"] != ""]
    rows = rows.assign(DTC=[iso(d, t) for d, t in zip(rows["LBDAT"], rows["LBTIM"])])
    rows = rows[[dtc <= first.get(s, "") for s, dtc in zip(rows["SUBJECT"], rows["DTC"])]]
    expected = {usubjid(study, s): g["DTC"].max() for s, g in rows.groupby("SUBJECT")}
    lb = out["LB"]
    hgb = lb[(lb["LBTESTCD"] == "HGB") & (lb["LBLOBXFL"] == "Y")]
    assert dict(zip(hgb["USUBJID"], hgb["LBDTC"])) == expected


# -- QS ------------------------------------------------------------------------

def test_qlq_c30_answers_scores_and_not_done(bundle):
    study, forms, out = bundle
    qs, raw = out["QS"], forms["qlqc30"]
    done = raw[raw["QSPERF"] == "Yes"]
    row = done[done["Q29"] == "6"].iloc[0]
    rec = one(qs, USUBJID=usubjid(study, row["SUBJECT"]), VISIT=row["FOLDERNAME"].upper(), QSTESTCD="EOR0129")
    assert (rec["QSTEST"], rec["QSORRES"], rec["QSSTRESC"], rec["QSSTRESN"], rec["QSSTAT"], rec["QSDTC"]) == (
        "EOR01-Rate Your Overall Health", "6", "6", 6.0, "", iso(row["QSDAT"]))
    answer = row["Q03"]
    rec = one(qs, USUBJID=usubjid(study, row["SUBJECT"]), VISIT=row["FOLDERNAME"].upper(), QSTESTCD="EOR0103")
    assert (rec["QSORRES"], rec["QSSTRESN"]) == (answer, float(SCORES[answer]))
    # Every completed questionnaire has 30 item records; blank items are NOT DONE.
    items = qs[qs["QSTESTCD"] != "QSALL"]
    assert len(items) == 30 * len(done)
    blanks = int((done.filter(regex=r"^Q\d\d$") == "").to_numpy().sum())
    assert blanks > 0 and (items["QSSTAT"] == "NOT DONE").sum() == blanks
    assert (items.loc[items["QSSTAT"] == "NOT DONE", ["QSORRES", "QSSTRESC"]] == "").all().all()
    # A questionnaire not done is one QSALL record with its reason.
    missed = raw[raw["QSPERF"] == "No"].iloc[0]
    rec = one(qs, USUBJID=usubjid(study, missed["SUBJECT"]), VISIT=missed["FOLDERNAME"].upper(), QSTESTCD="QSALL")
    assert (rec["QSTEST"], rec["QSSTAT"], rec["QSREASND"], rec["QSORRES"]) == (
        "Questionnaires", "NOT DONE", missed["QSNDRSN"].upper(), "")
    assert (qs["QSTESTCD"] == "QSALL").sum() == (raw["QSPERF"] == "No").sum()


# -- LB ------------------------------------------------------------------------

def test_haemoglobin_in_g_dl_is_converted_to_g_l_with_its_range(bundle):
    study, forms, out = bundle
    rows = lab_rows(forms, "Haemoglobin")
    row = rows[(rows["LBORRESU"].str.strip() == "g/dL") & (rows["LBORRES"] != "")].iloc[0]
    rec = one(out["LB"], USUBJID=usubjid(study, row["SUBJECT"]), LBTESTCD="HGB",
              LBDTC=iso(row["LBDAT"], row["LBTIM"]))
    value, low, high = (float(row[c]) for c in ("LBORRES", "LBORNRLO", "LBORNRHI"))
    assert (rec["LBTEST"], rec["LBCAT"], rec["LBSPEC"], rec["LBORRES"], rec["LBORRESU"]) == (
        "Hemoglobin", "HEMATOLOGY", "BLOOD", row["LBORRES"], "g/dL")
    assert (rec["LBSTRESN"], rec["LBSTRESU"], rec["LBSTNRLO"], rec["LBSTNRHI"]) == (
        round(value * 10), "g/L", round(low * 10), round(high * 10))
    assert rec["LBSTRESC"] == f"{round(value * 10)}"
    expected = "LOW" if value < low else "HIGH" if value > high else "NORMAL"
    assert rec["LBNRIND"] == expected


def test_site_units_become_cdisc_units_and_results_below_the_limit_stay_text(bundle):
    study, forms, out = bundle
    lb = out["LB"]
    units = {"µmol/L": "umol/L", "×10^9/L": "10^9/L", "10*9/L": "10^9/L", "10^3/uL": "10^9/L",
             "µIU/mL": "mIU/L", "uIU/mL": "mIU/L", "pg/mL": "ng/L", "IU/L": "IU/L"}
    lab = forms["lab"][(forms["lab"]["LBTEST"] != "") & (forms["lab"]["LBORRES"] != "")]
    for raw_unit, cdisc in units.items():
        row = lab[lab["LBORRESU"] == raw_unit].iloc[0]
        rec = lb[(lb["USUBJID"] == usubjid(study, row["SUBJECT"])) & (lb["LBDTC"] == iso(row["LBDAT"], row["LBTIM"]))
                 & (lb["LBORRES"] == row["LBORRES"]) & (lb["LBORNRHI"] == row["LBORNRHI"])]
        assert set(rec["LBORRESU"]) == {cdisc}, raw_unit
    ifng = lab_rows(forms, "IFN-γ")
    row = ifng[ifng["LBORRES"].str.startswith("<")].iloc[0]
    rec = one(lb, USUBJID=usubjid(study, row["SUBJECT"]), LBTESTCD="IFNG", LBDTC=iso(row["LBDAT"], row["LBTIM"]))
    assert (rec["LBTEST"], rec["LBORRES"], rec["LBSTRESC"], rec["LBSTRESU"], rec["LBNRIND"]) == (
        "Interferon Gamma", row["LBORRES"], row["LBORRES"], "ng/L", "")
    assert pd.isna(rec["LBSTRESN"])


def test_lab_not_done_and_unscheduled_visits(bundle):
    study, forms, out = bundle
    lb = out["LB"]
    raw = forms["lab"]
    row = raw[(raw["LBNDRSN"] != "") & (raw["LBTEST"].str.strip().str.upper() != "EBV DNA")].iloc[0]
    rec = lb[(lb["USUBJID"] == usubjid(study, row["SUBJECT"])) & (lb["LBDTC"] == iso(row["LBDAT"], row["LBTIM"]))
             & (lb["LBSTAT"] == "NOT DONE")].iloc[0]
    assert (rec["LBREASND"], rec["LBORRES"], rec["LBORRESU"], rec["LBSTRESC"], rec["LBSTRESU"]) == (
        row["LBNDRSN"].upper(), "", "", "", "")
    unscheduled = lb[lb["VISIT"].str.startswith("UNSCHEDULED")]
    assert len(unscheduled) > 0 and (unscheduled["VISITNUM"] % 1 > 0).all()
    assert (unscheduled["VISIT"] == "UNSCHEDULED " + unscheduled["VISITNUM"].map("{:g}".format)).all()
    # The Chinese name of the site 101 laboratory is transliterated.
    assert "Guangzhou Oncology Hospital Clinical Laboratory" in set(lb["LBNAM"])
    assert lb["LBNAM"].map(str.isascii).all()


def test_lab_rows_entered_twice_are_kept_once(bundle):
    _, forms, out = bundle
    raw = forms["lab"].drop(columns="RECORDPOSITION")
    twice = raw.duplicated()
    assert twice.any()
    assert len(out["LB"]) + len(out["MB"]) == len(raw) - twice.sum()


def test_conversions_agree_with_the_method_and_the_value_level_units(bundle):
    study, _, _ = bundle
    lb = study.datasets["LB"]
    conversions = lb.variable("LBSTRESC").mapping["conversions"]
    text = study.methods["MT.LB.STANDARD"].description
    units = {vl.where[0].values[0]: study.codelists[vl.codelist].values()
             for vl in lb.value_level if vl.variable == "LBSTRESU"}
    for test, spec in conversions.items():
        assert test in text and spec["unit"] in text, test
        assert units[test] == [spec["unit"]], test
        for unit, factor in (spec.get("factors") or {}).items():
            assert f"{unit} x {factor:g}" in text, (test, unit)


# -- MB ------------------------------------------------------------------------

def test_ebv_dna_below_the_limit_stays_text_and_e_notation_is_a_number(bundle):
    study, forms, out = bundle
    mb = out["MB"]
    rows = lab_rows(forms, "EBV DNA")
    below = rows[rows["LBORRES"] == "<500"].iloc[0]
    rec = one(mb, USUBJID=usubjid(study, below["SUBJECT"]), MBDTC=iso(below["LBDAT"], below["LBTIM"]))
    assert (rec["MBTESTCD"], rec["MBTEST"], rec["MBTSTDTL"], rec["MBORRES"], rec["MBORRESU"], rec["MBSTRESC"],
            rec["MBSTRESU"], rec["MBSPEC"]) == (
        "EBDNA", "Epstein-Barr DNA", "VIRAL LOAD", "<500", "copies/mL", "<500", "copies/mL", "PLASMA")
    assert pd.isna(rec["MBSTRESN"])
    sci = rows[rows["LBORRES"].str.contains("E+", regex=False)].iloc[0]
    rec = one(mb, USUBJID=usubjid(study, sci["SUBJECT"]), MBDTC=iso(sci["LBDAT"], sci["LBTIM"]))
    assert (rec["MBORRES"], rec["MBSTRESN"], rec["MBSTRESC"]) == (
        sci["LBORRES"], float(sci["LBORRES"]), f"{float(sci['LBORRES']):g}")
    assert set(out["LB"]["LBTESTCD"]).isdisjoint({"EBDNA", "EBV DNA"})
    assert len(mb) == len(rows.drop(columns="RECORDPOSITION").drop_duplicates())


# -- RS ------------------------------------------------------------------------

def test_recist_responses_and_ecog(bundle):
    study, forms, out = bundle
    rs, tumour, enrol = out["RS"], forms["tumour"], forms["enrolment"]
    codes = {"Complete Response": "CR", "Partial Response": "PR", "Stable Disease": "SD",
             "Progressive Disease": "PD", "Not Evaluable": "NE"}
    post = tumour[tumour["OVRLRESP"] != ""]
    row = post[(post["OVRLRESP"] == "Partial Response") & post["FOLDERNAME"].str.startswith("Week")].iloc[0]
    rec = one(rs, USUBJID=usubjid(study, row["SUBJECT"]), RSTESTCD="OVRLRESP", RSDTC=iso(row["TADAT"]))
    assert (rec["RSTEST"], rec["RSCAT"], rec["RSORRES"], rec["RSSTRESC"], rec["RSEVAL"], rec["VISIT"]) == (
        "Overall Response", "RECIST 1.1", "PR", "PR", "INVESTIGATOR", row["FOLDERNAME"].upper())
    recist = rs[rs["RSCAT"] == "RECIST 1.1"]
    overall = recist[recist["RSTESTCD"] == "OVRLRESP"]
    assert len(overall) == len(post) and sorted(overall["RSSTRESC"]) == sorted(post["OVRLRESP"].map(codes))
    assert "SCREENING" not in set(recist["VISIT"])
    new = recist[recist["RSTESTCD"] == "NEWLIND"]
    assert (new["RSORRES"] == "Y").sum() == (tumour["NEWLES"] == "Yes").sum()
    # ECOG at screening, flagged as baseline for the subjects who were dosed.
    first = first_doses(forms)
    ecog = rs[rs["RSCAT"] == "ECOG"]
    assert len(ecog) == len(enrol)
    for _, row in enrol.iterrows():
        rec = one(ecog, USUBJID=usubjid(study, row["SUBJECT"]))
        assert (rec["RSTESTCD"], rec["RSTEST"], rec["RSORRES"], rec["RSSTRESC"], rec["RSSTRESN"], rec["RSEVAL"],
                rec["RSDTC"], rec["RSLOBXFL"]) == (
            "ECOG101", "ECOG1-Performance Status", row["ECOG"], row["ECOG"], float(row["ECOG"]), "",
            iso(row["ICDAT"]), "Y" if row["SUBJECT"] in first else "")


# -- MI and GF -----------------------------------------------------------------

def test_pd_l1_scores(bundle):
    study, forms, out = bundle
    mi, enrol = out["MI"], forms["enrolment"]
    tested = enrol[enrol["PDL1PERF"] == "Yes"]
    assert len(mi) == (tested[["PDL1TPS", "PDL1CPS"]] != "").to_numpy().sum()
    row = tested[tested["PDL1TPS"] == "<1"].iloc[0]
    rec = one(mi, USUBJID=usubjid(study, row["SUBJECT"]), MITSTDTL="TUMOR PROPORTION SCORE")
    assert (rec["MITESTCD"], rec["MITEST"], rec["MIORRES"], rec["MIORRESU"], rec["MISTRESC"], rec["MISPEC"],
            rec["MIMETHOD"], rec["MIDTC"]) == (
        "PDL1", "Programmed Death Ligand 1", "<1", "%", "<1", "TUMOR TISSUE", "IHC", iso(row["ICDAT"]))
    assert pd.isna(rec["MISTRESN"])
    rec = one(mi, USUBJID=usubjid(study, row["SUBJECT"]), MITSTDTL="COMBINED POSITIVE SCORE")
    assert (rec["MIORRES"], rec["MIORRESU"], rec["MISTRESN"]) == (row["PDL1CPS"], "", float(row["PDL1CPS"]))


def test_tumour_mutational_burden_and_gene_panel(bundle):
    study, forms, out = bundle
    gf, enrol = out["GF"], forms["enrolment"]
    row = enrol[enrol["TMB"] != ""].iloc[0]
    rec = one(gf, USUBJID=usubjid(study, row["SUBJECT"]), GFTESTCD="TMB")
    assert (rec["GFTEST"], rec["GFORRES"], rec["GFORRESU"], rec["GFSTRESN"], rec["GFSTRESU"], rec["GFSPEC"]) == (
        "Tumor Mutation Burden", row["TMB"], "/MBP", float(row["TMB"]), "/MBP", "DNA")
    panel = enrol[enrol["GENEALT"] != ""]
    alteration = panel[panel["GENEALT"].str.contains(";")]
    row = (alteration if len(alteration) else panel).iloc[0]
    rec = one(gf, USUBJID=usubjid(study, row["SUBJECT"]), GFTESTCD="VARPROF")
    assert (rec["GFTEST"], rec["GFORRES"], rec["GFSTRESC"], rec["GFORRESU"]) == (
        "Variant Profile", " ".join(row["GENEALT"].split()), " ".join(row["GENEALT"].split()).upper(), "")
    assert (gf["GFTESTCD"] == "VARPROF").sum() == len(panel)
