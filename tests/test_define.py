"""Define-XML 2.1: what the writer puts in, schema validity, determinism,
escaping, and every structural error the checks must report."""

import datetime as dt

import pytest
from lxml import etree

from conftest import reference
from define.schema import load_schema, validate_schema
from define.structure import DatasetFile, check_structure
from define.tree import NS, XML_LANG, def_name, xlink_name
from define.writer import build_define
from specs import load_study
from specs.errors import InputError

CREATED = dt.datetime(2025, 1, 2, 3, 4, 5)
SDTM = ("AE", "LB", "SUPPAE")


def _build(study, frames, model="SDTM", **kwargs):
    names = SDTM if model == "SDTM" else ("ADTTE",)
    return build_define(study, {n: frames[n] for n in names}, model=model, created=CREATED,
                        source_system=("cdisckit", "9.9"), **kwargs)


def _tree(xml):
    return etree.fromstring(xml)


def _one(root, xpath):
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def _data(frames, names=SDTM):
    """DatasetFiles as the XPT writer would store the frames (spec or longest lengths)."""
    lengths = {"AE": {"STUDYID": 6, "USUBJID": 11, "AETERM": 8, "AESEV": 6, "AESTDTC": 16},
               "LB": {"STUDYID": 6, "USUBJID": 10, "LBTESTCD": 4, "LBORRES": 6},
               "SUPPAE": {"STUDYID": 6, "RDOMAIN": 2, "USUBJID": 10, "IDVAR": 5, "IDVARVAL": 1,
                          "QNAM": 7, "QLABEL": 23, "QVAL": 1}}
    return {n: DatasetFile(f"{n.lower()}.xpt", list(frames[n].columns), lengths[n], frames[n]) for n in names}


FILES = {"ae.xpt", "lb.xpt", "suppae.xpt"}


@pytest.fixture
def study(define_study):
    return load_study(define_study)


@pytest.fixture
def sdtm_xml(study, define_frames):
    return _build(study, define_frames)


# --- the writer -------------------------------------------------------------------------------

def test_root_study_and_standards(sdtm_xml):
    root = _tree(sdtm_xml)
    assert sdtm_xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ODM ')
    assert dict(root.attrib) == {
        "FileType": "Snapshot", "FileOID": "DEF.MINI01.SDTM", "CreationDateTime": "2025-01-02T03:04:05",
        "ODMVersion": "1.3.2", "Originator": "cdisckit", "SourceSystem": "cdisckit",
        "SourceSystemVersion": "9.9", def_name("Context"): "Submission"}
    assert [e.text for e in _one(root, "odm:Study/odm:GlobalVariables")] == ["MINI01", "A minimal study for tests",
                                                                           "MINI-01"]
    mdv = _one(root, "odm:Study/odm:MetaDataVersion")
    assert mdv.get(def_name("DefineVersion")) == "2.1.0"
    standards = [dict(s.attrib) for s in mdv.xpath("def:Standards/def:Standard", namespaces=NS)]
    assert standards == [
        {"OID": "STD.SDTMIG", "Name": "SDTMIG", "Type": "IG", "Version": "3.4", "Status": "Final"},
        {"OID": "STD.CT", "Name": "CDISC/NCI", "Type": "CT", "PublishingSet": "SDTM", "Version": "2025-03-28",
         "Status": "Final"}]
    assert [r.get("leafID") for r in mdv.xpath("def:AnnotatedCRF/def:DocumentRef", namespaces=NS)] == ["LF.ACRF"]
    assert [r.get("leafID") for r in mdv.xpath("def:SupplementalDoc/def:DocumentRef", namespaces=NS)] == ["LF.SAP"]
    leaves = mdv.xpath("def:leaf", namespaces=NS)
    assert [(lf.get("ID"), lf.get(xlink_name("href")), lf.findtext("def:title", namespaces=NS))
            for lf in leaves] == [("LF.ACRF", "acrf.pdf", "Annotated CRF"),
                                  ("LF.SAP", "sap.pdf", "Statistical Analysis Plan")]
    # Children of MetaDataVersion come in the order the schema prescribes.
    order = [etree.QName(c).localname for c in mdv]
    assert order.index("ValueListDef") < order.index("WhereClauseDef") < order.index("ItemGroupDef") \
        < order.index("ItemDef") < order.index("CodeList") < order.index("MethodDef") \
        < order.index("CommentDef") < order.index("leaf")


