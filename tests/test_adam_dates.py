"""ADaM toolkit: dates and imputation flags, merges, baseline, flags and codes."""

import numpy as np
import pandas as pd
import pytest

from adam import baseline, codes, dates, flags, merge
from specs import Codelist, Term
from specs import dates as kernel
from specs.errors import InputError


def day(text):
    """SAS date of an ISO date (days since 1960-01-01)."""
    return float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)


def test_sas_date_epoch_and_known_values():
    assert kernel.sas_date(pd.Series(["1960-01-01", "2021-03-15", None])).tolist()[:2] == [0.0, 22354.0]
    assert np.isnan(kernel.sas_date(pd.Series([None])).iloc[0])
    assert kernel.to_date(pd.Series([22354.0])).iloc[0] == pd.Timestamp("2021-03-15")


@pytest.mark.parametrize("dtc, highest, how, expected, flag", [
    ("2021-03-15", "n", "first", "2021-03-15", ""),
    ("2021-03-15T10:20", "n", "first", "2021-03-15", ""),
    ("2021-03", "n", "first", None, ""),            # nothing may be imputed: missing
    ("2021-03", "D", "first", "2021-03-01", "D"),
    ("2021-03", "D", "last", "2021-03-31", "D"),
    ("2020-02", "D", "last", "2020-02-29", "D"),
    ("2021-03", "D", "mid", "2021-03-15", "D"),
    ("2021", "D", "first", None, ""),               # the month may not be imputed
    ("2021", "M", "first", "2021-01-01", "M"),
    ("2021", "M", "last", "2021-12-31", "M"),
    ("2021", "M", "mid", "2021-06-30", "M"),
    ("2021---15", "M", "first", "2021-01-01", "M"),  # a day without its month is unknown
    ("", "M", "first", None, ""),
])
def test_date_imputation_and_flag(dtc, highest, how, expected, flag):
    result = dates.impute_dtc(pd.Series([dtc]), highest=highest, date=how)
    value = result["date"].iloc[0]
    assert np.isnan(value) if expected is None else value == day(expected)
    assert result["dtf"].iloc[0] == flag


def test_imputation_bounded_by_a_possible_date():
    dtc = pd.Series(["2021-03", "2021-03", "2021", "2021-05"])
    bound = pd.Series([day("2021-03-10"), day("2021-04-02"), day("2021-06-01"), np.nan])
    result = dates.impute_dtc(dtc, highest="M", date="first", not_before=bound)
    assert result["date"].tolist() == [day("2021-03-10"), day("2021-03-01"), day("2021-06-01"), day("2021-05-01")]
    assert result["dtf"].tolist() == ["D", "D", "M", "D"]
    late = dates.impute_dtc(pd.Series(["2021-03"]), highest="D", date="last",
                            not_after=pd.Series([day("2021-03-20")]))
    assert late["date"].tolist() == [day("2021-03-20")]


def test_start_imputed_to_first_dose_is_capped_by_an_earlier_end():
    """An AE starting "2020-11" and ending 2020-11-17 cannot start at a first dose on
    2020-11-26: the end date caps the imputed start (so the AE is not treatment-emergent)."""
    result = dates.impute_dtc(pd.Series(["2020-11", "2020-11"]), highest="M", date="first",
                              not_before=pd.Series([day("2020-11-26"), day("2020-11-26")]),
                              not_after=pd.Series([day("2020-11-17"), day("2020-12-05")]))
    assert result["date"].tolist() == [day("2020-11-17"), day("2020-11-26")]
    assert result["dtf"].tolist() == ["D", "D"]


def test_datetime_time_flags():
    frame = pd.DataFrame({"DTC": ["2021-03-15T10:20", "2021-03-15", "2021-03-15T10:20:33", "2021-03"]})
    out = dates.derive_vars_dtm(frame, "ADTM", "DTC", {"highest": "h", "time": "first", "ignore_seconds": True},
                                date_flag_var="ADTF", time_flag_var="ATMF")
    base = day("2021-03-15") * 86400
    assert out["ADTM"].tolist()[:3] == [base + 37200, base, base + 37233]
    assert np.isnan(out["ADTM"].iloc[3])                # the day may not be imputed
    assert out["ATMF"].tolist() == ["", "H", "", ""]
    strict = dates.derive_vars_dtm(frame, "ADTM", "DTC", {"highest": "s"}, time_flag_var="ATMF")
    assert strict["ATMF"].tolist()[:3] == ["S", "", ""] and np.isnan(strict["ADTM"].iloc[1])
    last = dates.impute_dtc(pd.Series(["2021-03-15"]), highest="h", time="last")
    assert last["time"].iloc[0] == 86399 and last["tmf"].iloc[0] == "H"


