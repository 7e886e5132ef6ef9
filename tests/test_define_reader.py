"""Define-XML 2.0/2.1 into specs: the reference define, and round trips through the writer."""

import datetime

import pandas as pd
import pytest

from conftest import reference
from define import oids
from define.reader import read_define
from define.schema import validate_schema
from define.writer import build_define
from specs import load_study, write_study
from specs.errors import InputError
from specs.loader import BUNDLED_DIR
from specs.serialize import to_data
from test_workbook import RICH, spec_folder

CREATED = datetime.datetime(2024, 5, 1, 12, 0, 0)
PILOT_2_0 = ("define-2.0", "updated-cdiscpilot-sdtm-define.xml")


def frames_for(study, model):
    """Empty datasets with the spec's columns: what the writer needs to describe a model."""
    return {ds.name: pd.DataFrame({v.name: pd.Series([], dtype="float64" if v.numeric else "object")
                                   for v in ds.variables})
            for ds in study.model_datasets(model)}


def define_of(study, model):
    return build_define(study, frames_for(study, model), model=model, created=CREATED)


def essentials(study, model):
    """What a define.xml must carry over: datasets, variables, value level with
    where-clauses, codelist terms and methods, keyed by their define OIDs
    (ADaM variables have no role there, external dictionaries no terms, and
    value-level entries are ordered within their variable only)."""
    used_codelists, used_methods = set(), set()
    datasets = {}
    for ds in study.model_datasets(model):
        items = [*ds.variables, *ds.value_level]
        used_codelists.update(i.codelist for i in items if i.codelist)
        used_methods.update(i.method for i in items if i.method)
        datasets[ds.name] = {
            "dataset": (ds.label, ds.keys, (ds.class_ or "").upper(), ds.structure, ds.repeating,
                        ds.reference_data, ds.standard, ds.comment and oids.comment_oid(ds.comment)),
            "variables": [(v.name, v.label, v.data_type, v.role if model == "SDTM" else None, v.mandatory,
                           v.display_format,
                           v.significant_digits, _item(v)) for v in ds.variables],
            "value_level": {v.name: [([to_data(c) for c in vlm.where], vlm.data_type, vlm.mandatory,
                                      vlm.significant_digits, vlm.display_format, _item(vlm))
                                     for vlm in ds.value_level if vlm.variable == v.name]
                            for v in ds.variables},
        }
    return {
        "datasets": datasets,
        "codelists": {oids.codelist_oid(i): (study.codelists[i].name, study.codelists[i].nci_code,
                                             study.codelists[i].dictionary,
                                             [(t.value, t.nci_code, t.rank) for t in study.codelists[i].terms
                                              if not study.codelists[i].dictionary])
                      for i in used_codelists},
        "methods": {oids.method_oid(i): (study.methods[i].name, study.methods[i].type,
                                         study.methods[i].description, study.methods[i].expression,
                                         study.methods[i].context, study.methods[i].document,
                                         study.methods[i].pages) for i in used_methods},
    }


def _item(item):
    origin = item.origin and (item.origin.type, item.origin.source, item.origin.document,
                              item.origin.pages, item.origin.predecessor)
    return (item.codelist and oids.codelist_oid(item.codelist), item.method and oids.method_oid(item.method),
            item.comment and oids.comment_oid(item.comment), origin)


@pytest.fixture
def rich_study(tmp_path):
    return load_study(spec_folder(RICH, tmp_path / "rich"))


