"""DM, DS, SE, SV and the trial design datasets of the bundled study.

Expectations are read from the raw forms with the test's own date parsing,
never from the engine.
"""

import datetime as dt


from cdisckit.simulator import load_protocol
from tests.edc import MONTHS, iso, usubjid



def test_dm_one_record_per_consented_subject_with_arms(bundled_raw, bundled_sdtm):
    study = bundled_sdtm[0]
    forms = bundled_raw[1]
    dm = bundled_sdtm[1]["DM"].set_index("USUBJID")
    enrol = forms["enrolment"].set_index("SUBJECT")
    assert sorted(dm.index) == sorted(usubjid(study, s) for s in enrol.index)
    for subject, row in enrol.iterrows():
        rec = dm.loc[usubjid(study, subject)]
        assert rec["RFICDTC"] == iso(row["ICDAT"])
        if row["ELIGYN"] == "No":
            assert (rec["ARMCD"], rec["ACTARMCD"], rec["ARMNRS"]) == ("", "", "SCREEN FAILURE")
        else:
            assert (rec["ARMCD"], rec["ARM"]) == ("CAMR", "Camrelizumab 200 mg IV Q3W")


def test_dm_reference_dates_come_from_the_dosing_log(bundled_raw, bundled_sdtm):
    study = bundled_sdtm[0]
    dosing = bundled_raw[1]["dosing"]
    given = dosing[dosing["ECYN"] == "Yes"]
    dm = bundled_sdtm[1]["DM"].set_index("USUBJID")
    for subject, doses in given.groupby("SUBJECT"):
        starts = sorted(f"{iso(d)}T{t}" for d, t in zip(doses["ECDAT"], doses["ECSTTIM"]))
        ends = sorted(f"{iso(d)}T{t}" for d, t in zip(doses["ECDAT"], doses["ECENTIM"]))
        rec = dm.loc[usubjid(study, subject)]
        assert (rec["RFSTDTC"], rec["RFXSTDTC"]) == (starts[0], starts[0])
        assert (rec["RFENDTC"], rec["RFXENDTC"]) == (ends[-1], ends[-1])
        assert rec["ACTARMCD"] == "CAMR"
    assert set(dm.index[dm["RFXSTDTC"] != ""]) == {usubjid(study, s) for s in given["SUBJECT"].unique()}


def test_dm_death_and_age(bundled_raw, bundled_sdtm):
    study = bundled_sdtm[0]
    forms = bundled_raw[1]
    dm = bundled_sdtm[1]["DM"].set_index("USUBJID")
    died = {usubjid(study, s) for s in forms["death"]["SUBJECT"]}
    assert set(dm.index[dm["DTHFL"] == "Y"]) == died
    assert (dm.loc[dm["DTHFL"] != "Y", "DTHDTC"] == "").all()
    enrol = forms["enrolment"].set_index("SUBJECT")
    for subject, row in enrol.iterrows():
        day, month, year = row["BRTHDAT"].split()
        if day.isdigit() and month in MONTHS:
            born = dt.date(int(year), MONTHS[month], int(day))
            consent = dt.date.fromisoformat(iso(row["ICDAT"]))
            age = consent.year - born.year - ((consent.month, consent.day) < (born.month, born.day))
            assert dm.loc[usubjid(study, subject), "AGE"] == age
        else:   # a partial birth date stays partial in BRTHDTC
            assert len(dm.loc[usubjid(study, subject), "BRTHDTC"]) in (4, 7)


def test_ds_disposition_and_milestones(bundled_raw, bundled_sdtm):
    study = bundled_sdtm[0]
    forms = bundled_raw[1]
    ds = bundled_sdtm[1]["DS"]
    consent = ds[ds["DSCAT"] == "PROTOCOL MILESTONE"]
    assert len(consent) == len(forms["enrolment"])
    assert set(consent["DSDECOD"]) == {"INFORMED CONSENT OBTAINED"}
    eot = ds[ds["DSSCAT"] == "STUDY TREATMENT"].set_index("USUBJID")
    for _, row in forms["eot"].iterrows():
        rec = eot.loc[usubjid(study, row["SUBJECT"])]
        assert rec["DSSTDTC"] == iso(row["EOTDAT"])
        expected = {"Completed treatment": "COMPLETED"}.get(row["EOTRSN"], row["EOTRSN"].upper())
        assert rec["DSDECOD"] == expected
    eos = ds[ds["DSSCAT"] == "STUDY PARTICIPATION"]
    failures = set(eos.loc[eos["DSDECOD"] == "SCREEN FAILURE", "USUBJID"])
    enrol = forms["enrolment"]
    assert failures == {usubjid(study, s) for s in enrol.loc[enrol["ELIGYN"] == "No", "SUBJECT"]}


