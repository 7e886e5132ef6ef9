"""The simulated EDC export: reproducible bytes, protocol facts, data dictionary, CLI errors.

Protocol facts are checked on the CSV files as written, read back with an
independent parser of the EDC date style, not on the simulator's internals.
"""

import calendar
import datetime as dt
import re

import pandas as pd
import pytest
import yaml

from cdisckit.cli import main
from cdisckit.simulator import generate, simulate, write_export, writer
from specs.errors import InputError

SUBJECTS, SEED = 200, 7
MONTHS = {m: i + 1 for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))}
DATE = re.compile(r"^(\d\d|UN) ([A-Z]{3}|UNK) (\d{4})$")


def date_range(text):
    """Earliest and latest day an EDC date (full or partial) can mean; None when blank."""
    if text == "":
        return None
    match = DATE.match(text)
    assert match, f"not in the EDC date style: {text!r}"
    day, month, year = match.groups()
    year = int(year)
    if month == "UNK":
        assert day == "UN", text
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = MONTHS[month]
    if day == "UN":
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, int(day)), dt.date(year, month, int(day))


def full_date(text):
    low, high = date_range(text)
    assert low == high, f"expected a full date: {text!r}"
    return low


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("raw") / "export"
    simulate(out, subjects=SUBJECTS, seed=SEED)
    return out


@pytest.fixture(scope="module")
def forms(export):
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
            for p in sorted(export.glob("*.csv"))}


@pytest.fixture(scope="module")
def dictionary(export):
    return yaml.safe_load((export / "forms.yaml").read_text(encoding="utf-8"))


def date_columns(dictionary):
    return {(f["name"], c["name"]) for f in dictionary["forms"] for c in f["columns"]
            if c["type"] in ("date", "partialDate")}


# Reproducibility and the files themselves.

def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    simulate(tmp_path / "a", subjects=40, seed=3)
    simulate(tmp_path / "b", subjects=40, seed=3)
    simulate(tmp_path / "c", subjects=40, seed=4)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(names) == 19 and "forms.yaml" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "lab.csv").read_bytes() != (tmp_path / "c" / "lab.csv").read_bytes()


def test_files_are_utf8_with_unix_line_endings_and_read_back_unchanged(export, forms):
    generated = generate(SUBJECTS, SEED)
    assert list(generated) == ["enrolment", "dosing", "ae", "qlqc30", "lab", "tumour", "target_lesions",
                               "nontarget_lesions", "new_lesions", "eot", "eos", "death", "survival",
                               "subsequent_therapy", "mh", "conmed", "vitals", "ecg"]
    for name, frame in generated.items():
        raw = (export / f"{name}.csv").read_bytes()
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
        pd.testing.assert_frame_equal(forms[name], frame.astype(object), check_dtype=False)


def test_rows_sorted_by_site_and_subject(forms):
    for name, frame in forms.items():
        keys = list(zip(frame["SITENUMBER"], frame["SUBJECT"]))
        assert keys == sorted(keys), name
        assert (frame["STUDY"] == "SHR1210-NPC-OMD").all()
        assert frame["SUBJECT"].str.match(r"^\d{3}-\d{4}$").all()
        assert (frame["SUBJECT"].str[:3] == frame["SITENUMBER"]).all()


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"A": ["a,b", 'say "hi"', "line\nbreak", "cr\rhere", " sp ", "", "é"],
                  "B": ["1", None, "", "x", "y", "", "z"]}),
    pd.DataFrame({"A": ["", "x", "", "a,b"]}),
    pd.DataFrame({"A": [None, "x"]}, dtype=object),
    pd.DataFrame({"A": pd.Series([], dtype=object), "B,C": pd.Series([], dtype=object)}),
    pd.DataFrame({"A": [1, 2], "B": [1.5, None], "C": ["t", "u"]}),
    pd.DataFrame({'x"y': ["1"], "": ["2"]}),
], ids=["special characters", "one column with blanks", "one column missing", "no rows", "numbers", "header"])
def test_csv_text_is_what_pandas_to_csv_writes(frame):
    assert writer.csv_text(frame) == frame.to_csv(index=False, lineterminator="\n")


