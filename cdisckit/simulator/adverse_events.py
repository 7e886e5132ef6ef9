"""Adverse Events form: verbatim and coded terms, CTCAE grades, seriousness, outcome.

Events come from four sources, all drawn from the built-in dictionary
(ae_dictionary.yaml) and bounded by the timeline:

- events on treatment, one draw per preferred term and episode, kept when
  they start within the collection window (first dose to 30 days after the
  last dose, 90 days for serious events, never after the end of records);
- events between consent and first dose (the ``baseline`` rates);
- the events behind dose delays, skipped doses and discontinuations for
  toxicity (action Drug interrupted / Drug withdrawn), linked by number to
  the dosing and end-of-treatment forms;
- the grade 5 event of each death attributed to an adverse event, ending on
  the day of death (outcome Fatal), linked to the death form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import messiness
from .crf import build_form
from .draws import LN2, choose, choose_index, log_normal
from .edc_style import NEVER, format_dates, yes_no
from .protocol import Protocol
from .timeline import Timeline

SERIOUS_CRITERIA = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")


@dataclass(frozen=True)
class AdverseEvents:
    """The AE form and what other forms need from it."""
    form: pd.DataFrame
    cycle_link: np.ndarray      # (subjects, cycles) AENUM behind a delay or skipped dose, 0 if none
    eot_link: np.ndarray        # (subjects,) AENUM behind discontinuation for an adverse event
    death_link: np.ndarray      # (subjects,) AENUM of the fatal event
    intervals: pd.DataFrame     # subject, term, grade, start, stop, aenum: for labs and medications


def _events(subject, term, start, stop, grade, related, action, kind, link=None):
    """One batch of events as a column dict (``stop`` is the planned end day)."""
    size = len(subject)
    return {"subject": np.asarray(subject, dtype=np.int64), "term": np.asarray(term, dtype=np.int64),
            "start": np.asarray(start, dtype=np.int64), "stop": np.asarray(stop, dtype=np.int64),
            "grade": np.asarray(grade, dtype=np.int64), "related": np.asarray(related, dtype=bool),
            "action": np.broadcast_to(np.asarray(action, dtype=object), (size,)),
            "kind": np.full(size, kind, dtype=object),
            "link": np.full(size, -1, dtype=np.int64) if link is None else np.asarray(link, dtype=np.int64)}


def _durations(rng, medians, size):
    return np.maximum(1, np.ceil(log_normal(rng, medians, 0.8, size))).astype(np.int64)


def adverse_events(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> AdverseEvents:
    """Draw every adverse event of every subject and lay out the AE form."""
    tl = timeline
    dictionary = protocol.ae_dictionary
    names = list(dictionary["terms"])
    terms = [dictionary["terms"][name] for name in names]
    window = protocol.schedule["adverse_events"]
    n = tl.n
    ended = tl.eot_day < NEVER
    limit = np.where(ended, tl.last_dose + window["after_last_dose"], tl.end)
    limit_serious = np.where(ended, tl.last_dose + window["serious_after_last_dose"], tl.end)
    limit, limit_serious = np.minimum(limit, tl.end), np.minimum(limit_serious, tl.end)
    on_treatment_until = np.where(ended, tl.last_dose, tl.end)
    serious_by_grade = np.array([0.0] + dictionary["serious_by_grade"])
    batches = []

    # Events on treatment.
    for index, term in enumerate(terms):
        onset = tl.first_dose + np.ceil(rng.exponential(term["onset"] / LN2, n)).astype(np.int64)
        occurs = tl.treated & (rng.random(n) < term["incidence"])
        for _ in range(term.get("episodes", 1)):
            stop = onset + _durations(rng, term["duration"], n)
            grade = choose_index(rng, term["grades"], n) + 1
            serious = rng.random(n) < serious_by_grade[grade] * term.get("serious", 1)
            kept = occurs & (onset < tl.death) & (onset <= np.where(serious, limit_serious, limit))
            related = rng.random(n) < term["related"]
            action = np.where(onset <= on_treatment_until, "Dose not changed", "Not applicable")
            batch = _events(np.flatnonzero(kept), np.full(kept.sum(), index), onset[kept], stop[kept],
                            grade[kept], related[kept], action[kept], "treatment")
            batch["serious"] = serious[kept]
            batches.append(batch)
            occurs = occurs & (rng.random(n) < dictionary["recurrence"])
            onset = stop + 1 + np.ceil(rng.exponential(60 / LN2, n)).astype(np.int64)

    # Events between consent and first dose.
    for index, term in enumerate(terms):
        occurs = tl.treated & (rng.random(n) < term.get("baseline", 0.0))
        span = np.where(tl.treated, tl.first_dose - tl.consent, 1)
        start = tl.consent + np.floor(rng.random(n) * span).astype(np.int64)
        stop = start + _durations(rng, term["duration"], n)
        grade = np.minimum(2, choose_index(rng, term["grades"], n) + 1)
        batch = _events(np.flatnonzero(occurs), np.full(occurs.sum(), index), start[occurs], stop[occurs],
                        grade[occurs], np.zeros(occurs.sum(), bool), "Not applicable", "baseline")
        batch["serious"] = np.zeros(occurs.sum(), dtype=bool)
        batches.append(batch)

    # Events behind dose delays and skipped doses for toxicity.
    interrupted = tl.cycle_shown & (
        (tl.cycle_given & (tl.cycle_delay > 0) & tl.cycle_delay_ae) | (~tl.cycle_given & tl.cycle_skip_ae))
    subject, cycle = np.nonzero(interrupted)
    size = len(subject)
    previous = tl.cycle_day[subject, cycle - 1]
    visit = tl.cycle_day[subject, cycle]
    start = previous + protocol.schedule["cycle_days"] - rng.integers(1, 11, size)
    stop = np.where(tl.cycle_given[subject, cycle], visit - rng.integers(0, 4, size),
                    visit + rng.integers(0, 15, size))
    stop = np.maximum(stop, start)
    term = choose_index(rng, [t.get("interrupt", 0) for t in terms], size)
    grade = np.where(rng.random(size) < 0.7, 2, 3)
    batch = _events(subject, term, start, stop, grade, rng.random(size) < 0.9, "Drug interrupted",
                    "interruption", link=subject * tl.cycle_day.shape[1] + cycle)
    batch["serious"] = rng.random(size) < serious_by_grade[grade]
    batches.append(batch)

    # Events behind discontinuation for toxicity, starting after the last dose.
    subject = np.flatnonzero(tl.eot_reason == "Adverse event")
    size = len(subject)
    gap = np.maximum(1, np.minimum(20, tl.eot_day[subject] - tl.last_dose[subject] - 1))
    start = tl.eot_day[subject] - 1 - np.floor(rng.random(size) * gap).astype(np.int64)
    term = choose_index(rng, [t.get("interrupt", 0) for t in terms], size)
    stop = start + _durations(rng, np.array([terms[t]["duration"] for t in term]), size)
    grade = choose_index(rng, [0, 0.25, 0.6, 0.15], size) + 1
    batch = _events(subject, term, start, stop, grade, rng.random(size) < 0.9, "Drug withdrawn",
                    "discontinuation", link=subject)
    batch["serious"] = rng.random(size) < serious_by_grade[grade]
    batches.append(batch)

    # Fatal events.
    subject = np.flatnonzero(tl.death_cause == "Adverse event")
    size = len(subject)
    death = tl.death[subject]
    start = np.maximum(tl.first_dose[subject] + 1, death - rng.integers(0, 21, size))
    term = choose_index(rng, [t.get("fatal", 0) for t in terms], size)
    related = rng.random(size) < np.array([terms[t]["related"] for t in term])
    action = np.where(tl.eot_reason[subject] == "Death", "Drug withdrawn", "Not applicable")
    batch = _events(subject, term, start, death, np.full(size, 5), related, action, "fatal", link=subject)
    batch["serious"] = np.ones(size, dtype=bool)
    batches.append(batch)

    events = pd.DataFrame({key: np.concatenate([b[key] for b in batches]) for key in batches[0]})
    events = events.sort_values(["subject", "start", "term", "kind"], kind="stable").reset_index(drop=True)
    events["aenum"] = events.groupby("subject").cumcount() + 1
    return AdverseEvents(form=_form(events, tl, rng, protocol, names, terms),
                         cycle_link=_links(events, "interruption", tl.cycle_shown.shape),
                         eot_link=_links(events, "discontinuation", (n,)),
                         death_link=_links(events, "fatal", (n,)),
                         intervals=_intervals(events, tl, names))


def _links(events, kind, shape):
    links = np.zeros(int(np.prod(shape)), dtype=np.int64)
    chosen = events[events["kind"] == kind]
    links[chosen["link"].to_numpy()] = chosen["aenum"].to_numpy()
    return links.reshape(shape)


def _intervals(events, tl, names):
    """Days each event lasts within the subject's records, for lab values during events."""
    stop = np.minimum(events["stop"].to_numpy(), tl.end[events["subject"].to_numpy()])
    return pd.DataFrame({"subject": events["subject"].to_numpy(),
                         "term": np.array(names, dtype=object)[events["term"].to_numpy()],
                         "grade": events["grade"].to_numpy(), "start": events["start"].to_numpy(),
                         "stop": stop, "aenum": events["aenum"].to_numpy()})