def test_itemgroups_in_class_order_with_itemrefs_in_data_order(sdtm_xml):
    root = _tree(sdtm_xml)
    groups = root.xpath("//odm:ItemGroupDef", namespaces=NS)
    assert [g.get("OID") for g in groups] == ["IG.AE", "IG.LB", "IG.SUPPAE"]   # EVENTS, FINDINGS, RELATIONSHIP
    ae = groups[0]
    assert {k: ae.get(k) for k in ae.attrib} == {
        "OID": "IG.AE", "Domain": "AE", "Name": "AE", "SASDatasetName": "AE", "Repeating": "Yes",
        "IsReferenceData": "No", "Purpose": "Tabulation",
        def_name("Structure"): "One record per adverse event per subject",
        def_name("StandardOID"): "STD.SDTMIG", def_name("ArchiveLocationID"): "LF.AE",
        def_name("CommentOID"): "COM.AE"}
    refs = [dict(r.attrib) for r in ae.xpath("odm:ItemRef", namespaces=NS)]
    assert refs == [
        {"ItemOID": "IT.AE.STUDYID", "OrderNumber": "1", "Mandatory": "Yes", "KeySequence": "1", "Role": "Identifier"},
        {"ItemOID": "IT.AE.USUBJID", "OrderNumber": "2", "Mandatory": "Yes", "KeySequence": "2", "Role": "Identifier"},
        {"ItemOID": "IT.AE.AESEQ", "OrderNumber": "3", "Mandatory": "Yes", "MethodOID": "MT.AESEQ",
         "Role": "Identifier"},
        {"ItemOID": "IT.AE.AETERM", "OrderNumber": "4", "Mandatory": "Yes", "KeySequence": "3", "Role": "Topic"},
        {"ItemOID": "IT.AE.AESEV", "OrderNumber": "5", "Mandatory": "No", "Role": "Record Qualifier"},
        {"ItemOID": "IT.AE.AESTDTC", "OrderNumber": "6", "Mandatory": "No", "KeySequence": "4", "Role": "Timing"}]
    assert _one(ae, "def:Class").get("Name") == "EVENTS"
    leaf = _one(ae, "def:leaf")
    assert (leaf.get("ID"), leaf.get(xlink_name("href")), leaf.findtext("def:title", namespaces=NS)) == \
        ("LF.AE", "ae.xpt", "ae.xpt")


def test_itemref_order_follows_the_frame(study, define_frames):
    frames = dict(define_frames, AE=define_frames["AE"][["STUDYID", "AESEQ", "USUBJID", "AETERM", "AESEV",
                                                         "AESTDTC"]].drop(columns="AESEV"))
    root = _tree(_build(study, frames))
    assert [r.get("ItemOID") for r in root.xpath("//odm:ItemGroupDef[@OID='IG.AE']/odm:ItemRef", namespaces=NS)] \
        == ["IT.AE.STUDYID", "IT.AE.AESEQ", "IT.AE.USUBJID", "IT.AE.AETERM", "IT.AE.AESTDTC"]
    assert not root.xpath("//odm:ItemDef[@OID='IT.AE.AESEV']", namespaces=NS)
    assert not root.xpath("//odm:CodeList[@OID='CL.AESEV']", namespaces=NS)   # nothing refers to it now


