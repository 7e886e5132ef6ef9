"""Vital Signs and ECG forms: vital signs at screening, every Cycle Day 1 visit
and End of Treatment; a 12-lead ECG at screening and End of Treatment.

Each subject has a usual value of each measurement (protocol.yaml
``vital_signs`` and ``ecg``: mean and between-subject SD) around which visits
vary (within-subject SD); weight drifts by ``weight_drift`` per 21 days. Times
fall before dosing. The QT interval follows from the heart rate and the
subject's Fridericia-corrected QT (QT = QTcF x RR^(1/3)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .crf import build_form
from .dosing import cycle_folders
from .draws import choose
from .edc_style import NEVER, format_dates, format_numbers, format_times, parse_time, yes_no
from .protocol import Protocol
from .timeline import Timeline


def _visits(tl, with_cycles):
    """(subject, day, folder, foldername, order) of screening, (cycle Day 1 visits) and End of Treatment."""
    n = tl.n
    parts = [(np.arange(n), tl.screening, np.full(n, "SCR", object), np.full(n, "Screening", object),
              np.zeros(n, np.int64))]
    if with_cycles:
        subject, cycle = np.nonzero(tl.cycle_shown)
        folder, name = cycle_folders(tl.cycle_day.shape[1])
        parts.append((subject, tl.cycle_day[subject, cycle], folder[cycle], name[cycle], cycle + 1))
    eot = np.flatnonzero(tl.eot_visit < NEVER)
    parts.append((eot, tl.eot_visit[eot], np.full(len(eot), "EOT", object),
                  np.full(len(eot), "End of Treatment", object), np.full(len(eot), 10**4)))
    return [np.concatenate(p) for p in zip(*parts)]


def _measure(rng, spec, subject, n, extra=0.0):
    usual = spec["mean"] + spec["sd_between"] * rng.standard_normal(n)
    return usual[subject] + extra + spec["sd_within"] * rng.standard_normal(len(subject))


def _times(rng, bounds, size):
    earliest, latest = (parse_time(t) // 5 for t in bounds)
    return 5 * rng.integers(earliest, latest + 1, size)


def vital_signs_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """One row per visit with vital signs; height at screening only."""
    tl, cfg = timeline, protocol.config["vital_signs"]
    subject, day, folder, name, order = _visits(tl, with_cycles=True)
    size = len(subject)
    done = rng.random(size) >= cfg["not_done"]
    drift = (day - tl.screening[subject]) / protocol.schedule["cycle_days"] * cfg["weight_drift"]
    m = cfg["measurements"]
    values = {"VSPERF": yes_no(done), "VSDAT": format_dates(day),
              "VSTIM": format_times(_times(rng, cfg["time"], size), blank=~done)}
    for column, spec in m.items():
        value = _measure(rng, spec, subject, tl.n, drift * spec["mean"] if column == "WEIGHT" else 0.0)
        blank = ~done | ((folder != "SCR") if spec.get("screening_only") else False)
        values[column] = format_numbers(value, spec["decimals"], blank=blank)
    return build_form(protocol, tl, "vitals", subject, values, folder, name, sort=(day, order))


def ecg_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """One row per ECG: screening and End of Treatment."""
    tl, cfg = timeline, protocol.config["ecg"]
    subject, day, folder, name, order = _visits(tl, with_cycles=False)
    size = len(subject)
    m = cfg["measurements"]
    rate = np.clip(_measure(rng, m["EGHR"], subject, tl.n), 45, 130)
    qtcf = _measure(rng, m["EGQTCF"], subject, tl.n)
    values = {"EGDAT": format_dates(day), "EGTIM": format_times(_times(rng, cfg["time"], size)),
              "EGHR": format_numbers(rate, 0),
              "EGPR": format_numbers(_measure(rng, m["EGPR"], subject, tl.n), 0),
              "EGQRS": format_numbers(_measure(rng, m["EGQRS"], subject, tl.n), 0),
              "EGQT": format_numbers(qtcf * (60.0 / np.round(rate)) ** (1 / 3), 0),
              "EGQTCF": format_numbers(qtcf, 0),
              "EGINTP": choose(rng, cfg["interpretation"], size)}
    return build_form(protocol, tl, "ecg", subject, values, folder, name, sort=(day, order))
