"""The bundled study's ADaM specs on tiny hand-built SDTM: exact expected records.

The study is loaded from a copy of the bundled spec folder without its SDTM
specs (the ADaM engine reads final SDTM frames, not their specs).
"""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.engine import build_adam
from specs import load_study

BUNDLED = Path(__file__).resolve().parents[1] / "specs" / "studies" / "camrelizumab-npc"
STUDYID = "SHR1210-NPC-OMD"
ARM = "Camrelizumab 200 mg IV Q3W"

COLUMNS = {
    "DM": ["STUDYID", "USUBJID", "SUBJID", "SITEID", "COUNTRY", "AGE", "AGEU", "SEX", "RACE", "ETHNIC", "ARM",
           "ARMCD", "ACTARM", "ACTARMCD", "DTHFL", "DTHDTC", "RFICDTC"],
    "EX": ["USUBJID", "EXSEQ", "EXDOSE", "VISITNUM", "EXSTDTC", "EXENDTC"],
    "DS": ["USUBJID", "DSSEQ", "DSDECOD", "DSCAT", "DSSCAT", "DSSTDTC"],
    "SS": ["USUBJID", "SSSEQ", "SSTESTCD", "SSSTRESC", "SSDTC"],
    "AE": ["STUDYID", "USUBJID", "AESEQ", "AESPID", "AETERM", "AEDECOD", "AEBODSYS", "AESOC", "AESER", "AEACN",
           "AEREL", "AEOUT", "AETOXGR", "AESTDTC", "AEENDTC"],
    "SUPPAE": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL"],
    "RS": ["USUBJID", "RSSEQ", "RSCAT", "RSTESTCD", "RSSTRESC", "RSSTRESN", "RSLOBXFL", "RSDTC", "RSLNKGRP",
           "VISITNUM", "VISIT"],
    "TU": ["USUBJID", "TUSEQ", "TULNKID", "TUSTRESC", "TULOC", "TUDTC"],
    "TR": ["USUBJID", "TRSEQ", "TRLNKGRP", "TRLNKID", "TRTESTCD", "TRSTRESC", "TRSTRESN", "TRSTAT", "TRLOBXFL",
           "TRDTC", "VISITNUM", "VISIT"],
    "TV": ["VISITNUM", "VISIT", "VISITDY"],
    "QS": ["USUBJID", "QSSEQ", "QSCAT", "QSTESTCD", "QSSTRESN", "VISITNUM", "VISIT", "QSDTC"],
    "LB": ["USUBJID", "LBSEQ", "LBDTC"],
    "CM": ["USUBJID", "CMSEQ", "CMCAT", "CMSTDTC"],
    "MB": ["USUBJID", "MBSEQ", "MBTESTCD", "MBSTRESC", "MBSTRESN", "MBLOBXFL", "MBDTC"],
    "MI": ["USUBJID", "MISEQ", "MITESTCD", "MITSTDTL", "MISTRESN", "MILOBXFL", "MIDTC"],
    "GF": ["USUBJID", "GFSEQ", "GFTESTCD", "GFSTRESN", "GFDTC"],
    "DD": ["USUBJID", "DDSEQ", "DDTESTCD", "DDSTRESC"],
    "SUPPDM": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"],
}
NUMERIC = {"AGE", "EXSEQ", "EXDOSE", "VISITNUM", "DSSEQ", "SSSEQ", "AESEQ", "RSSEQ", "RSSTRESN", "QSSEQ", "QSSTRESN",
           "LBSEQ", "CMSEQ", "MBSEQ", "MBSTRESN", "MISEQ", "MISTRESN", "GFSEQ", "GFSTRESN", "DDSEQ", "TUSEQ", "TRSEQ",
           "TRSTRESN", "VISITDY"}


