"""Kill real ``cdisckit run`` processes at random moments and check, after each
kill, that the output folder is one complete version: byte for byte the tree
of a finished run of seed 1 or of seed 2, never a mix, never partial.

    PYTHONPATH=. python benchmarks/kill_run.py [--kills 20] [--subjects 200]

A third of the kills fall anywhere in a run, a third while the new folder is
being written, a third in the fraction of a second around the swap (once its last file,
the conformance report, is there). Each run alternates the seed, so a run that
got through changes the version. At the end one run finishes and must leave
nothing but the folder itself beside it. Exit 1 on any mixed folder.
"""

import argparse
import hashlib
import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CREATED = "2024-04-01T09:00:00"


def command(out, subjects, seed):
    return [sys.executable, "-m", "cdisckit.cli", "run", "--out", str(out), "--subjects", str(subjects),
            "--seed", str(seed), "--created", CREATED]


def start(out, subjects, seed, scratch):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch))
    return subprocess.Popen(command(out, subjects, seed), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tree(folder):
    """Relative path -> SHA-256 of every file under ``folder`` (None when it does not exist)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--seed", type=int, default=12, help="seed of the kill moments")
    parser.add_argument("--work", type=Path, help="folder of an earlier call: its reference runs are reused")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="cdisckit-kill-"))
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    versions, seconds = {}, []
    for seed in (1, 2):
        began = time.monotonic()
        reference = work / f"ref{seed}"
        how = "reused"
        if not (reference / "reports" / "conformance.json").is_file():
            shutil.rmtree(reference, ignore_errors=True)
            start(reference, args.subjects, seed, scratch).wait()
            seconds.append(time.monotonic() - began)
            how = f"{seconds[-1]:.1f} s"
        versions[seed] = tree(reference)
        print(f"reference run seed {seed}: {len(versions[seed])} files ({how})", flush=True)
    assert versions[1] != versions[2]
    duration = max(seconds, default=100)
    out = work / "submission"
    shutil.rmtree(out, ignore_errors=True)
    for leftover in work.glob(".submission.*"):
        shutil.rmtree(leftover)
    shutil.copytree(work / "ref1", out)
    current, kills, finished, mixed = 1, 0, 0, 0
    for attempt in itertools.count():
        if kills >= args.kills:
            break
        seed = 3 - current
        moment = ("anywhere", "writing", "swapping")[attempt % 3]
        process = start(out, args.subjects, seed, scratch)
        if moment == "anywhere":
            delay = rng.uniform(0, duration)
        else:
            # the stage folder beside the output gets its first files, or its last (the reports)
            marker = "m5" if moment == "writing" else "reports/conformance.json"
            while process.poll() is None and not any(work.glob(f".submission.{process.pid}.*.tmp/{marker}")):
                time.sleep(0.05)
            delay = rng.uniform(0, 3 if moment == "writing" else 0.3)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        else:
            finished += 1
        state = tree(out)
        version = next((s for s, v in versions.items() if v == state), None)
        if version is None:
            mixed += 1
        else:
            current = version
        leftovers = sorted(p.name for p in work.iterdir() if p.name.startswith(".submission."))
        print(f"{'kill' if process.returncode == -signal.SIGKILL else 'done'} ({moment}, +{delay:4.1f} s): "
              f"folder = {'seed %d' % version if version else 'MIXED OR PARTIAL'}; "
              f"leftovers beside it: {len(leftovers)}", flush=True)
    final = start(out, args.subjects, 3 - current, scratch).wait()
    left = sorted(p.name for p in work.iterdir() if p.name.startswith(".submission."))
    ok = tree(out) == versions[3 - current] and not left
    print(f"{kills} kills, {finished} runs finished before their kill, {mixed} mixed or partial folders; "
          f"final run exit {final}: {'complete, no leftovers' if ok else 'NOT CLEAN: ' + ', '.join(left)}")
    return 1 if mixed or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
