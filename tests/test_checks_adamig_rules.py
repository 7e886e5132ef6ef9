"""Every rule of the ADaMIG catalogue (rules_adamig.yaml) on a minimal example: the seeded
defect gives a finding in the example's dataset, the clean variant none.

The examples (tests/data/adamig_rule_examples.yaml) were written by hand from the Pinnacle 21
rule descriptions, not derived from the rules' expressions, so an entry that misreads its
P21 rule fails here.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cdisckit.checks import check_tables, from_frame
from cdisckit.checks import rule as rules_module
from cdisckit.checks.table import Column

DATA = Path(__file__).parent / "data"
EXAMPLES = yaml.safe_load((DATA / "adamig_rule_examples.yaml").read_text(encoding="utf-8"))
RULES = {r.id: r for r in rules_module.catalogue()}


def _table(name, spec):
    frame = pd.DataFrame(spec["records"])
    columns = []
    for var, meta in (spec.get("columns") or {}).items():
        numeric = pd.api.types.is_numeric_dtype(frame[var])
        columns.append(Column(var, "num" if numeric else "char", 8 if numeric else 200, meta.get("label"),
                              meta.get("format")))
    return from_frame(name, frame, label=spec.get("label"), columns=columns)


def _count(example, variant):
    rule = RULES[example["rule"]]
    tables = [_table(name, spec) if isinstance(spec, dict) else from_frame(name, pd.DataFrame(spec))
              for name, spec in example[variant].items()]
    found = check_tables(tables, rules=[rule])
    assert not found.not_run["rule"].eq(rule.id).any() or variant == "clean" or len(found.frame), \
        found.not_run.to_dict("records")
    frame = found.frame
    return int((frame["rule"].eq(rule.id) & frame["dataset"].eq(example["dataset"])).sum())


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['rule']}-{e['p21_id']}" for e in EXAMPLES])
def test_rule_finds_seeded_defect_and_passes_clean_data(example):
    assert _count(example, "defect") > 0, "seeded defect not found"
    assert _count(example, "clean") == 0, "finding on clean data"


def test_every_adamig_rule_has_an_example():
    adamig = {r.id for r in RULES.values() if r.p21_id and r.p21_id.startswith("AD")}
    assert {e["rule"] for e in EXAMPLES} >= adamig - {r.id for r in RULES.values() if not r.kind}


def _adlb(**values):
    base = {"STUDYID": ["S"], "USUBJID": ["1"], "PARAMCD": ["P1"], "PARAM": ["P 1"], "AVAL": [1.0]}
    return from_frame("ADLB", pd.DataFrame({**base, **values}))


def test_adam_ct_checked_without_specs():
    """With no specs or define.xml, ADaMIG's codelists bind: ASTDTF to DATEFL (non-extensible:
    Error), DTYPE to DTYPE (extensible: Warning), from ADaM CT 2025-03-28."""
    rules = [RULES["CK0301"], RULES["CK0302"]]
    found = check_tables([_adlb(ASTDTF=["Q"], DTYPE=["FOO"])], rules=rules).frame
    assert sorted(zip(found["rule"], found["values"])) == [("CK0301", "ASTDTF=Q"), ("CK0302", "DTYPE=FOO")]
    assert "C81223" in found["detail"].iloc[0]
    assert check_tables([_adlb(ASTDTF=["D"], DTYPE=["AVERAGE"])], rules=rules).frame.empty


@pytest.mark.parametrize("name, columns, structure", [
    ("ADSL", {"USUBJID": ["1"]}, "ADSL"),
    ("ADLB", {"USUBJID": ["1"], "PARAMCD": ["P1"], "AVAL": [1.0]}, "BDS"),
    ("ADXX", {"USUBJID": ["1"], "AVAL": [1.0]}, "BDS"),
    ("ADEFF", {"USUBJID": ["1"], "PARAMCD": ["PFS"], "AVAL": [1.0], "CNSR": [0.0]}, "TTE"),
    ("ADCM", {"USUBJID": ["1"], "CMDECOD": ["ASPIRIN"]}, "OCCDS"),
    ("ADAE", {"USUBJID": ["1"], "AEDECOD": ["HEADACHE"], "AVAL": [1.0]}, "OCCDS"),
    ("ADXX", {"USUBJID": ["1"]}, "OTHER"),
])
def test_structure_inferred_from_the_data(name, columns, structure):
    from cdisckit.checks.submission import Submission
    table = from_frame(name, pd.DataFrame(columns))
    assert Submission([table]).adam_kind(table) == structure


def test_structure_from_the_class_the_metadata_declares():
    from cdisckit.checks.submission import Submission
    from specs.model import Dataset, Study, Variable
    table = from_frame("ADXX", pd.DataFrame({"USUBJID": ["1"], "AEDECOD": ["X"]}))
    spec = Dataset(name="ADXX", label="x", model="ADaM", class_="BASIC DATA STRUCTURE",
                   variables=[Variable(name="USUBJID", label="u")])
    study = Study(studyid="S", title="t", protocol="p", datasets={"ADXX": spec})
    assert Submission([table], define=study).adam_kind(table) == "BDS"
