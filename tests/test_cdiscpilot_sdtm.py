"""The CDISC pilot's SDTM made from its raw CRF exports by the bundled
``cdiscpilot01`` specs, compared value by value with the pilot's own XPT files.

Both sides are sorted by the dataset's keys and then by every compared
variable, so records pair up whatever their order; each variable's agreement
is counted and printed (``pytest -s``). Every variable must agree on every
record except the ones listed below, each with the reason the raw export
cannot give the pilot's value (mirrored in specs/studies/cdiscpilot01/README.md).
VS, which has no reference file, is checked against the raw form and SDTMIG.
"""

import datetime as dt
import random

import pandas as pd
import pytest

from cdisckit.compare import compare_paths
from cdisckit.coverage import mapping_coverage
from cdisckit.lineage import raw_sources
from cdisckit.xpt import read_xpt, variables_from_spec, write_xpt
from specs import dates as kernel_dates

from conftest import reference

DATASETS = ["DM", "AE", "DS", "EX"]

# Variables whose pilot values the raw export cannot give: not compared.
EXCLUDED = {
    ("DM", "RFICDTC"): "the pilot's database had no consent date (define.xml: 'not entered in database'), "
                       "so the pilot left it blank; the export carries IC_DT, which we map",
    ("DM", "RFPENDTC"): "the pilot took the last date of SV/SE, whose visits include forms not in the "
                        "export (labs, questionnaires, ECG, follow-up); we take the last date in DS, EX, AE, VS",
    ("AE", "AESEQ"): "the pilot numbered AEs by AEDTC, AESTDTC and then its AE number AESPID, which the "
                     "export lacks; ties on the two dates are ordered by AETERM instead",
    ("AE", "AESPID"): "the AE number on the CRF is not in the export",
    ("AE", "AELLTCD"): "the pilot left the MedDRA codes blank; the export carries lowest level term codes",
    ("AE", "AESOCCD"): "the pilot left the MedDRA codes blank; the export carries system organ class codes",
    ("AE", "AEBDSYCD"): "the pilot left the MedDRA codes blank; AEBODSYS is the primary SOC, so its code is "
                        "the exported AESOCCD",
    ("DS", "DSSPID"): "the AE number a discontinuation refers to is not in the export",
}


def _month_only_start_lost(ours, pilot, pilot_dm):
    """The pilot knew the start to the month (YYYY-MM); the export left it blank."""
    return (ours["AESTDTC"] == "") & pilot["AESTDTC"].str.fullmatch(r"\d{4}-\d{2}")


def _pilot_day_contradicts_its_dates(ours, pilot, pilot_dm):
    """The pilot's AESTDY is not the study day of its own AESTDTC and RFSTDTC."""
    start = pilot["USUBJID"].map(pilot_dm.set_index("USUBJID")["RFSTDTC"])
    own = kernel_dates.study_day(pilot["AESTDTC"], start.to_numpy())
    return own.notna() & (own != pilot["AESTDY"])


# Single records where the pilot's value cannot be derived: the rule that
# picks them, the reason, and how many there are.
KNOWN = {
    ("AE", "AESTDTC"): (_month_only_start_lost, 15,
                        "start dates known only to the month (YYYY-MM) are blank in the export"),
    ("AE", "AESTDY"): (_pilot_day_contradicts_its_dates, 1,
                       "the pilot's AESTDY of 01-716-1063's hyperhidrosis is 366, yet it started on "
                       "RFSTDTC (day 1)"),
}


def _plain(frame):
    """Numbers as float (NaN for missing), text as str ("" for missing)."""
    return pd.DataFrame({c: (frame[c].astype("float64") if pd.api.types.is_numeric_dtype(frame[c])
                             else frame[c].astype(object).where(frame[c].notna(), "").astype(str))
                         for c in frame.columns})


def _paired(ours, pilot, keys, name):
    """Both frames sorted alike: by the keys, then by every compared variable."""
    loose = {v for (d, v) in [*EXCLUDED, *KNOWN] if d == name}
    order = [k for k in keys if k not in loose]
    order += [c for c in ours.columns if c not in order and c not in loose and not c.endswith("SEQ")]
    return tuple(f.sort_values(order, kind="mergesort").reset_index(drop=True) for f in (ours, pilot))


