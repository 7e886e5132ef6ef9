"""Shared fixtures: paths to the reference data and a minimal valid study."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"


def reference(*parts):
    """Path of a file under ../shared/reference, skipping the test if absent."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path}")
    return path


MINI_STUDY = {
    "study.yaml": """\
studyid: MINI01
title: A minimal study for tests
protocol: MINI-01
standards:
  - {id: STD.SDTMIG, name: SDTMIG, version: "3.4"}
  - {id: STD.CT, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: SDTM}
documents:
  - {id: ACRF, title: Annotated CRF, href: acrf.pdf, kind: acrf}
""",
    "codelists.yaml": """\
- id: AESEV
  name: Severity/Intensity Scale for Adverse Events
  nci_code: C66769
  standard: STD.CT
  terms:
    - {value: MILD, nci_code: C41338, collected: [Mild]}
    - {value: MODERATE, nci_code: C41339, collected: [Moderate]}
    - {value: SEVERE, nci_code: C41340, collected: [Severe]}
""",
    "methods.yaml": """\
- id: MT.AESEQ
  name: Sequence number
  description: Sequential number of the record within the subject, in key order.
""",
    "comments.yaml": """\
- id: COM.AE
  text: Adverse events collected to 30 days after the last dose.
""",
    "sdtm/AE.yaml": """\
name: AE
label: Adverse Events
standard: STD.SDTMIG
class: EVENTS
structure: One record per adverse event per subject
keys: [STUDYID, USUBJID, AETERM, AESTDTC]
comment: COM.AE
variables:
  - {name: STUDYID, label: Study Identifier, role: Identifier, core: Req, length: 6}
  - {name: USUBJID, label: Unique Subject Identifier, role: Identifier, core: Req}
  - {name: AESEQ, label: Sequence Number, data_type: integer, role: Identifier, core: Req,
     method: MT.AESEQ, origin: {type: Derived}}
  - {name: AETERM, label: Reported Term for the Adverse Event, role: Topic, core: Req,
     origin: {type: Collected, source: Investigator, document: ACRF, pages: [3]}}
  - {name: AESEV, label: Severity/Intensity, codelist: AESEV, role: Record Qualifier, core: Perm}
  - {name: AESTDTC, label: Start Date/Time of Adverse Event, data_type: datetime, role: Timing, core: Exp}
""",
}


@pytest.fixture
def mini_study(tmp_path):
    """A minimal valid spec folder; tests edit its files to seed errors."""
    root = tmp_path / "mini"
    for name, text in MINI_STUDY.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


# --- Define-XML: the mini study grown by value-level metadata, SUPP--, ADaM -----------------