def sdtm(name, rows):
    """A final SDTM frame: the listed columns, numbers float64 (NaN missing), text "" for missing."""
    frame = pd.DataFrame(rows, columns=COLUMNS[name])
    for column in frame.columns:
        frame[column] = (pd.to_numeric(frame[column]).astype("float64") if column in NUMERIC
                         else frame[column].fillna("").astype(str))
    return frame


def subject(n):
    return f"{STUDYID}-101-000{n}"


S1, S2, S3, S4 = (subject(n) for n in (1, 2, 3, 4))


def dm(usubjid, age, arm=True, dthdtc=""):
    return [STUDYID, usubjid, usubjid[-8:], "101", "CHN", age, "YEARS", "M", "ASIAN", "NOT HISPANIC OR LATINO",
            ARM if arm else "", "CAMR" if arm else "", ARM if arm else "", "CAMR" if arm else "",
            "Y" if dthdtc else "", dthdtc, "2023-01-02"]


def ae(seq, decod, soc, ser, start, end="", grade="1", rel="RELATED"):
    return [STUDYID, S1, seq, str(seq), decod.upper(), decod, soc, soc, ser, "DOSE NOT CHANGED", rel,
            "RECOVERED/RESOLVED", grade, start, end]


def qs(usubjid, visitnum, visit, date, answers, category="EORTC QLQ-C30 V3.0"):
    return [[usubjid, None, category, f"EOR01{n:02d}", v, visitnum, visit, date] for n, v in answers.items()]


def rs(usubjid, seq, result, date, cat="RECIST 1.1", test="OVRLRESP", number=None, lobxfl="", group="",
       visit=(None, "")):
    return [usubjid, seq, cat, test, result, number, lobxfl, date, group, *visit]


def ldiam(usubjid, seq, group, size, date, visit, lobxfl=""):
    return [usubjid, seq, group, "T1", "LDIAM", str(size), size, "", lobxfl, date, *visit]