def test_itemdefs_lengths_origins_and_codelist_refs(sdtm_xml):
    root = _tree(sdtm_xml)

    def item(oid):
        return _one(root, f"//odm:ItemDef[@OID='{oid}']")

    assert dict(item("IT.AE.STUDYID").attrib) == {"OID": "IT.AE.STUDYID", "Name": "STUDYID", "DataType": "text",
                                                   "Length": "6", "SASFieldName": "STUDYID"}   # spec length
    assert item("IT.AE.USUBJID").get("Length") == "11"       # longest value, MINI01-0002
    assert item("IT.AE.AESTDTC").get("Length") == "16"
    assert (item("IT.AE.AESEQ").get("DataType"), item("IT.AE.AESEQ").get("Length")) == ("integer", "8")
    assert item("IT.AE.AETERM").findtext("odm:Description/odm:TranslatedText", namespaces=NS) == \
        "Reported Term for the Adverse Event"
    assert _one(item("IT.AE.AETERM"), "odm:Description/odm:TranslatedText").get(XML_LANG) == "en"
    origin = _one(item("IT.AE.AETERM"), "def:Origin")
    assert dict(origin.attrib) == {"Type": "Collected", "Source": "Investigator"}
    assert _one(origin, "def:DocumentRef").get("leafID") == "LF.ACRF"
    assert dict(_one(origin, "def:DocumentRef/def:PDFPageRef").attrib) == {"PageRefs": "3", "Type": "PhysicalRef"}
    assert _one(item("IT.AE.AESEV"), "odm:CodeListRef").get("CodeListOID") == "CL.AESEV"
    assert _one(item("IT.AE.AESEQ"), "def:Origin").get("Type") == "Derived"


def test_codelists_enumerated_decoded_extended_and_sponsor(sdtm_xml):
    root = _tree(sdtm_xml)
    assert [c.get("OID") for c in root.xpath("//odm:CodeList", namespaces=NS)] == \
        ["CL.AESEV", "CL.LBTESTCD", "CL.NY", "CL.QNAM", "CL.URINRES"]   # UNUSED, PARAMCD, NY01 not written
    aesev = _one(root, "//odm:CodeList[@OID='CL.AESEV']")
    assert [(e.get("CodedValue"), e.get("OrderNumber")) for e in aesev.xpath("odm:EnumeratedItem", namespaces=NS)] \
        == [("MILD", "1"), ("MODERATE", "2"), ("SEVERE", "3")]
    assert [dict(a.attrib) for a in aesev.xpath("odm:EnumeratedItem[1]/odm:Alias | odm:Alias", namespaces=NS)] == [
        {"Context": "nci:ExtCodeID", "Name": "C41338"}, {"Context": "nci:ExtCodeID", "Name": "C66769"}]
    ny = _one(root, "//odm:CodeList[@OID='CL.NY']")
    assert dict(ny.attrib) == {"OID": "CL.NY", "Name": "No Yes Response", "DataType": "text",
                               def_name("StandardOID"): "STD.CT"}
    yes = _one(ny, "odm:CodeListItem[@CodedValue='Y']")
    assert yes.findtext("odm:Decode/odm:TranslatedText", namespaces=NS) == "Yes"
    assert dict(_one(yes, "odm:Alias").attrib) == {"Context": "nci:ExtCodeID", "Name": "C49488"}
    urin = _one(root, "//odm:CodeList[@OID='CL.LBTESTCD']/odm:CodeListItem[@CodedValue='URIN']")
    assert urin.get(def_name("ExtendedValue")) == "Yes" and not urin.xpath("odm:Alias", namespaces=NS)
    qnam = _one(root, "//odm:CodeList[@OID='CL.QNAM']")
    assert qnam.get(def_name("IsNonStandard")) == "Yes" and qnam.get(def_name("StandardOID")) is None


