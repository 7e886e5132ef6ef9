"""Benchmark: the whole rule catalogue on a 1,000,000-row LB-shaped dataset.

Builds LB (1,000 subjects x 50 visits x 20 tests) with DM and SV, seeds a few
errors, and times ``check_tables`` against a baseline measured in the same
run: a deep copy of the frames plus stripping every text column once (what
reading the values at all costs). Prints both times and their ratio.

    python benchmarks/check_lb.py [--rows N]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdisckit.checks.engine import check_tables  # noqa: E402
from cdisckit.checks.table import from_frame  # noqa: E402

TESTS = [(f"T{i:02d}", f"Laboratory test number {i}", ["mg/dL", "g/L", "U/L", "mmol/L"][i % 4]) for i in range(20)]


def frames(rows, seed=1):
    rng = np.random.default_rng(seed)
    tests, visits = len(TESTS), 50
    subjects = max(rows // (tests * visits), 1)
    n = subjects * visits * tests
    subject = np.repeat(np.arange(subjects), visits * tests)
    visit = np.tile(np.repeat(np.arange(1, visits + 1), tests), subjects)
    test = np.tile(np.arange(tests), subjects * visits)
    usubjid = np.array([f"STUDY1-{i:05d}" for i in range(subjects)])
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, subjects), unit="D")
    date = start.to_numpy()[subject] + pd.to_timedelta((visit - 1) * 7, unit="D").to_numpy()
    value = np.round(rng.normal(50, 10, n), 1)
    code = np.array([t[0] for t in TESTS])[test]
    lb = pd.DataFrame({
        "STUDYID": pd.Series("STUDY1", index=range(n), dtype="str"),
        "DOMAIN": pd.Series("LB", index=range(n), dtype="str"),
        "USUBJID": pd.Series(usubjid[subject], dtype="str"),
        "LBSEQ": (np.arange(n) % (visits * tests) + 1).astype("float64"),
        "LBTESTCD": pd.Series(code, dtype="str"),
        "LBTEST": pd.Series(np.array([t[1] for t in TESTS])[test], dtype="str"),
        "LBCAT": pd.Series(np.where(test < 10, "CHEMISTRY", "HEMATOLOGY"), dtype="str"),
        "LBORRES": pd.Series(value.astype(str), dtype="str"),
        "LBORRESU": pd.Series(np.array([t[2] for t in TESTS])[test], dtype="str"),
        "LBSTRESC": pd.Series(value.astype(str), dtype="str"),
        "LBSTRESN": value,
        "LBSTRESU": pd.Series(np.array([t[2] for t in TESTS])[test], dtype="str"),
        "LBNRIND": pd.Series(np.where(value > 65, "HIGH", np.where(value < 35, "LOW", "NORMAL")), dtype="str"),
        "LBSPEC": pd.Series("BLOOD", index=range(n), dtype="str"),
        "LBBLFL": pd.Series(np.where(visit == 1, "Y", ""), dtype="str"),
        "VISITNUM": visit.astype("float64"),
        "VISIT": pd.Series(np.char.add("WEEK ", (visit - 1).astype(str)), dtype="str"),
        "LBDTC": pd.Series(pd.DatetimeIndex(date).strftime("%Y-%m-%d"), dtype="str"),
        "LBDY": ((visit - 1) * 7 + 1).astype("float64"),
    })
    # a few genuine errors
    lb.loc[5, "LBDTC"] = "2021-02-30"
    lb.loc[7, "LBSTRESN"] = 1.0
    lb.loc[9, "LBSEQ"] = 8.0
    dm = pd.DataFrame({"STUDYID": "STUDY1", "DOMAIN": "DM", "USUBJID": usubjid,
                       "RFSTDTC": pd.DatetimeIndex(start).strftime("%Y-%m-%d")}).astype({"USUBJID": "str"})
    sv = lb[["STUDYID", "USUBJID", "VISITNUM", "VISIT"]].drop_duplicates().assign(DOMAIN="SV")
    return {"LB": lb, "DM": dm, "SV": sv.reset_index(drop=True)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    data = frames(args.rows)
    print(f"LB: {len(data['LB']):,} rows x {len(data['LB'].columns)} variables; "
          f"DM {len(data['DM']):,}; SV {len(data['SV']):,}")

    start = time.perf_counter()
    for frame in data.values():
        copy = frame.copy(deep=True)
        for column in copy.columns:
            if copy[column].dtype == "str":
                copy[column].str.strip()
    baseline = time.perf_counter() - start

    tables = [from_frame(name, frame, label=name) for name, frame in data.items()]
    start = time.perf_counter()
    findings = check_tables(tables)
    elapsed = time.perf_counter() - start

    print(f"baseline (deep copy + strip every text column once): {baseline:.2f} s")
    print(f"all {len(findings.rules)} rules, {len(findings.checks)} rule-dataset checks: {elapsed:.2f} s "
          f"({elapsed / baseline:.1f}x baseline), {len(findings.frame)} findings")
    counts = findings.frame.groupby(["rule", "dataset"]).size()
    print(counts.to_string())


if __name__ == "__main__":
    main()