def test_write_export_leaves_nothing_when_a_write_fails(tmp_path, monkeypatch):
    forms = generate(10, 1)
    calls = []

    def failing_open(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return open(*args, **kwargs)

    monkeypatch.setattr(writer, "open", failing_open, raising=False)   # the third file cannot be written
    with pytest.raises(InputError, match="No space left on device"):
        write_export(forms, tmp_path / "out", {"study": "X"})
    assert list(tmp_path.iterdir()) == []


# forms.yaml, the data dictionary.

def test_forms_yaml_names_study_cutoff_and_every_column(forms, dictionary):
    assert dictionary["study"] == "SHR1210-NPC-OMD"
    assert dictionary["data_cutoff"] == dt.date(2024, 3, 31)
    assert "UN JAN 1960" in dictionary["edc_style"]["partial_date"]
    described = {f["name"]: [c["name"] for c in f["columns"]] for f in dictionary["forms"]}
    assert set(described) == set(forms)
    for name, frame in forms.items():
        assert list(frame.columns) == described[name], name
    for form in dictionary["forms"]:
        for column in form["columns"]:
            assert set(column) <= {"name", "label", "type", "format", "values", "units", "notes"}, column
            assert all(isinstance(column.get(k, ""), str) for k in ("label", "notes", "format", "units"))
            assert column["label"] and column["type"] in (
                "text", "integer", "float", "date", "partialDate", "time"), (form["name"], column)


def test_forms_yaml_messiness_points_at_real_columns(forms, dictionary):
    kinds = {m["kind"] for m in dictionary["messiness"]}
    assert {"partial_dates", "case_and_spaces", "non_ascii", "duplicate_lab_rows",
            "out_of_window_visits", "below_detection_limit", "site_units"} <= kinds
    for item in dictionary["messiness"]:
        assert item["description"]
        for place in item["where"]:
            form, _, column = place["place"].partition(".")
            assert form in forms
            if column and not column.startswith("Q01-"):
                assert column in forms[form].columns, place


def test_coded_values_are_among_the_crf_choices(forms, dictionary):
    retyped = {tuple(p["place"].split(".")) for m in dictionary["messiness"] if m["kind"] == "case_and_spaces"
               for p in m["where"]}
    for form in dictionary["forms"]:
        frame = forms[form["name"]]
        for column in form["columns"]:
            if "values" not in column:
                continue
            values = set(frame[column["name"]]) - {""}
            if (form["name"], column["name"]) in retyped:
                allowed = {v.casefold() for v in column["values"]}
                values = {" ".join(v.split()).casefold() for v in values}
            else:
                allowed = set(column["values"])
            assert values <= allowed, (form["name"], column["name"], values - allowed)


# Protocol facts.

def test_dose_is_always_200_mg_iv(forms):
    dosing = forms["dosing"]
    given = dosing[dosing["ECYN"] == "Yes"]
    assert len(given) > 1000
    assert (given["ECDOSE"] == "200").all() and (given["ECDOSU"] == "mg").all()
    assert (given["ECROUTE"] == "Intravenous infusion").all()
    assert (given["ECSTTIM"] < given["ECENTIM"]).all()
    skipped = dosing[dosing["ECYN"] == "No"]
    assert len(skipped) > 0 and (skipped["ECDOSE"] == "").all() and (skipped["ECNDRSN"] != "").all()


def test_cycles_are_21_days_apart_except_documented_delays(forms):
    dosing, ae = forms["dosing"], forms["ae"]
    interrupted = set(zip(ae.loc[ae["AEACN"] == "Drug interrupted", "SUBJECT"],
                          ae.loc[ae["AEACN"] == "Drug interrupted", "AENUM"]))
    delays = 0
    for subject, visits in dosing.groupby("SUBJECT", sort=False):
        assert list(visits["FOLDER"]) == [f"C{k}" for k in range(1, len(visits) + 1)]
        days = [full_date(d) for d in visits["ECDAT"]]
        for gap, (_, row) in zip((b - a for a, b in zip(days, days[1:])), visits.iloc[1:].iterrows()):
            gap = gap.days
            if row["ECDELAY"] == "Yes":
                delays += 1
                assert 24 < gap <= 45 and row["ECDELRSN"] in ("Adverse event", "Other"), (subject, gap)
            else:
                assert 18 <= gap <= 24, (subject, row["FOLDER"], gap)
            if "Adverse event" in (row["ECDELRSN"], row["ECNDRSN"]):
                assert (subject, row["ECAENUM"]) in interrupted
    assert delays > 10
    assert len(dosing.groupby("SUBJECT")) <= SUBJECTS
    assert dosing.groupby("SUBJECT").size().max() <= 35


def test_first_dose_28_to_42_days_after_radiotherapy(forms):
    enrolment = forms["enrolment"].set_index("SUBJECT")
    first = forms["dosing"][forms["dosing"]["FOLDER"] == "C1"].set_index("SUBJECT")
    assert (first["ECYN"] == "Yes").all()
    assert set(first.index) == set(enrolment.index[enrolment["ELIGYN"] == "Yes"])
    for subject, row in first.iterrows():
        gap = (full_date(row["ECDAT"]) - full_date(enrolment.loc[subject, "RTENDDAT"])).days
        assert 28 <= gap <= 42, subject
        assert full_date(enrolment.loc[subject, "ICDAT"]) < full_date(row["ECDAT"])


def test_qlq_c30_items_in_range(forms):
    qs = forms["qlqc30"]
    four = {"Not at all", "A little", "Quite a bit", "Very much"}
    done = qs[qs["QSPERF"] == "Yes"]
    for item in range(1, 29):
        assert set(done[f"Q{item:02d}"]) <= four | {""}
    for item in (29, 30):
        assert set(done[f"Q{item}"]) <= {str(v) for v in range(1, 8)} | {""}
    assert (done[[f"Q{i:02d}" for i in range(1, 31)]] == "").any(axis=None)   # some items blank
    not_done = qs[qs["QSPERF"] == "No"]
    assert len(not_done) > 0 and (not_done["QSNDRSN"] != "").all()
    assert (not_done[[f"Q{i:02d}" for i in range(1, 31)]] == "").all(axis=None)
    assert set(qs["FOLDER"]) <= {"EOT"} | {f"C{k}" for k in range(1, 36, 2)}


def test_ae_grades_seriousness_and_fatal_events(forms):
    ae, death = forms["ae"], forms["death"]
    assert set(ae["AETOXGR"]) <= {f"Grade {g}" for g in range(1, 6)}
    fatal = ae[ae["AETOXGR"] == "Grade 5"]
    assert (fatal["AEOUT"] == "Fatal").all() and (fatal["AESER"] == "Yes").all()
    assert (fatal["AESDTH"] == "Yes").all()
    assert set(ae.loc[ae["AEOUT"] == "Fatal", "AETOXGR"]) <= {"Grade 5"}
    by_ae = death[death["DTHCAUS"] == "Adverse event"]
    assert set(zip(by_ae["SUBJECT"], by_ae["DTHAENUM"])) == set(zip(fatal["SUBJECT"], fatal["AENUM"]))
    for _, row in fatal.iterrows():
        assert row["AEENDAT"] != "" and date_range(row["AEENDAT"])[0] <= date_range(
            death.set_index("SUBJECT").loc[row["SUBJECT"], "DTHDAT"])[1]
    not_serious = ae[ae["AESER"] == "No"]
    assert (not_serious[["AESDTH", "AESLIFE", "AESHOSP", "AESMIE"]] == "").all(axis=None)
    assert ((ae["AEONGO"] == "Yes") == (ae["AEENDAT"] == "")).all()


def test_rccep_is_the_most_common_event(forms):
    ae = forms["ae"]
    treated = forms["dosing"]["SUBJECT"].nunique()
    subjects = ae.groupby("AEPT")["SUBJECT"].nunique().sort_values(ascending=False)
    assert subjects.index[0] == "Reactive capillary endothelial proliferation"
    assert subjects.iloc[0] > treated / 2
    for term in ("Hypothyroidism", "Fatigue", "Alanine aminotransferase increased", "Anaemia"):
        assert subjects.get(term, 0) > 0


def test_ae_collected_to_30_days_after_last_dose_and_saes_to_90(forms):
    eot = forms["eot"].set_index("SUBJECT")
    for _, row in forms["ae"].iterrows():
        if row["SUBJECT"] not in eot.index:
            continue
        window = 90 if row["AESER"] == "Yes" else 30
        last = full_date(eot.loc[row["SUBJECT"], "LSTDOSDAT"])
        assert date_range(row["AESTDAT"])[0] <= last + dt.timedelta(days=window), row["SUBJECT"]


def test_no_record_after_death_or_cutoff(forms, dictionary):
    cutoff = dictionary["data_cutoff"]
    death = {s: date_range(d) for s, d in zip(forms["death"]["SUBJECT"], forms["death"]["DTHDAT"])}
    assert len(death) > 10
    checked = 0
    for form, column in sorted(date_columns(dictionary)):
        if (form, column) in (("eos", "EOSDAT"),):
            continue
        frame = forms[form]
        for subject, text in zip(frame["SUBJECT"], frame[column]):
            span = date_range(text)
            if span is None:
                continue
            assert span[0] <= cutoff, (form, column, subject, text)
            if subject in death:
                assert span[0] <= death[subject][1], (form, column, subject, text)
                checked += 1
    assert checked > 100
    eos = forms["eos"].set_index("SUBJECT")
    for subject, span in death.items():
        assert eos.loc[subject, "EOSRSN"] == "Death"
        assert date_range(eos.loc[subject, "EOSDAT"])[0] <= span[1]


def test_assessments_strictly_before_death_and_progression_ends_them(forms):
    death = {s: date_range(d) for s, d in zip(forms["death"]["SUBJECT"], forms["death"]["DTHDAT"])}
    tumour = forms["tumour"]
    progressions = 0
    for subject, rows in tumour.groupby("SUBJECT", sort=False):
        days = [full_date(d) for d in rows["TADAT"]]
        assert days == sorted(days)
        responses = list(rows["OVRLRESP"])
        # Screening first (its imaging is missing for a few subjects: no screening row then).
        assert (responses[0] == "") == (list(rows["FOLDER"])[0] == "SCR")
        assert "" not in responses[1:]
        if "Progressive Disease" in responses:
            progressions += 1
            assert responses.index("Progressive Disease") == len(responses) - 1, subject
        if subject in death:
            low, high = death[subject]
            assert days[-1] < high if low == high else days[-1] <= high, subject
    assert progressions > 20
    dosing = forms["dosing"]
    for subject, text in zip(dosing["SUBJECT"], dosing["ECDAT"]):
        if subject in death:
            assert full_date(text) <= death[subject][1]


def test_lesions_follow_recist(forms):
    """At most 5 target lesions, at most 2 per organ (lymph nodes one organ), measured at every
    assessment; the site's sum adds them up; new lesions only at progression."""
    targets = forms["target_lesions"]
    screening = targets[targets["FOLDER"] == "SCR"]
    organ = screening["TLSITE"].where(~screening["TLSITE"].str.endswith("lymph node"), "lymph node")
    assert screening.groupby("SUBJECT").size().max() <= 5
    assert screening.assign(organ=organ).groupby(["SUBJECT", "organ"]).size().max() <= 2
    assert (screening["TLDIAM"].astype(int) >= 10).all()
    tumour = forms["tumour"].set_index(["SUBJECT", "FOLDER"])
    for (subject, folder), rows in targets.groupby(["SUBJECT", "FOLDER"]):
        measured = rows["TLDIAM"] != ""
        assert (measured | (rows["TLNE"] != "")).all()
        expected = str(rows["TLDIAM"].astype(int).sum()) if measured.all() else ""
        assert tumour.loc[(subject, folder), "SUMDIAM"] == expected
        assert len(rows) == len(screening[screening["SUBJECT"] == subject])
    new = forms["new_lesions"]
    assert set(zip(new["SUBJECT"], new["FOLDER"])) <= set(
        tumour.index[tumour["OVRLRESP"] == "Progressive Disease"])
    assert 0 < (tumour["OVRLRESP"] == "Not Evaluable").sum() < 0.1 * len(tumour)


def test_doses_stop_at_progression(forms):
    pd_day = {}
    tumour = forms["tumour"]
    for subject, text in zip(tumour.loc[tumour["OVRLRESP"] == "Progressive Disease", "SUBJECT"],
                             tumour.loc[tumour["OVRLRESP"] == "Progressive Disease", "TADAT"]):
        pd_day[subject] = full_date(text)
    given = forms["dosing"][forms["dosing"]["ECYN"] == "Yes"]
    for subject, text in zip(given["SUBJECT"], given["ECDAT"]):
        if subject in pd_day:
            assert full_date(text) < pd_day[subject]


def test_disposition_is_consistent(forms):
    eot = forms["eot"]
    assert set(eot["EOTRSN"]) >= {"Completed treatment", "Progressive disease", "Adverse event"}
    for _, row in eot.iterrows():
        assert full_date(row["LSTDOSDAT"]) <= full_date(row["EOTDAT"])
    failures = forms["enrolment"][forms["enrolment"]["ELIGYN"] == "No"]
    eos = forms["eos"].set_index("SUBJECT")
    assert len(failures) > 0
    for subject in failures["SUBJECT"]:
        assert eos.loc[subject, "EOSRSN"] == "Screen failure"
    ae = forms["ae"].set_index(["SUBJECT", "AENUM"])
    for _, row in eot[eot["EOTRSN"] == "Adverse event"].iterrows():
        assert ae.loc[(row["SUBJECT"], row["EOTAENUM"]), "AEACN"] == "Drug withdrawn"
    survival = forms["survival"]
    alive = survival[survival["SURVSTAT"] == "Alive"]
    assert (alive["LKADAT"] == alive["SVDAT"]).all()


# Messiness a converter must handle.

def test_messiness_is_present(forms):
    enrolment, lab, ae = forms["enrolment"], forms["lab"], forms["ae"]
    assert enrolment["BRTHDAT"].str.startswith("UN ").any()
    assert enrolment["BRTHDAT"].str.contains(" UNK ").any()
    assert ae["AESTDAT"].str.startswith("UN ").any() or ae["AEENDAT"].str.startswith("UN ").any()
    assert ae["AETERM"].str.contains(r"^\s|\s$|  ").any()
    assert ae["AETERM"].map(lambda v: any(ord(ch) > 127 for ch in v)).any()
    assert (lab["LBORRESU"] == "µmol/L").any()
    ebv = lab[lab["LBTEST"].str.strip().str.casefold() == "ebv dna"]
    assert ebv["LBORRES"].str.match(r"^<\d+$").any()
    assert ebv["LBORRES"].str.match(r"^\d\.\dE\+\d\d$").any()
    hgb = lab[lab["LBTEST"].str.strip().str.casefold() == "haemoglobin"]
    assert {"g/L", "g/dL"} <= set(hgb["LBORRESU"])
    body = lab.drop(columns="RECORDPOSITION")
    assert body.duplicated().any()
    assert (lab["FOLDER"].str.startswith("UNS")).any()
    assert (lab["LBNDRSN"] != "").any() and (lab.loc[lab["LBNDRSN"] != "", "LBORRES"] == "").all()


def test_tiny_exports_keep_every_form_and_bad_arguments_raise():
    forms = generate(1, 0)
    assert len(forms["enrolment"]) == 1 and len(forms["death"]) == 0
    assert list(forms["death"].columns)[-1] == "DTHCAUSP"
    for subjects, seed in ((0, 1), (-1, 1), (2.5, 1), (True, 1), (5, -1)):
        with pytest.raises(InputError):
            generate(subjects, seed)


# Command line.

def test_cli_writes_the_export(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "raw"), "--subjects", "12", "--seed", "5"]) == 0
    assert sorted(p.name for p in (tmp_path / "raw").iterdir())[-1] == "vitals.csv"
    assert (tmp_path / "raw" / "forms.yaml").is_file()
    assert "12 subjects" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--subjects", "0"], "--subjects must be a whole number greater than 0, got 0"),
    (["--subjects", "-5"], "--subjects must be a whole number greater than 0, got -5"),
    (["--subjects", "ten"], "--subjects must be a whole number, got 'ten'"),
])
def test_cli_rejects_bad_subject_counts(tmp_path, capsys, argv, message):
    assert main(["simulate", "--out", str(tmp_path / "raw"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "raw").exists()


def test_cli_rejects_an_unwritable_folder(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert main(["simulate", "--out", str(blocker / "raw")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a folder" in err
    assert main(["simulate", "--out", str(blocker)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]
