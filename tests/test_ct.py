"""Controlled terminology: loading NCI EVS releases, lookups, subsets, spec comparison."""

import lzma

import pytest
from conftest import reference

from specs.ct import COLUMNS, Finding, compare_codelists, load_terminology
from specs.errors import InputError
from specs.model import Codelist, Term

HEADER = "\t".join(COLUMNS)
# Code, Codelist Code, Extensible, Codelist Name, Submission Value, Synonyms, Definition, Preferred Term
TINY_ROWS = [
    "C66769\t\tNo\tSeverity/Intensity Scale for Adverse Events\tAESEV\tSeverity\tdef\tSeverity Terminology",
    "C41338\tC66769\t\tSeverity/Intensity Scale for Adverse Events\tMILD\t1; Grade 1\tdef\tMild Adverse Event",
    "C41339\tC66769\t\tSeverity/Intensity Scale for Adverse Events\tMODERATE\t2; Grade 2\tdef\tModerate Adverse Event",
    "C41340\tC66769\t\tSeverity/Intensity Scale for Adverse Events\tSEVERE\t3; Grade 3\tdef\tSevere Adverse Event",
    'C71620\t\tYes\tUnit\tUNIT\tUnit\tUnits, "quoted" text\tUnit Terminology',
    "C28253\tC71620\t\tUnit\tmg\tMilligram\tdef\tMilligram",
    "C42576\tC71620\t\tUnit\tg/L\tg/L; mg/mL\tdef\tKilogram per Cubic Meter",
    # two codelists sharing the submission value DUP
    "C90001\t\tYes\tFirst Duplicate\tDUP\t\tdef\tFirst",
    "C90011\tC90001\t\tFirst Duplicate\tA\t\tdef\tA one",
    "C90002\t\tNo\tSecond Duplicate\tDUP\t\tdef\tSecond",
    "C90012\tC90002\t\tSecond Duplicate\tB\t\tdef\tB two",
]


def write_ct(path, rows, header=HEADER):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def tiny(tmp_path):
    return load_terminology(write_ct(tmp_path / "SDTM Terminology 2024-12-20.txt", TINY_ROWS))


@pytest.fixture(scope="module")
def release():
    return load_terminology(reference("ct", "sdtm-terminology-2025-03-28.txt.xz"))


# --- tiny hand-written release -------------------------------------------------------------

def test_tiny_codelist_by_code_and_value(tiny):
    assert tiny.version == "2024-12-20"
    assert len(tiny) == 4
    aesev = tiny.codelist("AESEV")
    assert aesev == Codelist(id="AESEV", name="Severity/Intensity Scale for Adverse Events",
                             nci_code="C66769", extensible=False, terms=[
                                 Term(value="MILD", decode="Mild Adverse Event", nci_code="C41338"),
                                 Term(value="MODERATE", decode="Moderate Adverse Event", nci_code="C41339"),
                                 Term(value="SEVERE", decode="Severe Adverse Event", nci_code="C41340")])
    assert tiny.codelist("C66769") == aesev
    assert tiny.codelist("AESEV") is not tiny.codelist("AESEV")   # callers get their own copy
    assert tiny.synonyms("AESEV", "MILD") == ("1", "Grade 1")
    assert tiny.synonyms("AESEV", "FATAL") == ()


def test_tiny_contains_and_extensible(tiny):
    assert tiny.contains("AESEV", "MILD")
    assert not tiny.contains("C66769", "Mild")
    assert tiny.contains("UNIT", "g/L")
    assert tiny.is_extensible("UNIT") is True
    assert tiny.is_extensible("C66769") is False
    assert "AESEV" in tiny and "C71620" in tiny
    assert "NOPE" not in tiny and "DUP" not in tiny


def test_tiny_quotes_are_plain_text(tiny):
    assert tiny.codelist("UNIT").values() == ["mg", "g/L"]
    assert tiny.synonyms("UNIT", "g/L") == ("g/L", "mg/mL")


def test_ambiguous_submission_value_needs_nci_code(tiny):
    with pytest.raises(InputError, match=r"'DUP' is ambiguous \(C90001, C90002\); use an NCI code"):
        tiny.codelist("DUP")
    assert tiny.codelist("C90002").values() == ["B"]
    assert tiny.is_extensible("C90001") is True


def test_unknown_codelist(tiny):
    with pytest.raises(InputError, match=r"^CT 2024-12-20: no codelist 'SEX'$"):
        tiny.codelist("SEX")


def test_subset_keeps_given_order(tiny):
    sub = tiny.subset("UNIT", ["g/L", "mg"], id="LBUNIT")
    assert sub == Codelist(id="LBUNIT", name="Unit", nci_code="C71620", extensible=True, terms=[
        Term(value="g/L", decode="Kilogram per Cubic Meter", nci_code="C42576"),
        Term(value="mg", decode="Milligram", nci_code="C28253")])
    assert tiny.subset("AESEV", ["SEVERE"]).id == "AESEV"


