"""Local Laboratory form: results as each site reports them, in its units and ranges.

Visits: screening (every consented subject), the Cycle Day 1 visits of the
schedule (samples 0-3 days before the dose), End of Treatment, and
unscheduled visits (at random on treatment, and after lab-linked adverse
events of grade 2 or more). Values are drawn in the catalogue's model unit
around a per-subject level, pushed out of range while a linked adverse event
lasts (e.g. ALT during "Alanine aminotransferase increased", TSH during
hypothyroidism), then converted to the site's unit and written as text:
below the detection limit as "<LOD", at some sites in E notation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import messiness
from .adverse_events import AdverseEvents
from .draws import between, choose
from .crf import build_form
from .dosing import cycle_folders
from .edc_style import NEVER, format_dates, format_numbers, format_times, parse_time
from .protocol import Protocol
from .timeline import Timeline

NOT_DONE = ("Sample haemolysed", "Sample not collected", "Insufficient sample")


class _Catalogue:
    """The lab catalogue as arrays indexed by test, or by site and test."""

    def __init__(self, protocol: Protocol):
        catalogue = protocol.lab_catalogue
        self.codes = list(catalogue["tests"])
        tests = [catalogue["tests"][code] for code in self.codes]
        self.names = np.array([t["name"] for t in tests], dtype=object)
        self.specimens = np.array([t["specimen"] for t in tests], dtype=object)
        self.panels = list(dict.fromkeys(t["panel"] for t in tests))
        self.panel_of = np.array([self.panels.index(t["panel"]) for t in tests])
        self.median = np.array([t["model"]["median"] for t in tests], dtype=float)
        self.sigma = np.sqrt(np.log1p(np.array([t["model"]["cv"] for t in tests]) ** 2))
        numbers = [s["number"] for s in protocol.config["sites"]]
        self.lab_names = np.array([catalogue["lab_names"][s] for s in numbers], dtype=object)
        shape = (len(numbers), len(tests))
        self.unit = np.empty(shape, dtype=object)
        self.factor = np.ones(shape)
        self.decimals = np.zeros(shape, dtype=np.int64)
        self.low = np.full(shape, np.nan)
        self.high = np.full(shape, np.nan)
        self.low_text = np.full(shape, "", dtype=object)
        self.high_text = np.full(shape, "", dtype=object)
        self.lod = np.full(shape, np.nan)
        self.lod_text = np.full(shape, "", dtype=object)
        self.scientific = np.zeros(shape, dtype=bool)
        for j, test in enumerate(tests):
            for i, number in enumerate(numbers):
                unit, low, high = test["sites"][number]
                self.unit[i, j] = unit
                self.factor[i, j], self.decimals[i, j] = test["units"][unit]
                if low is not None:
                    self.low[i, j], self.high[i, j] = low, high
                    self.low_text[i, j], self.high_text[i, j] = str(low), str(high)
                if number in test.get("lod", {}):
                    self.lod[i, j] = test["lod"][number]
                    self.lod_text[i, j] = f"<{test['lod'][number]}"
                self.scientific[i, j] = number in test.get("scientific", [])
        self.effects = pd.DataFrame(
            [(term, j, grade + 1, factor) for j, test in enumerate(tests)
             for term, factors in test.get("ae", {}).items() for grade, factor in enumerate(factors)],
            columns=["term", "test", "grade", "factor"])
        self.ebv = self.codes.index("EBVDNA")

    def mask(self, panels) -> int:
        """Bit mask of the named panels."""
        return sum(1 << self.panels.index(p) for p in panels)


def _visits(tl: Timeline, rng, protocol: Protocol, cat: _Catalogue, ae: AdverseEvents):
    """Lab visits: subject, day, folder, folder name, panel mask."""
    labs = protocol.schedule["labs"]
    cycles = tl.cycle_day.shape[1]
    # Screening.
    parts = [(np.arange(tl.n), tl.screening, np.full(tl.n, "SCR", dtype=object),
              np.full(tl.n, "Screening", dtype=object), np.full(tl.n, cat.mask(labs["screening"])))]
    # Cycle Day 1 visits of the schedule.
    due = np.zeros(cycles, dtype=np.int64)
    for panel, rule in labs["cycles"].items():
        chosen = np.zeros(cycles, dtype=bool)
        chosen[rule["first"] - 1:rule.get("last", cycles):rule["every"]] = True
        due |= np.where(chosen, cat.mask([panel]), 0)
    subject, cycle = np.nonzero(tl.cycle_shown & (due > 0)[None, :])
    day = tl.cycle_day[subject, cycle] - between(rng, labs["predose_days"], len(subject))
    moved = messiness.out_of_window(rng, day, protocol.mess("out_of_window_visits", "lab.LBDAT")["rate"])
    last = np.minimum(tl.end, tl.death - 1)[subject]
    day = np.where(cycle > 0, np.clip(moved, tl.first_dose[subject] + 1, last), day)
    folder, foldername = cycle_folders(cycles)
    parts.append((subject, day, folder[cycle], foldername[cycle], due[cycle]))
    # End of Treatment.
    eot = np.flatnonzero(tl.eot_visit < NEVER)
    parts.append((eot, tl.eot_visit[eot], np.full(len(eot), "EOT", dtype=object),
                  np.full(len(eot), "End of Treatment", dtype=object),
                  np.full(len(eot), cat.mask(labs["end_of_treatment"]))))
    # Unscheduled: at random on treatment, and after lab-linked adverse events.
    until = np.minimum.reduce([np.where(tl.eot_day < NEVER, tl.last_dose + 30, tl.end), tl.end, tl.death - 1])
    span = np.where(tl.treated, np.maximum(until - tl.first_dose, 0), 0)
    count = rng.poisson(labs["unscheduled_per_year"] * span / 365.25)
    subject = np.repeat(np.arange(tl.n), count)
    day = tl.first_dose[subject] + 1 + np.floor(rng.random(len(subject)) * span[subject]).astype(np.int64)
    mask = np.full(len(subject), cat.mask(labs["unscheduled_panels"]))
    linked = ae.intervals.merge(cat.effects[["term", "test"]].drop_duplicates(), on="term")
    linked = linked[linked["grade"] >= 2]
    linked = linked.assign(bit=1 << cat.panel_of[linked["test"].to_numpy()])
    linked = (linked.drop_duplicates(["subject", "start", "bit"])
              .groupby(["subject", "start"], sort=True)["bit"].sum().reset_index())
    follow = rng.random(len(linked)) < labs["adverse_event_followup"]
    ae_subject = linked["subject"].to_numpy()[follow]
    ae_day = linked["start"].to_numpy()[follow] + rng.integers(0, 4, follow.sum())
    keep = ae_day <= np.minimum(tl.end, tl.death - 1)[ae_subject]
    subject = np.concatenate([subject, ae_subject[keep]])
    day = np.concatenate([day, ae_day[keep]])
    mask = np.concatenate([mask, linked["bit"].to_numpy()[follow][keep]])
    order = np.lexsort((day, subject))
    subject, day, mask = subject[order], day[order], mask[order]
    number = np.arange(len(subject)) - np.searchsorted(subject, subject) + 1
    parts.append((subject, day, np.array([f"UNS{k}" for k in number], dtype=object),
                  np.array([f"Unscheduled {k}" for k in number], dtype=object), mask))
    return [np.concatenate(column) for column in zip(*parts)]


def _model_values(tl, rng, cat, ae, subject, test, day):
    """Results in the model unit, with adverse-event effects and the EBV DNA course."""
    size = len(subject)
    level = cat.median * np.exp(cat.sigma * np.sqrt(0.6) * rng.standard_normal((tl.n, len(cat.codes))))
    value = level[subject, test] * np.exp(cat.sigma[test] * np.sqrt(0.4) * rng.standard_normal(size))

    ebv = test == cat.ebv
    progression = tl.progression[subject]
    after = ebv & (day >= progression)
    rising = 1000 * np.exp2(np.minimum(day - progression, 600) / 30) * np.exp(0.5 * rng.standard_normal(size))
    blip = rng.random(size) < 0.05
    value = np.where(ebv & ~tl.ebv_detectable[subject], np.where(blip, 50 + 1450 * rng.random(size), 0), value)
    value = np.where(after, np.minimum(np.maximum(value, rising), 5e6), value)

    rows = pd.DataFrame({"row": np.arange(size), "subject": subject, "test": test, "day": day})
    graded = ae.intervals.assign(grade=np.minimum(ae.intervals["grade"], 4))
    effects = graded.merge(cat.effects, on=["term", "grade"])
    hits = rows.merge(effects[["subject", "test", "start", "stop", "factor"]], on=["subject", "test"])
    hits = hits[(hits["day"] >= hits["start"]) & (hits["day"] <= hits["stop"])]
    hits = hits.assign(strength=np.abs(np.log(hits["factor"]))).sort_values(["row", "strength"], kind="stable")
    hits = hits.drop_duplicates("row", keep="last")
    factor = np.ones(size)
    factor[hits["row"].to_numpy()] = hits["factor"].to_numpy()
    return value * factor, factor != 1


def lab_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol, ae: AdverseEvents) -> pd.DataFrame:
    """One row per test per lab visit, in the site's unit and reference range."""
    tl, labs = timeline, protocol.schedule["labs"]
    cat = _Catalogue(protocol)
    v_subject, v_day, v_folder, v_foldername, v_mask = _visits(tl, rng, protocol, cat, ae)
    earliest, latest = (parse_time(t) // 5 for t in labs["sample_time"])
    v_time = 5 * rng.integers(earliest, latest + 1, len(v_subject))
    visit, test = np.nonzero((v_mask[:, None] >> cat.panel_of[None, :]) & 1)
    subject, day = v_subject[visit], v_day[visit]
    site = tl.site[subject]

    value, during_ae = _model_values(tl, rng, cat, ae, subject, test, day)
    value = value * cat.factor[site, test]
    decimals = cat.decimals[site, test]
    scale = 10.0 ** decimals
    value = np.round(value * scale) / scale
    lod = cat.lod[site, test]
    below = value < np.nan_to_num(lod, nan=-np.inf)
    text = format_numbers(value, decimals)
    scientific = cat.scientific[site, test] & ~below
    text[scientific] = [f"{v:.1E}" for v in value[scientific]]
    text = np.where(below, cat.lod_text[site, test], text)
    low, high = cat.low[site, test], cat.high[site, test]
    outside = ~below & ((value < low) | (value > high))
    size = len(subject)
    not_done = messiness.left_blank(rng, size, protocol.mess("not_done", "lab.LBNDRSN")["rate"])
    reason = choose(rng, dict.fromkeys(NOT_DONE, 1), size)
    significance = np.where(outside & ~not_done, np.where(during_ae, "Yes", "No"), "")

    case = protocol.crf["messiness"]["case_and_spaces"]["where"]
    values = {
        "LBCAT": np.array(cat.panels, dtype=object)[cat.panel_of[test]],
        "LBSPEC": cat.specimens[test],
        "LBNAM": cat.lab_names[site],
        "LBDAT": format_dates(day),
        "LBTIM": format_times(v_time[visit]),
        "LBTEST": messiness.case_and_spaces(rng, cat.names[test], case["lab.LBTEST"]["rate"]),
        "LBORRES": np.where(not_done, "", text),
        "LBORRESU": messiness.case_and_spaces(rng, cat.unit[site, test], case["lab.LBORRESU"]["rate"]),
        "LBORNRLO": cat.low_text[site, test],
        "LBORNRHI": cat.high_text[site, test],
        "LBCLSIG": significance,
        "LBNDRSN": np.where(not_done, reason, ""),
    }
    copies = messiness.duplicated_rows(rng, size, protocol.mess("duplicate_lab_rows", "lab")["rate"])
    rows = np.concatenate([np.arange(size), copies])
    values = {k: np.asarray(v, dtype=object)[rows] for k, v in values.items()}
    return build_form(protocol, tl, "lab", subject[rows], values, v_folder[visit][rows],
                      v_foldername[visit][rows], sort=(day[rows], visit[rows], test[rows]), position="folder")
