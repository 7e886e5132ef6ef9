"""Subjects and their timeline: the event-time model behind every form.

Everything that happens to a subject is decided here, as day numbers (days
since 1970-01-01, ``NEVER`` for what does not happen by the cut-off), before
any form is written, so the forms agree with one another.

Event-time model (parameters in protocol.yaml ``event_model``), days from
first dose:

- time to progression: Weibull, shape 1.1, median 24 months, hazard ratio
  1.6 for detectable baseline plasma EBV DNA and 1.2 for ECOG 1;
- death without progression: exponential, median 300 months;
- survival after progression: exponential, median 30 months.

For this population (35% with detectable EBV DNA, 45% ECOG 1) that makes the
assumed medians, before censoring, 18 months for PFS and 54 months (4.5
years) for OS, with 3-year PFS near 23% and 3-year OS near 68%, in line with
PD-1 maintenance after local therapy of oligometastatic nasopharyngeal
carcinoma. About 1.4% of treated subjects die of an adverse event (grade 5).

Progression is only seen at a tumour assessment: the first assessment done
on or after the true progression day (every 9 weeks in year 1, then every 12
weeks, some missed), or an unscheduled one soon after it for clinical
progression. Consistency rules the forms rely on:

- first dose 28-42 days after radiotherapy ended; consent before first dose;
- a dose is given only before observed progression, death, loss to
  follow-up, a discontinuation visit and the cut-off, and within the planned
  cycles (18, or 27-35 for subjects given 6-12 more months);
- observed progression is strictly before death and on or before the cut-off;
  no tumour assessment after progression, death, a new anticancer therapy or
  the end of study;
- a death is known only if it happens by the cut-off and before the subject
  was lost to follow-up, withdrew or completed the study;
- ``end`` is the last day any record of the subject may carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draws import MONTH, between, choose, choose_index, weibull
from .edc_style import NEVER
from .protocol import Protocol, day_number


@dataclass(frozen=True)
class Timeline:
    """Per-subject days and events, subjects in export order (site, then consent)."""
    site: np.ndarray            # index into protocol sites
    subject: np.ndarray         # subject number, e.g. 101-0001
    treated: np.ndarray         # False for screen failures
    consent: np.ndarray
    screening: np.ndarray
    rt_end: np.ndarray
    decision: np.ndarray        # screen-failure decision day
    criterion: np.ndarray       # eligibility criterion a screen failure did not meet
    enrolment: np.ndarray
    first_dose: np.ndarray
    ecog: np.ndarray            # 0 or 1
    ebv_detectable: np.ndarray  # plasma EBV DNA above the detection limit at baseline
    progression: np.ndarray     # true progression day (not observed as such)
    pd: np.ndarray              # progression observed at a tumour assessment
    pd_unscheduled: np.ndarray  # that assessment was unscheduled (clinical progression)
    death: np.ndarray           # death known at the cut-off
    death_cause: np.ndarray
    lost: np.ndarray            # last contact of a subject lost to follow-up
    cycle_day: np.ndarray       # (subjects, cycles) Day 1 visit days
    cycle_shown: np.ndarray     # visit reached before treatment ended and the cut-off
    cycle_given: np.ndarray     # dose given at the visit
    cycle_delay: np.ndarray     # days of delay beyond the window
    cycle_delay_ae: np.ndarray  # delay for an adverse event (else another reason)
    cycle_skip_ae: np.ndarray   # dose not given for an adverse event (else another reason)
    last_dose: np.ndarray
    eot_day: np.ndarray         # end of treatment (NEVER while on treatment)
    eot_reason: np.ndarray
    eot_visit: np.ndarray       # End of Treatment visit (assessments)
    new_therapy: np.ndarray     # start of the first subsequent anticancer therapy
    eos_day: np.ndarray
    eos_reason: np.ndarray
    scan_weeks: np.ndarray      # (assessments,) planned week of each tumour assessment
    scan_day: np.ndarray        # (subjects, assessments)
    scan_shown: np.ndarray
    end: np.ndarray             # last day any record may carry

    @property
    def n(self) -> int:
        return len(self.subject)


def tumour_weeks(schedule: dict) -> np.ndarray:
    """Planned weeks from first dose of the tumour assessments."""
    ta = schedule["tumour_assessments"]
    year_one = ta["year_one"]
    first = list(range(year_one["every_weeks"], year_one["until_week"] + 1, year_one["every_weeks"]))
    step = ta["after_year_one"]["every_weeks"]
    later = list(range(first[-1] + step, ta["years"] * 52 + 1, step))
    return np.array(first + later, dtype=np.int64)


def _first_of(candidates, n):
    """The earliest of (day array, reason) pairs, per subject; ties go to the first listed."""
    day = np.full(n, NEVER, dtype=np.int64)
    reason = np.full(n, "", dtype=object)
    for when, why in candidates:
        earlier = when < day
        day = np.where(earlier, when, day)
        reason = np.where(earlier, why, reason)
    return day, reason


def build_timeline(n: int, rng: np.random.Generator, protocol: Protocol) -> Timeline:
    """Draw ``n`` consented subjects and everything that happens to them."""
    cfg, sch = protocol.config, protocol.schedule
    cutoff = protocol.cutoff
    trt, em, dc = cfg["treatment"], cfg["event_model"], cfg["discontinuation"]
    sites = cfg["sites"]
    rows = np.arange(n)

    # Enrolment: subjects numbered within their site in consent order.
    site = choose_index(rng, [s["weight"] for s in sites], n)
    accrual = cfg["accrual"]
    first = between(rng, (day_number(accrual["start"]), day_number(accrual["end"])), n)
    rt_end = first - between(rng, trt["first_dose_after_radiotherapy"], n)
    consent = rt_end + between(rng, trt["consent_after_radiotherapy"], n)
    order = np.lexsort((consent, site))
    site, first, rt_end, consent = site[order], first[order], rt_end[order], consent[order]
    number = rows - np.searchsorted(site, site) + 1
    width = max(4, len(str(int(number.max()))))
    subject = np.array([f"{sites[s]['number']}-{k:0{width}d}" for s, k in zip(site, number)],
                       dtype=object)
    screening = consent + between(rng, trt["screening_after_consent"], n)
    treated = rng.random(n) >= cfg["screen_failure"]["rate"]
    criterion = np.where(treated, "", choose(rng, cfg["screen_failure"]["criteria_not_met"], n))
    decision = np.where(treated, NEVER,
                        screening + between(rng, cfg["screen_failure"]["days_to_decision"], n))
    first = np.where(treated, first, NEVER)
    enrolment = np.where(treated, first - rng.integers(0, 4, n), NEVER)
    ecog = (rng.random(n) < cfg["demographics"]["ecog_1"]).astype(np.int64)
    ebv = rng.random(n) < cfg["baseline_disease"]["ebv_detectable"]

    # Latent event times (days from first dose).
    hr = em["hazard_ratio"]
    ratio = np.where(ebv, hr["ebv_detectable"], 1.0) * np.where(ecog == 1, hr["ecog_1"], 1.0)
    t_prog = weibull(rng, em["progression"]["median_months"] * MONTH, em["progression"]["shape"],
                     n, ratio)
    t_death0 = weibull(rng, em["death_without_progression"]["median_months"] * MONTH, 1.0, n)
    pps = em["survival_after_progression"]
    t_after = weibull(rng, pps["median_months"] * MONTH, pps["shape"], n)
    progressed = t_prog < t_death0
    t_lost = rng.exponential(365.25 / dc["lost_to_follow_up_per_year"], n)

    def absolute(rel):
        rel = np.minimum(np.maximum(1.0, np.ceil(rel)), NEVER)
        return np.where(treated, np.minimum(first + rel.astype(np.int64), NEVER), NEVER)

    progression = np.where(progressed, absolute(t_prog), NEVER)
    death_true = absolute(np.where(progressed, t_prog + t_after, t_death0))
    lost_true = absolute(t_lost)

    # Tumour assessments and progression as observed.
    weeks = tumour_weeks(sch)
    window = sch["tumour_assessments"]["window_days"]
    scan_day = first[:, None] + 7 * weeks[None, :] + rng.integers(-window, window + 1, (n, len(weeks)))
    missed = rng.random(scan_day.shape) < protocol.mess("missed_assessments", "tumour")["rate"]
    hit = ~missed & (scan_day >= progression[:, None])
    pd_scan = np.where(hit, scan_day, NEVER).min(axis=1)
    clinical = em["clinical_progression"]
    pd_clinical = np.where((rng.random(n) < clinical["probability"]) & (progression < NEVER),
                           progression + between(rng, clinical["days_to_assessment"], n), NEVER)
    pd = np.minimum(pd_scan, pd_clinical)
    pd_unscheduled = pd_clinical < pd_scan
    follow_up_end = first + 7 * weeks[-1] + window
    pd = np.where((pd < death_true) & (pd <= cutoff) & (pd <= lost_true) & (pd <= follow_up_end),
                  pd, NEVER)

    # Dosing cycles: 21 days apart within the window, plus delays; some doses skipped.
    dm = cfg["dose_modification"]
    cycle, dose_window = sch["cycle_days"], sch["dosing_window_days"]
    planned, extension = trt["cycles"], trt["extension"]
    k_max = planned + extension["cycles"][1]
    shape = (n, k_max)
    jitter = np.where(rng.random(shape) < dm["jitter_probability"],
                      rng.integers(-dose_window, dose_window + 1, shape), 0)
    delay = np.where(rng.random(shape) < dm["delay_probability"], between(rng, dm["delay_days"], shape), 0)
    skip = rng.random(shape) < dm["skip_probability"]
    delay_ae = rng.random(shape) < dm["delay_adverse_event"]
    skip_ae = rng.random(shape) < dm["skip_adverse_event"]
    jitter[:, 0] = delay[:, 0] = 0
    skip[:, 0] = False
    delay[skip] = 0
    step = cycle + jitter + delay
    step[:, 0] = 0
    cycle_day = first[:, None] + np.cumsum(step, axis=1)
    n_plan = planned + np.where(rng.random(n) < extension["probability"],
                                between(rng, extension["cycles"], n), 0)

    # Discontinuation at a cycle visit for reasons other than progression or death.
    stop_cycle = np.full(n, k_max)
    stop_reason = np.full(n, "", dtype=object)
    for reason, key in (("Adverse event", "adverse_event"),
                        ("Withdrawal by subject", "withdrawal_by_subject"),
                        ("Physician decision", "physician_decision")):
        k = np.where(rng.random(n) < dc[key], rng.integers(1, n_plan), k_max)
        earlier = k < stop_cycle
        stop_cycle = np.where(earlier, k, stop_cycle)
        stop_reason = np.where(earlier, reason, stop_reason)
    stop_day = np.where(stop_cycle < k_max, cycle_day[rows, np.minimum(stop_cycle, k_max - 1)], NEVER)
    halt = np.minimum.reduce([pd, death_true, stop_day, lost_true])
    shown = (treated[:, None] & (np.arange(k_max) < n_plan[:, None])
             & (cycle_day < halt[:, None]) & (cycle_day <= cutoff))
    given = shown & ~skip
    last_dose = np.where(given, cycle_day, -1).max(axis=1)
    last_dose = np.where(last_dose < 0, NEVER, last_dose)
    completion = np.where(shown[rows, n_plan - 1], cycle_day[rows, n_plan - 1] + cycle, NEVER)

    # End of treatment.
    eot_day, eot_reason = _first_of([(completion, "Completed treatment"), (pd, "Progressive disease"),
                                     (death_true, "Death"), (stop_day, stop_reason),
                                     (lost_true, "Lost to follow-up")], n)
    ended = treated & (eot_day <= cutoff)
    eot_day = np.where(ended, eot_day, NEVER)
    eot_reason = np.where(ended, eot_reason, "")

    # What the site learns after treatment.
    leaves = (eot_reason == "Withdrawal by subject") & (rng.random(n) < dc["withdrawal_leaves_study"])
    withdrawn = np.where(leaves, eot_day, NEVER)
    years = cfg["survival_follow_up"]["years_after_treatment"]
    study_done = np.where(last_dose < NEVER, last_dose + int(round(365.25 * years)), NEVER)
    gone = np.minimum(withdrawn, study_done)
    lost = np.where((lost_true <= cutoff) & (lost_true < death_true) & (lost_true < gone), lost_true, NEVER)
    death = np.where(death_true <= np.minimum.reduce([np.full(n, cutoff), lost_true, gone]),
                     death_true, NEVER)
    pd = np.where(pd <= withdrawn, pd, NEVER)

    # Subsequent anticancer therapy: after progression, or before it after stopping for other reasons.
    st = cfg["subsequent_therapy"]
    other_stop = ended & np.isin(eot_reason, ["Completed treatment", "Adverse event",
                                              "Withdrawal by subject", "Physician decision"]) & ~leaves
    before_pd = np.where(other_stop & (rng.random(n) < st["after_other_discontinuation"]),
                         eot_day + between(rng, st["days_after_end_of_treatment"], n), NEVER)
    before_pd = np.where(before_pd < pd, before_pd, NEVER)
    after_pd = np.where((pd < NEVER) & (rng.random(n) < st["after_progression"]),
                        pd + between(rng, st["days_after_progression"], n), NEVER)
    pd = np.where(before_pd < NEVER, NEVER, pd)
    pd_unscheduled &= pd < NEVER
    new_therapy = np.minimum(before_pd, after_pd)
    new_therapy = np.where((new_therapy < death_true) & (new_therapy <= cutoff)
                           & (new_therapy <= lost_true) & (new_therapy < gone), new_therapy, NEVER)

    # End of study.
    lost_eos = np.where(lost < NEVER, lost + rng.integers(60, 121, n), NEVER)
    eos_day, eos_reason = _first_of([(decision, "Screen failure"), (death, "Death"),
                                     (lost_eos, "Lost to follow-up"), (withdrawn, "Withdrawal by subject"),
                                     (study_done, "Completed")], n)
    recorded = eos_day <= cutoff
    eos_day = np.where(recorded, eos_day, NEVER)
    eos_reason = np.where(recorded, eos_reason, "")
    end = np.minimum.reduce([np.full(n, cutoff), eos_day, death, lost, decision])

    # Cause of death.
    sae_window = last_dose + sch["adverse_events"]["serious_after_last_dose"]
    ae_death = ((death < NEVER) & ~progressed & (death <= sae_window)
                & (rng.random(n) < em["death_by_adverse_event"]))
    death_cause = np.where(death < NEVER,
                           np.where(progressed, "Disease progression",
                                    np.where(ae_death, "Adverse event",
                                             choose(rng, em["other_death_causes"], n))), "")

    eot_visit = eot_day + between(rng, dc["eot_visit_after_decision"], n)
    eot_visit = np.where(ended & ~np.isin(eot_reason, ["Death", "Lost to follow-up"])
                         & (eot_visit < death_true) & (eot_visit <= end), eot_visit, NEVER)

    scan_shown = (treated[:, None] & ~missed & (scan_day <= pd[:, None]) & (scan_day < death_true[:, None])
                  & (scan_day <= end[:, None]) & (scan_day < new_therapy[:, None]))

    return Timeline(
        site=site, subject=subject, treated=treated, consent=consent, screening=screening,
        rt_end=rt_end, decision=decision, criterion=criterion, enrolment=enrolment, first_dose=first, ecog=ecog,
        ebv_detectable=ebv, progression=progression, pd=pd, pd_unscheduled=pd_unscheduled,
        death=death, death_cause=death_cause, lost=lost, cycle_day=cycle_day,
        cycle_shown=shown, cycle_given=given, cycle_delay=delay, cycle_delay_ae=delay_ae,
        cycle_skip_ae=skip_ae, last_dose=last_dose, eot_day=eot_day, eot_reason=eot_reason,
        eot_visit=eot_visit, new_therapy=new_therapy, eos_day=eos_day, eos_reason=eos_reason,
        scan_weeks=weeks, scan_day=scan_day, scan_shown=scan_shown, end=end)
