"""Benchmark: Dataset-JSON writing and reading on the 1,000,000-row LB of ``check_lb.py``.

Times, in the same run and on the same frame: cdisckit's ``write_xpt`` and
``read_xpt``; its Dataset-JSON writer and reader as .json, .ndjson and .dsjc;
and plain ``json.dumps`` of the same rows (lists of Python values, built
beforehand and timed apart) written to a file, read back with ``json.loads``.
Prints seconds, MB and MB/s of each, and each time as a multiple of XPT's.

    python benchmarks/dataset_json.py [--rows N]

Files go to a temporary folder beside this script.
"""

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.check_lb import frames  # noqa: E402
from cdisckit.dataset_json import read_dataset_json, write_dataset_json  # noqa: E402
from cdisckit.datasets import header_from_xpt  # noqa: E402
from cdisckit.xpt import XptMetadata, XptVariable, read_xpt, write_xpt  # noqa: E402

CREATED = dt.datetime(2024, 4, 1, 9, 0, 0)


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    lb = frames(args.rows)["LB"]
    variables = [XptVariable(name=c, label=c, type="num" if lb[c].dtype == np.float64 else "char")
                 for c in lb.columns]
    meta = XptMetadata(name="LB", label="Laboratory Test Results", variables=variables, created=CREATED)
    header = header_from_xpt(lb, meta, created=CREATED)
    print(f"LB: {len(lb):,} rows x {len(lb.columns)} variables")
    results = []
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        tmp = Path(tmp)
        write, _ = timed(lambda: write_xpt(lb, tmp / "lb.xpt", name="LB", label=meta.label,
                                           variables=variables, created=CREATED))
        read, _ = timed(lambda: read_xpt(tmp / "lb.xpt"))
        results.append(("XPT v5 (write_xpt/read_xpt)", tmp / "lb.xpt", write, read))
        for kind in ("json", "ndjson", "dsjc"):
            path = tmp / f"lb.{kind}"
            write, _ = timed(lambda: write_dataset_json(lb, header, path))
            read, (back, _) = timed(lambda: read_dataset_json(path))
            assert len(back) == len(lb)
            results.append((f"Dataset-JSON .{kind}", path, write, read))
        build, rows = timed(lambda: [[None if isinstance(v, float) and v != v else v for v in row]
                                     for row in lb.astype(object).itertuples(index=False, name=None)])
        plain = tmp / "plain.json"
        write, _ = timed(lambda: plain.write_text(json.dumps(rows), encoding="utf-8"))
        read, _ = timed(lambda: json.loads(plain.read_text(encoding="utf-8")))
        results.append(("plain json.dumps / json.loads of the rows", plain, write, read))
        xpt_write, xpt_read = results[0][2], results[0][3]
        print(f"(building the {len(rows):,} row lists for json.dumps took {build:.2f} s, not counted)")
        print(f"{'':44} {'MB':>7} {'write s':>8} {'MB/s':>7} {'x XPT':>6} {'read s':>7} {'MB/s':>7} {'x XPT':>6}")
        for name, path, write, read in results:
            size = path.stat().st_size / 1e6
            print(f"{name:44} {size:7.1f} {write:8.2f} {size / write:7.1f} {write / xpt_write:6.1f} "
                  f"{read:7.2f} {size / read:7.1f} {read / xpt_read:6.1f}")


if __name__ == "__main__":
    main()
