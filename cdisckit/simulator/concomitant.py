"""Concomitant Medications form: verbatim names with the EDC's WHODrug-style coding.

Two sources (rules in cm_dictionary.yaml): the medications of ongoing
medical-history conditions (from ``history``), and medications given for
adverse events - corticosteroids for immune-related events, replacement
therapy for hypothyroidism, symptomatic drugs - started after the event's
onset and stopped some days after it ends (a taper), or kept to the end of
records. The form names the adverse event (CMAENUM) or history line
(CMMHNUM) a medication treats. Nothing starts after the subject's records end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import messiness
from .crf import build_form
from .draws import between, choose
from .edc_style import NEVER, format_dates, format_numbers, yes_no
from .protocol import Protocol
from .timeline import Timeline


def _for_adverse_events(intervals, tl, rng, rules):
    """(subject, drug, start, stop, indication, aenum) of medications given for adverse events."""
    given = []
    for event in intervals.itertuples(index=False):
        for rule in rules.get(event.term, []):
            if event.grade < rule["min_grade"]:
                continue
            if rng.random() < rule["probability"]:
                start = event.start + int(between(rng, rule["start"], 1)[0])
                ongoing = rule.get("ongoing") or event.stop >= tl.end[event.subject]
                stop = NEVER if ongoing else event.stop + int(between(rng, rule["after_end"], 1)[0])
                if start <= tl.end[event.subject]:
                    given.append((event.subject, rule["drug"], start, stop, event.term, event.aenum))
            break
    return pd.DataFrame(given, columns=["subject", "drug", "start", "stop", "indication", "aenum"])


def concomitant_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol,
                     intervals: pd.DataFrame, history_medications: pd.DataFrame) -> pd.DataFrame:
    """The concomitant medications log of every subject."""
    tl, dictionary = timeline, protocol.cm_dictionary
    drugs = dictionary["drugs"]
    events = pd.concat([_for_adverse_events(intervals, tl, rng, dictionary["for_adverse_events"]),
                        history_medications], ignore_index=True)
    for column in ("subject", "start", "stop", "aenum", "mhnum"):
        events[column] = events[column].fillna(0).astype(np.int64)
    events = events.sort_values(["subject", "start", "drug"], kind="stable").reset_index(drop=True)
    size = len(events)
    drug = events["drug"].to_numpy()
    entry = [drugs[d] for d in drug]
    stop = np.where(events["stop"].to_numpy() >= tl.end[events["subject"].to_numpy()], NEVER,
                    events["stop"].to_numpy())
    verbatim = np.array([choose(rng, e["verbatims"], 1)[0] for e in entry], dtype=object)
    verbatim = messiness.case_and_spaces(rng, verbatim, protocol.mess("case_and_spaces", "conmed.CMTRT")["rate"])
    start_day, start_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "conmed.CMSTDAT"), size)
    values = {
        "CMNUM": (events.groupby("subject").cumcount() + 1).astype(str).to_numpy(),
        "CMTRT": verbatim,
        "CMDECOD": drug.astype(object),
        "CMDRGCD": np.array([e["code"] for e in entry], dtype=object),
        "CMCLAS": np.array([e["atc_class"] for e in entry], dtype=object),
        "CMCLASCD": np.array([e["atc"][:5] for e in entry], dtype=object),
        "CMATCCD": np.array([e["atc"] for e in entry], dtype=object),
        "CMDOSE": format_numbers([e["dose"] for e in entry], [0 if float(e["dose"]).is_integer() else 1
                                                             for e in entry]),
        "CMDOSU": np.array([e["unit"] for e in entry], dtype=object),
        "CMDOSFRQ": np.array([e["frequency"] for e in entry], dtype=object),
        "CMROUTE": np.array([e["route"] for e in entry], dtype=object),
        "CMINDC": events["indication"].to_numpy(),
        "CMAENUM": np.where(events["aenum"] > 0, events["aenum"].astype(str), ""),
        "CMMHNUM": np.where(events["mhnum"] > 0, events["mhnum"].astype(str), ""),
        "CMSTDAT": format_dates(events["start"].to_numpy(), start_day, start_month),
        "CMONGO": yes_no(stop == NEVER),
        "CMENDAT": format_dates(stop),
    }
    return build_form(protocol, tl, "conmed", events["subject"].to_numpy(), values, "LOGS", "Logs",
                      sort=(np.arange(size),), position="subject")