def test_value_level_metadata_and_where_clauses(sdtm_xml):
    root = _tree(sdtm_xml)
    vl = _one(root, "//def:ValueListDef[@OID='VL.LB.LBORRES']")
    assert [(r.get("ItemOID"), r.get("OrderNumber"), r.get("Mandatory"),
             _one(r, "def:WhereClauseRef").get("WhereClauseOID")) for r in vl.xpath("odm:ItemRef", namespaces=NS)] \
        == [("IT.LB.LBORRES.ALB", "1", "No", "WC.LB.LBTESTCD.EQ.ALB"),
            ("IT.LB.LBORRES.URIN", "2", "No", "WC.LB.LBTESTCD.EQ.URIN")]
    check = _one(root, "//def:WhereClauseDef[@OID='WC.LB.LBTESTCD.EQ.ALB']/odm:RangeCheck")
    assert dict(check.attrib) == {"Comparator": "EQ", "SoftHard": "Soft", def_name("ItemOID"): "IT.LB.LBTESTCD"}
    assert [v.text for v in check] == ["ALB"]
    assert _one(root, "//odm:ItemDef[@OID='IT.LB.LBORRES']/def:ValueListRef").get("ValueListOID") == "VL.LB.LBORRES"
    alb = _one(root, "//odm:ItemDef[@OID='IT.LB.LBORRES.ALB']")
    assert (alb.get("Name"), alb.get("DataType"), alb.get("Length"), alb.get("SignificantDigits")) == \
        ("LBORRES", "float", "5", "2")                        # "40.25": the longest albumin result
    assert _one(root, "//odm:ItemDef[@OID='IT.LB.LBORRES.URIN']").get("Length") == "6"
    assert _one(root, "//odm:ItemDef[@OID='IT.LB.LBORRES.URIN']/odm:CodeListRef").get("CodeListOID") == "CL.URINRES"
    supp = _one(root, "//def:ValueListDef[@OID='VL.SUPPAE.QVAL']/odm:ItemRef")
    assert dict(supp.attrib) == {"ItemOID": "IT.SUPPAE.QVAL.AETRTEM", "OrderNumber": "1", "Mandatory": "Yes",
                                 "MethodOID": "MT.TRTEM"}
    assert _one(root, "//def:WhereClauseDef[@OID='WC.SUPPAE.QNAM.EQ.AETRTEM']/odm:RangeCheck") \
        .get(def_name("ItemOID")) == "IT.SUPPAE.QNAM"


def test_methods_and_comments_with_documents(sdtm_xml):
    root = _tree(sdtm_xml)
    assert [m.get("OID") for m in root.xpath("//odm:MethodDef", namespaces=NS)] == ["MT.AESEQ", "MT.TRTEM"]
    method = _one(root, "//odm:MethodDef[@OID='MT.TRTEM']")
    assert (method.get("Name"), method.get("Type")) == ("Treatment emergent", "Computation")
    expression = _one(method, "odm:FormalExpression")
    assert (expression.get("Context"), expression.text) == ("Python", "AESTDTC >= EXSTDTC")
    pages = [dict(p.attrib) for p in method.xpath("def:DocumentRef[@leafID='LF.SAP']/def:PDFPageRef", namespaces=NS)]
    assert pages == [{"PageRefs": "12", "Type": "PhysicalRef"},
                     {"FirstPage": "14", "LastPage": "16", "Type": "PhysicalRef"}]
    assert [c.get("OID") for c in root.xpath("//def:CommentDef", namespaces=NS)] == ["COM.AE", "COM.MARKUP"]


def test_markup_characters_are_escaped_and_round_trip(sdtm_xml):
    text = """Check <b>bold</b> & "double" 'single' ]]> text."""
    assert b"Check &lt;b&gt;bold&lt;/b&gt; &amp;" in sdtm_xml
    comment = _one(_tree(sdtm_xml), "//def:CommentDef[@OID='COM.MARKUP']")
    assert comment.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == text
    assert not comment.xpath("//b")


def test_control_character_in_a_spec_text_is_an_input_error(study, define_frames):
    study.comments["COM.AE"].text = "bad \x01 text"
    with pytest.raises(InputError, match=r"CommentDef\[@OID='COM.AE'\]/Description/TranslatedText"):
        _build(study, define_frames)