@pytest.fixture(scope="module")
def compared(pilot_sdtm):
    study, _, forms, ours = pilot_sdtm
    pilot_dir = reference("cdiscpilot01", "sdtm")
    pilot = {name: read_xpt(pilot_dir / f"{name.lower()}.xpt") for name in DATASETS}
    return study, ours, pilot, forms


def test_same_variables_labels_and_types_as_the_pilot(compared):
    study, ours, pilot, _ = compared
    for name in DATASETS:
        frame, meta = pilot[name]
        spec = study.datasets[name]
        assert list(ours[name].columns) == list(frame.columns), name
        assert [(v.name, v.label, "num" if v.numeric else "char") for v in spec.variables] == \
               [(v.name, v.label, v.type) for v in meta.variables], name
        assert len(ours[name]) == len(frame), name


def test_every_value_agrees_with_the_pilot_but_the_listed_ones(compared):
    study, ours, pilot, _ = compared
    pilot_dm = _plain(pilot["DM"][0])
    table, failures = [], []
    for name in DATASETS:
        mine, theirs = _paired(_plain(ours[name]), _plain(pilot[name][0]), study.datasets[name].keys, name)
        for var in mine.columns:
            same = (mine[var] == theirs[var]) | (mine[var].isna() & theirs[var].isna())
            note = ""
            if (name, var) in EXCLUDED:
                note = "excluded"
            elif (name, var) in KNOWN:
                rule, count, _ = KNOWN[(name, var)]
                allowed = rule(mine, theirs, pilot_dm)
                note = f"{int(allowed.sum())} known"
                if (~same & ~allowed).any() or int((~same).sum()) != count:
                    failures.append(f"{name}.{var}: {int((~same).sum())} differ, {count} known")
            elif not same.all():
                bad = int((~same).to_numpy().argmax())
                failures.append(f"{name}.{var}: {int((~same).sum())} differ, e.g. {mine['USUBJID'][bad]}: "
                                f"ours {mine[var].tolist()[bad]!r}, pilot {theirs[var].tolist()[bad]!r}")
            table.append(f"{name:<3} {var:<9} {int(same.sum()):>5}/{len(same):<5} {note}")
    print("\nagreement with the pilot (dataset, variable, equal/records):\n" + "\n".join(table))
    assert not failures, "\n".join(failures)


# VS has no reference file: its shape is checked against the wide raw form
# directly, its values on one subject's screening visit, its baseline flag
# against its definition.
BP_FIELDS, OTHER_FIELDS = ["SYS_BP", "DIA_BP", "PULSE"], ["IT.HEIGHT_VSORRES", "IT.WEIGHT", "IT.TEMP"]


