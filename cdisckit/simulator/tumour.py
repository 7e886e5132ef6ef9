"""Tumour Assessment form (RECIST 1.1): baseline, scheduled and unscheduled assessments.

Which assessments happen, and the one showing progression, come from the
timeline. Before progression each subject moves from stable disease to a
best response (complete or partial response, or stable disease) reached at
the 1st-3rd assessment, with an occasional not-evaluable assessment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .crf import build_form
from .draws import between, choose
from .edc_style import format_dates
from .protocol import Protocol
from .timeline import Timeline

CR, PR, SD, PD, NE = ("Complete Response", "Partial Response", "Stable Disease",
                      "Progressive Disease", "Not Evaluable")
NON_TARGET = {CR: CR, PR: "Non-CR/Non-PD", SD: "Non-CR/Non-PD", NE: NE}


def tumour_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """One row per assessment: screening, every 9 then 12 weeks, and unscheduled at clinical progression."""
    tl, cfg = timeline, protocol.config["tumour_response"]
    n = tl.n
    best = choose(rng, cfg["best"], n)
    reach = between(rng, cfg["first_assessment_at_best"], n)
    method = choose(rng, cfg["methods"], n)

    subject, index = np.nonzero(tl.scan_shown)
    order = np.cumsum(tl.scan_shown, axis=1)[subject, index]
    day = tl.scan_day[subject, index]
    folder = np.array([f"TA{i + 1:02d}" for i in range(len(tl.scan_weeks))], dtype=object)[index]
    foldername = np.array([f"Week {w}" for w in tl.scan_weeks], dtype=object)[index]

    unscheduled = np.flatnonzero(tl.pd_unscheduled)
    screened = np.flatnonzero(tl.treated)
    baseline = np.maximum(tl.consent, tl.first_dose - rng.integers(7, 29, n))[screened]
    size_scheduled = len(subject)
    subject = np.concatenate([subject, unscheduled, screened])
    day = np.concatenate([day, tl.pd[unscheduled], baseline])
    order = np.concatenate([order, np.full(len(unscheduled), 99), np.zeros(len(screened), dtype=np.int64)])
    folder = np.concatenate([folder, np.full(len(unscheduled), "TAUNS", dtype=object),
                             np.full(len(screened), "SCR", dtype=object)])
    foldername = np.concatenate([foldername,
                                 np.full(len(unscheduled), "Unscheduled Tumour Assessment", dtype=object),
                                 np.full(len(screened), "Screening", dtype=object)])
    size = len(subject)
    is_baseline = np.arange(size) >= size_scheduled + len(unscheduled)
    progression = ~is_baseline & (day == tl.pd[subject])

    reached = best[subject]
    response = np.where(order >= reach[subject], reached,
                        np.where((reached == CR) & (order == reach[subject] - 1), PR, SD)).astype(object)
    response = np.where(rng.random(size) < cfg["not_evaluable"], NE, response)
    new_lesion = progression & (rng.random(size) < cfg["new_lesion_at_progression"])
    target = np.where(progression, np.where(new_lesion, reached, PD), response)
    before = np.where(progression, np.where(new_lesion, reached, SD), response)
    non_target = np.array([NON_TARGET[r] for r in before], dtype=object)
    overall = np.where(progression, PD, response)
    methods = np.where(rng.random(size) < 0.1, choose(rng, cfg["methods"], size), method[subject])

    def unless_baseline(values):
        return np.where(is_baseline, "", values)

    values = {
        "TADAT": format_dates(day),
        "TAMETH": methods,
        "TRGRESP": unless_baseline(target),
        "NTRGRESP": unless_baseline(non_target),
        "NEWLES": unless_baseline(np.where(new_lesion, "Yes", "No")),
        "OVRLRESP": unless_baseline(overall),
    }
    return build_form(protocol, tl, "tumour", subject, values, folder, foldername, sort=(day,))
