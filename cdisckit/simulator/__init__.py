"""Simulator of the EDC export of the bundled example study (camrelizumab after
radiotherapy for oligometastatic nasopharyngeal carcinoma, see DESIGN.md).

Real raw data of the protocol is not public, so this writes what a data
manager downloads from the EDC: one CSV per CRF form and forms.yaml, the
data dictionary the SDTM specs cite as the annotated CRF. It is the default
input of ``cdisckit run``, of the end-to-end tests and of the benchmarks.

    forms = generate(subjects=SUBJECTS, seed=SEED)   # form name -> DataFrame of text
    simulate("raw/", subjects=SUBJECTS, seed=SEED)   # the same, written to disk

``SUBJECTS`` and ``SEED`` are the defaults of ``cdisckit run`` and
``cdisckit simulate``, of the end-to-end tests and of the benchmarks.

One module per concept: ``protocol`` (the data files), ``timeline`` (subjects
and the event-time model), ``enrolment``, ``dosing``, ``adverse_events``,
``qlq_c30``, ``labs``, ``tumour`` (RECIST 1.1 lesions and responses), ``disposition`` (the forms), ``messiness``
(what makes it look typed by people), ``edc_style`` (how values are written),
``draws`` (the random draws they share),
``crf`` (form layout and forms.yaml) and ``writer``. Each part draws from its
own random stream derived from the seed, so the same seed and subject count
give byte-identical files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.atomic import check_folder
from specs.errors import InputError

from .adverse_events import adverse_events
from .crf import data_dictionary
from .disposition import (death_form, end_of_study_form, end_of_treatment_form,
                          subsequent_therapy_form, survival_form)
from .dosing import dosing_form
from .enrolment import enrolment_form
from .labs import lab_form
from .protocol import STUDY, Protocol, load_protocol
from .qlq_c30 import qlq_c30_form
from .timeline import Timeline, build_timeline
from .tumour import tumour_forms
from .writer import write_export

__all__ = ["generate", "simulate", "write_export", "build_study", "load_protocol", "Protocol", "Timeline",
           "STUDY", "SUBJECTS", "SEED"]

SUBJECTS, SEED = 60, 1                 # the default simulated study

STREAMS = ("timeline", "enrolment", "adverse_events", "dosing", "qlq_c30", "labs", "tumour", "disposition")


def _check(subjects, seed):
    if isinstance(subjects, bool) or not isinstance(subjects, (int, np.integer)) or subjects <= 0:
        raise InputError(f"--subjects must be a whole number greater than 0, got {subjects!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"--seed must be a whole number 0 or greater, got {seed!r}")


def build_study(subjects: int = SUBJECTS, seed: int = SEED):
    """The timeline and every form: ``(protocol, timeline, {form name: DataFrame})``."""
    _check(subjects, seed)
    protocol = load_protocol()
    seeds = np.random.SeedSequence(seed).spawn(len(STREAMS))
    rngs = {name: np.random.default_rng(s) for name, s in zip(STREAMS, seeds)}
    tl = build_timeline(int(subjects), rngs["timeline"], protocol)
    ae = adverse_events(tl, rngs["adverse_events"], protocol)
    forms = {
        "enrolment": enrolment_form(tl, rngs["enrolment"], protocol),
        "dosing": dosing_form(tl, rngs["dosing"], protocol, ae.cycle_link),
        "ae": ae.form,
        "qlqc30": qlq_c30_form(tl, rngs["qlq_c30"], protocol),
        "lab": lab_form(tl, rngs["labs"], protocol, ae),
        **tumour_forms(tl, rngs["tumour"], protocol),
        "eot": end_of_treatment_form(tl, protocol, ae),
        "eos": end_of_study_form(tl, protocol),
        "death": death_form(tl, rngs["disposition"], protocol, ae),
        "survival": survival_form(tl, rngs["disposition"], protocol),
        "subsequent_therapy": subsequent_therapy_form(tl, rngs["disposition"], protocol),
    }
    return protocol, tl, {f["name"]: forms[f["name"]] for f in protocol.crf["forms"]}


def generate(subjects: int = SUBJECTS, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Every form of the export as a DataFrame of text, in crf.yaml order."""
    return build_study(subjects, seed)[2]


def simulate(out_dir, subjects: int = SUBJECTS, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Generate the export and write it to ``out_dir``; returns the forms."""
    _check(subjects, seed)
    check_folder(out_dir)
    protocol, _, forms = build_study(subjects, seed)
    write_export(forms, out_dir, data_dictionary(protocol, {"program": "cdisckit simulate",
                                                             "subjects": int(subjects), "seed": int(seed)}))
    return forms
