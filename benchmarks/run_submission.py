"""Benchmark of ``cdisckit run`` against its I/O floor, at several study sizes, in one run.

Each size runs in a fresh process, as a user's ``cdisckit run`` would: load
the bundled study's specs, simulate the raw EDC export, map SDTM, derive ADaM,
write the XPT files, aCRF and define.xml, check conformance and write the
reports. The process times each stage from the pipeline's progress messages.
Another process then measures the I/O floor of the same study: reading every
raw CSV with ``pandas.read_csv`` plus writing every output dataset's bytes
with cdisckit's XPT writer. Peak memory (RSS) is the run's largest process's.

Printed per size: the run's wall time (from the process's first import of
cdisckit to the last report written; "load" is imports plus reading the
specs), each stage's time in the main process, the floor, the run's ratio
to the floor, the validator's share of the run, peak RSS, and the time ratio to the first (baseline) size; then the issue's
targets, met or not. By default the run gives independent steps to a second
process (the SDTM files while ADaM is derived, and so on): their time is
hidden, and "wait" is the main process waiting for them. ``--serial`` runs
everything in one process, one step after another, so each stage's time is
its whole cost.

    python benchmarks/run_submission.py [--subjects 100,1000,10000] [--seed 1] [--serial]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Pipeline progress messages (their first words) -> the stage they open.
# Matched in order: "SDTM define.xml" before "SDTM 3/38: DM".
STAGES = (("simulating", "simulate"), ("reading the raw export", "sdtm"), ("SDTM define.xml", "define"),
          ("ADaM define.xml", "define"), ("SDTM", "sdtm"), ("CRF forms", "reports"), ("ADaM", "adam"),
          ("writing", "xpt"), ("annotated CRF", "reports"), ("lineage", "reports"), ("conformance", "checks"),
          ("reviewer", "reports"), ("review page", "reports"), ("waiting", "wait"))
COLUMNS = ("load", "simulate", "sdtm", "adam", "xpt", "define", "checks", "reports", "wait")
CREATED = "2024-04-01T09:00:00"


def stage_of(message):
    """The stage a progress message opens."""
    for prefix, stage in STAGES:
        if message.startswith(prefix):
            return stage
    raise ValueError(f"progress message of no known stage: {message!r} (update STAGES)")


def io_floor(subjects, seed, datasets):
    """Seconds to read every raw CSV of the study with pandas plus write every dataset file
    of ``datasets`` again with write_xpt (each read back first, untimed)."""
    import pandas as pd

    from cdisckit.simulator import simulate
    from cdisckit.xpt import read_xpt, write_xpt

    seconds = 0.0
    with tempfile.TemporaryDirectory() as out:
        raw = Path(out) / "raw"
        simulate(raw, subjects=subjects, seed=seed)
        for csv in sorted(raw.glob("*.csv")):
            start = time.perf_counter()
            pd.read_csv(csv)
            seconds += time.perf_counter() - start
        for path in sorted(Path(datasets).rglob("*.xpt")):
            frame, meta = read_xpt(path)
            start = time.perf_counter()
            write_xpt(frame, Path(out) / path.name, name=meta.name, label=meta.label, variables=meta.variables,
                      created=meta.created)
            seconds += time.perf_counter() - start
    return seconds


def run(subjects, seed, out, parallel):
    """One run in this process: its stage seconds and the whole run's."""
    start = time.perf_counter()
    from cdisckit.pipeline import creation_time, run_submission
    from specs import load_study

    seconds = dict.fromkeys(COLUMNS, 0.0)
    current, since = "load", start

    def progress(message):
        nonlocal current, since
        now = time.perf_counter()
        seconds[current] += now - since
        current, since = stage_of(message), now

    study = load_study("camrelizumab-npc")
    run_submission(study, Path(out), subjects=subjects, seed=seed, created=creation_time(CREATED),
                   progress=progress, parallel=parallel)
    progress("reviewer")    # closes the last stage
    return {"stages": seconds, "run": time.perf_counter() - start}


def measure(subjects, seed, serial):
    """The run in a fresh process, then its I/O floor in another: (stages and
    times, peak RSS in MiB of the run's largest process)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory(prefix="cdisckit-bench-") as out:
        results = []
        for task in ("run", "floor"):
            process = subprocess.Popen([sys.executable, __file__, "--child", task, "--subjects", str(subjects),
                                        "--seed", str(seed), "--out", out] + ["--serial"] * serial,
                                       env=env, stdout=subprocess.PIPE, text=True)
            output = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if code:
                raise SystemExit(f"{subjects} subjects: the {task} failed (exit {code})")
            results.append((json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024))
    (result, rss), (floor, _) = results
    return {**result, "floor": floor}, rss


def targets(rows):
    """The issue's targets, each with what was measured."""
    lines = []
    if 1000 in rows:
        run, result, _ = rows[1000]
        lines += [(run <= 8, f"1,000 subjects end to end in at most 8 s: {run:.2f} s"),
                  (run <= 10 * result["floor"], f"1,000 subjects within 10x the I/O floor: "
                                                f"{run / result['floor']:.1f}x")]
    if 1000 in rows and 10000 in rows:
        ratio = rows[10000][0] / rows[1000][0]
        lines += [(ratio <= 10, f"10,000 subjects in at most 10x the 1,000-subject time: {ratio:.1f}x"),
                  (rows[10000][2] < 6144, f"10,000 subjects under 6 GB peak RSS: {rows[10000][2]:,.0f} MiB")]
    share = max(100 * result["stages"]["checks"] / run for run, result, _ in rows.values())
    lines.append((share < 30, f"validator below 30% of the run at every size: at most {share:.1f}%"))
    print("targets:")
    for met, text in lines:
        print(f"  [{'met' if met else 'NOT met'}] {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", default="100,1000,10000", help="comma-separated sizes; the first is the baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serial", action="store_true",
                        help="run every step in the main process, one after another (exact stage times)")
    parser.add_argument("--child", choices=("run", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "run":
        return print(json.dumps(run(int(args.subjects), args.seed, args.out, not args.serial)))
    if args.child == "floor":
        return print(json.dumps(io_floor(int(args.subjects), args.seed, args.out)))
    sizes = [int(n) for n in args.subjects.split(",")]
    print(f"cdisckit run of the bundled study, seed {args.seed}, {os.cpu_count()} CPUs, "
          f"{'serial' if args.serial else 'a second process for independent steps'}; seconds")
    print(f"{'subjects':>8} {'run':>7} " + " ".join(f"{c:>8}" for c in COLUMNS)
          + f" {'floor':>7} {'x floor':>7} {'checks%':>7} {'RSS MiB':>8} {'x base':>7}")
    rows = {}
    for n in sizes:
        result, rss = measure(n, args.seed, args.serial)
        stages, run_time = result["stages"], result["run"]
        rows[n] = (run_time, result, rss)
        print(f"{n:>8} {run_time:>7.2f} " + " ".join(f"{stages[c]:>8.2f}" for c in COLUMNS)
              + f" {result['floor']:>7.2f} {run_time / result['floor']:>7.1f}"
              + f" {100 * stages['checks'] / run_time:>6.1f}% {rss:>8.0f} {run_time / rows[sizes[0]][0]:>7.2f}",
              flush=True)
    targets(rows)


if __name__ == "__main__":
    main()
