"""Benchmark of ``cdisckit run`` against its I/O floor, at several study sizes, in one run.

Each size runs in a fresh process, as a user's ``cdisckit run`` would: load
the bundled study's specs, simulate the raw EDC export, map SDTM, derive ADaM,
write the XPT files, aCRF and define.xml, check conformance and write the
reports. The process times each stage from the pipeline's progress messages
and then measures the I/O floor of the same study: reading every raw CSV
with ``pandas.read_csv`` plus writing every output dataset's bytes with
cdisckit's XPT writer. The parent reads each process's peak memory (RSS).

Printed per size: the run's wall time (from the process's first import of
cdisckit to the last report written; "load" is imports plus reading the
specs), each stage's time, the floor, the run's ratio to the floor, the
validator's share of the run, peak RSS, and the time ratio to the first
(baseline) size; then the issue's targets, met or not.

    python benchmarks/run_submission.py [--subjects 100,1000,10000] [--seed 1]
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
          ("reviewer", "reports"))
COLUMNS = ("load", "simulate", "sdtm", "adam", "xpt", "define", "checks", "reports")
CREATED = "2024-04-01T09:00:00"


def stage_of(message):
    """The stage a progress message opens."""
    for prefix, stage in STAGES:
        if message.startswith(prefix):
            return stage
    raise ValueError(f"progress message of no known stage: {message!r} (update STAGES)")


def io_floor(raw, datasets):
    """Seconds to read every raw CSV with pandas plus write every dataset file again with write_xpt."""
    import pandas as pd

    from cdisckit.xpt import read_xpt, write_xpt

    files = sorted(Path(datasets).rglob("*.xpt"))
    frames = [read_xpt(f) for f in files]
    start = time.perf_counter()
    for csv in sorted(Path(raw).glob("*.csv")):
        pd.read_csv(csv)
    with tempfile.TemporaryDirectory() as out:
        for (frame, meta), f in zip(frames, files):
            write_xpt(frame, Path(out) / f.name, name=meta.name, label=meta.label, variables=meta.variables,
                      created=meta.created)
    return time.perf_counter() - start


def child(subjects, seed, out):
    """One run in this process; prints a JSON line of stage seconds and the floor."""
    start = time.perf_counter()
    from cdisckit.pipeline import creation_time, run_submission, submission_folders
    from cdisckit.simulator import simulate
    from specs import load_study

    seconds = dict.fromkeys(COLUMNS, 0.0)
    current, since = "load", start

    def progress(message):
        nonlocal current, since
        now = time.perf_counter()
        seconds[current] += now - since
        current, since = stage_of(message), now

    study = load_study("camrelizumab-npc")
    problems, findings = run_submission(study, Path(out) / "submission", subjects=subjects, seed=seed,
                                        created=creation_time(CREATED), progress=progress)
    progress("reviewer")    # closes the last stage
    run = time.perf_counter() - start
    raw = Path(out) / "raw"
    simulate(raw, subjects=subjects, seed=seed)
    floor = io_floor(raw, submission_folders(Path(out) / "submission", study.studyid)["sdtm"].parents[3])
    print(json.dumps({"stages": seconds, "run": run, "floor": floor,
                      "findings": len(findings.frame), "problems": len(problems)}))


def measure(subjects, seed):
    """Run one size in a fresh process: (its JSON result, peak RSS in MiB)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory(prefix="cdisckit-bench-") as out:
        process = subprocess.Popen([sys.executable, __file__, "--child", str(subjects), "--seed", str(seed),
                                    "--out", out], env=env, stdout=subprocess.PIPE, text=True)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{subjects} subjects: the run failed (exit {code})")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


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
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child, args.seed, args.out)
    sizes = [int(n) for n in args.subjects.split(",")]
    print(f"cdisckit run of the bundled study, seed {args.seed}, {os.cpu_count()} CPUs; seconds")
    print(f"{'subjects':>8} {'run':>7} " + " ".join(f"{c:>8}" for c in COLUMNS)
          + f" {'floor':>7} {'x floor':>7} {'checks%':>7} {'RSS MiB':>8} {'x base':>7}")
    rows = {}
    for n in sizes:
        result, rss = measure(n, args.seed)
        stages, run = result["stages"], result["run"]
        rows[n] = (run, result, rss)
        print(f"{n:>8} {run:>7.2f} " + " ".join(f"{stages[c]:>8.2f}" for c in COLUMNS)
              + f" {result['floor']:>7.2f} {run / result['floor']:>7.1f} {100 * stages['checks'] / run:>6.1f}%"
              + f" {rss:>8.0f} {run / rows[sizes[0]][0]:>7.2f}", flush=True)
    targets(rows)


if __name__ == "__main__":
    main()
