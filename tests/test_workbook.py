"""The Define-style workbook: export, import of every layout, and the problems it reports."""

import io

import openpyxl
import pytest

from conftest import reference
from specs import InputError, SpecError, load_study, write_study
from specs.loader import BUNDLED_DIR
from specs.serialize import study_data, to_data
from specs.workbook import format_where, parse_where
from specs.workbook_export import export_workbook
from specs.workbook_import import read_workbook

# The mini study with every kind of field the model has: value-level metadata,
# an ADaM dataset, an external dictionary, methods, comments, documents and mappings.
RICH = {
    "study.yaml": """\
studyid: MINI01
title: A minimal study for tests
protocol: MINI-01
sponsor: Example Pharma
ct_version: "2025-03-28"
standards:
  - {id: STD.SDTMIG, name: SDTMIG, version: "3.4"}
  - {id: STD.ADAMIG, name: ADaMIG, version: "1.3"}
  - {id: STD.CT, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: SDTM}
  - {id: STD.CT.ADAM, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: ADaM}
documents:
  - {id: ACRF, title: Annotated CRF, href: acrf.pdf, kind: acrf}
  - {id: SDRG, title: Study Data Reviewer's Guide, href: sdrg.pdf}
parameters:
  data_cutoff: "2024-03-31"
  visits: [1, 2, "003"]
""",
    "codelists.yaml": """\
- id: AESEV
  name: Severity/Intensity Scale for Adverse Events
  nci_code: C66769
  standard: STD.CT
  terms:
    - {value: MILD, nci_code: C41338, collected: [Mild, "mild; light"]}
    - {value: MODERATE, nci_code: C41339, collected: [Moderate]}
    - {value: SEVERE, nci_code: C41340, collected: [Severe]}
- id: NY
  name: No Yes Response
  nci_code: C66742
  extensible: true
  standard: STD.CT.ADAM
  comment: COM.NY
  terms:
    - {value: "NO", decode: "No", nci_code: C49487, rank: 1}
    - {value: "Y", decode: "Yes", rank: 2.5}
- id: VSTESTCD
  name: Vital Signs Test Code
  terms:
    - {value: SYSBP}
    - {value: DIABP}
- id: MEDDRA
  name: MedDRA
  dictionary: MedDRA
  version: "26.0"
  comment: COM.MEDDRA
""",
    "methods.yaml": """\
- id: MT.AESEQ
  name: Sequence number
  description: Sequential number of the record within the subject, in key order.
- id: MT.TRTSDT
  name: First dose date
  type: Imputation
  description: |-
    Date of the first exposure record.
    Missing days are not imputed.
  expression: min(EX.EXSTDTC)
  context: Python
  document: SDRG
  pages: [12, "14-16"]
""",
    "comments.yaml": """\
- id: COM.AE
  text: Adverse events collected to 30 days after the last dose.
- id: COM.NY
  text: "=Y means yes"
  document: SDRG
  pages: [5]
- id: COM.MEDDRA
  text: Coded centrally.
""",
    "sdtm/AE.yaml": """\
name: AE
label: Adverse Events
standard: STD.SDTMIG
class: EVENTS
structure: One record per adverse event per subject
keys: [STUDYID, USUBJID, AETERM, AESTDTC]
comment: COM.AE
mapping: {sources: [{form: ae_raw, where: {column: AEYN, equals: "Y"}}]}
variables:
  - {name: STUDYID, label: Study Identifier, role: Identifier, core: Req, length: 6,
     mapping: {algorithm: parameter, name: studyid}}
  - {name: USUBJID, label: Unique Subject Identifier, role: Identifier, core: Req}
  - {name: AESEQ, label: Sequence Number, data_type: integer, role: Identifier, core: Req,
     method: MT.AESEQ, origin: {type: Derived}, mapping: {algorithm: seq}}
  - {name: AETERM, label: Reported Term for the Adverse Event, role: Topic, core: Req,
     origin: {type: Collected, source: Investigator, document: ACRF, pages: [3]},
     mapping: {algorithm: assign, column: IT.AETERM, decode: {"NO": "N", "1": 2}}}
  - {name: AESEV, label: Severity/Intensity, codelist: AESEV, role: Record Qualifier, core: Perm,
     origin: {type: Collected, source: Investigator, document: ACRF}}
  - {name: AEDECOD, label: Dictionary-Derived Term, codelist: MEDDRA, role: Synonym Qualifier, core: Req}
  - {name: AESTDTC, label: Start Date/Time of Adverse Event, data_type: datetime, role: Timing, core: Exp}
""",
    "sdtm/VS.yaml": """\
name: VS
label: Vital Signs
standard: STD.SDTMIG
class: FINDINGS
structure: One record per vital sign measurement per visit per subject
keys: [STUDYID, USUBJID, VSTESTCD]
domain: VS
description: Blood pressure, collected at every visit.
has_no_data: true
variables:
  - {name: STUDYID, label: Study Identifier, core: Req}
  - {name: USUBJID, label: Unique Subject Identifier, core: Req}
  - {name: VSTESTCD, label: Vital Signs Test Short Name, codelist: VSTESTCD, core: Req}
  - {name: VSPOS, label: Vital Signs Position of Subject, core: Perm}
  - {name: VSORRES, label: Result or Finding in Original Units, length: 20, core: Exp}
value_level:
  - variable: VSORRES
    where: [{variable: VSTESTCD, values: [SYSBP]}]
    data_type: integer
    length: 3
    origin: {type: Collected, source: Investigator, document: ACRF, pages: [7, 8]}
  - variable: VSORRES
    where:
      - {variable: VSTESTCD, comparator: IN, values: [DIABP, SYSBP]}
      - {variable: VSPOS, comparator: NE, values: ['STANDING "UP", AND STILL']}
    label: Blood pressure not standing
    data_type: float
    significant_digits: 1
    display_format: "5.1"
    mandatory: true
    method: MT.AESEQ
    comment: COM.AE
    codelist: NY
""",
    "adam/ADTTE.yaml": """\
name: ADTTE
label: Time-to-Event Analysis Dataset
standard: STD.ADAMIG
class: BASIC DATA STRUCTURE
subclass: TIME-TO-EVENT
structure: One record per subject per parameter
keys: [USUBJID, PARAMCD]
variables:
  - {name: USUBJID, label: Unique Subject Identifier, core: Req}
  - {name: PARAMCD, label: Parameter Code, core: Req, length: 8}
  - {name: AVAL, label: Analysis Value, data_type: float, core: Cond}
""",
    "adam/ADSL.yaml": """\
name: ADSL
label: Subject-Level Analysis Dataset
standard: STD.ADAMIG
class: SUBJECT LEVEL ANALYSIS DATASET
structure: One record per subject
keys: [USUBJID]
repeating: false
variables:
  - {name: STUDYID, label: Study Identifier, core: Req, role: ADSL Identifier Variables,
     origin: {type: Predecessor, predecessor: DM.STUDYID}}
  - {name: USUBJID, label: Unique Subject Identifier, core: Req}
  - {name: TRTSDT, label: Date of First Exposure to Treatment, data_type: integer, display_format: DATE9.,
     method: MT.TRTSDT, origin: {type: Derived, source: Sponsor}, core: Cond}
  - {name: SAFFL, label: Safety Population Flag, codelist: NY, length: 1,
     origin: {type: Derived, document: SDRG, pages: [2]}}
""",
}


