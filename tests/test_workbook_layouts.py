"""Workbook layouts as data: metacore's layout told from its sheets, a sponsor's own layout from a
small YAML map, and layout maps that are wrong named with their file and key."""

import openpyxl
import pytest

from cdisckit.cli import main
from specs import InputError, SpecError, load_study
from specs.workbook_import import read_workbook
from specs.workbook_layout import built_in, read_layout

# metacore's example workbook (inst/extdata/mock_spec.xlsx), its columns as its vignette lists them.
METACORE = {
    "Domains": [("Domain Name", "Label", "Repeating", "Is Reference?", "Class", "Source", "Data Structure",
                 "Key Variables", "Description", "Documentation"),
                ("ADSL", "Subject-Level Analysis Dataset", "N", "N", "ADSL", None, "One record per subject",
                 "STUDYID, USUBJID", None, None)],
    "Variables": [("Domain Name", "Therapeutic Area", "Indication", "Variable Name", "Label", "Type",
                   "Max Length", "Variable Order", "Mandatory", "Signficant Digits", "Sort Order", "Required",
                   "Origin", "Value Level Metadata", "Controlled Term or Format", "Computational Method",
                   "Definition / Comments", "Additional Information"),
                  ("ADSL", "CORE", "CORE", "USUBJID", "Unique Subject Identifier", "Text", 30, 20, "Y", None,
                   None, None, "Predecessor", None, None, None, "DM.USUBJID", None),
                  ("ADSL", "CORE", "CORE", "STUDYID", "Study Identifier", "Text", 9, 10, "Y", None,
                   None, None, "Predecessor", None, None, None, "DM.STUDYID", None),
                  ("ADSL", "CORE", "CORE", "SEX", "Sex", "Text", 1, 30, "N", None,
                   None, None, "Predecessor", None, "SEX", None, "DM.SEX", None),
                  ("ADSL", "CORE", "CORE", "TRTSDT", "Date of First Exposure to Treatment", "Integer", 8, 40,
                   "N", None, None, None, "Derived", None, "DATE9.", "TRTSDT", None, None)],
    "Value_level_Metadata": [("VLM Name", "Therapeutic Area", "Indication", "Parameter Code", "Parameter", "Type",
                              "Max Length", "Signficant Digits", "Origin", "Controlled Term",
                              "Computational Method", "Mandatory", "Definition/Comments")],
    "Controlled_Terms": [("Codelist Name", "Codelist Code", "Coded Value", "Description / Decoded Value",
                          "Code Info", "Extension?", "Rank", "Source"),
                         ("SEX", "SEX", "F", "Female", None, "N", None, None),
                         ("SEX", "SEX", "M", "Male", None, "N", None, None)],
    "Computational_Method": [("Computational Method Name", "Definition / Comments", "Additional Information"),
                             ("TRTSDT", "First EX.EXSTDTC of the subject, as a SAS date", None)],
}


