"""Benchmark of ``cdisckit simulate``: a large export against a small baseline.

Runs the command line as a user would (a fresh process each time) for a
baseline (default 1,000 subjects) and the target (default 10,000), in the
same run, and prints wall time, output size, rows and the time ratio against
the baseline (10x the subjects at linear cost gives a ratio near 10).

    python benchmarks/simulate.py [--subjects 10000] [--baseline 1000] [--seed 1]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def simulate(subjects: int, seed: int, out: Path):
    """Run the command once; return (seconds, bytes, rows) of the export."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cdisckit.cli", "simulate", "--out", str(out),
                    "--subjects", str(subjects), "--seed", str(seed)],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    files = sorted(out.iterdir())
    size = sum(f.stat().st_size for f in files)
    rows = {f.stem: sum(1 for _ in f.open(encoding="utf-8")) - 1 for f in files if f.suffix == ".csv"}
    return seconds, size, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for subjects in (args.baseline, args.subjects):
            results[subjects] = simulate(subjects, args.seed, Path(tmp) / f"raw{subjects}")
            seconds, size, rows = results[subjects]
            print(f"{subjects:>7} subjects: {seconds:7.2f} s  {size / 2**20:8.1f} MiB  "
                  f"{sum(rows.values()):>9} rows  ({', '.join(f'{k} {v}' for k, v in rows.items())})")
    base, target = results[args.baseline][0], results[args.subjects][0]
    print(f"time ratio {args.subjects}/{args.baseline} subjects: {target / base:.2f} "
          f"(subject ratio {args.subjects / args.baseline:.1f})")


if __name__ == "__main__":
    main()