def spec_folder(files, root):
    """Write spec ``files`` (name -> text) into folder ``root``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def rich_study(tmp_path):
    return spec_folder(RICH, tmp_path / "rich")


def plain(study):
    """Everything a study holds, as plain data to compare (definitions by id)."""
    return {
        "study": study_data(study),
        "codelists": {k: to_data(c) for k, c in study.codelists.items()},
        "methods": {k: to_data(m) for k, m in study.methods.items()},
        "comments": {k: to_data(c) for k, c in study.comments.items()},
        "datasets": {name: (ds.model, to_data(ds)) for name, ds in sorted(study.datasets.items())},
    }


def reimport(study, tmp_path, name="back"):
    """Study -> xlsx -> Study -> spec folder -> load_study."""
    book = tmp_path / f"{name}.xlsx"
    book.write_bytes(export_workbook(study))
    read, notes = read_workbook(book)
    return load_study(write_study(read, tmp_path / name)), notes


def test_export_import_is_lossless(rich_study, tmp_path):
    study = load_study(rich_study)
    back, notes = reimport(study, tmp_path)
    assert notes == []
    assert plain(back) == plain(study)
    vs = back.datasets["VS"]
    assert vs.value_level[1].where[1].values == ['STANDING "UP", AND STILL']
    assert back.datasets["AE"].variable("AETERM").mapping == {"algorithm": "assign", "column": "IT.AETERM",
                                                              "decode": {"NO": "N", "1": 2}}
    assert back.datasets["AE"].variable("AESEQ").mapping == {"algorithm": "seq"}
    assert back.parameters == {"data_cutoff": "2024-03-31", "visits": [1, 2, "003"]}
    assert back.codelists["AESEV"].term("MILD").collected == ["Mild", "mild; light"]
    assert back.datasets["ADSL"].model == "ADaM" and back.datasets["ADSL"].variable("TRTSDT").core == "Cond"


def test_mini_study_round_trips_too(mini_study, tmp_path):
    study = load_study(mini_study)
    back, _ = reimport(study, tmp_path)
    assert plain(back) == plain(study)


def test_bundled_study_round_trips(tmp_path):
    if not (BUNDLED_DIR / "camrelizumab-npc" / "study.yaml").is_file():
        pytest.skip("bundled study not present")
    study = load_study("camrelizumab-npc")
    back, notes = reimport(study, tmp_path)
    assert notes == [] and plain(back) == plain(study)


def test_export_is_deterministic_and_readable(rich_study):
    study = load_study(rich_study)
    data = export_workbook(study)
    assert data == export_workbook(study)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Define", "Datasets", "Variables", "ValueLevel", "Codelists", "Dictionaries",
                               "Methods", "Comments", "Documents", "Analysis Displays", "Analysis Results",
                               "Mapping"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
    variables = book["Variables"]
    assert [c.value for c in variables[1]] == [
        "Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Significant Digits", "Format",
        "Mandatory", "Core", "Codelist", "Origin", "Source", "Pages", "Document", "Method", "Predecessor",
        "Role", "Comment"]
    assert variables.auto_filter.ref == "A1:S20"
    assert [c.value for c in variables[5]] == [
        4, "AE", "AETERM", "Reported Term for the Adverse Event", "text", None, None, None, "Yes", "Req",
        None, "Collected", "Investigator", "3", "ACRF", None, None, "Topic", None]
    assert variables.column_dimensions["D"].width == len("Reported Term for the Adverse Event") + 2
    assert [c.value for c in book["ValueLevel"][3]][:4] == [
        2, "VS", "VSORRES", 'VSTESTCD IN ("DIABP", "SYSBP") and VSPOS NE "STANDING ""UP"", AND STILL"']
    assert [c.value for c in book["Mapping"][2]] == [None, None, "data_cutoff", "2024-03-31"]
    assert [c.value for c in book["Mapping"][3]] == [None, None, "visits", "[1, 2, '003']"]
    assert book["Comments"]["B3"].value == "=Y means yes" and book["Comments"]["B3"].data_type == "s"
    define = book["Define"]
    assert [(r[0].value, r[1].value) for r in define.iter_rows(min_row=2, max_row=10)] == [
        ("StudyName", "MINI01"), ("StudyDescription", "A minimal study for tests"),
        ("ProtocolName", "MINI-01"), ("StandardName", "SDTMIG"), ("StandardVersion", "3.4"),
        ("Language", "en"), ("Sponsor", "Example Pharma"), ("CT Version", "2025-03-28"),
        ("Annotated CRF", "ACRF")]


def test_inline_where_clause_syntax(rich_study):
    assert parse_where('LB.LBTESTCD eq ALB and LBCAT EQ "CHEMISTRY" and LBSPEC not in (URINE, "A, B")') == [
        ("LB", "LBTESTCD", "EQ", ["ALB"]), (None, "LBCAT", "EQ", ["CHEMISTRY"]),
        (None, "LBSPEC", "NOTIN", ["URINE", "A, B"])]
    assert parse_where("AVISIT EQ Week 2 and Day 3") == [(None, "AVISIT", "EQ", ["Week 2 and Day 3"])]
    with pytest.raises(ValueError, match="expected VARIABLE COMPARATOR VALUE"):
        parse_where("PARAMCD = ALB")
    with pytest.raises(ValueError, match="not closed"):
        parse_where('PARAMCD EQ "ALB')
    study = load_study(rich_study)
    assert format_where(study.datasets["VS"].value_level[0].where) == 'VSTESTCD EQ "SYSBP"'


# --- the reference workbooks ---------------------------------------------------------------

def test_p21_2_0_template_imports_and_loads(tmp_path):
    study, notes = read_workbook(reference("define-specs", "p21-2.0-sdtm-cdiscpilot.xlsx"))
    loaded = load_study(write_study(study, tmp_path / "pilot"))
    assert (loaded.studyid, loaded.title, loaded.protocol) == (
        "TDF_SDTM", "Test datasets created by updating existing CDISCPILOT SDTM datasets", "TDF_Datasets")
    assert len(loaded.datasets) == 31 and {ds.model for ds in loaded.datasets.values()} == {"SDTM"}
    assert sum(len(ds.variables) for ds in loaded.datasets.values()) == 517
    assert sum(len(ds.value_level) for ds in loaded.datasets.values()) == 224
    assert (len(loaded.codelists), len(loaded.methods), len(loaded.comments)) == (75, 103, 19)
    assert [(s.id, s.name, s.version) for s in loaded.standards] == [("STD.SDTMIG.3.2", "SDTMIG", "3.2")]
    assert [(d.id, d.kind) for d in loaded.documents] == [("blankcrf", "acrf")]
    ae = loaded.datasets["AE"]
    assert ae.keys == ["STUDYID", "USUBJID", "AETERM", "AESTDTC", "AESEQ"] and ae.standard == "STD.SDTMIG.3.2"
    assert to_data(ae.variable("AESEQ")) == {
        "name": "AESEQ", "label": "Sequence Number", "data_type": "integer", "length": 8,
        "role": "Identifier", "core": "Req", "origin": {"type": "Derived"}, "method": "AE.AESEQ"}
    assert ae.variable("STUDYID").origin.source == "Investigator"          # CRF
    assert loaded.datasets["LBCH"].value_level[2].where[1].values == ["ALP"]
    assert loaded.datasets["LBCH"].value_level[2].origin.source == "Vendor"  # eDT
    assert to_data(loaded.codelists["AEDICT"]) == {"id": "AEDICT", "name": "ADVERSE EVENT DICTIONARY",
                                                   "dictionary": "MEDDRA", "version": "8.0"}
    assert notes == [f"ValueLevel!D{row}: value-level row not imported: its where-clause "
                     "'da39a3ee5e6b4b0d3255bfef95601890afd80709' has no Variable (WhereClauses!98)"
                     for row in (195, 196, 197)]


def test_p21_2_1_template_imports_and_loads(tmp_path):
    study, notes = read_workbook(reference("define-specs", "p21-2.1-adam-pharmaverse.xlsx"))
    loaded = load_study(write_study(study, tmp_path / "adams"))
    assert len(loaded.datasets) == 30 and {ds.model for ds in loaded.datasets.values()} == {"ADaM"}
    assert sum(len(ds.variables) for ds in loaded.datasets.values()) == 2378
    assert [(s.id, s.name, s.version) for s in loaded.standards] == [("STD.ADaMIG.1.1", "ADaMIG", "1.1")]
    adsl = loaded.datasets["ADSL"]
    assert (adsl.label, adsl.class_, adsl.keys, adsl.standard) == (
        "Subject Level Analysis", "SUBJECT LEVEL ANALYSIS DATASET", ["STUDYID", "USUBJID"], "STD.ADaMIG.1.1")
    assert to_data(adsl.variable("TRTSDT")) == {
        "name": "TRTSDT", "label": "Date of First Exposure to Treatment", "data_type": "integer",
        "length": 8, "display_format": "DATE", "role": "ADSL Treatment Timing Variables"}
    assert adsl.variable("AGE").core == "Req"
    assert notes == [
        "Define!B2: StudyName is empty; the study is named 'p21-2-1-adam-pharmaverse' after the file",
        "Variables!S1: column 'Has No Data' is not imported (2064 filled cell(s))"]


def test_odmlib_layout(tmp_path):
    book = openpyxl.Workbook()
    sheets = {
        "Study": [("Attribute", "Value"), ("StudyName", "ODM01"), ("StudyDescription", "odmlib study"),
                  ("ProtocolName", "ODM-01"), ("Language", "en"), ("Annotated CRF", "LF.acrf")],
        "Standards": [("OID", "Name", "Type", "Publishing Set", "Version", "Status", "Comment"),
                      ("STD.ADaMIG 1.1", "ADaMIG", "IG", None, "1.1", "FINAL", None)],
        "Datasets": [("OID", "Dataset", "Description", "Class", "Structure", "Purpose", "Repeating",
                      "Reference Data", "Comment", "IsNonStandard", "StandardOID", "HasNoData"),
                     ("IG.ADVS", "ADVS", "Vital Signs Analysis", "BASIC DATA STRUCTURE", "per param", "Analysis",
                      "Yes", "No", None, None, "STD.ADaMIG 1.1", None)],
        "Variables": [("OID", "Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Significant Digits",
                       "Format", "KeySequence", "Mandatory", "CodeList", "Valuelist", "Origin Type",
                       "Origin Source", "Pages", "Method", "Predecessor", "Role", "Comment"),
                      ("IT.ADVS.USUBJID", 2, "ADVS", "USUBJID", "Unique Subject Identifier", "text", 11, None,
                       None, 1, "Yes", None, None, "Predecessor", None, None, None, "ADSL.USUBJID", None, None),
                      ("IT.ADVS.PARAMCD", 3, "ADVS", "PARAMCD", "Parameter Code", "text", 8, None, None, 2,
                       "Yes", "CL.PARAMCD", None, "Assigned", "Sponsor", None, None, None, None, None),
                      ("IT.ADVS.AVAL", 4, "ADVS", "AVAL", "Analysis Value", "float", 8, None, None, None,
                       "No", None, "VL.ADVS.AVAL", "Collected", "Investigator", "12 13", None, None, None, None)],
        "ValueLevel": [("OID", "Order", "Dataset", "Variable", "ItemOID", "Where Clause", "Data Type", "Length",
                        "Significant Digits", "Format", "Mandatory", "Codelist", "Origin Type", "Origin Source",
                        "Pages", "Method", "Predecessor", "Comment"),
                       ("VL.ADVS.AVAL", 1, "ADVS", "AVAL.ADVS.PARAMCD.EQ.SYSBP", "IT.X",
                        "WC.ADVS.PARAMCD.EQ.SYSBP", "integer", 3, None, None, "No", None, "Derived", "Sponsor",
                        None, "MT.AVAL", None, None)],
        "WhereClauses": [("OID", "Dataset", "Variable", "Comparator", "Value", "Comment"),
                         ("WC.ADVS.PARAMCD.EQ.SYSBP", "ADVS", "PARAMCD", "IN", "SYSBP, DIABP", None)],
        "CodeLists": [("OID", "Name", "NCI Codelist Code", "Data Type", "Order", "Term", "NCI Term Code",
                       "Decoded Value", "Comment", "IsNonStandard", "StandardOID"),
                      ("CL.PARAMCD", "Parameter Code", None, "text", 2, "SYSBP", None, "Systolic", None, None, None),
                      ("CL.PARAMCD", "Parameter Code", None, "text", 1, "DIABP", None, "Diastolic", None, None,
                       None)],
        "Methods": [("OID", "Name", "Type", "Description", "Expression Context", "Expression Code", "Document",
                     "Pages"), ("MT.AVAL", "AVAL", "Computation", "Mean of the readings", None, None, None, None)],
        "Documents": [("ID", "Title", "Href"), ("LF.acrf", "Annotated CRF", "acrf.pdf")],
    }
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / "odmlib.xlsx"
    book.save(path)
    study, notes = read_workbook(path)
    loaded = load_study(write_study(study, tmp_path / "odm"))
    advs = loaded.datasets["ADVS"]
    assert advs.model == "ADaM" and advs.keys == ["USUBJID", "PARAMCD"] and advs.standard == "STD.ADaMIG_1.1"
    assert loaded.standards[0].id == "STD.ADaMIG_1.1" and loaded.standards[0].status == "FINAL"
    assert to_data(advs.variable("AVAL").origin) == {
        "type": "Collected", "source": "Investigator", "document": "LF.acrf", "pages": [12, 13]}
    assert advs.variable("USUBJID").origin.predecessor == "ADSL.USUBJID"
    assert [to_data(v) for v in advs.value_level] == [{
        "variable": "AVAL", "where": [{"variable": "PARAMCD", "comparator": "IN", "values": ["SYSBP", "DIABP"]}],
        "data_type": "integer", "length": 3, "method": "MT.AVAL", "origin": {"type": "Derived", "source": "Sponsor"}}]
    assert loaded.codelists["CL.PARAMCD"].values() == ["DIABP", "SYSBP"]
    assert loaded.documents[0].kind == "acrf"
    assert notes == []


# --- problems --------------------------------------------------------------------------------

def _broken(study, tmp_path, edit):
    book = openpyxl.load_workbook(io.BytesIO(export_workbook(study)))
    edit(book)
    path = tmp_path / "broken.xlsx"
    book.save(path)
    with pytest.raises(SpecError) as info:
        read_workbook(path)
    return info.value.problems


def test_hand_broken_workbook_names_each_problem(rich_study, tmp_path):
    def edit(book):
        book["Methods"].title = "Method"                 # wrong sheet name
        variables = book["Variables"]
        variables["F5"] = "abc"                          # bad length (AETERM)
        variables["K6"] = "AESEVX"                       # codelist reference to nothing (AESEV)
        variables.delete_cols(4)                         # missing column: Label
    assert _broken(load_study(rich_study), tmp_path, edit) == [
        "Method: unknown sheet; rename it 'Methods' (it is read as the Methods sheet)",
        "Variables!1: missing column 'Label'",
        'Variables!E5: Length "abc" is not a number',
        "Variables!J6: codelist 'AESEVX' is not defined on the Codelists or Dictionaries sheet",
    ]


@pytest.mark.parametrize("sheet, cell, value, problem", [
    ("Datasets", "B2", "Adverse Events Reported During the Study Period", "Datasets!B2: label 'Adverse Events "
     "Reported During the Study Period' has 47 characters, must be <= 40"),
    ("Datasets", "I2", "Sometimes", 'Datasets!I2: Repeating "Sometimes" is not Yes or No'),
    ("Datasets", "F2", "STUDYID, SUBJID", "Datasets!F2: key variable 'SUBJID' is not a variable of AE"),
    ("Variables", "B3", "XX", ["Datasets!F2: key variable 'USUBJID' is not a variable of AE",
                               "Variables!B3: dataset 'XX' is not on the Datasets sheet"]),
    ("Variables", "C3", "usubjid", ["Datasets!F2: key variable 'USUBJID' is not a variable of AE",
                                    "Variables!C3: name 'usubjid' must be 1-8 characters, upper-case letters, "
                                    "digits or underscore, starting with a letter"]),
    ("Variables", "E4", "number", "Variables!E4: 'number' must be one of integer, float, text, date, time, "
     "datetime, partialDate, partialTime, partialDatetime, incompleteDatetime, durationDatetime, "
     "intervalDatetime"),
    ("Variables", "L5", "eCRF", "Variables!L5: 'eCRF' must be one of Collected, Derived, Assigned, Protocol, "
     "Predecessor, Not Available"),
    ("Variables", "I5", "No", 'Variables!I5: Mandatory "No" contradicts Core "Req"'),
    ("Variables", "O5", "CRF2", "Variables!O5: document 'CRF2' is not defined on the Documents sheet"),
    ("Variables", "P4", "MT.NOPE", "Variables!P4: method 'MT.NOPE' is not defined on the Methods sheet"),
    ("ValueLevel", "D2", "VSTESTCD = SYSBP", "ValueLevel!D2: Where Clause 'VSTESTCD = SYSBP': expected VARIABLE "
     "COMPARATOR VALUE at 'VSTESTCD = SYSBP' (comparators: EQ, NE, LT, LE, GT, GE, IN, NOTIN)"),
    ("ValueLevel", "D2", 'VSTEST EQ "SYSBP"', "ValueLevel!D2: 'VSTEST' is not a variable of VS"),
    ("ValueLevel", "C2", "VSSTRESN", "ValueLevel!C2: 'VSSTRESN' is not a variable of VS"),
    ("Codelists", "H3", "MILD", "Codelists!H3: 'MILD' is defined twice"),
    ("Codelists", "B3", "Severity", "Codelists!B3: Name 'Severity' differs from 'Severity/Intensity Scale for "
     "Adverse Events' on row 2 for codelist 'AESEV'"),
    ("Codelists", "L3", "high", 'Codelists!L3: Rank "high" is not a number'),
    ("Methods", "A3", "MT.AESEQ", ["Variables!P16: method 'MT.TRTSDT' is not defined on the Methods sheet",
                                   "Methods!A3: ID 'MT.AESEQ' is defined twice (first on row 2)"]),
    ("Comments", "C3", "SAP", "Comments!C3: document 'SAP' is not defined on the Documents sheet"),
    ("Documents", "B3", None, "Documents!B3: empty, but required"),
    ("Define", "B10", "CRF", "Define!B10: Annotated CRF 'CRF' is not on the Documents sheet"),
    ("Define", "B2", "MINI 01", "Define!B2: 'MINI 01' does not match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]*$"),
    ("Mapping", "B4", "AENOPE", "Mapping!B4: 'AENOPE' is not a variable of AE"),
])
def test_each_problem_names_its_cell(rich_study, tmp_path, sheet, cell, value, problem):
    """One wrong cell, one message naming it (and what follows from it, where that is a problem too)."""
    def edit(book):
        book[sheet][cell] = value
    assert _broken(load_study(rich_study), tmp_path, edit) == (problem if isinstance(problem, list) else [problem])


def test_an_id_given_twice(rich_study, tmp_path):
    def edit(book):
        book["Documents"].append(["ACRF", "Another CRF", "crf2.pdf"])
    assert _broken(load_study(rich_study), tmp_path, edit) == [
        "Documents!A4: ID 'ACRF' is defined twice (first on row 2)"]


def test_missing_sheets_and_unknown_layout(rich_study, tmp_path):
    def drop_variables(book):
        del book["Variables"]
    assert _broken(load_study(rich_study), tmp_path, drop_variables) == ["Variables: sheet missing from the workbook"]

    def no_layout(book):
        book["Define"].title = "About"
    problems = _broken(load_study(rich_study), tmp_path, no_layout)
    assert problems == ["workbook: cannot tell the layout: the Pinnacle 21 Define-XML 2.1 template has sheet(s) "
                        "Define; the odmlib Define-XML 2.1 workbook has sheet(s) Study, Standards; the Pinnacle "
                        "21 Define-XML 2.0 template has sheet(s) Study; metacore's specification workbook has "
                        "sheet(s) Domains, Variables, Controlled_Terms; this workbook has About, Datasets, "
                        "Variables, ValueLevel, Codelists, Dictionaries, Methods, Comments, Documents, Analysis "
                        "Displays, Analysis Results, Mapping (give its layout map with --layout)"]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "specs.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match="specs.xlsx: not a readable xlsx workbook"):
        read_workbook(path)