SDTM = {
    "DM": sdtm("DM", [dm(S1, 64), dm(S2, 65, dthdtc="2023-04"), dm(S3, 50, arm=False), dm(S4, 40)]),
    "EX": sdtm("EX", [
        [S1, 1, 200, 101, "2023-01-10T10:00", "2023-01-10T10:45"],
        [S1, 2, 200, 102, "2023-01-31T09:00", "2023-01-31T09:40"],
        [S1, 3, 200, 103, "2023-02-21", "2023-02-21"],
        [S1, 4, 0, 104, "2023-03-14", "2023-03-14"],              # dose not given: no exposure
        [S2, 1, 200, 101, "2023-02-01T08:00", "2023-02-01T08:30"],
        [S4, 1, 200, 101, "2023-03-01T08:00", "2023-03-01T08:30"],
        [S4, 2, 200, 102, "2023-03-22T08:00", "2023-03-22T08:30"],
    ]),
    "DS": sdtm("DS", [
        [S1, 1, "PROGRESSIVE DISEASE", "DISPOSITION EVENT", "STUDY TREATMENT", "2023-05-20"],
        [S2, 1, "DEATH", "DISPOSITION EVENT", "STUDY PARTICIPATION", "2023-04"],
        [S3, 1, "SCREEN FAILURE", "DISPOSITION EVENT", "STUDY PARTICIPATION", "2023-01-05"],
        [S4, 1, "COMPLETED", "DISPOSITION EVENT", "STUDY TREATMENT", "2023-04-12"],
    ]),
    "SS": sdtm("SS", [[S1, 1, "LSCFADTC", "2023-11-30", "2023-12-02"], [S1, 2, "SURVSTAT", "ALIVE", "2023-12-02"],
                      [S4, 1, "SURVSTAT", "UNKNOWN", "2023-06-01"]]),
    "AE": sdtm("AE", [
        ae(1, "Rash", "SKIN", "N", "2023-01-09", "2023-01-20"),
        ae(2, "Rash", "SKIN", "N", "2023-01", "2023-02", grade="2"),
        ae(3, "Reactive capillary endothelial proliferation", "SKIN", "N", "2023-01-10"),
        ae(4, "Fatigue", "GENERAL", "N", "2023-03-23", "2023-03-30", grade="3"),
        ae(5, "Fatigue", "GENERAL", "N", "2023-03-24"),
        ae(6, "Pneumonitis", "RESPIRATORY", "Y", "2023-05-22", "2023-06-10", grade="4"),
        ae(7, "Pneumonitis", "RESPIRATORY", "Y", "2023-05-23"),
        ae(8, "Hypothyroidism", "ENDOCRINE", "N", "2023", rel="NOT RELATED"),
    ] + [[STUDYID, S2, 1, "1", "FATIGUE", "Fatigue", "GENERAL", "GENERAL", "N", "DOSE NOT CHANGED", "",
          "RECOVERED/RESOLVED", "1", "2023-04-05", "2023-04-05"]]),
    "SUPPAE": sdtm("SUPPAE", [[STUDYID, "AE", S1, "AESEQ", "3", "AESI", "Adverse Event of Special Interest", "Y"]]),
    "RS": sdtm("RS", [
        rs(S1, 1, "1", "2023-01-02", cat="ECOG", test="ECOG101", number=1, lobxfl="Y"),
        rs(S1, 2, "SD", "2023-03-14", group="TA01", visit=(209, "WEEK 9")),
        rs(S1, 3, "PD", "2023-05-16", group="TA02", visit=(218, "WEEK 18")),
        rs(S2, 1, "0", "2023-01-20", cat="ECOG", test="ECOG101", number=0, lobxfl="Y"),
    ]),
    "QS": sdtm("QS", [
        *qs(S1, 101, "CYCLE 1 DAY 1", "2023-01-10", {1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 29: 6, 30: 6}),
        *qs(S1, 103, "CYCLE 3 DAY 1", "2023-02-21", {1: 2, 2: 2, 3: 2, 4: None, 5: None, 29: 5, 30: None}),
        *qs(S1, 103, "CYCLE 3 DAY 1", "2023-02-21", {1: 4}, category="OTHER QUESTIONNAIRE"),
        *qs(S2, 1, "SCREENING", "2023-01-25", {29: 2, 30: 2}),
        *qs(S2, 101, "CYCLE 1 DAY 1", "2023-02-01", {29: 4, 30: 4}),
    ]),
    # One target lesion each for S1 and S2 (S4 has no baseline imaging): S1 30 mm at screening,
    # 28 mm (SD), then 40 mm (PD: +43% and +12 mm over the nadir of 28).
    "TU": sdtm("TU", [[S1, 1, "T1", "TARGET", "LUNG", "2023-01-05"], [S2, 1, "T1", "TARGET", "LIVER", "2023-01-20"]]),
    "TR": sdtm("TR", [ldiam(S1, 1, "SCR", 30, "2023-01-05", (1, "SCREENING"), "Y"),
                      ldiam(S1, 2, "TA01", 28, "2023-03-14", (209, "WEEK 9")),
                      ldiam(S1, 3, "TA02", 40, "2023-05-16", (218, "WEEK 18")),
                      ldiam(S2, 1, "SCR", 20, "2023-01-20", (1, "SCREENING"), "Y")]),
    "TV": sdtm("TV", [[1, "SCREENING", -28], [209, "WEEK 9", 64], [218, "WEEK 18", 127]]),
    "LB": sdtm("LB", [[S4, 1, "2023-05-02T08:00"]]),
    "CM": sdtm("CM", []),
    "MB": sdtm("MB", [[S1, 1, "EBDNA", "<500", None, "Y", "2023-01-03"], [S2, 1, "EBDNA", "1378", 1378, "Y", "2023-01-20"],
                      [S2, 2, "EBDNA", "2040", 2040, "", "2023-03-20"]]),
    "MI": sdtm("MI", [[S1, 1, "PDL1", "TUMOR PROPORTION SCORE", 55, "Y", "2023-01-03"],
                      [S1, 2, "PDL1", "COMBINED POSITIVE SCORE", 60, "Y", "2023-01-03"],
                      [S2, 1, "PDL1", "TUMOR PROPORTION SCORE", 0.5, "Y", "2023-01-20"]]),
    "GF": sdtm("GF", [[S1, 1, "TMB", 5.0, "2023-06-01"], [S1, 2, "TMB", 3.2, "2022-12-20"]]),
    "DD": sdtm("DD", [[S2, 1, "PRCDTH", "DISEASE PROGRESSION"]]),
    "SUPPDM": sdtm("SUPPDM", [[STUDYID, "DM", S1, "", "", "NMETSITE", "2"]]),
}


