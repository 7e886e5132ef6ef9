"""Enrolment and Demographics form: consent, demographics, baseline disease, eligibility."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import messiness
from .crf import build_form
from .draws import between, choose, log_normal
from .edc_style import NEVER, format_dates, format_numbers, yes_no
from .protocol import Protocol
from .timeline import Timeline


def enrolment_form(timeline: Timeline, rng: np.random.Generator, protocol: Protocol) -> pd.DataFrame:
    """One row per consented subject, screen failures included."""
    tl, cfg = timeline, protocol.config
    n = tl.n
    demo, disease = cfg["demographics"], cfg["baseline_disease"]
    trt = cfg["treatment"]

    age = np.clip(rng.normal(demo["age"]["mean"], demo["age"]["sd"], n), demo["age"]["min"], demo["age"]["max"])
    birth = tl.consent - np.floor(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    unknown_day, unknown_month = messiness.unknown_parts(
        rng, protocol.mess("partial_dates", "enrolment.BRTHDAT"), n)
    male = rng.random(n) < demo["male"]
    race = choose(rng, demo["race"], n)
    ethnic = choose(rng, demo["ethnicity"], n)
    ecog = np.where(tl.criterion == "IN04", 2, tl.ecog)

    chemo = rng.random(n) < trt["chemotherapy_before_radiotherapy"]
    ct_end = np.where(chemo, tl.rt_end - between(rng, trt["chemotherapy_end_before_radiotherapy_end"], n), NEVER)
    lesions = choose(rng, disease["lesions"], n).astype(np.int64)
    sites = {name: rng.random(n) < p for name, p in disease["sites"].items()}
    names = list(sites)
    none = ~np.logical_or.reduce(list(sites.values()))
    fallback = rng.integers(0, len(names) - 1, n)   # any site but "other"
    for i, name in enumerate(names):
        sites[name] |= none & (fallback == i)
    other_site = np.where(sites["METOTH"], choose(rng, dict.fromkeys(disease["other_sites"], 1), n), "")

    pdl1 = rng.random(n) < disease["pdl1_performed"]
    below_1 = rng.random(n) < disease["pdl1_tps_below_1"]
    tps = np.minimum(100, 1 + np.floor(log_normal(rng, 8, 1.5, n))).astype(np.int64)
    cps = np.where(below_1, rng.integers(0, 10, n), np.minimum(100, tps + rng.integers(0, 21, n)))
    tps_text = np.where(below_1, "<1", tps.astype(str)).astype(object)
    tmb_done = rng.random(n) < disease["tmb_performed"]
    tmb = log_normal(rng, disease["tmb_median"], 0.8, n)
    genes_done = rng.random(n) < disease["genes_performed"]
    found = {gene: rng.random(n) < p for gene, p in disease["gene_alterations"].items()}
    genes = np.array(["; ".join(g for g in found if found[g][i]) or "None detected" for i in range(n)],
                     dtype=object)
    genes = np.where(genes_done, genes, "")
    genes = messiness.case_and_spaces(rng, genes, protocol.mess("case_and_spaces", "enrolment.GENEALT")["rate"])

    values = {
        "ICDAT": format_dates(tl.consent),
        "BRTHDAT": format_dates(birth, unknown_day, unknown_month),
        "SEX": np.where(male, "Male", "Female"),
        "RACE": race,
        "ETHNIC": ethnic,
        "COUNTRY": cfg["country"],
        "ECOG": ecog.astype(str),
        "RTENDDAT": format_dates(tl.rt_end),
        "CTENDDAT": format_dates(ct_end),
        "METNUM": lesions.astype(str),
        **{name: yes_no(flag) for name, flag in sites.items()},
        "METOTHSP": other_site,
        "PDL1PERF": yes_no(pdl1),
        "PDL1TPS": np.where(pdl1, tps_text, ""),
        "PDL1CPS": np.where(pdl1, cps.astype(str), ""),
        "TMBPERF": yes_no(tmb_done),
        "TMB": format_numbers(tmb, 1, blank=~tmb_done),
        "GENEPERF": yes_no(genes_done),
        "GENEALT": genes,
        "ELIGYN": yes_no(tl.treated),
        "IENOTMET": tl.criterion,
        "ENRLDAT": format_dates(tl.enrolment),
    }
    return build_form(protocol, tl, "enrolment", np.arange(n), values, "SCR", "Screening")
