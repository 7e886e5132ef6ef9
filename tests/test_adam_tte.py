"""Generic time-to-event derivation, run with the bundled study's ADTTE rules
(adam/ADTTE.yaml): one hand-built subject per PFS censoring rule and OS case."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.tte import derive_param_tte, parameter_from_spec
from specs.errors import InputError
from specs.yamlio import load_yaml

SPEC = Path(__file__).resolve().parents[1] / "specs" / "studies" / "camrelizumab-npc" / "adam" / "ADTTE.yaml"
PARAMETERS = {"data_cutoff": "2024-12-31"}
START = "2023-01-01"


def day(text):
    return float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)


def spec_of(paramcd):
    specs = load_yaml(SPEC.read_text(encoding="utf-8"))["mapping"]["parameters"]
    return next(p for p in specs if p["paramcd"] == paramcd)


def parameter(paramcd):
    return parameter_from_spec(spec_of(paramcd), f"ADTTE {paramcd}")


def adsl(rows):
    """ADSL rows (USUBJID, TRTSDT, DTHDT, LSTALVDT as ISO dates or None)."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "TRTSDT", "DTHDT", "LSTALVDT"])
    for column in ("TRTSDT", "DTHDT", "LSTALVDT"):
        frame[column] = [day(v) if v else np.nan for v in frame[column]]
    frame["DTHFL"] = np.where(frame["DTHDT"].notna(), "Y", "")
    return frame