def day(text):
    return float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)


@pytest.fixture(scope="module")
def adam(tmp_path_factory):
    root = tmp_path_factory.mktemp("study") / "camrelizumab-npc"
    root.mkdir()
    shutil.copy(BUNDLED / "study.yaml", root)
    for folder in ("codelists", "methods", "comments", "adam"):
        shutil.copytree(BUNDLED / folder, root / folder)
    study = load_study(root)
    return study, build_adam(study, SDTM)


def by_subject(frame):
    return frame.set_index("USUBJID")


def test_frames_follow_the_specs(adam):
    study, frames = adam
    assert list(frames) == ["ADAE", "ADQS", "ADRS", "ADSL", "ADTR", "ADTTE"]
    for name, frame in frames.items():
        spec = study.datasets[name]
        assert list(frame.columns) == spec.variable_names
        for var in spec.variables:
            assert (frame[var.name].dtype == "float64") == var.numeric, (name, var.name)
        keys = frame[spec.keys].astype(object).where(frame[spec.keys].notna(), "").astype(str).agg("|".join, axis=1)
        assert keys.is_unique and frame.index.equals(pd.RangeIndex(len(frame)))


def test_adsl_one_record_per_dm_subject(adam):
    _, frames = adam
    adsl = frames["ADSL"]
    assert adsl["USUBJID"].tolist() == [S1, S2, S3, S4]
    a = by_subject(adsl)
    assert a.loc[S1, "AGEGR1"] == "<65" and a.loc[S2, "AGEGR1"] == ">=65" and a.loc[S2, "AGEGR1N"] == 2.0
    assert a["SAFFL"].tolist() == ["Y", "Y", "N", "Y"] and a["ITTFL"].tolist() == ["Y", "Y", "N", "Y"]
    assert a["FASFL"].tolist() == ["Y", "Y", "N", "Y"]
    assert a["TRT01P"].tolist() == [ARM, ARM, "", ARM] and a.loc[S1, "TRT01AN"] == 1.0
    assert np.isnan(a.loc[S3, "TRT01PN"])


def test_adsl_treatment_dates_and_cycles(adam):
    a = by_subject(adam[1]["ADSL"])
    assert a.loc[S1, "TRTSDTM"] == day("2023-01-10") * 86400 + 36000 and a.loc[S1, "TRTSTMF"] == ""
    assert a.loc[S1, "TRTSDT"] == day("2023-01-10")
    # The last dose has no time: 23:59:59 imputed and flagged; the dose-0 record does not count.
    assert a.loc[S1, "TRTEDTM"] == day("2023-02-21") * 86400 + 86399 and a.loc[S1, "TRTETMF"] == "H"
    assert a.loc[S1, "TRTEDT"] == day("2023-02-21") and a.loc[S1, "TRTDURD"] == 43.0
    assert a["NUMCYC"].tolist()[:2] == [3.0, 1.0] and np.isnan(a.loc[S3, "NUMCYC"])
    assert np.isnan(a.loc[S3, "TRTSDT"]) and a.loc[S3, "TRTSTMF"] == ""


