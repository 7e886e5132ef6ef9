"""Kaplan-Meier medians of PFS and OS from ADTTE against the simulator's design values.

Simulates the bundled study (default 2,000 subjects), maps SDTM and ADaM in
memory and estimates the median PFS and OS of ADTTE by Kaplan-Meier with a
95% confidence interval (Brookmeyer-Crowley: the times whose log-log
transformed Greenwood interval contains 0.5). The design values are the
medians of the event-time model of protocol.yaml, computed here by Monte
Carlo from its parameters alone (no simulator code): PFS the earlier of
progression and death without progression, progression being seen at the
first planned tumour assessment on or after it (schedule.yaml; the modelled
median is printed too), OS death (after progression: progression plus
survival after progression). Exit 1 when a design value lies outside its
interval.

    python benchmarks/efficacy_medians.py [--subjects 2000] [--seed 1]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MONTH = 30.4375


def kaplan_meier(times, events):
    """Distinct event times, survival just after each, and Greenwood's variance sum."""
    times, events = np.asarray(times, float), np.asarray(events, bool)
    order = np.argsort(times, kind="mergesort")
    times, events = times[order], events[order]
    at, surv, greenwood = [], [], []
    s, g, n = 1.0, 0.0, len(times)
    for t in np.unique(times):
        here = times == t
        d = int((events & here).sum())
        if d:
            s *= 1 - d / n
            g += d / (n * (n - d)) if n > d else np.inf
            at.append(t), surv.append(s), greenwood.append(g)
        n -= int(here.sum())
    return np.array(at), np.array(surv), np.array(greenwood)


def median_with_ci(times, events, z=1.959964):
    """KM median and its 95% interval (Brookmeyer-Crowley, log-log Greenwood)."""
    at, surv, greenwood = kaplan_meier(times, events)
    median = at[np.argmax(surv <= 0.5)] if (surv <= 0.5).any() else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        loglog = np.log(-np.log(surv))
        half = z * np.sqrt(greenwood) / np.abs(np.log(surv))
        lower_s, upper_s = np.exp(-np.exp(loglog + half)), np.exp(-np.exp(loglog - half))
    inside = (lower_s <= 0.5) & (upper_s >= 0.5)
    # The interval runs from the first time whose band reaches 0.5 to the first time
    # whose band lies wholly below it.
    low = at[np.argmax(inside)] if inside.any() else np.nan
    below = upper_s < 0.5
    high = at[np.argmax(below)] if below.any() else np.inf
    return median, low, high


def assessment_days(schedule):
    """Planned days from first dose of the tumour assessments (schedule.yaml)."""
    ta = schedule["tumour_assessments"]
    weeks = list(range(ta["year_one"]["every_weeks"], ta["year_one"]["until_week"] + 1, ta["year_one"]["every_weeks"]))
    weeks += list(range(weeks[-1] + ta["after_year_one"]["every_weeks"], ta["years"] * 52 + 1,
                        ta["after_year_one"]["every_weeks"]))
    return 7.0 * np.array(weeks)


def design_medians(protocol, scans, draws=2_000_000, seed=20240401):
    """Medians (days) of the event-time model, by Monte Carlo: PFS as modelled,
    PFS as the schedule sees it (progression at the first planned assessment on
    or after it), and OS."""
    cfg = protocol["event_model"]
    rng = np.random.default_rng(seed)
    ebv = rng.random(draws) < protocol["baseline_disease"]["ebv_detectable"]
    ecog = rng.random(draws) < protocol["demographics"]["ecog_1"]
    hr = np.where(ebv, cfg["hazard_ratio"]["ebv_detectable"], 1.0) * np.where(ecog, cfg["hazard_ratio"]["ecog_1"], 1.0)

    def weibull(median, shape, ratio=1.0):
        # S(t) = exp(-ln2 * ratio * (t / median) ** shape)
        return median * (rng.standard_exponential(draws) / (np.log(2) * ratio)) ** (1 / shape)

    progression = weibull(cfg["progression"]["median_months"] * MONTH, cfg["progression"]["shape"], hr)
    death = weibull(cfg["death_without_progression"]["median_months"] * MONTH, 1.0)
    after = weibull(cfg["survival_after_progression"]["median_months"] * MONTH,
                    cfg["survival_after_progression"]["shape"])
    pfs = np.minimum(progression, death)
    os_ = np.where(progression < death, progression + after, death)
    index = np.minimum(np.searchsorted(scans, progression), len(scans) - 1)
    seen = np.where(scans[index] >= progression, scans[index], np.inf)
    observed = np.where(progression < death, np.minimum(seen, progression + after), death)
    return float(np.median(pfs)), float(np.median(observed)), float(np.median(os_))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from adam.engine import build_adam
    from cdisckit.pipeline import build_sdtm
    from cdisckit.simulator import simulate
    from specs import load_study

    start = time.perf_counter()
    study = load_study("camrelizumab-npc")
    with tempfile.TemporaryDirectory() as scratch:
        simulate(Path(scratch) / "raw", subjects=args.subjects, seed=args.seed)
        sdtm = build_sdtm(study, Path(scratch) / "raw")
    adtte = build_adam(study, sdtm, ["ADSL", "ADTTE"])["ADTTE"]
    folder = ROOT / "cdisckit" / "simulator"
    protocol, schedule = (yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
                          for name in ("protocol", "schedule"))
    latent, observed, overall = design_medians(protocol, assessment_days(schedule))
    design = {"PFS": observed, "OS": overall}
    print(f"{args.subjects} subjects, seed {args.seed}, {time.perf_counter() - start:.0f} s; PFS design median "
          f"{latent / MONTH:.1f} months as modelled, {observed / MONTH:.1f} on the assessment schedule")
    print(f"{'':4} {'n':>5} {'events':>6} {'median':>8} {'95% CI':>17} {'design':>7}  (months)")
    ok = True
    for paramcd in ("PFS", "OS"):
        rows = adtte[adtte["PARAMCD"] == paramcd]
        median, low, high = median_with_ci(rows["AVAL"], rows["CNSR"] == 0)
        inside = low <= design[paramcd] <= high
        ok &= bool(inside)
        print(f"{paramcd:4} {len(rows):5d} {int((rows['CNSR'] == 0).sum()):6d} {median / MONTH:8.1f} "
              f"{low / MONTH:8.1f}-{high / MONTH:<8.1f} {design[paramcd] / MONTH:7.1f}  {'ok' if inside else 'OUTSIDE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