def test_adam_define_with_subclass_predecessor_and_paramcd_value_level(study, define_frames):
    xml = _build(study, define_frames, model="ADaM")
    assert validate_schema(xml) == []
    root = _tree(xml)
    group = _one(root, "//odm:ItemGroupDef")
    assert (group.get("OID"), group.get("Purpose"), group.get("Domain"), group.get(def_name("StandardOID"))) == \
        ("IG.ADTTE", "Analysis", None, "STD.ADAMIG")
    assert not group.xpath("odm:ItemRef[@Role]", namespaces=NS)       # roles are SDTM only
    cls = _one(group, "def:Class")
    assert cls.get("Name") == "BASIC DATA STRUCTURE"
    assert _one(cls, "def:SubClass").get("Name") == "TIME-TO-EVENT"
    assert [s.get("OID") for s in root.xpath("//def:Standard", namespaces=NS)] == ["STD.ADAMIG", "STD.ADAMCT"]
    origin = _one(root, "//odm:ItemDef[@OID='IT.ADTTE.STUDYID']/def:Origin")
    assert origin.get("Type") == "Predecessor"
    assert origin.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == "ADSL.STUDYID"
    aval = _one(root, "//odm:ItemDef[@OID='IT.ADTTE.AVAL']")
    assert (aval.get("DataType"), aval.get("Length"), aval.get(def_name("DisplayFormat"))) == ("float", "8", "8.1")
    assert _one(root, "//def:ValueListDef[@OID='VL.ADTTE.AVAL']/odm:ItemRef").get("ItemOID") == "IT.ADTTE.AVAL.PFS"
    cnsr = _one(root, "//odm:CodeList[@OID='CL.NY01']")
    assert (cnsr.get("DataType"), [i.get("CodedValue") for i in cnsr.xpath("odm:CodeListItem", namespaces=NS)]) == \
        ("integer", ["0", "1"])
    data = {"ADTTE": DatasetFile("adtte.xpt", list(define_frames["ADTTE"].columns), {"STUDYID": 6, "USUBJID": 10,
                                                                                    "PARAMCD": 3},
                                 define_frames["ADTTE"])}
    assert check_structure(xml, data, {"adtte.xpt"}) == []     # CNSR 0.0/1.0 match codes "0"/"1"


def test_frames_that_do_not_fit_the_specs_are_input_errors(study, define_frames):
    with pytest.raises(InputError, match="ADTTE is an ADaM dataset, not SDTM"):
        build_define(study, {"ADTTE": define_frames["ADTTE"]}, model="SDTM", created=CREATED)
    with pytest.raises(InputError, match="dataset XX: no spec"):
        build_define(study, {"XX": define_frames["AE"]}, model="SDTM", created=CREATED)
    with pytest.raises(InputError, match="AE data has column 'AEXTRA'"):
        build_define(study, {"AE": define_frames["AE"].assign(AEXTRA="x")}, model="SDTM", created=CREATED)
    with pytest.raises(InputError, match=r"value_level\[0\].where: variable 'LBTESTCD' is not in the LB data"):
        build_define(study, {"LB": define_frames["LB"].drop(columns="LBTESTCD")}, model="SDTM", created=CREATED)


def test_lengths_argument_wins_over_spec_and_data(study, define_frames):
    root = _tree(_build(study, define_frames, lengths={"AE": {"STUDYID": 8, "USUBJID": 20}}))
    assert _one(root, "//odm:ItemDef[@OID='IT.AE.STUDYID']").get("Length") == "8"
    assert _one(root, "//odm:ItemDef[@OID='IT.AE.USUBJID']").get("Length") == "20"


# --- determinism and validity -----------------------------------------------------------------

def test_same_inputs_give_identical_bytes(study, define_frames, define_study):
    first = _build(study, define_frames)
    assert _build(load_study(define_study), define_frames) == first
    later = build_define(study, {n: define_frames[n] for n in SDTM}, model="SDTM",
                         created=dt.datetime(2026, 5, 6, 7, 8, 9), source_system=("cdisckit", "9.9"))
    assert later == first.replace(b"2025-01-02T03:04:05", b"2026-05-06T07:08:09")


