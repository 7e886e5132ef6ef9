"""Tumour assessment forms (RECIST 1.1): the assessment with the investigator's
responses, target lesions, non-target lesions and new lesions.

Which assessments happen, and the one showing progression, come from the
timeline (its progression and response times stay the driver). At
screening each subject gets up to 5 target lesions (at most 2 per organ,
lymph nodes one organ) and some non-target lesions. The target sum then
moves towards the subject's best response (complete or partial response, or
stable disease), reached at the 1st-3rd assessment, and holds (a lesion may
measure 1 mm less later), never meeting progression before the timeline's
progression. At that assessment progression shows as target growth, a new
lesion or unequivocal progression of a non-target lesion. The investigator's
responses are RECIST 1.1 of the recorded lesions (``adam.recist``), except
for the seeded disagreements; lesions not evaluable, missing screening scans
and method changes are seeded at the rates of crf.yaml.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from adam import recist

from .crf import build_form, form_spec
from .draws import between, choose
from .edc_style import NEVER, format_dates
from .protocol import Protocol
from .timeline import Timeline

RESPONSE = {recist.CR: "Complete Response", recist.PR: "Partial Response", recist.SD: "Stable Disease",
            recist.PD: "Progressive Disease", recist.NE: "Not Evaluable", recist.NONCRPD: "Non-CR/Non-PD"}
STATE = {recist.PRESENT: "Present", recist.ABSENT: "Absent", recist.UNEQUIVOCAL: "Unequivocal progression",
         recist.NE: "Not evaluable"}
CR, PR, SD = "Complete Response", "Partial Response", "Stable Disease"
DISAGREEMENT = {recist.CR: recist.PR, recist.PR: recist.SD, recist.SD: recist.PR}
NOT_EVALUABLE_REASONS = {"Lesion not imaged": 0.5, "Image quality insufficient": 0.5}


def _pick(rng, weights):
    return choose(rng, weights, 1)[0]


def _lesions(rng, cfg):
    """Target lesions (site, nodal, baseline mm) and non-target sites of one subject."""
    nodal_sites = set(cfg["nodal_sites"])
    wanted = int(_pick(rng, cfg["targets"]))
    organs, targets = {}, []
    for _ in range(50):
        if len(targets) == wanted:
            break
        site = _pick(rng, cfg["target_sites"])
        nodal = site in nodal_sites
        organ = "lymph node" if nodal else site
        if organs.get(organ, 0) >= cfg["per_organ"]:
            continue
        organs[organ] = organs.get(organ, 0) + 1
        size = int(between(rng, cfg["baseline_mm"]["nodal" if nodal else "non_nodal"], 1)[0])
        targets.append((site, nodal, size))
    non_targets = list(choose(rng, cfg["non_target_sites"], int(_pick(rng, cfg["non_targets"]))))
    return targets, non_targets


class _Subject:
    """One subject's lesions as measured, assessment after assessment."""

    def __init__(self, rng, cfg, targets, non_targets, best, reach):
        self.rng, self.cfg = rng, cfg
        self.sites = [t[0] for t in targets]
        self.nodal = [t[1] for t in targets]
        self.baseline = [t[2] for t in targets]
        self.non_targets = non_targets
        self.best, self.reach = best, reach
        self.goal = (0.4 if best == CR else float(rng.uniform(*cfg["best_ratio"][best])))
        self.complete = [int(between(rng, cfg["complete_response_nodal_mm"], 1)[0]) for _ in targets]
        self.values = list(self.baseline)
        self.base_sum = float(sum(self.baseline)) if targets else None
        self.nadir, self.nadir_values = self.base_sum, list(self.baseline)
        self.states = [recist.PRESENT] * len(non_targets)

    def _measure(self, k):
        """True diameters at the k-th assessment (1-based) before progression."""
        cfg, small = self.cfg, self.cfg["too_small_mm"]
        if self.best == CR and k >= self.reach:
            return [c if node else 0 for c, node in zip(self.complete, self.nodal)]
        if k < self.reach or (k == self.reach and self.best != CR):
            ratio = 1 + (self.goal - 1) * min(k, self.reach) / self.reach
            noise = 1 + self.rng.normal(0, cfg["measurement_noise"], len(self.baseline))
            values = [max(int(round(b * ratio * e)), 1) for b, e in zip(self.baseline, noise)]
        else:
            shrink = self.rng.random(len(self.values)) < cfg["shrink_after_best"]
            values = [v - 1 if s and v > 1 else v for v, s in zip(self.values, shrink)]
        return [v if node or v >= small else small for v, node in zip(values, self.nodal)]

    def assess(self, k, not_evaluable):
        """Recorded diameters (None when not evaluable) and non-target states before progression."""
        values = self._measure(k)
        recorded = [None if ne else v for v, ne in zip(values, not_evaluable[:len(values)])]
        response, _ = recist.target_response(recorded, self.nodal, self.base_sum, self.nadir)
        if response == recist.PD:           # measurement noise must not show progression early
            values = list(self.nadir_values)
            recorded = [None if r is None else v for r, v in zip(recorded, values)]
        self.values = values
        if self.best == CR and k >= self.reach:
            self.states = [recist.ABSENT] * len(self.non_targets)
        states = [recist.NE if ne else s for s, ne in zip(self.states, not_evaluable[len(values):])]
        return recorded, states

    def progress(self, how):
        """Recorded diameters and non-target states at the assessment showing progression."""
        values, states = list(self.values), list(self.states)
        if how == "target":
            c = recist.Criteria()
            needed = max(math.ceil(self.nadir * (1 + c.progression_increase)), self.nadir + c.progression_mm)
            needed += int(round(self.rng.uniform(*self.cfg["growth_beyond_threshold"]) * self.nadir))
            grow = int(self.rng.integers(len(values)))
            values[grow] += int(needed - sum(values))
        elif how == "non_target":
            states[int(self.rng.integers(len(states)))] = recist.UNEQUIVOCAL
        return values, states

    def record(self, recorded):
        """Keep the nadir (smallest complete sum so far, baseline included)."""
        if recorded and all(v is not None for v in recorded) and sum(recorded) < self.nadir:
            self.nadir, self.nadir_values = float(sum(recorded)), list(recorded)


