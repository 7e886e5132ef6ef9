"""Fuzzing the readers of outside input (bounded): every corrupted XPT file,
spec folder, define.xml, workbook and raw export is either read correctly or
refused with the documented one-line InputError; nothing else.
``benchmarks/fuzz.py`` runs the same targets longer and counts the outcomes."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import TARGETS, run_case

EXAMPLES = {"xpt": 60, "specs": 25, "define": 25, "workbook": 8, "raw": 40}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_corrupted_input_is_read_or_refused(target):
    @settings(max_examples=EXAMPLES[target], deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1))
    def case(seed):
        assert run_case(target, seed) in ("read", "rejected")
    case()


@pytest.mark.parametrize("target, seed, outcomes", [
    ("define", 1796, {"rejected"}), ("define", 2043, {"rejected"}), ("workbook", 145, {"rejected"}),
    ("workbook", 146, {"rejected"}), ("workbook", 165, {"rejected"}),
    # a zip member marked "version 8.2": openpyxl 3.1.5 refuses it, 3.1.2 reads the workbook
    ("workbook", 57, {"read", "rejected"})])
def test_cases_that_crashed_the_long_fuzz_run_are_refused(target, seed, outcomes):
    """Found by benchmarks/fuzz.py: an ItemDef without Name, a Rank that is no number, a
    standard without version in a workbook, a workbook whose zip members do not inflate."""
    assert run_case(target, seed) in outcomes