def rs(rows):
    """Overall responses (USUBJID, RSSTRESC, RSDTC), numbered per subject."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "RSSTRESC", "RSDTC"])
    return frame.assign(RSCAT="RECIST 1.1", RSTESTCD="OVRLRESP",
                        RSSEQ=frame.groupby("USUBJID").cumcount().astype(float) + 1)


def cm(rows):
    frame = pd.DataFrame(rows, columns=["USUBJID", "CMSTDTC"])
    return frame.assign(CMCAT="SUBSEQUENT ANTICANCER THERAPY", CMSEQ=np.arange(1.0, len(frame) + 1))


def records(frame):
    """ADTTE records as tuples: subject, ADT (ISO), AVAL, CNSR, EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ."""
    out = []
    for r in frame.itertuples():
        adt = (pd.Timestamp("1960-01-01") + pd.Timedelta(days=r.ADT)).strftime("%Y-%m-%d")
        out.append((r.USUBJID, adt, r.AVAL, r.CNSR, r.EVNTDESC, r.CNSDTDSC, r.SRCDOM, r.SRCVAR,
                    None if np.isnan(r.SRCSEQ) else r.SRCSEQ))
    return out


SUBJECTS = adsl([
    ("P1", START, None, "2023-12-01"),
    ("P2", START, "2023-04-01", "2023-03-05"),
    ("P3", START, None, "2023-03-05"),
    ("P4", START, None, "2023-07-09"),
    ("P5", START, None, "2023-09-10"),
    ("P5B", START, None, "2023-07-16"),
    ("P5C", START, None, "2024-07-25"),
    ("P5D", START, None, "2024-07-26"),
    ("P5E", START, None, "2023-11-18"),
    ("P6", START, None, "2025-02-01"),
    ("P7", START, None, "2023-03-05"),
    ("P7B", START, None, "2023-03-05"),
    ("P8", START, "2023-01-31", None),
    ("P9", None, None, None),
    ("P10", START, "2025-01-15", "2024-06-01"),
])
RS = rs([
    ("P1", "SD", "2023-03-05"), ("P1", "PD", "2023-05-07"),
    ("P2", "SD", "2023-03-05"),
    ("P3", "NE", "2023-03-05"),
    ("P4", "SD", "2023-03-05"), ("P4", "SD", "2023-05-07"), ("P4", "PD", "2023-07-09"),
    ("P5", "SD", "2023-03-05"), ("P5", "PD", "2023-09-10"),
    ("P5B", "SD", "2023-03-05"), ("P5B", "PD", "2023-07-16"),
    ("P5C", "SD", "2024-02-01"), ("P5C", "PD", "2024-07-25"),
    ("P5D", "SD", "2024-02-01"), ("P5D", "PD", "2024-07-26"),
    ("P5E", "SD", "2023-07-02"), ("P5E", "PD", "2023-11-18"),
    ("P6", "SD", "2023-03-05"), ("P6", "SD", "2024-12-20"), ("P6", "SD", "2025-01-10"), ("P6", "PD", "2025-02-01"),
    ("P7", "SD", "2023-03-05"),
    ("P7B", "PD", "2023-03-05"),
    ("P9", "PD", "2023-03-05"),
])
CM = cm([("P4", "2023-06"), ("P7", "2023-02-01"), ("P6", "2025-03-01")])
# The protocol's tumour assessments: weeks 9-45 every 9 weeks, then every 12 (study days).
TV = pd.DataFrame({"VISIT": [f"WEEK {w}" for w in (9, 18, 27, 36, 45, 57, 69, 81, 93, 105)] + ["END OF TREATMENT"],
                   "VISITDY": [64, 127, 190, 253, 316, 400, 484, 568, 652, 736, np.nan]})
# Baseline tumour measurements: every subject but P7B.
TR = pd.DataFrame({"USUBJID": [s for s in SUBJECTS["USUBJID"] if s != "P7B"], "TRLOBXFL": "Y",
                   "TRDTC": "2022-12-20"}).assign(TRSEQ=1.0)
FRAMES = {"ADSL": SUBJECTS, "RS": RS, "CM": CM, "TV": TV, "TR": TR}
NO_PD = "NO PROGRESSION OR DEATH BY DATA CUT-OFF"
GAP = ("EVENT AFTER TWO OR MORE MISSED ASSESSMENTS", "LAST ADEQUATE ASSESSMENT BEFORE MISSED ASSESSMENTS")


def test_pfs_one_subject_per_rule():
    out = derive_param_tte(SUBJECTS, parameter("PFS"), FRAMES, PARAMETERS)
    assert records(out) == [
        ("P1", "2023-05-07", 127.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),
        ("P2", "2023-04-01", 91.0, 0.0, "DEATH", "", "ADSL", "DTHDT", None),
        # Only a not-evaluable response: no adequate post-baseline assessment.
        ("P3", "2023-01-01", 1.0, 1.0, "NO ADEQUATE POST-BASELINE ASSESSMENT", "DATE OF FIRST DOSE", "ADSL",
         "TRTSDT", None),
        # New therapy started 2023-06 (imputed 2023-06-01) before the PD of 2023-07-09.
        ("P4", "2023-05-07", 127.0, 2.0, "NEW ANTICANCER THERAPY BEFORE EVENT",
         "LAST ADEQUATE ASSESSMENT BEFORE NEW ANTICANCER THERAPY", "RS", "RSDTC", 2.0),
        # Last assessment day 64, PD day 253: weeks 18 and 27 missed (week 36 is the PD's own window).
        ("P5", "2023-03-05", 64.0, 3.0, *GAP, "RS", "RSDTC", 1.0),
        # PD day 197: week 27's window (183-197) is not wholly before it; one missed.
        ("P5B", "2023-07-16", 197.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),
        ("P5C", "2024-07-25", 572.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),   # week 69 missed
        ("P5D", "2024-07-26", 573.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),   # week 69 missed
        # The case: last adequate assessment day 183 (week 27, early in its window), PD on
        # day 322 (week 45, late in its window), only week 36 missed: an event, not censored.
        ("P5E", "2023-11-18", 322.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),
        # Assessments and PD after the cut-off do not count.
        ("P6", "2024-12-20", 720.0, 4.0, NO_PD, "LAST ADEQUATE ASSESSMENT", "RS", "RSDTC", 2.0),
        # New therapy before any assessment: the no-assessment rule comes first.
        ("P7", "2023-01-01", 1.0, 1.0, "NO ADEQUATE POST-BASELINE ASSESSMENT", "DATE OF FIRST DOSE", "ADSL",
         "TRTSDT", None),
        # No baseline tumour measurement: censored at the first dose, although a PD follows.
        ("P7B", "2023-01-01", 1.0, 5.0, "NO BASELINE TUMOUR ASSESSMENT", "DATE OF FIRST DOSE", "ADSL", "TRTSDT", None),
        ("P8", "2023-01-31", 31.0, 0.0, "DEATH", "", "ADSL", "DTHDT", None),
        # P9 has no first dose: no record.
        ("P10", "2023-01-01", 1.0, 1.0, "NO ADEQUATE POST-BASELINE ASSESSMENT", "DATE OF FIRST DOSE", "ADSL",
         "TRTSDT", None),
    ]
    assert (out["AVAL"] >= 0).all() and set(out["AVALU"]) == {"DAYS"}
    assert set(out["PARAMCD"]) == {"PFS"} and out["STARTDT"].eq(day(START)).all()


def test_os_death_or_last_known_alive_capped_at_cutoff():
    out = derive_param_tte(SUBJECTS, parameter("OS"), FRAMES, PARAMETERS)
    got = {r[0]: r for r in records(out)}
    alive = ("ALIVE", "LAST KNOWN ALIVE DATE, CAPPED AT DATA CUT-OFF")
    assert got["P1"] == ("P1", "2023-12-01", 335.0, 1.0, *alive, "ADSL", "LSTALVDT", None)
    assert got["P2"] == ("P2", "2023-04-01", 91.0, 0.0, "DEATH", "", "ADSL", "DTHDT", None)
    # Known alive after the cut-off: censored at the cut-off.
    assert got["P6"] == ("P6", "2024-12-31", 731.0, 1.0, *alive, "ADSL", "DCUTDT", None)
    # Death after the cut-off is no event; alive at the cut-off.
    assert got["P10"] == ("P10", "2024-12-31", 731.0, 1.0, *alive, "ADSL", "DCUTDT", None)
    assert "P9" not in got and set(out["CNSR"]) == {0.0, 1.0}


def test_dor_from_the_start_of_the_response():
    # P1 responds from 2023-03-05 and progresses 2023-05-07; P5B's response starts on its
    # last assessment (2023-03-05) and its PD follows with one assessment missed.
    adrs = pd.DataFrame({"USUBJID": ["P1", "P5B", "P3"], "PARAMCD": "RSP", "AVALC": ["Y", "Y", "N"],
                         "ADT": [day("2023-03-05"), day("2023-03-05"), np.nan]})
    out = derive_param_tte(SUBJECTS, parameter("DOR"), FRAMES | {"ADRS": adrs}, PARAMETERS)
    assert records(out) == [
        ("P1", "2023-05-07", 64.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),
        ("P5B", "2023-07-16", 134.0, 0.0, "DISEASE PROGRESSION", "", "RS", "RSDTC", 2.0),
    ]
    assert list(out["STARTDT"]) == [day("2023-03-05")] * 2 and set(out["PARAMCD"]) == {"DOR"}


def test_months_unit():
    spec = spec_of("OS") | {"unit": "MONTHS"}
    out = derive_param_tte(SUBJECTS, parameter_from_spec(spec, "OS"), FRAMES, PARAMETERS)
    assert out.loc[out["USUBJID"] == "P2", "AVAL"].iloc[0] == pytest.approx(91 / 30.4375)
    assert set(out["AVALU"]) == {"MONTHS"}


@pytest.mark.parametrize("change, message", [
    ({"censoring": [{"rule": "later", "cnsr": 1, "evntdesc": "x", "cnsdtdsc": "y"}]},
     r"censoring\[0\]\.rule: 'later' must be one of"),
    ({"censoring": [{"rule": "stop", "cnsr": 0, "evntdesc": "x", "cnsdtdsc": "y", "parameter": "data_cutoff"}]},
     r"censoring\[0\]\.cnsr: 0 must be a positive integer"),
    ({"censoring": [{"rule": "missed_visits", "cnsr": 3, "evntdesc": "x", "cnsdtdsc": "y"}]},
     "needs the schedule of assessments"),
    ({"censoring": [{"rule": "no_baseline", "cnsr": 5, "evntdesc": "x", "cnsdtdsc": "y"}]},
     "needs the dataset and date of the baseline records"),
    ({"start": ["TRTSDT"]}, r"start: give an ADSL date variable or a source"),
    ({"unit": "HOURS"}, r"unit: 'HOURS' must be one of"),
    ({"events": []}, "needs at least one event source"),
    ({"colour": "red"}, "unknown key 'colour'"),
])
def test_bad_parameter_specs(change, message):
    spec = spec_of("PFS") | change
    with pytest.raises(InputError, match=message):
        parameter_from_spec(spec, "ADTTE PFS")


def test_subject_without_event_or_applicable_rule_is_an_error():
    spec = spec_of("PFS")
    spec = spec | {"censoring": [r for r in spec["censoring"] if r.get("parameter") != "data_cutoff"]}
    frames = FRAMES | {"RS": RS[(RS["USUBJID"] == "P1") & (RS["RSSTRESC"] == "SD")]}
    with pytest.raises(InputError, match="no rule applies to subject P1"):
        derive_param_tte(SUBJECTS[SUBJECTS["USUBJID"] == "P1"], parameter_from_spec(spec, "PFS"), frames, PARAMETERS)


def test_stop_without_date_ends_follow_up_where_no_other_stop_does():
    spec = spec_of("OS")
    spec = spec | {"censoring": [{"rule": "stop", "cnsr": 9, "evntdesc": "ALIVE", "cnsdtdsc": "LAST CONTACT"}]}
    out = derive_param_tte(SUBJECTS, parameter_from_spec(spec, "OS"), FRAMES, PARAMETERS)
    got = {r[0]: r[1:4] for r in records(out)}
    # Without a cut-off every death counts and the last contact is never capped.
    assert got["P6"] == ("2025-02-01", 763.0, 9.0) and got["P10"] == ("2025-01-15", 746.0, 0.0)
