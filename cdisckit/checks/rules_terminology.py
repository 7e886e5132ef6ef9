"""Terminology rules: values that must come from a codelist or a fixed set.

Codelists are the study's own (specs or define.xml), attached to a variable
or to a value-level definition (a where clause); values are compared as the
codelist writes them (the number 3.0 is "3"). External dictionaries such as
MedDRA are not checked here.
"""

import re

import numpy as np
import pandas as pd

from define.where import data_text, where_mask

from .finding import concat, hits
from .rule import implements

_SHOWN_TERMS = 12


def _terms(codelist):
    values = codelist.values()
    shown = ", ".join(values[:_SHOWN_TERMS])
    if len(values) > _SHOWN_TERMS:
        shown += f", ... ({len(values)} terms)"
    return f"codelist {codelist.id} ({codelist.name}): {shown}"


def _codelist_checks(table, sub, extensible):
    """(variable, row mask or None, codelist) for every codelist the metadata attaches to ``table``."""
    spec = sub.spec(table)
    if spec is None:
        return []

    def usable(codelist_id):
        codelist = sub.codelist(codelist_id) if codelist_id else None
        if codelist is None or codelist.dictionary or not codelist.terms:
            return None
        return codelist if codelist.extensible == extensible else None

    found = [(v.name, None, usable(v.codelist)) for v in spec.variables if table.has(v.name)]
    for vlm in spec.value_level:
        if table.has(vlm.variable) and usable(vlm.codelist) is not None:
            found.append((vlm.variable, _where(table, vlm.where), usable(vlm.codelist)))
    return [(name, mask, codelist) for name, mask, codelist in found if codelist is not None]


def _where(table, conditions):
    """Rows where a value-level where clause holds (as ``define.where.where_mask``), text
    comparisons made once per distinct value of the column."""
    mask = np.ones(table.rows, dtype=bool)
    for cond in conditions:
        if cond.comparator not in ("EQ", "IN", "NE", "NOTIN") or not table.has(cond.variable):
            mask &= where_mask(table.frame, [cond]).to_numpy(dtype=bool)
            continue
        codes, texts = table.cached(("data_text", cond.variable), lambda name=cond.variable: _data_texts(table, name))
        hit = np.append(np.isin(texts, [str(v) for v in cond.values]), False)[codes]
        mask &= ~hit if cond.comparator in ("NE", "NOTIN") else hit
    return mask


def _data_texts(table, name):
    codes, uniques = pd.factorize(table.frame[name])
    return codes, np.array([data_text(u) for u in uniques], dtype=object)


@implements("CK0301", "CK0302")
def codelist_values(table, sub, extensible):
    """Values outside the codelist the metadata gives the variable (or its where clause)."""
    checks = _codelist_checks(table, sub, extensible)
    if not checks:
        return None
    parts = []
    for name, mask, codelist in checks:
        allowed = set(codelist.values())
        bad = table.per_value(name, lambda v, allowed=allowed: ~v.str.strip().isin(allowed)
                              & v.str.strip().ne(""))
        if mask is not None:
            bad &= mask
        parts.append(hits(table, bad, [name], _terms(codelist)))
    return concat(parts).unique()


@implements("CK0303", "CK0304", "CK0610", "CK0611", "CK0612")
def allowed_values(table, sub, values, variables=(), pattern=None, required=False):
    """Values outside a fixed set; with ``required``, missing values too. The variables are
    listed, or all whose name matches ``pattern``."""
    names = [n for n in variables if table.has(n)]
    if pattern:
        names += [n for n in table.frame.columns if re.search(pattern, n) and n not in names]
    if not names:
        return None
    allowed = {str(v) for v in values}
    shown = ", ".join(map(str, values)) + ("" if required else " or missing")
    parts = []
    for name in names:
        codes, texts = table.codes(name)
        bad = np.append(~texts.isin(allowed).to_numpy(dtype=bool), required)[codes]
        parts.append(hits(table, bad, [name], f"allowed: {shown}"))
    return concat(parts)