def test_impute_options_are_checked():
    with pytest.raises(InputError, match="year of a date is never imputed"):
        dates.impute_dtc(pd.Series(["2021"]), highest="Y")
    with pytest.raises(InputError, match="must be first, mid or last"):
        dates.impute_dtc(pd.Series(["2021"]), highest="M", date="median")
    with pytest.raises(InputError, match="'15-03-2021' is not an ISO 8601"):
        dates.impute_dtc(pd.Series(["15-03-2021"]), highest="M")


def test_derive_vars_dt_study_day_and_duration():
    frame = pd.DataFrame({"DTC": ["2021-03-09", "2021-03-10", "2021-03"], "REF": [day("2021-03-10")] * 3})
    out = dates.derive_vars_dt(frame, "ADT", "DTC", {"highest": "D"}, flag_var="ADTF")
    out = dates.derive_var_dy(out, "ADY", "ADT", "REF")
    assert out["ADY"].tolist() == [-1.0, 1.0, -9.0]     # no day 0
    assert out["ADTF"].tolist() == ["", "", "D"]
    span = dates.derive_var_duration(out, "DUR", "REF", "ADT")
    assert span["DUR"].tolist() == [0.0, 1.0, -8.0]


def test_extreme_date_over_sources():
    subjects = pd.DataFrame({"USUBJID": ["A", "B", "C"]})
    ae = pd.DataFrame({"USUBJID": ["A", "A", "B"], "AESTDTC": ["2021-01-05", "2021-02", "2021-01-01"]})
    ss = pd.DataFrame({"USUBJID": ["A", "B"], "SSTESTCD": ["LSCFADTC", "OTHER"], "SSDTC": ["2021-01-20", "2022-01-01"]})
    sources = [dates.DateSource(ae, "AESTDTC"),
               dates.DateSource(ss, "SSDTC", filter={"variable": "SSTESTCD", "equals": "LSCFADTC"})]
    out = dates.derive_vars_extreme_dt(subjects, "LSTALVDT", sources, mode="last")
    assert out["LSTALVDT"].tolist()[:2] == [day("2021-01-20"), day("2021-01-01")]
    assert np.isnan(out["LSTALVDT"].iloc[2])
    ex = pd.DataFrame({"USUBJID": ["A", "A", "B"], "EXSTDTC": ["2021-01-05T10:00", "2021-01-02", "2021-01-01T08:30"]})
    first = dates.derive_vars_extreme_dt(subjects, "TRTSDTM", [dates.DateSource(ex, "EXSTDTC", impute={
        "highest": "h", "ignore_seconds": True})], mode="first", output="datetime", time_flag_var="TRTSTMF")
    assert first["TRTSDTM"].tolist()[:2] == [day("2021-01-02") * 86400, day("2021-01-01") * 86400 + 30600]
    assert first["TRTSTMF"].tolist() == ["H", "", ""]


def test_merge_with_filter_order_and_mode():
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"]})
    lb = pd.DataFrame({"USUBJID": ["A", "A", "B"], "LBTESTCD": ["ALT", "ALT", "AST"],
                       "LBDTC": ["2021-01-02", "2021-01-01", "2021-01-01"], "LBSTRESN": [30.0, 20.0, 15.0]})
    out = merge.derive_vars_merged(adsl, {"ALTBL": "LBSTRESN", "ALTDTC": "LBDTC"}, lb,
                                   filter_add={"variable": "LBTESTCD", "equals": "ALT"}, order=["LBDTC"], mode="last")
    assert out["ALTBL"].tolist()[0] == 30.0 and np.isnan(out["ALTBL"].iloc[1])
    assert out["ALTDTC"].tolist() == ["2021-01-02", "", ""]
    with pytest.raises(InputError, match="more than one record for {'USUBJID': 'A'}"):
        merge.derive_vars_merged(adsl, ["LBSTRESN"], lb)
    counts = merge.derive_var_merged_count(adsl, "N", lb, distinct=["LBTESTCD"])
    assert counts["N"].tolist() == [1.0, 1.0, 0.0]


