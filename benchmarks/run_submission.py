"""Benchmark of ``cdisckit run``: the whole flow for many subjects against a small baseline.

Runs the command line as a user would (a fresh process each time) for a
baseline (default 100 subjects) and the target (default 1,000), in the same
run, and prints wall time, the size of the submission tree and the ratio of
the times (10x the subjects at linear cost gives a ratio near 10; the fixed
start-up and trial-design work make it smaller).

    python benchmarks/run_submission.py [--subjects 1000] [--baseline 100] [--seed 1]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(subjects, seed, out):
    """One ``cdisckit run``; returns (seconds, bytes written, exit code)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cdisckit.cli", "run", "--out", str(out), "--subjects",
                           str(subjects), "--seed", str(seed), "--created", "2024-04-01T09:00:00"],
                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return seconds, size, done.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: run(n, args.seed, Path(tmp) / f"s{n}") for n in (args.baseline, args.subjects)}
    base = results[args.baseline][0]
    print(f"{'subjects':>9} {'seconds':>9} {'MiB':>8} {'exit':>5} {'ratio':>6}")
    for n, (seconds, size, code) in results.items():
        print(f"{n:>9} {seconds:>9.2f} {size / 2**20:>8.1f} {code:>5} {seconds / base:>6.2f}")


if __name__ == "__main__":
    main()