def test_subset_missing_and_repeated_values(tiny):
    with pytest.raises(InputError, match=r"codelist AESEV \(C66769\) has no term 'FATAL', 'mild'"):
        tiny.subset("AESEV", ["MILD", "FATAL", "mild"])
    with pytest.raises(InputError, match=r"'MILD' listed more than once"):
        tiny.subset("AESEV", ["MILD", "SEVERE", "MILD"])


def test_xz_and_explicit_version(tmp_path):
    text = "\n".join([HEADER, *TINY_ROWS[:4]]) + "\n"
    path = tmp_path / "ct.txt.xz"
    path.write_bytes(lzma.compress(text.encode()))
    ct = load_terminology(path, version="2025-06-27")
    assert ct.version == "2025-06-27"
    assert ct.codelist("AESEV").values() == ["MILD", "MODERATE", "SEVERE"]
    assert load_terminology(path).version is None


def test_crlf_blank_lines_and_column_order(tmp_path):
    cols = list(COLUMNS)
    order = [4, 0, 1, 2, 3, 5, 6, 7]          # submission value first
    rows = [r.split("\t") for r in TINY_ROWS[:2]]
    lines = ["\t".join(cols[i] for i in order)] + ["\t".join(r[i] for i in order) for r in rows]
    path = tmp_path / "ct.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode())
    ct = load_terminology(path)
    assert ct.codelist("AESEV").terms == [Term(value="MILD", decode="Mild Adverse Event", nci_code="C41338")]


# --- malformed input ---------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "none.txt.xz"
    with pytest.raises(InputError, match=r"none\.txt\.xz: no such CT file"):
        load_terminology(path)


def test_not_xz(tmp_path):
    path = write_ct(tmp_path / "ct.txt.xz", TINY_ROWS)
    with pytest.raises(InputError, match=r"ct\.txt\.xz: cannot read CT file"):
        load_terminology(path)


def test_empty_file(tmp_path):
    path = tmp_path / "ct.txt"
    path.write_text("")
    with pytest.raises(InputError, match=r"ct\.txt: empty CT file"):
        load_terminology(path)


def test_wrong_columns(tmp_path):
    header = HEADER.replace("NCI Preferred Term", "Preferred").replace("Codelist Code", "List")
    path = write_ct(tmp_path / "ct.txt", TINY_ROWS, header=header)
    with pytest.raises(InputError, match=r"ct\.txt: not an NCI EVS CT file, "
                                         r"missing column\(s\) Codelist Code, NCI Preferred Term"):
        load_terminology(path)


@pytest.mark.parametrize("row, problem", [
    ("C41341\tC66769\t\tSeverity\tFATAL", r"5 tab-separated fields, expected 8"),
    ("C41341\tC66769\t\tSeverity\t\t\tdef\tFatal", r"empty Code or CDISC Submission Value"),
    ("C66731\t\tMaybe\tSex\tSEX\t\tdef\tSex", r"codelist C66731 has Codelist Extensible 'Maybe', expected Yes or No"),
    ("C66769\t\tNo\tSeverity\tAESEV\t\tdef\tAgain", r"codelist C66769 defined twice"),
    ("C41341\tC99999\t\tNowhere\tFATAL\t\tdef\tFatal", r"term C41341 names codelist C99999, which has no header row"),
    ("C41342\tC66769\t\tSeverity\tMILD\t\tdef\tMild again", r"codelist AESEV \(C66769\) has term 'MILD' twice"),
])
def test_malformed_rows_name_file_and_line(tmp_path, row, problem):
    path = write_ct(tmp_path / "ct.txt", TINY_ROWS[:2] + [row] + TINY_ROWS[2:4])   # row is line 4
    with pytest.raises(InputError, match=rf"ct\.txt, line 4: {problem}"):
        load_terminology(path)


# --- comparing spec codelists ------------------------------------------------------------------

