"""MH, VS and EG of the bundled study against the raw forms (read independently)."""

import pandas as pd

from tests.edc import iso, usubjid

VS_UNITS = {"SYSBP": "mmHg", "DIABP": "mmHg", "PULSE": "beats/min", "RESP": "breaths/min", "TEMP": "C", "WEIGHT": "kg",
            "HEIGHT": "cm"}
EG_TESTS = {"EGHR": ("EGHRMN", "beats/min"), "EGPR": ("PRAG", "ms"), "EGQRS": ("QRSAG", "ms"), "EGQT": ("QTAG", "ms"),
            "EGQTCF": ("QTCFAG", "ms"), "EGINTP": ("INTP", "")}


def test_vital_signs_one_record_per_measurement_with_units_and_pre_dose_epoch(bundled_sdtm, bundled_raw):
    study, frames = bundled_sdtm
    vs, raw, ex = frames["VS"], bundled_raw[1]["vitals"], frames["EX"]
    done = raw[raw["VSPERF"] == "Yes"]
    expected = {(usubjid(study, r["SUBJECT"]), code, iso(r["VSDAT"], r["VSTIM"])): r[code]
                for r in done.to_dict("records") for code in VS_UNITS if r[code] != ""}
    got = {(s, c, d): v for s, c, d, v in zip(vs["USUBJID"], vs["VSTESTCD"], vs["VSDTC"], vs["VSORRES"])}
    assert got == expected
    assert (vs["VSORRESU"] == vs["VSTESTCD"].map(VS_UNITS)).all() and vs["VSSTRESU"].equals(vs["VSORRESU"])
    assert (vs["VSSTRESN"] == pd.to_numeric(vs["VSORRES"])).all()
    assert not vs[vs["VSLOBXFL"] == "Y"].duplicated(["USUBJID", "VSTESTCD"]).any()
    # Measured before the first infusion on Cycle 1 Day 1: still screening by the time.
    first = ex.groupby("USUBJID")["EXSTDTC"].min()
    day1 = vs[(vs["VISIT"] == "CYCLE 1 DAY 1") & vs["USUBJID"].isin(first.index)]
    before = day1["VSDTC"] < day1["USUBJID"].map(first)
    assert before.any() and (day1.loc[before, "EPOCH"] == "SCREENING").all()
    assert (day1.loc[~before, "EPOCH"] == "TREATMENT").all()


def test_ecg_results_interpretation_and_significance(bundled_sdtm, bundled_raw):
    study, frames = bundled_sdtm
    eg, raw = frames["EG"], bundled_raw[1]["ecg"]
    assert len(eg) == len(EG_TESTS) * len(raw)
    rows = {(s, c, d): r for s, c, d, r in zip(eg["USUBJID"], eg["EGTESTCD"], eg["EGDTC"], eg.to_dict("records"))}
    for r in raw.to_dict("records"):
        for column, (code, unit) in EG_TESTS.items():
            rec = rows[(usubjid(study, r["SUBJECT"]), code, iso(r["EGDAT"], r["EGTIM"]))]
            assert (rec["EGORRES"], rec["EGORRESU"]) == (r[column], unit)
            if code == "INTP":
                assert rec["EGSTRESC"] == ("NORMAL" if r[column] == "Normal" else "ABNORMAL")
                assert rec["EGCLSIG"] == {"Normal": "", "Abnormal, clinically significant": "Y"}.get(r[column], "N")
                assert pd.isna(rec["EGSTRESN"])
            else:
                assert rec["EGSTRESN"] == float(r[column]) and rec["EGSTRESC"] == r[column]


def test_medical_history_partial_dates_and_ongoing(bundled_sdtm, bundled_raw):
    study, frames = bundled_sdtm
    mh, raw = frames["MH"], bundled_raw[1]["mh"]
    assert len(mh) == len(raw)
    rows = {(s, p): r for s, p, r in zip(mh["USUBJID"], mh["MHSPID"], mh.to_dict("records"))}
    partial = 0
    for r in raw.to_dict("records"):
        rec = rows[(usubjid(study, r["SUBJECT"]), r["MHNUM"])]
        assert (rec["MHSTDTC"], rec["MHENDTC"], rec["MHDECOD"]) == (iso(r["MHSTDAT"]), iso(r["MHENDAT"]), r["MHPT"])
        assert (rec["MHENRTPT"], rec["MHENTPT"]) == (("ONGOING", "SCREENING") if r["MHONGO"] == "Yes" else ("", ""))
        partial += len(rec["MHSTDTC"]) < 10
    assert partial > 0
