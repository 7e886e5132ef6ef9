"""Run the fuzz targets of tests/fuzzing.py longer than the test suite does and
print, per target, the cases run, correct readings, clean rejections, crashes
and hangs (a case over --timeout seconds). Run by hand, never by CI:

    PYTHONPATH=. python benchmarks/fuzz.py --cases 2000 [--target xpt] [--seed 0]

Exit 1 when any case crashed or hung; the first few are printed with their
seed, which ``fuzzing.run_case(target, seed)`` replays.
"""

import argparse
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzing import TARGETS, run_case  # noqa: E402


class Hang(Exception):
    """A case ran past its time limit."""


def _alarm(signum, frame):
    raise Hang()


def fuzz(target, cases, first_seed, timeout, shown=3):
    counts = {"cases": 0, "read": 0, "rejected": 0, "crashes": 0, "hangs": 0}
    signal.signal(signal.SIGALRM, _alarm)
    for seed in range(first_seed, first_seed + cases):
        counts["cases"] += 1
        signal.alarm(timeout)
        try:
            counts[run_case(target, seed)] += 1
        except Hang:
            counts["hangs"] += 1
            print(f"  {target} seed {seed}: hang (> {timeout} s)", file=sys.stderr)
        except Exception:       # a crash: anything but the documented InputError
            counts["crashes"] += 1
            if counts["crashes"] <= shown:
                print(f"  {target} seed {seed}: crash\n{traceback.format_exc(limit=-3)}", file=sys.stderr)
        finally:
            signal.alarm(0)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per target (default 1000)")
    parser.add_argument("--target", choices=sorted(TARGETS), action="append", help="target (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--timeout", type=int, default=20, help="seconds before a case counts as a hang")
    args = parser.parse_args()
    print(f"{'target':<10}{'cases':>8}{'read':>8}{'rejected':>10}{'crashes':>9}{'hangs':>7}{'seconds':>9}")
    bad = 0
    for target in args.target or sorted(TARGETS):
        start = time.monotonic()
        c = fuzz(target, args.cases, args.seed, args.timeout)
        bad += c["crashes"] + c["hangs"]
        print(f"{target:<10}{c['cases']:>8}{c['read']:>8}{c['rejected']:>10}{c['crashes']:>9}{c['hangs']:>7}"
              f"{time.monotonic() - start:>9.1f}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