def test_schema_loads_from_odmlib():
    schema = load_schema()       # odmlib is a dependency: failing to load it fails the test
    assert schema is not None


def test_written_define_is_schema_valid_and_structurally_clean(sdtm_xml, define_frames):
    assert validate_schema(sdtm_xml) == []
    assert check_structure(sdtm_xml, _data(define_frames), FILES) == []


def test_schema_problems_name_line_and_element(sdtm_xml):
    bad = sdtm_xml.replace(b'Repeating="Yes"', b'Repeating="Often"', 1)
    problems = validate_schema(bad)
    assert len(problems) == 1
    assert problems[0].startswith("line ")
    assert "/ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.AE']: Element 'ItemGroupDef', attribute " \
           "'Repeating'" in problems[0] and "'Often'" in problems[0]
    assert validate_schema(b"<ODM>")[0].startswith("line 1: (document): not well-formed XML")


def test_define_xml_2_0_is_not_taken_for_2_1():
    problems = validate_schema(reference("define-2.0", "updated-cdiscpilot-sdtm-define.xml"))
    assert problems == ["line 10: /ODM: not a Define-XML 2.1 document (expected ODM 1.3 with the def namespace "
                        "http://www.cdisc.org/ns/def/v2.1, found http://www.cdisc.org/ns/def/v2.0)"]


# --- structural errors, each seeded ------------------------------------------------------------

def _edited(xml, edit):
    root = _tree(xml)
    edit(root)
    return etree.tostring(root)


def _rules(problems):
    return sorted({p.split(":", 1)[0] for p in problems})


def test_dangling_reference_is_reported(sdtm_xml, define_frames):
    def edit(root):
        _one(root, "//odm:ItemDef[@OID='IT.AE.AESEV']/odm:CodeListRef").set("CodeListOID", "CL.NOPE")
    problems = check_structure(_edited(sdtm_xml, edit), _data(define_frames), FILES)
    assert ("dangling-reference: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.AESEV']/CodeListRef/@CodeListOID: "
            "CodeList CL.NOPE is not defined") in problems
    assert ("unused-definition: /ODM/Study/MetaDataVersion/CodeList[@OID='CL.AESEV']: CodeList CL.AESEV is defined "
            "but nothing references it") in problems


@pytest.mark.parametrize("xpath, attribute, target", [
    ("//odm:ItemGroupDef[@OID='IG.AE']/odm:ItemRef[3]", "MethodOID", "MethodDef"),
    ("//odm:ItemGroupDef[@OID='IG.AE']", def_name("CommentOID"), "def:CommentDef"),
    ("//def:ValueListDef[@OID='VL.LB.LBORRES']/odm:ItemRef[1]/def:WhereClauseRef", "WhereClauseOID",
     "def:WhereClauseDef"),
    ("//def:AnnotatedCRF/def:DocumentRef", "leafID", "def:leaf"),
    ("//odm:ItemGroupDef[@OID='IG.AE']", def_name("StandardOID"), "def:Standard"),
])
def test_every_kind_of_reference_is_resolved(sdtm_xml, xpath, attribute, target):
    problems = check_structure(_edited(sdtm_xml, lambda root: _one(root, xpath).set(attribute, "X.MISSING")))
    assert [p for p in problems if p.startswith("dangling-reference")] == [
        p for p in problems if p.endswith(f"{target} X.MISSING is not defined")]
    assert any(p.startswith("dangling-reference") for p in problems)


