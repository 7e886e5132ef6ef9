"""Every generic rule of the SDTMIG catalogue (rules_sdtmig.yaml) on a minimal example:
the seeded defect gives a finding in the example's dataset, the clean variant none.

The examples of tests/data/sdtmig_rule_examples.yaml were found by reading the Pinnacle 21
conditions with an independent evaluator, not with cdisckit's condition language, so a rule
whose expression or kind misreads the catalogue fails here; those of
sdtmig_rule_examples_manual.yaml are written by hand for the entries written by hand.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cdisckit.checks import check_tables, from_frame
from cdisckit.checks import rule as rules_module

DATA = Path(__file__).parent / "data"
EXAMPLES = [example for name in ("sdtmig_rule_examples.yaml", "sdtmig_rule_examples_manual.yaml")
            for example in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))]
RULES = {r.id: r for r in rules_module.catalogue()}


def _tables(spec):
    return [from_frame(name, pd.DataFrame(rows)) for name, rows in spec.items()]


def _count(example, variant):
    rule = RULES[example["rule"]]
    findings = check_tables(_tables(example[variant]), rules=[rule]).frame
    dataset = example["dataset"] or rule.params.get("dataset")
    return int((findings["rule"].eq(rule.id) & findings["dataset"].eq(dataset)).sum())


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['rule']}-{e['p21_id']}" for e in EXAMPLES])
def test_rule_finds_seeded_defect_and_passes_clean_data(example):
    assert _count(example, "defect") > 0, "seeded defect not found"
    assert _count(example, "clean") == 0, "finding on clean data"


def test_every_generic_rule_has_an_example():
    """Dictionary rules have theirs in test_checks_dictionary_rules.py."""
    sdtmig = rules_module.catalogue(rules_module.RULES_FILES[1])
    assert {e["rule"] for e in EXAMPLES} == {r.id for r in sdtmig if r.kind and r.kind != "dictionary"}