def test_adsl_disposition_death_and_last_known_alive(adam):
    a = by_subject(adam[1]["ADSL"])
    assert a["EOTSTT"].tolist() == ["DISCONTINUED", "ONGOING", "", "COMPLETED"]
    assert a["DCTREAS"].tolist() == ["PROGRESSIVE DISEASE", "", "", ""]
    assert a["EOSSTT"].tolist() == ["ONGOING", "DISCONTINUED", "DISCONTINUED", "ONGOING"]
    assert a["DCSREAS"].tolist() == ["", "DEATH", "SCREEN FAILURE", ""]
    # Death in April 2023 imputed to the 1st (the last contact, 1 February, is earlier; an AE
    # reported in April is no contact).
    assert a.loc[S2, "DTHDT"] == day("2023-04-01") and a.loc[S2, "DTHDTF"] == "D"
    assert a.loc[S2, "DTHCAUS"] == "DISEASE PROGRESSION" and a.loc[S1, "DTHCAUS"] == ""
    # Real contacts only: survival contact, dose and questionnaire, consent (not the screen
    # failure's end-of-study date), a sample.
    assert a["LSTALVDT"].tolist() == [day("2023-12-02"), day("2023-02-01"), day("2023-01-02"), day("2023-05-02")]
    assert a["DCUTDT"].eq(day("2024-03-31")).all()


def test_adsl_baseline_characteristics(adam):
    a = by_subject(adam[1]["ADSL"])
    assert a["ECOGBL"].tolist()[:2] == [1.0, 0.0]
    assert a.loc[S1, "NMETSITE"] == 2.0 and np.isnan(a.loc[S2, "NMETSITE"])
    assert np.isnan(a.loc[S1, "EBVBL"]) and a.loc[S1, "EBVBLC"] == "<500" and a.loc[S2, "EBVBL"] == 1378.0
    assert a.loc[S1, "PDL1TPS"] == 55.0 and a.loc[S1, "PDL1CPS"] == 60.0
    assert a["PDL1CAT"].tolist() == ["TPS >=50%", "TPS <1%", "", ""]
    assert a.loc[S1, "TMBBL"] == 3.2                     # the earliest TMB result


def test_adae_treatment_emergence_imputation_and_flags(adam):
    adae = adam[1]["ADAE"]
    one = adae[adae["USUBJID"] == S1]
    columns = ["AESEQ", "ASTDT", "ASTDTF", "AENDT", "AENDTF", "ASTDY", "TRTEMFL", "AESIFL", "ARELFL", "ATOXGRN",
               "AOCCFL", "AOCCSFL", "AOCCPFL"]
    got = [tuple(r) for r in one[columns].itertuples(index=False)]
    first = day("2023-01-10")
    nan = np.nan
    expected = [
        (1.0, day("2023-01-09"), "", day("2023-01-20"), "", -1.0, "", "N", "Y", 1.0, "", "", ""),  # before dose
        (2.0, first, "D", day("2023-02-28"), "D", 1.0, "Y", "N", "Y", 2.0, "Y", "Y", "Y"),       # 2023-01 -> TRTSDT
        (3.0, first, "", nan, "", 1.0, "Y", "Y", "Y", 1.0, "", "", "Y"),                        # RCCEP, AESI
        (8.0, first, "M", nan, "", 1.0, "Y", "N", "N", 1.0, "", "Y", "Y"),                      # 2023 -> TRTSDT
        (4.0, day("2023-03-23"), "", day("2023-03-30"), "", 73.0, "Y", "N", "Y", 3.0, "", "Y", "Y"),  # day 30
        (5.0, day("2023-03-24"), "", nan, "", 74.0, "", "N", "Y", 1.0, "", "", ""),            # day 31
        (6.0, day("2023-05-22"), "", day("2023-06-10"), "", 133.0, "Y", "N", "Y", 4.0, "", "Y", "Y"),  # serious, 90
        (7.0, day("2023-05-23"), "", nan, "", 134.0, "", "N", "Y", 1.0, "", "", ""),           # serious, 91
    ]
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        assert _same(row, want), (row, want)
    two = by_subject(adae[adae["USUBJID"] == S2])
    assert two.loc[S2, "ARELFL"] == "" and two.loc[S2, "TRTA"] == ARM and two.loc[S2, "AGE"] == 65.0