def test_compare_codelists_tiny(tiny):
    spec = {
        "AESEV": Codelist(id="AESEV", name="Severity/Intensity Scale for Adverse Events",
                          nci_code="C66769", extensible=False, terms=[
                              Term(value="MILD", decode="Grade 1", nci_code="C41338"),   # synonym: fine
                              Term(value="MODERATE", decode="Moderate", nci_code="C41339"),
                              Term(value="SEVERE", nci_code="C41338"),
                              Term(value="FATAL", nci_code="C48275")]),
        "UNIT": Codelist(id="UNIT", name="Units", nci_code="C71620", extensible=False, terms=[
            Term(value="mg"), Term(value="mmol/L")]),
        "SPONSOR": Codelist(id="SPONSOR", name="Sponsor list", terms=[Term(value="ANYTHING")]),
        "GONE": Codelist(id="GONE", name="Retired", nci_code="C12345"),
    }
    assert compare_codelists(spec, tiny) == [
        Finding("Warning", "AESEV", "MODERATE", "codelist AESEV: term 'MODERATE' decode 'Moderate' is "
                "neither the NCI preferred term 'Moderate Adverse Event' nor a CDISC synonym"),
        Finding("Error", "AESEV", "SEVERE", "codelist AESEV: term 'SEVERE' has NCI code C41338, "
                "CT 2024-12-20 gives C41340"),
        Finding("Error", "AESEV", "FATAL", "codelist AESEV: term 'FATAL' is not in non-extensible "
                "AESEV (C66769) of CT 2024-12-20"),
        Finding("Warning", "UNIT", None, "codelist UNIT: name 'Units' differs from CT 2024-12-20 name 'Unit'"),
        Finding("Warning", "UNIT", None, "codelist UNIT: extensible is No, CT 2024-12-20 says Yes"),
        Finding("Warning", "UNIT", "mg", "codelist UNIT: term 'mg' has no NCI code, CT 2024-12-20 gives C28253"),
        Finding("Notice", "UNIT", "mmol/L", "codelist UNIT: term 'mmol/L' is a sponsor extension of "
                "extensible UNIT (C71620)"),
        Finding("Error", "GONE", None, "codelist GONE: NCI code C12345 is not a codelist of CT 2024-12-20"),
    ]
    # a subset taken from the release compares clean, and a list of codelists works as a mapping does
    assert compare_codelists([tiny.subset("AESEV", ["SEVERE", "MILD"])], tiny) == []


# --- the reference release (skipped when absent) -----------------------------------------------

def test_reference_aesev_and_ny(release):
    assert release.version == "2025-03-28"
    aesev = release.codelist("AESEV")
    assert (aesev.nci_code, aesev.name, aesev.extensible) == (
        "C66769", "Severity/Intensity Scale for Adverse Events", False)
    assert [(t.value, t.nci_code, t.decode) for t in aesev.terms] == [
        ("MILD", "C41338", "Mild Adverse Event"),
        ("MODERATE", "C41339", "Moderate Adverse Event"),
        ("SEVERE", "C41340", "Severe Adverse Event")]
    assert release.codelist("C66769") == aesev
    ny = release.codelist("NY")
    assert (ny.nci_code, ny.extensible) == ("C66742", False)
    assert [(t.value, t.nci_code) for t in ny.terms] == [
        ("N", "C49487"), ("NA", "C48660"), ("U", "C17998"), ("Y", "C49488")]
    assert release.codelist("C66742") == ny


def test_reference_eortc_qlq_c30(release):
    assert release.contains("QSCAT", "EORTC QLQ-C30 V3.0")
    assert release.is_extensible("QSCAT") is True
    testcd = release.codelist("C161619")
    assert (testcd.id, testcd.extensible) == ("EOR01TC", False)
    assert release.codelist("EOR01TC") == testcd
    names = release.codelist("EOR01TN")
    assert names.nci_code == "C161618"
    by_code = {t.nci_code: t.value for t in names.terms}
    first, last = testcd.term("EOR0101"), testcd.term("EOR0130")
    assert (first.nci_code, by_code[first.nci_code]) == ("C161674", "EOR01-Trouble Doing Strenuous Activities")
    assert (last.nci_code, by_code[last.nci_code]) == ("C161703", "EOR01-Rate Your Overall Quality of Life")
    assert [f"EOR01{i:02d}" for i in range(1, 31)] == testcd.values()[:30]


def test_reference_extensible_and_lookups(release):
    assert release.is_extensible("UNIT") is True
    assert release.is_extensible("SEX") is False
    assert release.contains("LBTESTCD", "HGB")
    assert not release.contains("NY", "YES")
    assert release.subset("C66731", ["M", "F"]).terms == [
        Term(value="M", decode="Male", nci_code="C20197"),
        Term(value="F", decode="Female", nci_code="C16576")]


def test_reference_compare(release):
    spec = [
        Codelist(id="AESEV", name="Severity/Intensity Scale for Adverse Events", nci_code="C66769", terms=[
            Term(value="MILD", nci_code="C41338"), Term(value="LIFE THREATENING", nci_code="C41337")]),
        Codelist(id="ROUTE", name="Route of Administration Response", nci_code="C66729", extensible=True,
                 terms=[Term(value="INTRAVENOUS", nci_code="C38274"), Term(value="IV INFUSION PUMP")]),
        Codelist(id="AEREL", name="Causality", terms=[Term(value="RELATED")]),
    ]
    assert [(f.severity, f.codelist, f.value) for f in compare_codelists(spec, release)] == [
        ("Error", "AESEV", "LIFE THREATENING"),
        ("Error", "ROUTE", "INTRAVENOUS"),
        ("Notice", "ROUTE", "IV INFUSION PUMP"),
    ]
    assert compare_codelists(spec, release)[1].message == (
        "codelist ROUTE: term 'INTRAVENOUS' has NCI code C38274, CT 2025-03-28 gives C38276")
