"""Camrelizumab Administration form: one row per Cycle Day 1 visit reached.

The visits, doses, delays and skipped doses come from the timeline; this
module adds infusion times and the reasons as the site records them, with
the number of the adverse event behind each delay or skipped dose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .crf import build_form
from .draws import between, choose
from .edc_style import format_dates, format_times, parse_time, yes_no
from .protocol import Protocol
from .timeline import Timeline


def dosing_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol,
                cycle_link: np.ndarray) -> pd.DataFrame:
    """The dosing log; ``cycle_link`` holds the AENUM behind each delay or skipped dose."""
    tl, trt = timeline, protocol.config["treatment"]
    subject, cycle = np.nonzero(tl.cycle_shown)
    size = len(subject)
    given = tl.cycle_given[subject, cycle]
    delayed = given & (tl.cycle_delay[subject, cycle] > 0)
    link = cycle_link[subject, cycle]
    skip_other = ~given & (link == 0)
    delay_other = delayed & (link == 0)
    other = choose(rng, dict.fromkeys(protocol.config["dose_modification"]["other_reasons"], 1), size)

    earliest, latest = (parse_time(t) // 5 for t in trt["infusion_start"])
    start = 5 * rng.integers(earliest, latest + 1, size)
    stop = start + between(rng, trt["infusion_minutes"], size)
    values = {
        "ECYN": yes_no(given),
        "ECNDRSN": np.where(given, "", np.where(skip_other, "Other", "Adverse event")),
        "ECNDOTH": np.where(skip_other, other, ""),
        "ECDAT": format_dates(tl.cycle_day[subject, cycle]),
        "ECSTTIM": format_times(start, blank=~given),
        "ECENTIM": format_times(stop, blank=~given),
        "ECDOSE": np.where(given, str(trt["dose"]), ""),
        "ECDOSU": np.where(given, trt["unit"], ""),
        "ECROUTE": np.where(given, trt["route"], ""),
        "ECDELAY": yes_no(delayed, blank=~given),
        "ECDELRSN": np.where(delayed, np.where(delay_other, "Other", "Adverse event"), ""),
        "ECDELOTH": np.where(delay_other, other, ""),
        "ECAENUM": np.where(link > 0, link.astype(str), ""),
    }
    folder, foldername = cycle_folders(tl.cycle_day.shape[1])
    return build_form(protocol, tl, "dosing", subject, values, folder[cycle], foldername[cycle],
                      sort=(cycle,))


def cycle_folders(cycles: int):
    """FOLDER and FOLDERNAME of the Day 1 visit of each cycle, indexed from 0."""
    return (np.array([f"C{k}" for k in range(1, cycles + 1)], dtype=object),
            np.array([f"Cycle {k} Day 1" for k in range(1, cycles + 1)], dtype=object))
