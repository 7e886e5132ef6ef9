"""Disposition and survival forms: end of treatment, end of study, death, survival
follow-up and subsequent anticancer therapy, all read off the timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import messiness
from .adverse_events import AdverseEvents
from .crf import build_form
from .draws import between, choose
from .edc_style import NEVER, format_dates
from .protocol import Protocol
from .timeline import Timeline


def _number(links):
    return np.where(links > 0, links.astype(str), "")


def end_of_treatment_form(tl: Timeline, protocol: Protocol, ae: AdverseEvents) -> pd.DataFrame:
    """One row per subject whose treatment ended by the cut-off."""
    subject = np.flatnonzero(tl.eot_day < NEVER)
    values = {"LSTDOSDAT": format_dates(tl.last_dose[subject]), "EOTDAT": format_dates(tl.eot_day[subject]),
              "EOTRSN": tl.eot_reason[subject], "EOTAENUM": _number(ae.eot_link[subject])}
    return build_form(protocol, tl, "eot", subject, values, "EOT", "End of Treatment")


def end_of_study_form(tl: Timeline, protocol: Protocol) -> pd.DataFrame:
    """One row per subject whose study participation ended by the cut-off."""
    subject = np.flatnonzero(tl.eos_day < NEVER)
    criterion = tl.criterion[subject]
    values = {"EOSDAT": format_dates(tl.eos_day[subject]), "EOSRSN": tl.eos_reason[subject],
              "EOSRSNSP": np.where(criterion != "", np.char.add("Eligibility criterion not met: ", criterion.astype(str)), "")}
    return build_form(protocol, tl, "eos", subject, values, "EOS", "End of Study")


def death_form(tl: Timeline, rng: np.random.Generator, protocol: Protocol, ae: AdverseEvents) -> pd.DataFrame:
    """One row per death known at the cut-off; the date may lack its day."""
    subject = np.flatnonzero(tl.death < NEVER)
    size = len(subject)
    cause = tl.death_cause[subject]
    link = ae.death_link[subject]
    fatal_terms = ae.form.set_index(["SUBJECT", "AENUM"])["AEPT"]
    term = np.array([fatal_terms.get((s, str(k)), "") for s, k in zip(tl.subject[subject], link)], dtype=object)
    other = choose(rng, dict.fromkeys(protocol.config["event_model"]["other_death_specify"], 1), size)
    specify = np.where(cause == "Adverse event", term, np.where(cause == "Other", other, ""))
    unknown_day, unknown_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "death.DTHDAT"), size)
    values = {"DTHDAT": format_dates(tl.death[subject], unknown_day, unknown_month),
              "DTHCAUS": cause, "DTHAENUM": _number(link),
              "DTHCAUSP": messiness.case_and_spaces(
                  rng, specify, protocol.mess("case_and_spaces", "death.DTHCAUSP")["rate"])}
    return build_form(protocol, tl, "death", subject, values, "DEATH", "Death Report")


def survival_form(tl: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """Survival contacts every 12 weeks after end of treatment and a survival sweep
    shortly before the cut-off; a last Unknown row for subjects lost."""
    cfg = protocol.config["survival_follow_up"]
    every = 7 * cfg["every_weeks"]
    contacts = int(np.ceil(365.25 * cfg["years_after_treatment"] / every)) + 1
    window = cfg["window_days"]
    day = (tl.eot_day[:, None] + every * np.arange(1, contacts + 1)[None, :]
           + rng.integers(-window, window + 1, (tl.n, contacts)))
    alive = (tl.eot_day[:, None] < NEVER) & (day <= tl.end[:, None]) & (day < tl.death[:, None])
    sweep = protocol.cutoff - between(rng, cfg["sweep_before_cutoff"], tl.n)
    swept = (tl.eot_day < NEVER) & (sweep > np.where(alive, day, -1).max(axis=1)) & (sweep > tl.eot_day) \
        & (sweep <= tl.end) & (sweep < tl.death)
    day = np.concatenate([np.where(alive, day, NEVER), np.where(swept, sweep, NEVER)[:, None]], axis=1)
    alive = np.concatenate([alive, swept[:, None]], axis=1)
    day = np.sort(day, axis=1)
    alive = day < NEVER
    subject, index = np.nonzero(alive)
    contact_day = day[subject, index]
    last_alive = np.where(alive, day, -1).max(axis=1)
    last_alive = np.where(tl.lost < NEVER, np.maximum(last_alive, tl.lost), last_alive)
    lost = np.flatnonzero((tl.eos_reason == "Lost to follow-up") & (tl.eot_day < NEVER))
    subject = np.concatenate([subject, lost])
    index = np.concatenate([index, alive.sum(axis=1)[lost]])
    contact_day = np.concatenate([contact_day, tl.eos_day[lost]])
    status = np.where(np.arange(len(subject)) < len(subject) - len(lost), "Alive", "Unknown")
    known = np.where(status == "Alive", contact_day, last_alive[subject])
    method = np.where(rng.random(len(subject)) < cfg["telephone"], "Telephone", "Clinic visit")
    number = index + 1
    values = {"SVDAT": format_dates(contact_day), "SVMETH": method, "SURVSTAT": status,
              "LKADAT": format_dates(known)}
    return build_form(protocol, tl, "survival", subject, values,
                      np.array([f"FU{k:02d}" for k in number], dtype=object),
                      np.array([f"Survival Follow-up {k}" for k in number], dtype=object), sort=(contact_day,))


def subsequent_therapy_form(tl: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """The first subsequent anticancer therapy, and a second one for some subjects."""
    therapies = protocol.config["subsequent_therapy"]["therapies"]
    weights = {name: weight for name, (_, weight) in therapies.items()}
    kinds = {name: kind for name, (kind, _) in therapies.items()}
    first = np.flatnonzero(tl.new_therapy < NEVER)
    second_day = tl.new_therapy[first] + rng.integers(90, 301, len(first))
    second = (rng.random(len(first)) < 0.25) & (second_day <= tl.end[first]) & (second_day < tl.death[first])
    subject = np.concatenate([first, first[second]])
    day = np.concatenate([tl.new_therapy[first], second_day[second]])
    size = len(subject)
    name = choose(rng, weights, size)
    unknown_day, unknown_month = messiness.unknown_parts(
        rng, protocol.mess("partial_dates", "subsequent_therapy.CMSTDAT"), size)
    retyped = protocol.mess("case_and_spaces", "subsequent_therapy.CMTRT")["rate"]
    values = {"CMTRT": messiness.case_and_spaces(rng, name, retyped),
              "CMTYPE": np.array([kinds[k] for k in name], dtype=object),
              "CMSTDAT": format_dates(day, unknown_day, unknown_month)}
    return build_form(protocol, tl, "subsequent_therapy", subject, values, "LOGS", "Logs",
                      sort=(day,), position="subject")
