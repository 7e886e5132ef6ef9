"""The EDC's coding step and what the define says about it: the dictionary
named exactly as the export's data dictionary names it, and every coding
variable the define declares filled on every coded record."""

import datetime as dt

import pandas as pd
import pytest
import yaml
from lxml import etree

from define.tree import NS
from define.writer import build_define

AE_CODING = {"AELLT": "AELLTCD", "AEDECOD": "AEPTCD", "AEHLT": "AEHLTCD", "AEHLGT": "AEHLGTCD",
             "AEBODSYS": "AEBDSYCD", "AESOC": "AESOCCD"}


@pytest.fixture(scope="module")
def export(bundled_raw):
    folder, forms = bundled_raw
    return yaml.safe_load((folder / "forms.yaml").read_text(encoding="utf-8")), forms


@pytest.fixture(scope="module")
def define_tree(bundled_sdtm):
    study, frames = bundled_sdtm
    xml = build_define(study, {"AE": frames["AE"]}, model="SDTM", created=dt.datetime(2025, 1, 2, 3, 4, 5))
    return etree.fromstring(xml)


def test_the_export_codes_every_term_with_one_invented_code_per_level(export):
    dictionary, forms = export
    ae = forms["ae"]
    assert set(dictionary["ae_dictionary"]["coded"]["ae"]) <= set(ae.columns)
    assert "not MedDRA" in dictionary["ae_dictionary"]["name"]
    for name, code in [("AELLT", "AELLTCD"), ("AEPT", "AEPTCD"), ("AEHLT", "AEHLTCD"), ("AEHLGT", "AEHLGTCD"),
                       ("AESOC", "AESOCCD")]:
        pairs = ae[[name, code]].drop_duplicates()
        assert (ae[name] != "").all() and pairs[name].is_unique and pairs[code].is_unique, name
        # Invented codes are 9xxxxxxx, a range MedDRA does not use.
        assert pairs[code].str.fullmatch(r"9\d{7}").all(), code
    assert (ae["AELLTCD"] == ae["AEPTCD"]).all()
    # One hierarchy: a PT has one HLT, an HLT one HLGT, an HLGT one SOC.
    for child, parent in [("AEPT", "AEHLT"), ("AEHLT", "AEHLGT"), ("AEHLGT", "AESOC")]:
        assert ae[[child, parent]].drop_duplicates()[child].is_unique, (child, parent)


def test_define_names_the_dictionary_exactly_as_the_export(export, define_tree):
    dictionary = export[0]["ae_dictionary"]
    declared = {(e.get("Dictionary"), e.get("Version"))
                for e in define_tree.iterfind(".//odm:CodeList/odm:ExternalCodeList", NS)}
    assert declared == {(dictionary["name"], str(dictionary["version"]))}
    external = {c.get("OID") for c in define_tree.iterfind(".//odm:CodeList", NS)
                if c.find("odm:ExternalCodeList", NS) is not None}
    coded = {i.get("Name") for i in define_tree.iterfind(".//odm:ItemDef", NS)
             if i.find("odm:CodeListRef", NS) is not None and i.find("odm:CodeListRef", NS).get("CodeListOID") in external}
    assert coded == {"AELLT", "AEDECOD", "AEHLT", "AEHLGT", "AEBODSYS", "AESOC"}


def test_no_coding_variable_is_empty_where_the_define_says_it_is_collected_or_assigned(bundled_sdtm, define_tree,
                                                                                         export):
    ae = bundled_sdtm[1]["AE"]
    origins = {i.get("Name"): i.find("def:Origin", NS).get("Type")
               for i in define_tree.iterfind(".//odm:ItemDef", NS) if i.find("def:Origin", NS) is not None}
    raw = export[1]["ae"]
    for name, code in AE_CODING.items():
        for variable in (name, code):
            assert origins[variable] == "Assigned", variable
            assert ae[variable].notna().all() and (ae[variable].astype(str) != "").all(), variable
        pairs = ae[[name, code]].drop_duplicates()
        assert pairs[name].is_unique and pairs[code].is_unique, name
    # The SDTM codes are the export's codes of the same term.
    exported = dict(zip(raw["AEPT"], pd.to_numeric(raw["AEPTCD"])))
    assert all(exported[t] == c for t, c in zip(ae["AEDECOD"], ae["AEPTCD"]))


def test_medical_history_is_coded_with_the_same_dictionary(bundled_sdtm, export):
    dictionary, forms = export
    assert set(dictionary["ae_dictionary"]["coded"]["mh"]) <= set(forms["mh"].columns)
    mh = bundled_sdtm[1]["MH"]
    assert len(mh) == len(forms["mh"]) > 0
    for name, code in [("MHLLT", "MHLLTCD"), ("MHDECOD", "MHPTCD"), ("MHHLT", "MHHLTCD"), ("MHHLGT", "MHHLGTCD"),
                       ("MHBODSYS", "MHBDSYCD"), ("MHSOC", "MHSOCCD")]:
        assert (mh[name] != "").all() and mh[code].notna().all(), name
        assert mh[[name, code]].drop_duplicates()[name].is_unique, name
    # A term coded in both logs has the same codes in both.
    ae = bundled_sdtm[1]["AE"]
    both = set(ae["AEDECOD"]) & set(mh["MHDECOD"])
    assert both and all(set(ae.loc[ae["AEDECOD"] == t, "AEPTCD"]) == set(mh.loc[mh["MHDECOD"] == t, "MHPTCD"])
                        for t in both)


def test_concomitant_medications_coded_and_declared_as_the_export_names_the_drug_dictionary(bundled_sdtm, export):
    dictionary, forms = export
    study, frames = bundled_sdtm
    cm = frames["CM"]
    meds = cm[cm["CMCAT"] == "CONCOMITANT MEDICATION"]
    raw = forms["conmed"]
    assert len(meds) == len(raw) > 0
    assert (meds[["CMDECOD", "CMCLAS", "CMCLASCD"]] != "").all().all()
    drugs = {r["CMDECOD"].upper(): (r["CMCLAS"].upper(), r["CMCLASCD"]) for r in raw.to_dict("records")}
    assert all(drugs[d] == (c, k) for d, c, k in zip(meds["CMDECOD"], meds["CMCLAS"], meds["CMCLASCD"]))
    # Corticosteroids for immune-related adverse events, linked by AE number on the form.
    steroids = raw[raw["CMCLASCD"] == "H02AB"]
    assert len(steroids) > 0 and (steroids["CMAENUM"] != "").all()
    xml = build_define(study, {"CM": cm}, model="SDTM", created=dt.datetime(2025, 1, 2, 3, 4, 5))
    declared = {(e.get("Dictionary"), e.get("Version"))
                for e in etree.fromstring(xml).iterfind(".//odm:CodeList/odm:ExternalCodeList", NS)}
    assert declared == {(dictionary["cm_dictionary"]["name"], str(dictionary["cm_dictionary"]["version"]))}