def _progression_kind(rng, cfg, subject):
    allowed = {k: w for k, w in cfg["progression_by"].items()
               if (k != "target" or subject.baseline) and (k != "non_target" or subject.non_targets)}
    return _pick(rng, allowed) if allowed else "new_lesion"


def tumour_forms(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> dict[str, pd.DataFrame]:
    """The forms ``tumour``, ``target_lesions``, ``nontarget_lesions`` and ``new_lesions``."""
    tl, response_cfg = timeline, protocol.config["tumour_response"]
    cfg = protocol.config["tumour_lesions"]
    no_scan = protocol.mess("missing_baseline_scan", "tumour")["rate"]
    ne_target = protocol.mess("lesions_not_evaluable", "target_lesions.TLDIAM")["rate"]
    ne_non_target = protocol.mess("lesions_not_evaluable", "nontarget_lesions.NTLSTAT")["rate"]
    method_change = protocol.mess("method_changes", "tumour.TAMETH")["rate"]
    disagree = protocol.mess("investigator_disagreement", "tumour.OVRLRESP")["rate"]
    folders = [f"TA{i + 1:02d}" for i in range(len(tl.scan_weeks))]
    names = [f"Week {w}" for w in tl.scan_weeks]
    rows = {"tumour": [], "target_lesions": [], "nontarget_lesions": [], "new_lesions": []}

    for i in np.flatnonzero(tl.treated):
        visits = [(int(tl.scan_day[i, j]), folders[j], names[j]) for j in np.flatnonzero(tl.scan_shown[i])]
        if tl.pd_unscheduled[i]:
            visits.append((int(tl.pd[i]), "TAUNS", "Unscheduled Tumour Assessment"))
        visits.sort()
        usual = _pick(rng, response_cfg["methods"])
        best = _pick(rng, response_cfg["best"])
        reach = int(between(rng, response_cfg["first_assessment_at_best"], 1)[0])
        scanned = rng.random() >= no_scan
        targets, non_targets = _lesions(rng, cfg) if scanned else ([], [])
        subject = _Subject(rng, cfg, targets, non_targets, best, reach)

        def method():
            return _pick(rng, response_cfg["methods"]) if rng.random() < method_change else usual

        def write(day, folder, name, how, recorded, states, new, responses):
            sums = "" if not recorded or any(v is None for v in recorded) else str(sum(recorded))
            target, non_target, overall = responses
            rows["tumour"].append((i, day, folder, name, {
                "TADAT": day, "TAMETH": how, "TRGRESP": target, "NTRGRESP": non_target,
                "NEWLES": new, "OVRLRESP": overall, "SUMDIAM": sums}))
            for n, (site, value) in enumerate(zip(subject.sites, recorded), start=1):
                reason = _pick(rng, NOT_EVALUABLE_REASONS) if value is None else ""
                rows["target_lesions"].append((i, day, folder, name, {
                    "TLNUM": n, "TLSITE": site, "TLDAT": day, "TLMETH": how,
                    "TLDIAM": "" if value is None else str(value), "TLNE": reason}))
            for n, (site, state) in enumerate(zip(non_targets, states), start=1):
                rows["nontarget_lesions"].append((i, day, folder, name, {
                    "NTLNUM": n, "NTLSITE": site, "NTLDAT": day, "NTLMETH": how, "NTLSTAT": STATE[state]}))

        if scanned:
            day = int(max(tl.consent[i], tl.first_dose[i] - rng.integers(7, 29)))
            write(day, "SCR", "Screening", method(), subject.baseline, [recist.PRESENT] * len(non_targets), "",
                  ("", "", ""))
        for k, (day, folder, name) in enumerate(visits, start=1):
            how = method()
            new_sites = []
            if day == tl.pd[i] and tl.pd[i] < NEVER:
                kind = _progression_kind(rng, cfg, subject)
                recorded, states = subject.progress(kind)
                if kind == "new_lesion":
                    new_sites = list(choose(rng, cfg["new_lesion_sites"], int(between(rng, cfg["new_lesions"], 1)[0])))
            else:
                ne = np.concatenate([rng.random(len(targets)) < ne_target,
                                     rng.random(len(non_targets)) < ne_non_target])
                recorded, states = subject.assess(k, ne)
            target, _ = recist.target_response(recorded, subject.nodal, subject.base_sum, subject.nadir)
            non_target = recist.non_target_response(states)
            overall = recist.overall_response(target, non_target, bool(new_sites))
            said = overall
            if overall in DISAGREEMENT and rng.random() < disagree:
                said = DISAGREEMENT[overall]
            subject.record(recorded)
            write(day, folder, name, how, recorded, states, "Yes" if new_sites else "No",
                  (RESPONSE[target], RESPONSE.get(non_target, ""), RESPONSE[said]))
            for number, site in enumerate(new_sites, start=1):   # new lesions show at progression only
                rows["new_lesions"].append((i, day, folder, name, {
                    "NLNUM": number, "NLSITE": site, "NLDAT": day, "NLMETH": how}))

    return {name: _form(protocol, tl, name, found) for name, found in rows.items()}


def _form(protocol, tl, name, found):
    """Rows of one form, collected as (subject, day, folder, folder name, values), as text columns."""
    subject = np.array([r[0] for r in found], dtype=np.int64)
    day = np.array([r[1] for r in found], dtype=np.int64)
    values = {c["name"]: [] for c in form_spec(protocol, name)["columns"]}
    for _, _, _, _, row in found:
        for column, value in row.items():
            values[column].append(value)
    dates = {c for c in values if c.endswith("DAT")}
    order = np.zeros(len(found), dtype=np.int64)
    for column, items in values.items():
        if column in dates:
            values[column] = format_dates(np.array(items, dtype=np.int64))
        elif column.endswith("NUM"):
            order = np.array(items, dtype=np.int64)
            values[column] = np.array([str(v) for v in items], dtype=object)
        else:
            values[column] = np.array(items, dtype=object)
    position = "zero" if name == "tumour" else "folder"
    return build_form(protocol, tl, name, subject, values, np.array([r[2] for r in found], dtype=object),
                      np.array([r[3] for r in found], dtype=object), sort=(day, order), position=position)