def test_unused_definition_is_reported(sdtm_xml):
    def edit(root):
        mdv = _one(root, "//odm:MetaDataVersion")
        extra = etree.fromstring(etree.tostring(_one(root, "//odm:MethodDef[@OID='MT.AESEQ']")))
        extra.set("OID", "MT.EXTRA")
        _one(root, "//odm:MethodDef[@OID='MT.TRTEM']").addnext(extra)
        assert mdv is extra.getparent()
    assert check_structure(_edited(sdtm_xml, edit)) == [
        "unused-definition: /ODM/Study/MetaDataVersion/MethodDef[@OID='MT.EXTRA']: MethodDef MT.EXTRA is defined "
        "but nothing references it"]


def test_duplicate_oid_is_reported(sdtm_xml):
    def edit(root):
        item = _one(root, "//odm:ItemDef[@OID='IT.AE.AETERM']")
        item.addnext(etree.fromstring(etree.tostring(item)))
    assert check_structure(_edited(sdtm_xml, edit)) == [
        "duplicate-oid: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.AETERM']: ItemDef OID IT.AE.AETERM is also "
        "defined at /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.AETERM']"]


def test_itemref_order_against_the_file_is_reported(sdtm_xml, define_frames):
    data = _data(define_frames)
    swapped = ["STUDYID", "AESEQ", "USUBJID", "AETERM", "AESEV", "AESTDTC"]
    data["AE"] = DatasetFile("ae.xpt", swapped, data["AE"].lengths, define_frames["AE"])
    assert check_structure(sdtm_xml, data, FILES) == [
        "itemref-order: /ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.AE']/ItemRef[2]: ItemRef 2 is USUBJID but "
        "column 2 of ae.xpt is AESEQ (file order: STUDYID AESEQ USUBJID AETERM AESEV AESTDTC)"]
    data["AE"] = DatasetFile("ae.xpt", swapped[:-1] + ["AEENDTC"], data["AE"].lengths, None)
    assert check_structure(sdtm_xml, data, FILES) == [
        "itemref-order: /ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.AE']: column AEENDTC of ae.xpt has no "
        "ItemRef",
        "itemref-order: /ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.AE']/ItemRef[6]: AESTDTC is not a column "
        "of ae.xpt"]


def test_length_mismatch_is_reported(sdtm_xml, define_frames):
    data = _data(define_frames)
    data["AE"].lengths["USUBJID"] = 20
    assert check_structure(sdtm_xml, data, FILES) == [
        "length: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.USUBJID']: Length 11 but ae.xpt stores USUBJID "
        "with length 20"]


def test_codelist_value_outside_a_non_extensible_codelist_is_reported(sdtm_xml, define_frames):
    frames = dict(define_frames, AE=define_frames["AE"].assign(AESEV=["MILD", "HUGE", "TINY"]),
                  SUPPAE=define_frames["SUPPAE"].assign(QVAL=["MAYBE"]))
    assert check_structure(sdtm_xml, _data(frames), FILES) == [
        "codelist-value: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.AESEV']: AESEV in ae.xpt has 'HUGE', "
        "'TINY', not in codelist CL.AESEV",
        "codelist-value: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.SUPPAE.QVAL.AETRTEM']: QVAL in suppae.xpt has "
        "'MAYBE', not in codelist CL.NY"]


def test_value_level_codelist_applies_only_to_its_rows_and_extensible_lists_pass(sdtm_xml, define_frames):
    lb = define_frames["LB"].assign(LBTESTCD=["ALB", "GLUC", "URIN"], LBORRES=["4.5", "CLOUDY", "MURKY"])
    problems = check_structure(sdtm_xml, _data(dict(define_frames, LB=lb)), FILES)
    assert problems == [
        "codelist-value: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.LB.LBTESTCD']: LBTESTCD in lb.xpt has 'GLUC', "
        "not in codelist CL.LBTESTCD",
        "codelist-value: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.LB.LBORRES.URIN']: LBORRES in lb.xpt has "
        "'MURKY', not in codelist CL.URINRES"]          # CLOUDY is not a URIN row, 4.5 has no codelist
    assert check_structure(sdtm_xml, _data(dict(define_frames, LB=lb)), FILES,
                           extensible={"CL.LBTESTCD"}) == problems[1:]


