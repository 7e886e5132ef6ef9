"""EORTC QLQ-C30 V3.0 form: 30 items at baseline, every 2 cycles and end of treatment.

Answers come from one latent well-being score per subject, worse at an end
of treatment for progression: items 1-28 as the CRF's four labels (more
problems at lower well-being), items 29-30 as 1-7. Some questionnaires are
not done and some items are left blank (messiness ``not_done``); some
visits fall outside their window (``out_of_window_visits``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import messiness
from .crf import build_form, form_spec
from .dosing import cycle_folders
from .edc_style import NEVER, format_dates, yes_no
from .protocol import Protocol
from .timeline import Timeline

CUTS = (0.6, 1.6, 2.4)   # latent thresholds between the four answers of items 1-28


def qlq_c30_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """One row per questionnaire due: Cycle 1, 3, 5, ... Day 1 visits reached, and End of Treatment."""
    tl, cfg = timeline, protocol.config["qlq_c30"]
    rule = protocol.schedule["qlq_c30"]["cycles"]
    cycles = tl.cycle_day.shape[1]
    due = np.zeros(cycles, dtype=bool)
    due[rule["first"] - 1::rule["every"]] = True
    subject, cycle = np.nonzero(tl.cycle_shown & due[None, :])
    day = tl.cycle_day[subject, cycle]
    moved = messiness.out_of_window(rng, day, protocol.mess("out_of_window_visits", "qlqc30.QSDAT")["rate"])
    last = np.minimum(tl.end, tl.death - 1)[subject]
    day = np.where(cycle > 0, np.clip(moved, tl.first_dose[subject] + 1, last), day)
    folder, foldername = cycle_folders(cycles)
    at_eot = np.flatnonzero(tl.eot_visit < NEVER)
    subject = np.concatenate([subject, at_eot])
    day = np.concatenate([day, tl.eot_visit[at_eot]])
    eot = np.arange(len(subject)) >= len(cycle)
    folder = np.concatenate([folder[cycle], np.full(len(at_eot), "EOT", dtype=object)])
    foldername = np.concatenate([foldername[cycle], np.full(len(at_eot), "End of Treatment", dtype=object)])
    size = len(subject)

    progressed = eot & (tl.eot_reason[subject] == "Progressive disease")
    decline = np.where(progressed, cfg["decline_at_progression"], 0.0)
    wellbeing = rng.standard_normal(tl.n)[subject] - decline
    offsets = np.array(cfg["item_offsets"])
    latent = offsets[None, :] - 0.9 * wellbeing[:, None] + 0.8 * rng.standard_normal((size, len(offsets)))
    answer = 1 + sum((latent > cut).astype(np.int64) for cut in CUTS)
    rating = np.clip(np.rint(cfg["global_mean"] + wellbeing[:, None] + 0.7 * rng.standard_normal((size, 2))), 1, 7)

    columns = form_spec(protocol, "qlqc30")["columns"]
    items = [c for c in columns if c["name"].startswith("Q") and c["name"][1:].isdigit()]
    labels = np.array([""] + items[0]["values"], dtype=object)
    done = ~messiness.left_blank(rng, size, protocol.mess("not_done", "qlqc30.QSPERF")["rate"])
    blank = messiness.left_blank(rng, (size, len(items)), protocol.mess("not_done", "qlqc30.Q01-Q30")["rate"])
    blank |= ~done[:, None]
    scores = np.concatenate([answer, rating.astype(np.int64)], axis=1)
    reasons = np.array(cfg["missed_reasons"], dtype=object)
    values = {
        "QSPERF": yes_no(done),
        "QSNDRSN": np.where(done, "", reasons[rng.integers(0, len(reasons), size)]),
        "QSDAT": format_dates(day),
    }
    for i, item in enumerate(items):
        text = labels[scores[:, i]] if item["values"] == items[0]["values"] else scores[:, i].astype(str)
        values[item["name"]] = np.where(blank[:, i], "", text)
    return build_form(protocol, tl, "qlqc30", subject, values, folder, foldername, sort=(day, eot))