def _same(row, want):
    """Equal values, NaN equal to NaN and floats to 1e-9."""
    def equal(a, b):
        if isinstance(b, str) or isinstance(a, str):
            return a == b
        return (np.isnan(a) and np.isnan(b)) or abs(a - b) < 1e-9
    return len(row) == len(want) and all(equal(a, b) for a, b in zip(row, want))


def test_adqs_scores_baseline_and_change(adam):
    adqs = adam[1]["ADQS"]
    columns = ["USUBJID", "PARAMCD", "AVISITN", "AVISIT", "ADT", "ADY", "AVAL", "ABLFL", "BASE", "CHG", "PCHG"]
    got = [tuple(r) for r in adqs[columns].itertuples(index=False)]
    nan = np.nan
    expected = [
        (S1, "PF2", 101.0, "CYCLE 1 DAY 1", day("2023-01-10"), 1.0, (1 - 0.2 / 3) * 100, "Y", (1 - 0.2 / 3) * 100,
         nan, nan),
        (S1, "PF2", 103.0, "CYCLE 3 DAY 1", day("2023-02-21"), 43.0, (1 - 1 / 3) * 100, "", (1 - 0.2 / 3) * 100,
         (0.2 / 3 - 1 / 3) * 100, (0.2 / 3 - 1 / 3) / (1 - 0.2 / 3) * 100),
        (S1, "QL2", 101.0, "CYCLE 1 DAY 1", day("2023-01-10"), 1.0, 5 / 6 * 100, "Y", 5 / 6 * 100, nan, nan),
        (S1, "QL2", 103.0, "CYCLE 3 DAY 1", day("2023-02-21"), 43.0, 4 / 6 * 100, "", 5 / 6 * 100, -1 / 6 * 100, -20.0),
        (S2, "QL2", 1.0, "SCREENING", day("2023-01-25"), -7.0, 1 / 6 * 100, "", 50.0, nan, nan),
        (S2, "QL2", 101.0, "CYCLE 1 DAY 1", day("2023-02-01"), 1.0, 50.0, "Y", 50.0, nan, nan),
    ]
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        assert _same(row, want), (row, want)
    # Scales without enough answered items (S2's PF2, all the others) have no record;
    # the other questionnaire category is not scored.
    assert len(adqs) == len(expected)
    assert adqs.loc[adqs["PARAMCD"] == "PF2", "PARAM"].iloc[0] == "EORTC QLQ-C30 Physical Functioning (0-100)"


