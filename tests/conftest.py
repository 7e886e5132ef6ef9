"""Shared fixtures: paths to the reference data and a minimal valid study."""

import shutil
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
