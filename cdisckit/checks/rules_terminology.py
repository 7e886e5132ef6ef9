"""Terminology rules: values that must come from a codelist or a fixed set.

Codelists are the study's own (specs or define.xml), attached to a variable
or to a value-level definition (a where clause); values are compared as the
codelist writes them (the number 3.0 is "3"). External dictionaries such as
MedDRA are not checked here.
"""

import re

import numpy as np

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
            found.append((vlm.variable, table.where(vlm.where), usable(vlm.codelist)))
    return [(name, mask, codelist) for name, mask, codelist in found if codelist is not None]


@implements("CK0301", "CK0302")
def codelist_values(table, sub, extensible):
    """Values outside the codelist the metadata gives the variable (or its where clause)."""
    checks = _codelist_checks(table, sub, extensible)
    if not checks:
        return None
    parts = []
    for name, mask, codelist in checks:
        allowed = frozenset(codelist.values())
        bad = table.per_text(name, ("not in", allowed), lambda texts, allowed=allowed: ~texts.isin(allowed))
        if mask is not None:
            bad = bad & mask
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
