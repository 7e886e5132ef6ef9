"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009): the response of one
assessment from its lesion data, and the best overall response with
confirmation, as pure functions on plain values.

Codes are the SDTM ones: responses CR, PR, SD, PD, NE and NON-CR/NON-PD;
lesion states PRESENT, ABSENT, UNEQUIVOCAL (unequivocal progression) and NE.
The thresholds are data (``Criteria``, RECIST 1.1 by default; a spec may
override them), so a study using another version of the rules says so in
its spec.

Target lesions (section 4.3.1): CR when every non-nodal lesion has
disappeared (0 mm) and every lymph node is below 10 mm short axis; PD when
the sum of diameters is at least 20% above the smallest sum recorded so far
(the nadir, baseline included) and at least 5 mm above it; PR when the sum is
at least 30% below the baseline sum; SD otherwise; NE when a lesion was not
measured. Non-target lesions (4.3.2): PD on unequivocal progression, CR when
all are absent, NE when one was not evaluated, else NON-CR/NON-PD. Overall
(table 1): PD when any part is PD or a new lesion appears; CR only when
targets are CR and non-targets CR or absent at baseline; PR when targets are
CR (non-targets not CR) or PR (non-targets not PD); SD for targets SD; NE when
targets are NE. Subjects without non-target lesions have no non-target
response; without target lesions only new lesions (PD) decide, else NE.
"""

from dataclasses import dataclass

import pandas as pd

CR, PR, SD, PD, NE, NONCRPD = "CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"
PRESENT, ABSENT, UNEQUIVOCAL = "PRESENT", "ABSENT", "UNEQUIVOCAL"


@dataclass(frozen=True)
class Criteria:
    """Thresholds of the target-lesion response (RECIST 1.1 by default)."""
    response_decrease: float = 0.30     # PR: sum at least 30% below baseline
    progression_increase: float = 0.20  # PD: sum at least 20% above the nadir ...
    progression_mm: float = 5.0         # ... and at least 5 mm above it
    normal_node_mm: float = 10.0        # a lymph node below this short axis is normal


def target_response(diameters, nodal, baseline_sum, nadir_sum, criteria=Criteria()):
    """Response of the target lesions at one assessment: ``diameters`` (None when
    not measured) and ``nodal`` flags in the same order, the baseline sum and the
    nadir before this assessment. Returns (response, sum or None)."""
    if not diameters or baseline_sum is None:
        return NE, None
    if any(d is None for d in diameters):
        return NE, None
    total = float(sum(diameters))
    c = criteria
    if total >= nadir_sum * (1 + c.progression_increase) - 1e-9 and total - nadir_sum >= c.progression_mm - 1e-9:
        return PD, total
    if all((d < c.normal_node_mm) if node else (d == 0) for d, node in zip(diameters, nodal)):
        return CR, total
    if total <= baseline_sum * (1 - c.response_decrease) + 1e-9:
        return PR, total
    return SD, total


def non_target_response(states):
    """Response of the non-target lesions from their states; None without any."""
    if not states:
        return None
    if UNEQUIVOCAL in states:
        return PD
    if NE in states:
        return NE
    if all(s == ABSENT for s in states):
        return CR
    return NONCRPD


def overall_response(target, non_target, new_lesion):
    """Overall response (RECIST 1.1 table 1) from the target response (NE when
    the subject has no target lesion), the non-target response (None when the
    subject has none) and whether a new lesion appeared."""
    if new_lesion or PD in (target, non_target):
        return PD
    if target == CR:
        return CR if non_target in (CR, None) else PR
    if target == PR:
        return PR
    if target == SD:
        return SD
    return NE


@dataclass(frozen=True)
class BestResponse:
    """Best overall response of one subject: the response, the date of the
    assessment it rests on and the date the (confirmed) response started."""
    response: str
    date: float | None
    response_start: float | None


def best_overall_response(dates, responses, start, confirm_days, sd_min_days):
    """Confirmed best overall response from one subject's overall responses in
    date order (numbers: days) up to the first PD, from the origin ``start``.

    A CR (PR) is confirmed by a later CR (CR or PR) at least ``confirm_days``
    after it, with anything but PD between; the response starts at the first
    CR or PR so confirmed. Otherwise an assessment of SD, NON-CR/NON-PD or an
    unconfirmed CR/PR at least ``sd_min_days`` after the origin gives SD; else
    a PD gives PD; else NE (also with no assessment).
    """
    pairs = []
    for day, response in zip(dates, responses):
        pairs.append((day, response))
        if response == PD:
            break

    def confirmed(kinds):
        """Day of the first response of ``kinds`` confirmed by a later one of ``kinds``."""
        for i, (day, response) in enumerate(pairs):
            if response in kinds and any(r in kinds and d - day >= confirm_days for d, r in pairs[i + 1:]):
                return day
        return None

    complete, partial = confirmed((CR,)), confirmed((CR, PR))
    if complete is not None:
        return BestResponse(CR, complete, partial)
    if partial is not None:
        return BestResponse(PR, partial, partial)
    stable = next((d for d, r in pairs if r in (CR, PR, SD, NONCRPD) and d - start >= sd_min_days), None)
    if stable is not None:
        return BestResponse(SD, stable, None)
    progression = next((d for d, r in pairs if r == PD), None)
    if progression is not None:
        return BestResponse(PD, progression, None)
    return BestResponse(NE, None, None)


# -- from SDTM TU, TR and RS -------------------------------------------------

def _number(value):
    return None if value is None or value != value else float(value)


def assessment_responses(assessments, tu, tr, criteria=Criteria(), nodal="LYMPH NODE"):
    """RECIST 1.1 of every assessment from the lesion data alone.

    ``assessments``: USUBJID, GROUP (the TR link group), DATE (sortable) and
    any other columns to keep, one row per post-baseline assessment (e.g. the
    RS overall responses with RSLNKGRP). ``tu``: USUBJID, TULNKID, TUSTRESC
    (TARGET, NON-TARGET, NEW), TULOC (a location containing ``nodal`` is a
    lymph node). ``tr``: USUBJID, TRLNKGRP, TRLNKID, TRTESTCD (LDIAM,
    TUMSTATE), TRSTRESC, TRSTRESN, TRLOBXFL (the baseline diameters).

    Returns the assessments with TARGET, NONTARGET, NEWLESION (Y/N),
    OVERALL, SUM (the target sum, NaN when a lesion was not measured), BASE
    (the baseline sum) and NADIR (the smallest sum before the assessment,
    baseline included), in the order given.
    """
    kinds = {(s, k): (v, nodal in str(loc)) for s, k, v, loc in
             zip(tu["USUBJID"], tu["TULNKID"], tu["TUSTRESC"], tu["TULOC"])}
    lesions = {}
    for (subject, link), (kind, node) in kinds.items():
        lesions.setdefault(subject, {}).setdefault(kind, []).append((link, node))
    diameter, state, base = {}, {}, {}
    for s, g, k, t, c, n, bl in zip(tr["USUBJID"], tr["TRLNKGRP"], tr["TRLNKID"], tr["TRTESTCD"],
                                    tr["TRSTRESC"], tr["TRSTRESN"], tr["TRLOBXFL"]):
        if t == "LDIAM":
            diameter[(s, g, k)] = _number(n)
            if bl == "Y":
                base[(s, k)] = _number(n)
        elif t == "TUMSTATE":
            state[(s, g, k)] = c or NE

    rows = []
    order = assessments.reset_index(drop=True).sort_values(["USUBJID", "DATE"], kind="mergesort")
    nadir = {}
    for index, subject, group in zip(order.index, order["USUBJID"], order["GROUP"]):
        mine = lesions.get(subject, {})
        targets = mine.get("TARGET", [])
        base_values = [base.get((subject, k)) for k, _ in targets]
        base_sum = float(sum(base_values)) if targets and None not in base_values else None
        low = nadir.setdefault(subject, base_sum)
        values = [diameter.get((subject, group, k)) for k, _ in targets]
        target, total = target_response(values, [node for _, node in targets], base_sum, low)
        non_target = non_target_response([state.get((subject, group, k), NE) for k, _ in mine.get("NON-TARGET", [])])
        new = any(state.get((subject, group, k)) == PRESENT for k, _ in mine.get("NEW", []))
        rows.append((index, target, non_target or "", "Y" if new else "N",
                     overall_response(target, non_target, new), total, base_sum, low))
        if total is not None and low is not None and total < low:
            nadir[subject] = total
    out = pd.DataFrame(rows, columns=["_i", "TARGET", "NONTARGET", "NEWLESION", "OVERALL", "SUM", "BASE", "NADIR"])
    out = out.set_index("_i").sort_index()
    result = assessments.reset_index(drop=True).join(out)
    for column in ("SUM", "BASE", "NADIR"):
        result[column] = result[column].astype("float64")
    return result