def coding(prefix, names, terms):
    """The coding columns (``prefix`` AE or MH) of dictionary terms, in the order
    given: LLT, PT, HLT, HLGT and SOC names and codes, as arrays to index by term."""
    def column(values):
        return np.array(values, dtype=object)

    def codes(level):
        return column([str(t["codes"][level]) for t in terms])

    return {f"{prefix}LLT": column(names), f"{prefix}LLTCD": codes("llt"), f"{prefix}PT": column(names),
            f"{prefix}PTCD": codes("pt"), f"{prefix}HLT": column([t["hlt"] for t in terms]),
            f"{prefix}HLTCD": codes("hlt"), f"{prefix}HLGT": column([t["hlgt"] for t in terms]),
            f"{prefix}HLGTCD": codes("hlgt"), f"{prefix}SOC": column([t["soc"] for t in terms]),
            f"{prefix}SOCCD": codes("soc")}


def _form(events, tl, rng, protocol, names, terms):
    size = len(events)
    subject = events["subject"].to_numpy()
    term = events["term"].to_numpy()
    grade = events["grade"].to_numpy()
    serious = events["serious"].to_numpy()
    fatal = grade == 5
    stop = events["stop"].to_numpy()
    ongoing = ~fatal & (stop >= tl.end[subject])
    lost = tl.lost[subject] < NEVER

    verbatim = np.empty(size, dtype=object)
    for index in np.unique(term):
        rows = np.flatnonzero(term == index)
        verbatim[rows] = choose(rng, terms[index]["verbatims"], len(rows))
    verbatim = messiness.case_and_spaces(rng, verbatim, protocol.mess("case_and_spaces", "ae.AETERM")["rate"])
    codes = coding("AE", names, terms)

    severe = grade >= 3
    outcome = np.where(rng.random(size) < np.where(severe, 0.1, 0.02),
                       "Recovered/Resolved with sequelae", "Recovered/Resolved")
    outcome = np.where(ongoing, np.where(lost, "Unknown",
                                         np.where(rng.random(size) < 0.3, "Recovering/Resolving",
                                                  "Not recovered/Not resolved")), outcome)
    outcome = np.where(fatal, "Fatal", outcome)

    criteria = {
        "AESDTH": fatal,
        "AESLIFE": (grade == 4) & (rng.random(size) < 0.8),
        "AESHOSP": rng.random(size) < np.where(fatal, 0.5, 0.85),
        "AESDISAB": rng.random(size) < 0.01,
        "AESCONG": np.zeros(size, dtype=bool),
    }
    criteria["AESMIE"] = ~np.logical_or.reduce(list(criteria.values()))

    start_day, start_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "ae.AESTDAT"), size)
    end_day, end_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "ae.AEENDAT"), size)
    values = {
        "AENUM": events["aenum"].astype(str).to_numpy(),
        "AETERM": verbatim,
        **{column: values[term] for column, values in codes.items()},
        "AESTDAT": format_dates(events["start"].to_numpy(), start_day, start_month),
        "AEONGO": yes_no(ongoing),
        "AEENDAT": format_dates(np.where(ongoing, NEVER, stop), end_day, end_month),
        "AETOXGR": np.array([f"Grade {g}" for g in range(6)], dtype=object)[grade],
        "AESER": yes_no(serious),
        **{name: yes_no(criteria[name], blank=~serious) for name in SERIOUS_CRITERIA},
        "AEREL": np.where(events["related"].to_numpy(), "Related", "Not Related"),
        "AEACN": events["action"].to_numpy(),
        "AEOUT": outcome,
    }
    return build_form(protocol, tl, "ae", subject, values, "LOGS", "Logs",
                      sort=(events["aenum"].to_numpy(),), position="subject")