DEFINE_ADDITIONS = {
    "study.yaml": ("""\
  - {id: STD.CT, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: SDTM}
""", """\
  - {id: STD.CT, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: SDTM}
  - {id: STD.ADAMIG, name: ADaMIG, version: "1.3"}
  - {id: STD.ADAMCT, name: CDISC/NCI, version: "2025-03-28", type: CT, publishing_set: ADaM}
""", """\
  - {id: SAP, title: Statistical Analysis Plan, href: sap.pdf}
"""),
    "codelists.yaml": """\
- id: NY
  name: No Yes Response
  nci_code: C66742
  standard: STD.CT
  terms:
    - {value: N, decode: "No", nci_code: C49487}
    - {value: Y, decode: "Yes", nci_code: C49488}
- id: LBTESTCD
  name: Laboratory Test Code
  nci_code: C65047
  extensible: true
  standard: STD.CT
  terms:
    - {value: ALB, decode: Albumin, nci_code: C64431}
    - {value: URIN, decode: Urine Appearance}
- id: URINRES
  name: Urine Appearance Result
  terms:
    - {value: CLEAR}
    - {value: CLOUDY}
- id: QNAM
  name: Supplemental Qualifier Name
  terms:
    - {value: AETRTEM, decode: Treatment Emergent Flag}
- id: PARAMCD
  name: Parameter Code
  terms:
    - {value: PFS, decode: Progression-free survival}
    - {value: OS, decode: Overall survival}
- id: UNUSED
  name: A codelist nothing points to
  terms:
    - {value: X}
""",
    "methods.yaml": """\
- id: TRTEM
  name: Treatment emergent
  description: Y when the adverse event starts on or after the first dose.
  expression: "AESTDTC >= EXSTDTC"
  context: Python
  document: SAP
  pages: [12, "14-16"]
- id: MT.AVAL
  name: Time to event
  description: Days from first dose to the event or censoring, plus one.
- id: MT.UNUSED
  name: Unused
  description: Nothing refers to this method.
""",
    "comments.yaml": """\
- id: COM.MARKUP
  text: Check <b>bold</b> & "double" 'single' ]]> text.
  document: SAP
  pages: [3]
""",
    "sdtm/LB.yaml": """\
name: LB
label: Laboratory Test Results
class: FINDINGS
structure: One record per lab test per time point per visit per subject
keys: [STUDYID, USUBJID, LBTESTCD]
variables:
  - {name: STUDYID, label: Study Identifier, role: Identifier, core: Req, length: 6}
  - {name: USUBJID, label: Unique Subject Identifier, role: Identifier, core: Req}
  - {name: LBTESTCD, label: Lab Test or Examination Short Name., codelist: LBTESTCD, role: Topic, core: Req}
  - {name: LBORRES, label: Result or Finding in Original Units, role: Result Qualifier, core: Exp,
     comment: COM.MARKUP}
value_level:
  - variable: LBORRES
    where: [{variable: LBTESTCD, values: [ALB]}]
    data_type: float
    significant_digits: 2
    label: Albumin result
    origin: {type: Collected, source: Vendor}
  - variable: LBORRES
    where: [{variable: LBTESTCD, values: [URIN]}]
    codelist: URINRES
    origin: {type: Collected, source: Investigator, document: ACRF, pages: [7, 8]}
""",
    "sdtm/SUPPAE.yaml": """\
name: SUPPAE
label: Supplemental Qualifiers for AE
class: RELATIONSHIP
structure: One record per IDVAR, IDVARVAL, and QNAM value per subject
keys: [STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM]
variables:
  - {name: STUDYID, label: Study Identifier, role: Identifier, core: Req}
  - {name: RDOMAIN, label: Related Domain Abbreviation, role: Identifier, core: Req}
  - {name: USUBJID, label: Unique Subject Identifier, role: Identifier, core: Req}
  - {name: IDVAR, label: Identifying Variable, role: Identifier, core: Exp}
  - {name: IDVARVAL, label: Identifying Variable Value, role: Identifier, core: Exp}
  - {name: QNAM, label: Qualifier Variable Name, codelist: QNAM, role: Topic, core: Req}
  - {name: QLABEL, label: Qualifier Variable Label, role: Synonym Qualifier, core: Req}
  - {name: QVAL, label: Data Value, role: Result Qualifier, core: Req}
value_level:
  - variable: QVAL
    where: [{variable: QNAM, values: [AETRTEM]}]
    label: Treatment Emergent Flag
    codelist: NY
    method: TRTEM
    mandatory: true
    origin: {type: Derived}
""",
    "adam/ADTTE.yaml": """\
name: ADTTE
label: Time-to-Event Analysis Dataset
class: BASIC DATA STRUCTURE
subclass: TIME-TO-EVENT
structure: One record per subject per parameter
keys: [STUDYID, USUBJID, PARAMCD]
variables:
  - {name: STUDYID, label: Study Identifier, core: Req, origin: {type: Predecessor, predecessor: ADSL.STUDYID}}
  - {name: USUBJID, label: Unique Subject Identifier, core: Req, role: Identifier}
  - {name: PARAMCD, label: Parameter Code, codelist: PARAMCD, core: Req}
  - {name: AVAL, label: Analysis Value, data_type: float, core: Cond, display_format: "8.1",
     method: MT.AVAL, origin: {type: Derived}}
  - {name: CNSR, label: Censor, data_type: integer, core: Cond, codelist: NY01}
value_level:
  - variable: AVAL
    where: [{variable: PARAMCD, values: [PFS]}]
    data_type: float
    label: Progression-free survival (days)
    method: MT.AVAL
    origin: {type: Derived}
""",
}
DEFINE_NY01 = """\
- id: NY01
  name: No Yes Response (numeric)
  data_type: integer
  terms:
    - {value: "0", decode: "No"}
    - {value: "1", decode: "Yes"}
"""


@pytest.fixture
def define_study(mini_study):
    """The mini study with what a define.xml has to show: value-level metadata
    (LB by test code, SUPPAE by QNAM, ADTTE by PARAMCD), decoded, extensible
    and sponsor codelists, a method with an expression and document pages, a
    comment full of markup characters, and an ADaM dataset."""
    for name, addition in DEFINE_ADDITIONS.items():
        path = mini_study / name
        if isinstance(addition, tuple):          # study.yaml: edit the standards, add a document
            old, new, document = addition
            path.write_text(path.read_text(encoding="utf-8").replace(old, new) + document,
                            encoding="utf-8")
        elif path.exists():
            path.write_text(path.read_text(encoding="utf-8") + addition
                            + (DEFINE_NY01 if name == "codelists.yaml" else ""), encoding="utf-8")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(addition, encoding="utf-8")
    return mini_study