def test_missing_dataset_file_and_undescribed_dataset_are_reported(sdtm_xml, define_frames):
    data = _data(define_frames)
    data["DM"] = DatasetFile("dm.xpt", ["STUDYID"], {"STUDYID": 6})
    assert check_structure(sdtm_xml, data, {"ae.xpt", "suppae.xpt", "dm.xpt"}) == [
        "missing-file: /ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.LB']/def:leaf[@ID='LF.LB']: dataset file "
        "'lb.xpt' does not exist",
        "undescribed-dataset: /ODM/Study/MetaDataVersion: no ItemGroupDef describes dataset DM (dm.xpt)"]


# --- the command ---------------------------------------------------------------------------------

def _write_xpts(study, frames, folder):
    from cdisckit.xpt import variables_from_spec, write_xpt
    for name, frame in frames.items():
        ds = study.datasets[name]
        write_xpt(frame, folder / ds.file_name, name=name, label=ds.label, variables=variables_from_spec(ds),
                  created=CREATED)


def test_define_command_writes_valid_define_and_html(study, define_study, define_frames, tmp_path, capsys):
    from cdisckit import __version__
    from cdisckit.cli import main
    folder = tmp_path / "sdtm"
    folder.mkdir()
    _write_xpts(study, {n: define_frames[n] for n in SDTM}, folder)
    args = ["define", "--study", str(define_study), "--data", str(folder), "--standard", "sdtm",
            "--out", str(folder / "define.xml"), "--created", "2025-01-02T03:04:05"]
    assert main(args) == 0, capsys.readouterr().err
    expected = build_define(study, {n: define_frames[n] for n in SDTM}, model="SDTM", created=CREATED,
                            source_system=("cdisckit", __version__))
    assert (folder / "define.xml").read_bytes() == expected
    assert (folder / "define.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in folder.iterdir()) == ["ae.xpt", "define.html", "define.xml", "lb.xpt",
                                                        "suppae.xpt"]

    _write_xpts(study, {"AE": define_frames["AE"].assign(AESEV=["MILD", "HUGE", "MILD"])}, folder)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert ("codelist-value: /ODM/Study/MetaDataVersion/ItemDef[@OID='IT.AE.AESEV']: AESEV in ae.xpt has 'HUGE', "
            "not in codelist CL.AESEV") in err.splitlines()

    assert main(args[:4] + [str(tmp_path / "nowhere")] + args[5:]) == 2
    assert "nowhere: no such folder (--data)" in capsys.readouterr().err


def test_links_to_documents_must_resolve(sdtm_xml):
    """Every leaf names an existing file, every page reference a page or named
    destination of its PDF; PDFs not written are checked for presence only."""
    from define.structure import DocumentFile, check_links
    files = {"ae.xpt", "lb.xpt", "suppae.xpt", "acrf.pdf"}
    problems = check_links(sdtm_xml, files, {"acrf.pdf": DocumentFile(pages=7, destinations=frozenset({"ae"}))})
    assert [p.split(":")[0] for p in problems] == ["missing-file", "missing-destination"]
    assert problems[0].endswith("'sap.pdf' does not exist")
    assert "def:leaf[@ID='LF.SAP']" in problems[0]
    assert problems[1].endswith("acrf.pdf has no page 8")      # LB's value-level origin: pages 7 and 8
    assert check_links(sdtm_xml, files | {"sap.pdf"},
                       {"acrf.pdf": DocumentFile(pages=8, destinations=frozenset())}) == []
    named = sdtm_xml.replace(b'PageRefs="3" Type="PhysicalRef"', b'PageRefs="ae lab" Type="NamedDestination"')
    assert named != sdtm_xml
    problems = check_links(named, files | {"sap.pdf"}, {"acrf.pdf": DocumentFile(pages=8, destinations=frozenset({"ae"}))})
    assert len(problems) == 1 and problems[0].endswith("acrf.pdf has no named destination 'lab'")