def test_subject_elements_are_contiguous_and_ordered(bundled_sdtm):
    se = bundled_sdtm[1]["SE"]
    dm = bundled_sdtm[1]["DM"].set_index("USUBJID")
    for subject, rows in se.groupby("USUBJID"):
        assert rows["TAETORD"].tolist() == list(range(1, len(rows) + 1))
        assert rows["SESTDTC"].iloc[0] == dm.loc[subject, "RFICDTC"]
        # Each element starts where the previous one ended.
        assert rows["SESTDTC"].iloc[1:].tolist() == rows["SEENDTC"].iloc[:-1].tolist()
        if dm.loc[subject, "RFXSTDTC"]:
            assert rows["ETCD"].iloc[1] == "CAMR" and rows["SESTDTC"].iloc[1] == dm.loc[subject, "RFXSTDTC"]


def test_sv_one_record_per_subject_visit(bundled_sdtm):
    sv = bundled_sdtm[1]["SV"]
    assert not sv.duplicated(["USUBJID", "VISITNUM"]).any()
    assert (sv["SVSTDTC"] <= sv["SVENDTC"]).all()
    # VISIT and VISITNUM are one-to-one, unscheduled visits included.
    assert (sv.groupby("VISITNUM")["VISIT"].nunique() == 1).all()
    assert (sv.groupby("VISIT")["VISITNUM"].nunique() == 1).all()
    unscheduled = sv[sv["VISIT"].str.startswith("UNSCHEDULED")]
    assert len(unscheduled) and (unscheduled["VISIT"] == "UNSCHEDULED " + unscheduled["VISITNUM"].map("{:g}".format)).all()
    assert (unscheduled["SVPRESP"] == "").all() and (sv.loc[~sv.index.isin(unscheduled.index), "SVPRESP"] == "Y").all()
    assert sv["SVOCCUR"].equals(sv["SVPRESP"]) and "EPOCH" not in sv.columns


def test_trial_summary_and_visits(bundled_sdtm, bundled_raw):
    study, frames = bundled_sdtm
    ts = frames["TS"].set_index("TSPARMCD")
    protocol = load_protocol()
    # The simulator's protocol and the specs state the same cut-off.
    assert ts.loc["DCUTDTC", "TSVAL"] == str(protocol.config["data_cutoff"]) == study.parameters["data_cutoff"]
    assert protocol.study == study.studyid
    assert ts.loc["ACTSUB", "TSVAL"] == str((frames["DM"]["ACTARMCD"] == "CAMR").sum())
    # The study start is the earliest consent of the export, not a date fixed in the spec.
    enrolment = bundled_raw[1]["enrolment"]
    assert ts.loc["SSTDTC", "TSVAL"] == min(iso(d) for d in enrolment["ICDAT"])
    assert ts.loc["TPHASE", ["TSVAL", "TSVALCD"]].tolist() == ["PHASE II TRIAL", "C15601"]
    assert ts.loc["TITLE", "TSPARM"] == "Trial Title"
    tv = frames["TV"]
    assert tv["VISITNUM"].is_unique and tv["VISIT"].is_unique
    assert tv.loc[tv["VISIT"] == "CYCLE 18 DAY 1", "VISITDY"].item() == 1 + 21 * 17


def test_end_of_participation_is_not_before_any_collected_date(bundled_sdtm):
    frames = bundled_sdtm[1]
    dm = frames["DM"].set_index("USUBJID")
    assert "ACTARMUD" in dm.columns and (dm["ACTARMUD"] == "").all()
    later = []
    for name, column in [("LB", "LBDTC"), ("MB", "MBDTC"), ("AE", "AESTDTC"), ("AE", "AEENDTC"), ("QS", "QSDTC"),
                         ("RS", "RSDTC"), ("EC", "ECENDTC"), ("EX", "EXENDTC"), ("DS", "DSSTDTC"), ("SV", "SVENDTC"),
                         ("CM", "CMSTDTC"), ("CM", "CMENDTC"), ("VS", "VSDTC"), ("EG", "EGDTC")]:
        frame = frames[name]
        for subject, date in zip(frame["USUBJID"], frame[column]):
            end = dm.loc[subject, "RFPENDTC"]
            size = min(len(date), len(end))
            if date and date[:size] > end[:size]:
                later.append((name, subject, date, end))
    assert not later, later[:5]
