"""Medical History form: conditions before consent, coded as the AE form is.

Each condition of the AE dictionary's ``history`` section occurs with its
prevalence among consented subjects, began some years before consent (the
day, or day and month, often unknown), and is ongoing at consent with its
probability (else it ended before consent). Ongoing conditions may be
treated with a medication (``drug``), which the concomitant medications form
records; ``medications`` returns those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import messiness
from .adverse_events import coding
from .crf import build_form
from .draws import between, choose
from .edc_style import NEVER, format_dates, yes_no
from .protocol import Protocol
from .timeline import Timeline

YEAR = 365


@dataclass(frozen=True)
class History:
    """The MH form and the medications of ongoing conditions."""
    form: pd.DataFrame
    medications: pd.DataFrame   # subject, drug, start, stop (NEVER: ongoing), indication, mhnum


def _entries(dictionary):
    """Per history condition, its coding entry (its own, or the AE term's of the same name)."""
    return [dictionary["terms"].get(name, condition) for name, condition in dictionary["history"].items()]


def medical_history(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> History:
    """Draw every subject's medical history and lay out the MH form."""
    tl, dictionary = timeline, protocol.ae_dictionary
    names = list(dictionary["history"])
    conditions = list(dictionary["history"].values())
    rows = []
    for index, condition in enumerate(conditions):
        subject = np.flatnonzero(rng.random(tl.n) < condition["prevalence"])
        size = len(subject)
        start = tl.consent[subject] - between(rng, [YEAR * y for y in condition["years"]], size)
        ongoing = rng.random(size) < condition["ongoing"]
        stop = np.where(ongoing, NEVER,
                        start + np.floor(rng.random(size) * (tl.consent[subject] - start - 1)).astype(np.int64))
        rows.append(pd.DataFrame({"subject": subject, "condition": index, "start": start, "stop": stop}))
    events = pd.concat(rows, ignore_index=True).sort_values(["subject", "start", "condition"], kind="stable")
    events["mhnum"] = events.groupby("subject").cumcount() + 1
    return History(form=_form(events, tl, rng, protocol, names, conditions),
                   medications=_medications(events, rng, protocol, names, conditions))


def _form(events, tl, rng, protocol, names, conditions):
    size = len(events)
    condition = events["condition"].to_numpy()
    verbatim = np.empty(size, dtype=object)
    for index in np.unique(condition):
        rows = np.flatnonzero(condition == index)
        verbatim[rows] = choose(rng, conditions[index]["verbatims"], len(rows))
    start_day, start_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "mh.MHSTDAT"), size)
    end_day, end_month = messiness.unknown_parts(rng, protocol.mess("partial_dates", "mh.MHENDAT"), size)
    ongoing = events["stop"].to_numpy() == NEVER
    codes = coding("MH", names, _entries(protocol.ae_dictionary))
    values = {
        "MHNUM": events["mhnum"].astype(str).to_numpy(),
        "MHTERM": verbatim,
        **{column: values[condition] for column, values in codes.items()},
        "MHSTDAT": format_dates(events["start"].to_numpy(), start_day, start_month),
        "MHONGO": yes_no(ongoing),
        "MHENDAT": format_dates(events["stop"].to_numpy(), end_day, end_month),
    }
    return build_form(protocol, tl, "mh", events["subject"].to_numpy(), values, "LOGS", "Logs",
                      sort=(events["mhnum"].to_numpy(),), position="subject")


def _medications(events, rng, protocol, names, conditions):
    """The medications of ongoing treated conditions: from a day after onset to the end of records."""
    treated = []
    for rec in events.itertuples(index=False):
        drug = conditions[rec.condition].get("drug")
        if rec.stop == NEVER and drug and rng.random() < drug["probability"]:
            treated.append((rec.subject, drug["name"], rec.start + int(rng.integers(0, YEAR)), NEVER,
                            names[rec.condition], rec.mhnum))
    return pd.DataFrame(treated, columns=["subject", "drug", "start", "stop", "indication", "mhnum"])
