"""Benchmark: XPT v5 writing and reading on an LB-shaped frame.

Builds 1,000,000 rows x 15 columns (text and numbers, with missing values)
and, in the same run, times cdisckit's ``write_xpt`` against
``pyreadstat.write_xport(..., file_format_version=5)`` and a plain numpy
``tofile`` of the same number of bytes; then reading with ``read_xpt``,
``pyreadstat.read_xport`` and ``pandas.read_sas``. Prints MB/s and ratios.
Targets: writing at least 10x pyreadstat and at least 1/3 of the plain write.

    python benchmarks/xpt_write.py [--rows N] [--repeat R]

The plain write is the same bytes written the way write_xpt writes them (a
new file renamed over the last one), so the ratio is the cost of making them.
Files go to a temporary folder beside this script.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdisckit.xpt import read_xpt, write_xpt  # noqa: E402

TESTS = [("ALT", "Alanine Aminotransferase", "U/L"), ("AST", "Aspartate Aminotransferase", "U/L"),
         ("ALP", "Alkaline Phosphatase", "U/L"), ("BILI", "Bilirubin", "umol/L"),
         ("CREAT", "Creatinine", "umol/L"), ("GLUC", "Glucose", "mmol/L"),
         ("HGB", "Hemoglobin", "g/L"), ("PLAT", "Platelets", "10^9/L"),
         ("WBC", "Leukocytes", "10^9/L"), ("SODIUM", "Sodium", "mmol/L")]


def lb_frame(rows, seed=20240101):
    """An LB-like frame: 9 text and 6 numeric columns, about 5% missing results."""
    rng = np.random.default_rng(seed)
    test = rng.integers(0, len(TESTS), rows)
    codes, names, units = (np.array(col, dtype=object) for col in zip(*TESTS))
    value = np.round(rng.normal(50, 20, rows), 2)
    missing = rng.random(rows) < 0.05
    value[missing] = np.nan
    subjects = np.array([f"CAMREL-NPC-{s:04d}" for s in range(1, 201)], dtype=object)
    return pd.DataFrame({
        "STUDYID": pd.Series(["CAMREL-NPC"] * rows, dtype="str"),
        "DOMAIN": pd.Series(["LB"] * rows, dtype="str"),
        "USUBJID": pd.Series(subjects[rng.integers(0, len(subjects), rows)], dtype="str"),
        "LBSEQ": np.arange(1, rows + 1, dtype=np.float64),
        "LBTESTCD": pd.Series(codes[test], dtype="str"),
        "LBTEST": pd.Series(names[test], dtype="str"),
        "LBCAT": pd.Series(["CHEMISTRY"] * rows, dtype="str"),
        "LBORRES": pd.Series(np.where(missing, None, value.astype(str)), dtype="str"),
        "LBORRESU": pd.Series(np.where(missing, None, units[test]), dtype="str"),
        "LBSTRESN": value,
        "LBSTNRLO": np.where(missing, np.nan, 10.0),
        "LBSTNRHI": np.where(missing, np.nan, 80.5),
        "LBNRIND": pd.Series(np.where(missing, None, np.where(value > 80.5, "HIGH",
                                                              np.where(value < 10, "LOW", "NORMAL"))),
                             dtype="str"),
        "VISITNUM": rng.integers(1, 20, rows).astype(np.float64),
        "LBDY": rng.integers(-10, 400, rows).astype(np.float64),
    })


def timed(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def plain_write(block, path):
    """What write_xpt does with its bytes, minus making them: a new file renamed into place."""
    temporary = path.with_name(path.name + ".tmp")
    block.tofile(temporary)
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of the fast writers and readers; "
                        "the best run counts (pyreadstat and pandas run once)")
    args = parser.parse_args(argv)

    frame = lb_frame(args.rows)
    created = dt.datetime(2024, 1, 1)
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent) as tmp:
        ours, theirs, plain = (Path(tmp) / n for n in ("ours.xpt", "pyreadstat.xpt", "plain.bin"))
        write_ours = lambda: write_xpt(frame, ours, name="LB", label="Laboratory Test Results", created=created)
        write_ours()
        block = np.frombuffer(ours.read_bytes(), dtype=np.uint8).copy()
        t_ours, t_plain = [], []
        for _ in range(args.repeat):          # interleaved, so both meet the same page cache
            t_ours.append(timed(write_ours))
            t_plain.append(timed(lambda: plain_write(block, plain)))
        t_ours, t_plain = min(t_ours), min(t_plain)
        t_pyreadstat = timed(lambda: pyreadstat.write_xport(frame, theirs, file_format_version=5,
                                                            table_name="LB"))
        mb = block.size / 1e6
        print(f"frame: {args.rows:,} rows x {frame.shape[1]} columns "
              f"({sum(frame.dtypes == 'str')} text, {sum(frame.dtypes == 'float64')} numeric); "
              f"file {mb:.1f} MB")
        print("write (best of %d; pyreadstat once)" % args.repeat)
        print(f"  cdisckit write_xpt     {t_ours:7.3f} s  {mb / t_ours:8.1f} MB/s")
        print(f"  pyreadstat write_xport {t_pyreadstat:7.3f} s  {mb / t_pyreadstat:8.1f} MB/s")
        print(f"  numpy tofile (plain)   {t_plain:7.3f} s  {mb / t_plain:8.1f} MB/s")
        print(f"  ours vs pyreadstat: {t_pyreadstat / t_ours:.1f}x faster (target >= 10x)")
        print(f"  ours vs plain write: {t_plain / t_ours:.2f} of its speed (target >= 0.33)")

        t_read = min(timed(lambda: read_xpt(ours)) for _ in range(args.repeat))
        t_pyreadstat_read = timed(lambda: pyreadstat.read_xport(ours))
        t_pandas_read = timed(lambda: pd.read_sas(ours, format="xport", encoding="ascii"))
        print("read (best of %d; pyreadstat and pandas once)" % args.repeat)
        print(f"  cdisckit read_xpt      {t_read:7.3f} s  {mb / t_read:8.1f} MB/s")
        print(f"  pyreadstat read_xport  {t_pyreadstat_read:7.3f} s  {mb / t_pyreadstat_read:8.1f} MB/s")
        print(f"  pandas read_sas        {t_pandas_read:7.3f} s  {mb / t_pandas_read:8.1f} MB/s")
        print(f"  ours vs pyreadstat: {t_pyreadstat_read / t_read:.1f}x faster; "
              f"ours vs pandas: {t_pandas_read / t_read:.1f}x faster")


if __name__ == "__main__":
    main()
