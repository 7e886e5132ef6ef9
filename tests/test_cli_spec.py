"""``cdisckit spec export | import | from-define``: files written, messages, exit codes."""

import openpyxl

from cdisckit.cli import main
from conftest import reference
from specs import load_study
from test_workbook import RICH, plain, spec_folder


def test_export_then_import(tmp_path, capsys):
    source = spec_folder(RICH, tmp_path / "rich")
    book = tmp_path / "specs.xlsx"
    assert main(["spec", "export", str(source), "--out", str(book)]) == 0
    assert capsys.readouterr().out == (f"wrote {book}: 4 datasets, 19 variables, 2 value-level entries, "
                                       "4 codelists, 2 methods, 3 comments\n")
    out = tmp_path / "imported"
    assert main(["spec", "import", str(book), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out}: 4 datasets") and captured.err == ""
    assert plain(load_study(out)) == plain(load_study(source))


def test_import_replaces_the_spec_files_only(tmp_path, capsys):
    source = spec_folder(RICH, tmp_path / "rich")
    book = tmp_path / "specs.xlsx"
    main(["spec", "export", str(source), "--out", str(book)])
    out = spec_folder({"README.txt": "notes", "sdtm/XX.yaml": "stale", "codelists/old.yaml": "stale",
                       "raw/ae.csv": "a,b"}, tmp_path / "target")
    assert main(["spec", "import", str(book), "--out", str(out)]) == 0
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["README.txt", "adam/ADSL.yaml", "adam/ADTTE.yaml", "codelists.yaml", "comments.yaml",
                     "methods.yaml", "raw/ae.csv", "sdtm/AE.yaml", "sdtm/VS.yaml", "study.yaml"]


def test_broken_workbook_writes_nothing(tmp_path, capsys):
    source = spec_folder(RICH, tmp_path / "rich")
    book = tmp_path / "specs.xlsx"
    main(["spec", "export", str(source), "--out", str(book)])
    wb = openpyxl.load_workbook(book)
    wb["Variables"]["F5"] = "abc"
    wb["Variables"]["K6"] = "AESEVX"
    wb.save(book)
    capsys.readouterr()
    out = tmp_path / "never"
    assert main(["spec", "import", str(book), "--out", str(out), "--strict"]) == 2
    assert capsys.readouterr().err == (
        'cdisckit spec: error: Variables!F5: Length "abc" is not a number\n'
        "Variables!K6: codelist 'AESEVX' is not defined on the Codelists or Dictionaries sheet\n")
    assert not out.exists()
    # Without --strict the bad rows are left out, then what hung on them (AETERM was AE's key).
    assert main(["spec", "import", str(book), "--out", str(out)]) == 1
    left_out = [line for line in capsys.readouterr().err.splitlines() if line.startswith("left out: ")]
    assert left_out[:6] == [
        "left out: Datasets!F2: key variable 'AETERM' is not a variable of AE",
        "left out: Variables!B2: dataset 'AE' is not on the Datasets sheet",
        "left out: Variables!B3: dataset 'AE' is not on the Datasets sheet",
        "left out: Variables!B4: dataset 'AE' is not on the Datasets sheet",
        'left out: Variables!F5: Length "abc" is not a number',
        "left out: Variables!K6: codelist 'AESEVX' is not defined on the Codelists or Dictionaries sheet"]
    study = load_study(out)
    assert "AE" not in study.datasets
    assert sorted(study.datasets) == sorted(set(load_study(source).datasets) - {"AE"})


def test_reference_workbook_imports(tmp_path, capsys):
    book = reference("define-specs", "p21-2.0-sdtm-cdiscpilot.xlsx")
    out = tmp_path / "pilot"
    assert main(["spec", "import", str(book), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == (f"wrote {out}: 31 datasets, 517 variables, 224 value-level entries, "
                            "75 codelists, 103 methods, 19 comments\n")
    assert captured.err.count("note: ValueLevel!D") == 3
    assert len(list((out / "sdtm").glob("*.yaml"))) == 31


def test_from_define(tmp_path, capsys):
    define = reference("define-2.0", "updated-cdiscpilot-sdtm-define.xml")
    out = tmp_path / "pilot"
    assert main(["spec", "from-define", str(define), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == (f"wrote {out}: 31 datasets, 517 variables, 230 value-level entries, "
                            "75 codelists, 103 methods, 19 comments\n")
    assert captured.err.startswith(f"note: {define}: line 2135: RangeCheck")
    study = load_study(out)
    assert all(ds.mapping is None and all(v.mapping is None for v in ds.variables)
               for ds in study.datasets.values())


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["spec", "from-define", str(reference("cdiscpilot01", "sdtm", "define.xml")),
                 "--out", str(tmp_path / "x")]) == 2
    assert "Define-XML 1.0 must first be converted" in capsys.readouterr().err
    assert main(["spec", "import", str(tmp_path / "missing.xlsx"), "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == f"cdisckit spec: error: {tmp_path / 'missing.xlsx'}: no such file\n"
    source = spec_folder(RICH, tmp_path / "rich")
    assert main(["spec", "export", str(source), "--out", str(tmp_path / "specs.csv")]) == 2
    assert "must be an .xlsx file" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_from_define_with_defects_writes_marked_specs_and_one_finding_per_defect(tmp_path, capsys):
    """Two dangling MethodOIDs, one dangling CodeListOID and a dataset label of 71 characters:
    the specs are written (loadable, each defect marked DEFECT), exit 1, one finding per dangling
    reference and one for the label (the file as published imports with 0: test_from_define)."""
    from lxml import etree

    from specs import load_study
    odm = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    tree = etree.parse(str(reference("define-2.0", "updated-cdiscpilot-sdtm-define.xml")))
    mdv = tree.find(".//odm:MetaDataVersion", odm)
    used = {ref.get("MethodOID") for ref in mdv.iterfind(".//odm:ItemRef[@MethodOID]", odm)}
    methods = [m for m in mdv.iterfind("odm:MethodDef", odm) if m.get("OID") in used][:2]
    users = sum(len(mdv.findall(f".//odm:ItemRef[@MethodOID='{m.get('OID')}']", odm)) for m in methods)
    codelist = next(c for c in mdv.iterfind("odm:CodeList", odm)
                    if len(mdv.findall(f".//odm:CodeListRef[@CodeListOID='{c.get('OID')}']", odm)) == 1)
    for element in (*methods, codelist):
        mdv.remove(element)
    label = mdv.find("odm:ItemGroupDef[@Name='DM']/odm:Description/odm:TranslatedText", odm)
    label.text = "Demographics of every subject screened, enrolled or randomized"
    bad = tmp_path / "define.xml"
    tree.write(str(bad), xml_declaration=True, encoding="UTF-8")
    capsys.readouterr()
    out = tmp_path / "specs"
    assert main(["spec", "from-define", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    findings = [line for line in err.splitlines() if line.startswith("finding: ")]
    assert len(findings) == users + 2
    assert sum("MethodOID" in f for f in findings) == users and sum("CodeListOID" in f for f in findings) == 1
    assert sum("label-length" in f and "DM label" in f for f in findings) == 1
    study = load_study(out)
    assert study.datasets["DM"].label == label.text[:40].rstrip()
    assert "DEFECT" in study.comments[study.datasets["DM"].comment].text
    for method in methods:
        assert study.methods[method.get("OID")[3:]].description.startswith("DEFECT")
    assert study.codelists[codelist.get("OID")[3:]].name.startswith("DEFECT")