def test_vs_has_one_record_per_test_visit_and_time_point_of_the_wide_form(compared):
    _, ours, _, forms = compared
    vs, raw = ours["VS"], forms["vs_raw"]
    timed = raw["TMPTC"] != ""
    # Every blood pressure/pulse cell of a time point's row (empty: not done), every filled other cell.
    assert len(vs) == 3 * int(timed.sum()) + int((raw.loc[~timed, OTHER_FIELDS] != "").to_numpy().sum())
    assert not vs.duplicated(["USUBJID", "VSTESTCD", "VISITNUM", "VSTPTNUM"]).any()
    not_done = vs["VSSTAT"] == "NOT DONE"
    assert int(not_done.sum()) == int((raw.loc[timed, BP_FIELDS] == "").to_numpy().sum()) == 13
    assert (vs.loc[not_done, ["VSORRES", "VSORRESU", "VSSTRESC", "VSSTRESU"]] == "").all().all()
    units = vs[~not_done].groupby("VSTESTCD")[["VSORRESU", "VSSTRESU"]].agg(lambda u: sorted(set(u)))
    assert units.to_dict("index") == {
        "DIABP": {"VSORRESU": ["mmHg"], "VSSTRESU": ["mmHg"]},
        "HEIGHT": {"VSORRESU": ["cm", "in"], "VSSTRESU": ["cm"]},
        "PULSE": {"VSORRESU": ["beats/min"], "VSSTRESU": ["beats/min"]},
        "SYSBP": {"VSORRESU": ["mmHg"], "VSSTRESU": ["mmHg"]},
        "TEMP": {"VSORRESU": ["C", "F"], "VSSTRESU": ["C"]},
        "WEIGHT": {"VSORRESU": ["LB"], "VSSTRESU": ["kg"]},
    }
    visit = vs[(vs["USUBJID"] == "01-701-1015") & (vs["VISITNUM"] == 1)]
    columns = ["VSTESTCD", "VSPOS", "VSORRES", "VSORRESU", "VSSTRESN", "VSSTRESU", "VSLOC", "VSTPTNUM", "VSELTM"]
    assert visit[columns].astype(object).where(visit[columns].notna(), None).values.tolist() == [
        ["DIABP", "SUPINE", "64", "mmHg", 64.0, "mmHg", "", 815.0, "PT5M"],
        ["DIABP", "STANDING", "83", "mmHg", 83.0, "mmHg", "", 816.0, "PT1M"],
        ["DIABP", "STANDING", "57", "mmHg", 57.0, "mmHg", "", 817.0, "PT3M"],
        ["HEIGHT", "", "58.0", "in", 147.32, "cm", "", None, ""],
        ["PULSE", "SUPINE", "57", "beats/min", 57.0, "beats/min", "", 815.0, "PT5M"],
        ["PULSE", "STANDING", "62", "beats/min", 62.0, "beats/min", "", 816.0, "PT1M"],
        ["PULSE", "STANDING", "65", "beats/min", 65.0, "beats/min", "", 817.0, "PT3M"],
        ["SYSBP", "SUPINE", "131", "mmHg", 131.0, "mmHg", "", 815.0, "PT5M"],
        ["SYSBP", "STANDING", "129", "mmHg", 129.0, "mmHg", "", 816.0, "PT1M"],
        ["SYSBP", "STANDING", "147", "mmHg", 147.0, "mmHg", "", 817.0, "PT3M"],
        ["TEMP", "", "96.9", "F", 36.06, "C", "ORAL CAVITY", None, ""],
        ["WEIGHT", "", "119.0", "LB", 53.98, "kg", "", None, ""],
    ]


def test_vs_baseline_is_the_last_result_on_or_before_the_first_dose(compared):
    _, ours, _, _ = compared
    vs, dm = ours["VS"], ours["DM"]
    first_dose = vs["USUBJID"].map(dm.set_index("USUBJID")["RFXSTDTC"])
    before = (vs["VSORRES"] != "") & (first_dose != "") & (vs["VSDTC"] <= first_dose)
    groups = ["USUBJID", "VSTESTCD", "VSPOS", "VSTPTNUM"]
    expected = vs[before].fillna({"VSTPTNUM": 0}).sort_values("VSDTC", kind="mergesort") \
        .groupby(groups).tail(1).index
    assert sorted(vs.index[vs["VSBLFL"] == "Y"]) == sorted(expected)
    # Each of the 254 dosed subjects has one for each of its 12 measurements: 3 time points of
    # systolic, diastolic blood pressure and pulse, temperature, weight and height.
    assert len(expected) == 254 * 12


def test_body_system_code_is_the_primary_soc_code_of_the_export(compared):
    _, ours, _, forms = compared
    ae, raw = ours["AE"], forms["ae_raw"]
    assert (raw["AEBODSYS"] == raw["AESOC"]).all()
    coded = ae["AESOCCD"].notna()
    assert int(coded.sum()) == int((raw["AESOCCD"] != "").sum()) > 1000
    assert (ae.loc[coded, "AEBDSYCD"] == ae.loc[coded, "AESOCCD"]).all()
    assert ae["AEBDSYCD"].isna().equals(ae["AESOCCD"].isna())


# Lineage, coverage and comparison of the pilot mapping.

@pytest.fixture(scope="module")
def traced(pilot_mapped):
    """The pilot mapping with the lineage of its records: (study, forms, Mapped)."""
    study, _, forms, mapped = pilot_mapped
    return study, forms, mapped


