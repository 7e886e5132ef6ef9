"""The ADaM checks on the bundled study: its own ADaM is clean, and ten defects seeded into it
(one per family: ADSL, BDS, OCCDS, TTE, traceability to the SDTM, define.xml) are each reported
by the rule written for it.

The ADaM is derived once from the session's SDTM (``bundled_sdtm``), written as XPT with its
define.xml, and checked with the SDTM given as ``--sdtm`` (DM, AE, EX, RS, DS: what traceability reads).
"""

import dataclasses
import json
from datetime import datetime

import numpy as np
import pytest

from adam.engine import build_adam
from cdisckit.checks import run_checks, write_reports
from cdisckit.checks.report_json import validator
from cdisckit.checks.rule import catalogue
from cdisckit.define_files import write_define
from cdisckit.pipeline import submitted, write_datasets

CREATED = datetime(2026, 1, 1)
P21 = {r.p21_id: r.id for r in catalogue() if r.p21_id}


def _write(study, frames, folder, define=True):
    write_datasets(study, frames, folder, CREATED)
    if define:
        assert write_define(study, frames, "ADaM", folder, CREATED) == []
    return folder


@pytest.fixture(scope="module")
def bundled(bundled_sdtm, tmp_path_factory):
    study, sdtm = bundled_sdtm
    adam = submitted(build_adam(study, sdtm))
    root = tmp_path_factory.mktemp("adam-seeded")
    sdtm_folder = _write(study, {n: sdtm[n] for n in ("DM", "AE", "EX", "EC", "QS", "RS", "DS") if n in sdtm},
                         root / "sdtm", define=False)
    return study, adam, root, sdtm_folder


def test_bundled_adam_has_no_adam_finding_but_explained_ones(bundled):
    study, adam, root, sdtm_folder = bundled
    folder = _write(study, adam, root / "clean")
    findings = run_checks(folder, study=study, define=folder / "define.xml", sdtm=sdtm_folder)
    found = findings.frame[findings.frame["rule"].str.match(r"CK(06|08|2\d)")]
    assert found[found["explanation"].eq("")].empty, found.head(20).to_dict("records")
    write_reports(findings, [root / "clean.json"])
    report = json.loads((root / "clean.json").read_text())
    assert list(validator().iter_errors(report)) == []
    assert report["inputs"]["adam_standard"] == "ADaMIG 1.3 with CT adamct-2025-03-28"
    assert report["inputs"]["sdtm"] == str(sdtm_folder)


def _seed(adam, define_study):
    """The bundled ADaM with ten defects, and the (rule, dataset) each must give."""
    frames = {name: frame.copy() for name, frame in adam.items()}
    adsl, adqs, adae, adtte = (frames[n] for n in ("ADSL", "ADQS", "ADAE", "ADTTE"))
    expected = []
    # ADSL: a population flag left null; the same subject twice
    adsl.loc[adsl.index[0], "SAFFL"] = ""
    expected.append(("AD0019", "ADSL"))
    frames["ADSL"] = adsl = adsl.iloc[list(range(len(adsl))) + [1]].reset_index(drop=True)
    expected.append(("AD0054", "ADSL"))
    # BDS: a baseline record whose BASE is not its AVAL; a change that is not AVAL - BASE
    base = adqs.index[adqs["ABLFL"].eq("Y")][0]
    adqs.loc[base, "BASE"] = adqs.loc[base, "AVAL"] + 7
    expected.append(("AD0152", "ADQS"))
    post = adqs.index[adqs["CHG"].notna() & adqs["ABLFL"].ne("Y")][0]
    adqs.loc[post, "CHG"] = adqs.loc[post, "AVAL"] - adqs.loc[post, "BASE"] + 5
    expected.append(("AD0223", "ADQS"))
    # OCCDS: a treatment-emergent flag of N
    adae.loc[adae.index[0], "TRTEMFL"] = "N"
    expected.append(("AD0269", "ADAE"))
    # TTE: a censored record without its origin date
    adtte.loc[adtte.index[adtte["CNSR"].eq(1)][0], "STARTDT"] = np.nan
    expected.append(("AD0247", "ADTTE"))
    # traceability: ADSL age differs from DM; an ADAE record with no AE record; SRCSEQ of no record
    adsl.loc[adsl.index[2], "AGE"] = adsl.loc[adsl.index[2], "AGE"] + 1
    expected.append(("AD0204", "ADSL"))
    adae.loc[adae.index[1], "AESEQ"] = 999
    expected.append(("AD0258", "ADAE"))
    event = adtte.index[adtte["SRCSEQ"].notna()][0]
    adtte.loc[event, "SRCSEQ"] = 999
    expected.append(("CK0620", "ADTTE"))
    return frames, expected


def test_seeded_defects_are_each_reported(bundled):
    study, adam, root, sdtm_folder = bundled
    frames, expected = _seed(adam, study)
    clean = _write(study, adam, root / "define-source")
    # define: ADQS delivered with a variable its define.xml does not describe
    frames["ADQS"] = frames["ADQS"].assign(XTRA=1.0)
    spec = study.datasets["ADQS"]
    extra = dataclasses.replace(spec.variables[-1], name="XTRA", label="Seeded", data_type="float",
                                codelist=None, origin=None, method=None, length=8)
    seeded_study = dataclasses.replace(study, datasets={**study.datasets, "ADQS": dataclasses.replace(
        spec, variables=[*spec.variables, extra])})
    folder = root / "seeded"
    write_datasets(seeded_study, frames, folder, CREATED)
    found = run_checks(folder, study=study, define=clean / "define.xml", sdtm=sdtm_folder).frame
    expected.append(("CK0803", "ADQS"))
    got = set(zip(found["rule"], found["dataset"]))
    missing = [(rule, dataset) for rule, dataset in expected if (P21.get(rule, rule), dataset) not in got]
    assert len(expected) >= 10 and not missing, missing


def test_define_file_problems_are_findings(bundled, tmp_path):
    """A define.xml whose MethodDef of one method is gone: one finding per dangling reference."""
    from lxml import etree
    study, adam, root, sdtm_folder = bundled
    folder = _write(study, adam, tmp_path / "adam")
    tree = etree.parse(str(folder / "define.xml"))
    odm = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    method = tree.find(".//odm:MethodDef", odm)
    users = len(tree.findall(f".//odm:ItemRef[@MethodOID='{method.get('OID')}']", odm))
    method.getparent().remove(method)
    tree.write(str(folder / "define.xml"), xml_declaration=True, encoding="UTF-8")
    found = run_checks(folder, study=study, sdtm=sdtm_folder).frame
    define = found[found["rule"].eq("CK0816")]
    assert users and list(define["values"]) == ["dangling-reference"] * users
    assert all(method.get("OID") in detail for detail in define["detail"])
