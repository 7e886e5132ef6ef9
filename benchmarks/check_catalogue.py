"""Benchmark: the whole rule catalogue (cdisckit's rules and the Pinnacle 21 SDTMIG 3.4 ones) on the
SDTM of a 1,000-subject submission, against merely reading those XPT files in the same run.

Makes the submission with ``cdisckit run --subjects N`` (not timed) unless ``--data`` names an SDTM
folder already made, then times, in this one process: reading every XPT file of the folder, and
``run_checks`` on it with the study's specs (reading included). Prints both times, wall clock and CPU
(the machine may be shared), and their ratios.

    python benchmarks/check_catalogue.py [--subjects 1000] [--seed 1] [--data SDTM_DIR] [--study NAME]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cdisckit.checks import catalogue, run_checks  # noqa: E402
from cdisckit.checks.table import read_folders  # noqa: E402


def make_submission(subjects, seed, out):
    """The SDTM folder of a fresh ``cdisckit run`` of ``subjects`` subjects."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    subprocess.run([sys.executable, "-m", "cdisckit.cli", "run", "--out", str(out), "--subjects", str(subjects),
                    "--seed", str(seed), "--created", "2024-04-01T09:00:00"], cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL, check=False)
    return next(out.glob("m5/datasets/*/tabulations/sdtm"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="SDTM folder to check (default: make one with cdisckit run)")
    parser.add_argument("--study", default="camrelizumab-npc", help="spec folder or bundled study")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.data) if args.data else make_submission(args.subjects, args.seed, Path(tmp) / "run")
        catalogue()                                   # load the catalogue before timing
        start, cpu = time.perf_counter(), time.process_time()
        tables, _ = read_folders([folder])
        read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        findings = run_checks(folder, study=args.study)
        check, check_cpu = time.perf_counter() - start, time.process_time() - cpu
    records = sum(t.rows for t in tables)
    print(f"{len(tables)} datasets, {records} records, {len(findings.rules)} rules, {len(findings)} findings")
    print(f"{'':15} {'wall':>8} {'cpu':>8}")
    print(f"read XPT files  {read:7.2f}s {read_cpu:7.2f}s")
    print(f"full catalogue  {check:7.2f}s {check_cpu:7.2f}s   (reading and loading the specs included)")
    print(f"ratio           {check / read:7.1f}x {check_cpu / read_cpu:7.1f}x")


if __name__ == "__main__":
    main()