def test_every_pilot_record_has_a_raw_source(traced):
    _, _, mapped = traced
    resolved = raw_sources(mapped.lineage)
    for name, frame in mapped.datasets.items():
        mine = resolved[resolved["dataset"] == name]
        # TV is the spec's own records; every other record has a raw line.
        assert set(mine["kind"]) == ({"spec"} if name == "TV" else {"form"}), name
        assert set(mine["record"]) == set(range(1, len(frame) + 1)), name


def test_twenty_random_pilot_records_lead_back_to_their_raw_lines(traced):
    """USUBJID (site prefix and PATNUM) and the collection date (MM/DD/YYYY) re-derived from the raw line."""
    study, forms, mapped = traced
    dates = {"AE": ("AEDTC", "AEDTCOL", "%m/%d/%Y"), "DS": ("DSDTC", "DSDTCOL", "%m-%d-%Y"),
             "VS": ("VSDTC", "VTLD", "%d-%b-%Y"), "EX": ("EXSTDTC", "IT.ECSTDAT", "%d-%b-%Y"),
             "DM": ("DMDTC", "COL_DT", "%m/%d/%Y")}
    links = mapped.lineage[mapped.lineage["kind"] == "form"]
    picked = random.Random(21).sample(list(zip(links["dataset"], links["record"])), 20)
    for name, record in picked:
        form, row = links.loc[(links["dataset"] == name) & (links["record"] == record), ["source", "row"]].iloc[0]
        line = forms[form].loc[row]
        values = mapped.datasets[name].iloc[record - 1]
        assert values["USUBJID"] == f"{study.parameters['usubjid_prefix']}-{line['PATNUM']}", (name, record)
        variable, column, style = dates[name]
        expected = dt.datetime.strptime(line[column], style).date().isoformat() if line[column] else ""
        assert values[variable][:10] == expected, (name, record)


def test_coverage_lists_every_raw_column_of_the_pharmaverse_exports(traced):
    study, forms, mapped = traced
    cov = mapping_coverage(study, forms, mapped)
    raw_dir = reference("pharmaverseraw")
    expected = {(path.stem.lower(), column) for path in raw_dir.glob("*.csv")
                for column in pd.read_csv(path, nrows=0).columns}
    assert set(zip(cov.columns["form"], cov.columns["column"])) == expected
    assert len(cov.columns) == len(expected)
    assert set(cov.columns["status"]) == {"submitted", "not submitted"}
    # Not submitted: the EDC's own fields (declared in the specs), the exposure reference id and the
    # death date, which SDTMIG 3.1.2's DS and DM of the pilot do not carry, and the export's empty
    # AEBDSYCD (AEBDSYCD is the exported AESOCCD, the code of the primary SOC).
    assert sorted(cov.unused()[["form", "column"]].itertuples(index=False, name=None)) == [
        ("ae_raw", "AEBDSYCD"), ("ds_raw", "DEATHDT"), ("ec_raw", "IT.ECREFID")]
    # The 254 "Randomized" lines of ds_raw are the only lines in no dataset, dropped by DS's filter.
    assert len(cov.dropped) == 254 and set(cov.dropped["rules"]) == {
        "DS: DS.yaml: mapping.sources[0].where (not (IT.DSDECOD = Randomized))"}
    assert cov.unmapped().empty


def test_compare_finds_exactly_the_known_ae_differences(compared, tmp_path):
    study, ours, pilot, _ = compared
    spec = study.datasets["AE"]
    write_xpt(ours["AE"], tmp_path / "ae.xpt", name="AE", label=spec.label, variables=variables_from_spec(spec))
    base = reference("cdiscpilot01", "sdtm", "ae.xpt")
    (ae,) = compare_paths(base, tmp_path / "ae.xpt", ids=["USUBJID", "AEDTC", "AETERM"]).datasets
    assert ae.only_base.empty and ae.only_comp.empty
    # The pilot's file has no dataset label; every variable's metadata agrees.
    assert ae.metadata.values.tolist() == [["", "dataset label", "", "Adverse Events"]]
    found = {v.variable: v.differences for v in ae.values}
    assert set(found) == {v for (d, v) in [*EXCLUDED, *KNOWN] if d == "AE"}
    assert {v: found[v] for (d, v) in KNOWN if d == "AE"} == {v: KNOWN[(d, v)][1] for (d, v) in KNOWN if d == "AE"}