def _book(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def test_metacore_workbook_is_told_and_read(tmp_path):
    workbook = _book(tmp_path / "adam_spec.xlsx", METACORE)
    with pytest.raises(SpecError) as caught:
        read_workbook(workbook)        # metacore's workbook names no implementation guide
    assert caught.value.problems == [
        "workbook: no implementation guide is named: give StandardName and StandardVersion on the study "
        "sheet, a Standards sheet, or attributes: in a layout map (--layout) extending metacore"]
    layout = tmp_path / "ours.yaml"
    layout.write_text("layout: ours\ndescription: metacore with our standard\nextends: metacore\n"
                      "attributes: {standard_name: ADaMIG, standard_version: '1.3', studyid: CDISCPILOT01}\n",
                      encoding="utf-8")
    study, notes = read_workbook(workbook, read_layout(layout))
    assert [(s.name, s.version) for s in study.standards] == [("ADaMIG", "1.3")]
    adsl = study.datasets["ADSL"]
    assert (adsl.model, adsl.label, adsl.class_, adsl.repeating, adsl.keys) == (
        "ADaM", "Subject-Level Analysis Dataset", "SUBJECT LEVEL ANALYSIS DATASET", False, ["STUDYID", "USUBJID"])
    assert [(v.name, v.data_type, v.length, v.core, v.codelist, v.display_format, v.method)
            for v in adsl.variables] == [
        ("STUDYID", "text", 9, "Req", None, None, None),
        ("USUBJID", "text", 30, "Req", None, None, None),
        ("SEX", "text", 1, None, "SEX", None, None),
        ("TRTSDT", "integer", 8, None, None, "DATE9.", "TRTSDT")]
    assert adsl.variables[0].origin.type == "Predecessor"
    assert [(t.value, t.decode) for t in study.codelists["SEX"].terms] == [("F", "Female"), ("M", "Male")]
    assert study.methods["TRTSDT"].description == "First EX.EXSTDTC of the subject, as a SAS date"
    assert study.studyid == "CDISCPILOT01"


def test_metacore_value_level_rows_are_said_not_imported(tmp_path):
    (tmp_path / "ours.yaml").write_text("layout: ours\ndescription: d\nextends: metacore\n"
                                        "attributes: {standard_name: ADaMIG, standard_version: '1.3'}\n",
                                        encoding="utf-8")
    sheets = dict(METACORE)
    sheets["Value_level_Metadata"] = METACORE["Value_level_Metadata"] + [
        ("ADSL.AVAL", "CORE", "CORE", "SYSBP", "Systolic", "Float", 8, 1, "Derived", None, None, "N", None)]
    with pytest.raises(SpecError):
        read_workbook(_book(tmp_path / "spec.xlsx", sheets))
    _, notes = read_workbook(tmp_path / "spec.xlsx", read_layout(tmp_path / "ours.yaml"))
    assert "Value_level_Metadata: 1 row(s) not imported (the ours layout has no place for them)" in notes


def test_a_sponsor_layout_is_a_small_map(tmp_path, capsys):
    sheets = {"Tables": [("Table", "Table Label", "Keys"), ("AE", "Adverse Events", "STUDYID, USUBJID")],
              "About": [("Attribute", "Value"), ("StudyName", "SPON01"), ("StandardName", "SDTMIG"),
                        ("StandardVersion", "3.4")],
              "Columns": [("Table", "Column", "Column Label", "Kind", "Bytes", "Seq"),
                          ("AE", "STUDYID", "Study Identifier", "text", 12, 1),
                          ("AE", "USUBJID", "Unique Subject Identifier", "text", 20, 2)]}
    workbook = _book(tmp_path / "sponsor.xlsx", sheets)
    assert main(["spec", "import", str(workbook), "--out", str(tmp_path / "no")]) == 2
    assert "cannot tell the layout" in capsys.readouterr().err
    layout = tmp_path / "sponsor.yaml"
    layout.write_text("""\
layout: sponsor
description: our sponsor's workbook
sheets: {Attributes: [About], Datasets: [Tables], Variables: [Columns]}
columns:
  Datasets: {name: [Table], label: [Table Label], keys: [Keys]}
  Variables: {dataset: [Table], name: [Column], label: [Column Label], data_type: [Kind],
              length: [Bytes], order: [Seq]}
""", encoding="utf-8")
    assert main(["spec", "import", str(workbook), "--out", str(tmp_path / "specs"), "--layout", str(layout)]) == 0
    ae = load_study(tmp_path / "specs").datasets["AE"]
    assert [(v.name, v.length) for v in ae.variables] == [("STUDYID", 12), ("USUBJID", 20)]
    assert ae.keys == ["STUDYID", "USUBJID"]


def test_built_in_layouts_extend_ours():
    old = built_in("p21-2.0")
    assert old.headers("Datasets")["label"] == ("Description", "Label")
    assert "description" not in old.headers("Datasets")
    assert old.headers("Variables") == built_in("p21-2.1").headers("Variables")


@pytest.mark.parametrize("text, message", [
    ("layout: x\ndescription: y\ncolumns: {Variables: {colour: [Colour]}}\n",
     "columns.Variables.colour: not a field of the Variables sheet"),
    ("layout: x\ndescription: y\nsheets: {Tabs: [Tabs]}\n", "'Tabs' is not a sheet kind"),
    ("layout: x\ndescription: y\nextends: p22\n", "extends: 'p22' is not a built-in layout"),
    ("layout: x\ncolumns: {}\n", "missing required key 'description'"),
    ("layout: x\ndescription: y\ncolumns: {Variables: {name: Column}}\n", "columns.Variables.name: "),
])
def test_bad_layout_maps_are_named(tmp_path, text, message):
    path = tmp_path / "layout.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_layout(path)