@pytest.fixture
def define_frames():
    """Final frames of the define study, in spec column order."""
    import pandas as pd

    return {
        "AE": pd.DataFrame({
            "STUDYID": ["MINI01"] * 3, "USUBJID": ["MINI01-001", "MINI01-001", "MINI01-0002"],
            "AESEQ": [1.0, 2.0, 1.0], "AETERM": ["HEADACHE", "NAUSEA", "RCCEP"],
            "AESEV": ["MILD", "SEVERE", "MILD"], "AESTDTC": ["2021-03", "2021-03-04T10:15", "2021-04-01"]}),
        "LB": pd.DataFrame({
            "STUDYID": ["MINI01"] * 3, "USUBJID": ["MINI01-001"] * 3, "LBTESTCD": ["ALB", "ALB", "URIN"],
            "LBORRES": ["4.5", "40.25", "CLOUDY"]}),
        "SUPPAE": pd.DataFrame({
            "STUDYID": ["MINI01"], "RDOMAIN": ["AE"], "USUBJID": ["MINI01-001"], "IDVAR": ["AESEQ"],
            "IDVARVAL": ["1"], "QNAM": ["AETRTEM"], "QLABEL": ["Treatment Emergent Flag"], "QVAL": ["Y"]}),
        "ADTTE": pd.DataFrame({
            "STUDYID": ["MINI01"] * 2, "USUBJID": ["MINI01-001"] * 2, "PARAMCD": ["PFS", "OS"],
            "AVAL": [120.0, 300.5], "CNSR": [0.0, 1.0]}),
    }


@pytest.fixture(scope="session")
def bundled_raw(tmp_path_factory):
    """The bundled study's simulated raw export (the default subjects and seed) and its forms."""
    from cdisckit.simulator import SEED, SUBJECTS
    from tests.edc import simulated
    folder = tmp_path_factory.mktemp("raw") / "export"
    return folder, simulated(folder, SUBJECTS, SEED)


@pytest.fixture(scope="session")
def bundled_mapped(bundled_raw):
    """The bundled study's specs and the ``sdtm.engine.Mapped`` result of ``bundled_raw``
    (SDTM frames with the lineage of their records)."""
    from sdtm.engine import map_and_trace
    from specs import load_study
    study = load_study("camrelizumab-npc")
    return study, map_and_trace(study, bundled_raw[1])


@pytest.fixture(scope="session")
def bundled_sdtm(bundled_mapped):
    """The bundled study's specs and its SDTM frames mapped from ``bundled_raw``."""
    study, mapped = bundled_mapped
    return study, mapped.datasets


@pytest.fixture(scope="session")
def bundled_adam(bundled_sdtm):
    """The bundled study's ADaM frames built from ``bundled_sdtm``."""
    from adam.engine import build_adam
    study, sdtm = bundled_sdtm
    return study, build_adam(study, sdtm)


RUN_CREATED = "2024-04-01T09:00:00"


@pytest.fixture(scope="session")
def bundled_runs(tmp_path_factory):
    """Two trees of the bundled study with the same inputs and creation datetime
    (60 simulated subjects, seed 1): ``cdisckit run``, which gives independent
    steps to a second process, and ``run_submission`` doing all in one process."""
    from cdisckit.cli import main
    from cdisckit.pipeline import creation_time, run_submission
    from specs import load_study
    first, second = (tmp_path_factory.mktemp(name) / "submission" for name in ("first", "second"))
    assert main(["run", "--out", str(first), "--created", RUN_CREATED]) == 0
    run_submission(load_study("camrelizumab-npc"), second, created=creation_time(RUN_CREATED), parallel=False)
    return [first, second]


@pytest.fixture(scope="session")
def pilot_mapped():
    """The cdiscpilot01 specs, its raw export (pharmaverseraw) and the ``sdtm.engine.Mapped``
    result of it (SDTM frames with the lineage of their records)."""
    from cdisckit.raw import read_raw
    from sdtm.engine import map_and_trace
    from specs import load_study
    raw_dir = reference("pharmaverseraw")
    study = load_study("cdiscpilot01")
    forms, _ = read_raw(raw_dir)
    return study, raw_dir, forms, map_and_trace(study, forms)


@pytest.fixture(scope="session")
def pilot_sdtm(pilot_mapped):
    """The cdiscpilot01 specs, its raw export (pharmaverseraw) and the SDTM frames mapped from it."""
    study, raw_dir, forms, mapped = pilot_mapped
    return study, raw_dir, forms, mapped.datasets