def test_baseline_change_and_percent_change():
    frame = pd.DataFrame({
        "USUBJID": ["A"] * 5 + ["B"] * 2, "PARAMCD": ["X"] * 7,
        "AVAL": [10.0, np.nan, 8.0, 12.0, 6.0, 0.0, 5.0],
        "ADT": [1.0, 2.0, 3.0, 5.0, 6.0, 3.0, 4.0], "TRTSDT": [3.0] * 5 + [3.0] * 2})
    out = baseline.derive_var_ablfl(frame, "ABLFL", ["USUBJID", "PARAMCD"], "AVAL", "ADT", "TRTSDT")
    assert out["ABLFL"].tolist() == ["", "", "Y", "", "", "Y", ""]    # last non-missing on or before
    out = baseline.derive_var_base(out, "BASE", ["USUBJID", "PARAMCD"], "AVAL", {"variable": "ABLFL", "equals": "Y"})
    out = baseline.derive_var_chg(out, "CHG", "AVAL", "BASE", "ADT", "TRTSDT")
    out = baseline.derive_var_pchg(out, "PCHG", "AVAL", "BASE", "ADT", "TRTSDT")
    assert out["BASE"].tolist() == [8.0] * 5 + [0.0] * 2
    assert out["CHG"].tolist()[3:5] == [4.0, -2.0] and out["CHG"].iloc[:3].isna().all()
    assert out["PCHG"].tolist()[3:5] == [50.0, -25.0] and np.isnan(out["PCHG"].iloc[6])  # base 0


def test_flags_first_occurrence_and_treatment_emergence():
    frame = pd.DataFrame({"USUBJID": ["A", "A", "A", "B"], "SOC": ["S1", "S2", "S1", "S1"],
                          "ASTDT": [5.0, 3.0, 3.0, 1.0], "SEQ": [1.0, 2.0, 3.0, 1.0], "OK": ["Y", "Y", "Y", ""]})
    out = flags.derive_var_extreme_flag(frame, "F", ["USUBJID"], ["ASTDT", "SEQ"],
                                        filter={"variable": "OK", "equals": "Y"})
    assert out["F"].tolist() == ["", "Y", "", ""]
    out = flags.derive_var_extreme_flag(frame, "F", ["USUBJID", "SOC"], ["ASTDT", "SEQ"])
    assert out["F"].tolist() == ["", "Y", "Y", "Y"]
    out = flags.derive_var_flag(frame, "G", {"variable": "SOC", "equals": "S1"}, false_value="")
    assert out["G"].tolist() == ["Y", "", "Y", "Y"]
    ae = pd.DataFrame({"ASTDT": [9.0, 10.0, 40.0, 41.0, 100.0, 101.0, np.nan, np.nan],
                       "AENDT": [np.nan] * 7 + [5.0], "TRTSDT": [10.0] * 8, "TRTEDT": [10.0] * 8,
                       "AESER": ["N", "N", "N", "N", "Y", "Y", "N", "N"]})
    serious = (ae["AESER"] == "Y").to_numpy()
    out = flags.derive_var_trtemfl(ae, "TRTEMFL", "ASTDT", "AENDT", "TRTSDT", "TRTEDT", [(serious, 90), (None, 30)])
    assert out["TRTEMFL"].tolist() == ["", "Y", "Y", "", "Y", "", "Y", ""]


def test_groups_codes_and_numbers():
    frame = pd.DataFrame({"AGE": [64.0, 65.0, np.nan]})
    out = codes.derive_var_group(frame, "AGEGR1", "AGE", [{"below": 65, "value": "<65"}, {"value": ">=65"}])
    assert out["AGEGR1"].tolist() == ["<65", ">=65", ""]
    numeric = Codelist(id="AGEGR1N", name="n", data_type="integer",
                       terms=[Term(value="1", decode="<65"), Term(value="2", decode=">=65")])
    assert codes.derive_var_encode(out, "AGEGR1N", "AGEGR1", numeric)["AGEGR1N"].tolist()[:2] == [1.0, 2.0]
    paramcd = Codelist(id="P", name="p", terms=[Term(value="OS", decode="Overall Survival")])
    params = pd.DataFrame({"PARAMCD": ["OS", ""]})
    assert codes.derive_var_decode(params, "PARAM", "PARAMCD", paramcd)["PARAM"].tolist() == ["Overall Survival", ""]
    with pytest.raises(InputError, match="'PFS' has no decode in codelist P"):
        codes.derive_var_decode(pd.DataFrame({"PARAMCD": ["PFS"]}), "PARAM", "PARAMCD", paramcd)
    numbers = codes.derive_var_numeric(pd.DataFrame({"ATOXGR": ["3", "", "x"]}), "ATOXGRN", "ATOXGR")["ATOXGRN"]
    assert numbers.iloc[0] == 3.0 and numbers.iloc[1:].isna().all()