def test_reference_define_2_0():
    notes = []
    study = read_define(reference(*PILOT_2_0), notes)
    assert (study.studyid, study.title) == ("UpdatedCDISCPILOT", "UpdatedCDISCPILOT Data Definition")
    assert len(study.datasets) == 31
    items = sum(len(ds.variables) + len(ds.value_level) for ds in study.datasets.values())
    assert items == 747                                   # one per ItemDef: 517 variables, 230 value-level
    assert (len(study.codelists), len(study.methods), len(study.comments)) == (75, 103, 19)
    assert [(s.id, s.name, s.version) for s in study.standards] == [("STD.SDTMIG.3.2", "SDTMIG", "3.2")]
    assert [(d.id, d.title, d.href, d.kind) for d in study.documents] == [
        ("blankcrf", "Annotated Case Report Form", "blankcrf.pdf", "acrf")]
    ae = study.datasets["AE"]
    assert (ae.model, ae.class_, ae.keys) == ("SDTM", "EVENTS", ["STUDYID", "USUBJID", "AETERM", "AESTDTC", "AESEQ"])
    assert to_data(ae.variable("AETERM")) == {
        "name": "AETERM", "label": "Reported Term for the Adverse Event", "length": 200, "role": "Topic",
        "core": "Req", "origin": {"type": "Collected", "source": "Investigator", "document": "blankcrf",
                                  "pages": [121, 122, 123]}}
    assert ae.variable("AESEQ").method == "AE.AESEQ"
    assert study.methods["AE.AESEQ"].description == "Sequential number identifying records within each USUBJID"
    assert to_data(study.codelists["SEV"]) == {
        "id": "SEV", "name": "SEV", "nci_code": "C66769",
        "terms": [{"value": "MILD", "decode": "MILD", "nci_code": "C41338"},
                  {"value": "MODERATE", "decode": "MODERATE", "nci_code": "C41339"},
                  {"value": "SEVERE", "decode": "SEVERE", "nci_code": "C41340"}]}
    assert ae.variable("AESEV").codelist == "SEV"
    assert to_data(study.codelists["AEDICT"]) == {"id": "AEDICT", "name": "ADVERSE EVENT DICTIONARY",
                                                  "dictionary": "MEDDRA", "version": "8.0"}
    lbch = study.datasets["LBCH"]
    assert lbch.domain == "LB"
    assert to_data(lbch.value_level[1]) == {
        "variable": "LBORRES", "where": [{"variable": "LBCAT", "values": ["CHEMISTRY"]},
                                         {"variable": "LBTESTCD", "values": ["ALB"]}],
        "data_type": "integer", "length": 8, "origin": {"type": "Collected", "source": "Vendor"}}
    assert notes == [f"{reference(*PILOT_2_0)}: line {line}: RangeCheck def:ItemOID='IT.SUPPLB.QNAM' names no "
                     "ItemDef; read as variable QNAM" for line in (2135, 2140)]


def test_define_2_0_written_back_as_2_1_validates(tmp_path):
    study = load_study(write_study(read_define(reference(*PILOT_2_0)), tmp_path / "pilot"))
    xml = define_of(study, "SDTM")
    assert validate_schema(xml) == []
    again = read_define(xml)
    assert essentials(again, "SDTM") == essentials(study, "SDTM")


@pytest.mark.parametrize("model", ["SDTM", "ADaM"])
def test_specs_define_specs_keeps_everything(rich_study, tmp_path, model):
    xml = define_of(rich_study, model)
    assert validate_schema(xml) == []
    back = load_study(write_study(read_define(xml), tmp_path / "back"))
    assert essentials(back, model) == essentials(rich_study, model)
    assert back.datasets.keys() == {ds.name for ds in rich_study.model_datasets(model)}


def test_bundled_study_through_define(tmp_path):
    if not (BUNDLED_DIR / "camrelizumab-npc" / "study.yaml").is_file():
        pytest.skip("bundled study not present")
    study = load_study("camrelizumab-npc")
    for model in ("SDTM", "ADaM"):
        if not study.model_datasets(model):
            continue
        back = load_study(write_study(read_define(define_of(study, model)), tmp_path / model))
        assert essentials(back, model) == essentials(study, model)


def test_define_1_0_is_refused():
    with pytest.raises(InputError, match="not a Define-XML 2.0 or 2.1 file .*def/v1.0.*must first be converted"):
        read_define(reference("cdiscpilot01", "sdtm", "define.xml"))


def test_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE ODM [<!ENTITY xxe SYSTEM "file://{secret}">]>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1">
 <Study OID="S"><GlobalVariables><StudyName>&xxe;</StudyName><StudyDescription>d</StudyDescription>
 <ProtocolName>p</ProtocolName></GlobalVariables><MetaDataVersion OID="M" Name="m"/></Study></ODM>"""
    with pytest.raises(InputError) as info:
        read_define(xml.encode())
    assert "StudyName holds the entity reference &xxe;" in str(info.value) and "TOPSECRET" not in str(info.value)


def test_malformed_xml_names_the_line():
    with pytest.raises(InputError, match=r"define.xml: line 2: not well-formed XML"):
        read_define(b"<ODM>\n<Study></ODM>")