def test_adtte_population_and_parameters(adam):
    adtte = adam[1]["ADTTE"]
    columns = ["USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "ADT", "CNSR", "EVNTDESC", "SRCDOM", "SRCVAR", "SRCSEQ"]
    got = [tuple(r) for r in adtte[columns].itertuples(index=False)]
    nan = np.nan
    alive = "ALIVE"
    expected = [
        (S1, "OS", "Overall Survival", 327.0, "DAYS", day("2023-12-02"), 1.0, alive, "ADSL", "LSTALVDT", nan),
        (S1, "PFS", "Progression-Free Survival", 127.0, "DAYS", day("2023-05-16"), 0.0, "DISEASE PROGRESSION", "RS",
         "RSDTC", 3.0),
        (S2, "OS", "Overall Survival", 60.0, "DAYS", day("2023-04-01"), 0.0, "DEATH", "ADSL", "DTHDT", nan),
        (S2, "PFS", "Progression-Free Survival", 60.0, "DAYS", day("2023-04-01"), 0.0, "DEATH", "ADSL", "DTHDT", nan),
        (S4, "OS", "Overall Survival", 63.0, "DAYS", day("2023-05-02"), 1.0, alive, "ADSL", "LSTALVDT", nan),
        (S4, "PFS", "Progression-Free Survival", 1.0, "DAYS", day("2023-03-01"), 5.0,
         "NO BASELINE TUMOUR ASSESSMENT", "ADSL", "TRTSDT", nan),
    ]
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        assert _same(row, want), (row, want)
    assert adtte["STARTDT"].tolist() == adtte["TRTSDT"].tolist()
    assert set(adtte["USUBJID"]) <= set(adam[1]["ADSL"]["USUBJID"])


def test_adrs_responses_best_response_and_responders(adam):
    adrs = adam[1]["ADRS"]
    columns = ["USUBJID", "PARAMCD", "AVALC", "AVAL", "ADT", "AVISIT", "CRIT1FL", "CRIT2FL", "ANL01FL", "SRCSEQ"]
    got = [tuple(r) for r in adrs[columns].itertuples(index=False)]
    nan = np.nan
    march, may = day("2023-03-14"), day("2023-05-16")
    expected = [
        # S1: SD on day 64 (at least 42 days after the first dose), then PD: best response SD.
        (S1, "BOR", "SD", 3.0, march, "WEEK 9", "N", "Y", "Y", 2.0),
        (S1, "DCR", "Y", 1.0, march, "WEEK 9", "", "", "Y", 2.0),
        (S1, "OVR", "SD", 3.0, march, "WEEK 9", "", "", "Y", 2.0),
        (S1, "OVR", "PD", 5.0, may, "WEEK 18", "", "", "Y", 3.0),
        (S1, "OVRCALC", "SD", 3.0, march, "WEEK 9", "", "", "", nan),
        (S1, "OVRCALC", "PD", 5.0, may, "WEEK 18", "", "", "", nan),
        (S1, "RSP", "N", 0.0, nan, "", "", "", "Y", nan),
        # S2 and S4: no assessment after the first dose.
        (S2, "BOR", "NE", 6.0, nan, "", "N", "N", "Y", nan),
        (S2, "DCR", "N", 0.0, nan, "", "", "", "Y", nan),
        (S2, "RSP", "N", 0.0, nan, "", "", "", "Y", nan),
        (S4, "BOR", "NE", 6.0, nan, "", "N", "N", "Y", nan),
        (S4, "DCR", "N", 0.0, nan, "", "", "", "Y", nan),
        (S4, "RSP", "N", 0.0, nan, "", "", "", "Y", nan),
    ]
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        assert _same(row, want), (row, want)


def test_adtr_sums_baseline_and_nadir(adam):
    adtr = adam[1]["ADTR"]
    columns = ["USUBJID", "AVISIT", "AVAL", "ABLFL", "BASE", "CHG", "NADIR"]
    got = [tuple(r) for r in adtr[columns].itertuples(index=False)]
    nan = np.nan
    expected = [(S1, "SCREENING", 30.0, "Y", 30.0, nan, nan), (S1, "WEEK 9", 28.0, "", 30.0, -2.0, 30.0),
                (S1, "WEEK 18", 40.0, "", 30.0, 10.0, 28.0), (S2, "SCREENING", 20.0, "Y", 20.0, nan, nan)]
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        assert _same(row, want), (row, want)


def test_best_response_ignores_assessments_after_a_new_therapy(adam, tmp_path):
    study = adam[0]
    # S1's SD of 14 March no longer counts once a new therapy started in March (imputed 1 March).
    frames = dict(SDTM, CM=sdtm("CM", [[S1, 1, "SUBSEQUENT ANTICANCER THERAPY", "2023-03"]]))
    bor = build_adam(study, frames, ["ADSL", "ADRS"])["ADRS"]
    bor = bor[(bor["USUBJID"] == S1) & (bor["PARAMCD"] == "BOR")]
    assert bor["AVALC"].tolist() == ["NE"] and bor["ADT"].isna().all()
