"""Rules that compare a dataset with the implementation guide shipped with the package.

The guide's own metadata of a standard domain (``Submission.standards``: the
SDTMIG version the run checks against) says which variables the domain has,
their type and Core, and which CDISC codelist binds them, whatever the study's
specs say: variables the domain does not have, types that differ, Expected or
Permissible variables left empty on every record, code/decode pairs whose CDISC
codes disagree, and datasets of no known class.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .finding import concat, dataset_hits, hits
from .rule import implements

_TYPES = {"float": "num", "integer": "num"}
_NOT_DOMAIN_PREFIXED = ("SUPPQUAL", "RELREC", "RELSUB", "RELSPEC")


@cache
def _model_variables(standards):
    """Every variable name of the guide in "--" form for domain-prefixed ones: the variables the
    SDTM model offers to any domain (an approximation of the SDTM model from the guide)."""
    names = set()
    for name, info in standards.guide["datasets"].items():
        spec = standards.dataset(name)
        for var in spec.variables:
            prefixed = name not in _NOT_DOMAIN_PREFIXED and var.name.startswith(name[:2])
            names.add("--" + var.name[2:] if prefixed else var.name)
    return frozenset(names)


def _excluded(name, patterns):
    return any(re.fullmatch(p, name) for p in patterns)


def _generic(name, prefix):
    return "--" + name[2:] if prefix and name.startswith(prefix) else name


@implements("CK0901", "CK0902")
def variables_not_in_domain(table, sub, model, exclude=()):
    """Variables of a standard domain that its guide does not list: ``model`` true gives those
    the SDTM model offers (permissible additions), false those it does not have at all."""
    ig = sub.standard_spec(table)
    if ig is None:
        return None
    prefix = sub.prefix(table)
    listed = set(ig.variable_names)
    offered = _model_variables(sub.standards)
    found = []
    for name in table.frame.columns:
        generic = _generic(name, prefix)
        if name in listed or _excluded(name, exclude):
            continue
        if (generic in offered) == model:
            found.append(([name], "", f"{name} is not a variable of {ig.domain} in "
                                      f"{sub.standards.name} {sub.standards.version}"
                                      + (" (the SDTM model offers it)" if model else "")))
    return dataset_hits(found)


@implements("CK0903")
def type_differs_from_guide(table, sub):
    """Variables whose XPT type is not the guide's (Char/Num) for the domain."""
    ig = sub.standard_spec(table)
    if ig is None:
        return None
    found = []
    for var in ig.variables:
        column = table.column(var.name)
        if column is None:
            continue
        expected = _TYPES.get(var.data_type, "char")
        if column.type != expected:
            found.append(([var.name], f"type={column.type}",
                          f"{sub.standards.name} {sub.standards.version} has {expected}"))
    return dataset_hits(found)


@implements("CK0904", "CK0905")
def empty_variables(table, sub, core, exclude=()):
    """Variables of Core ``core`` (from the specs, define.xml or guide) present but null on every record."""
    spec = sub.spec(table)
    if spec is None or table.rows == 0:
        return None
    names = [v.name for v in spec.variables if v.core == core and table.has(v.name) and not _excluded(v.name, exclude)]
    return dataset_hits(([n], "", f"{n} is {core} in {sub.spec_source(table)} and null on all {table.rows} records")
                        for n in names if table.blank(n).all())


@implements("CK0906")
def class_not_recognised(table, sub):
    """A dataset whose observation class neither the specs, the define.xml nor the guide know."""
    if sub.model(table) != "SDTM":
        return None
    return dataset_hits([] if sub.domain_class(table) else
                        [("", f"dataset={table.name}", f"{table.name} is not a domain of "
                                                       f"{sub.standards.name} {sub.standards.version}")])


@implements("CK0907")
def file_too_large(table, sub, limit):
    """A dataset file larger than ``limit`` bytes (FDA: split datasets over 5 GB)."""
    if not table.path:
        return None
    size = Path(table.path).stat().st_size
    return dataset_hits([("", f"size={size}", f"limit {limit} bytes")] if size >= limit else [])


@implements("CK0908")
def code_decode_pairs(table, sub):
    """Code/decode pairs (--TESTCD/--TEST, --PARMCD/--PARM ...) whose values are terms of their
    codelists with different NCI codes: the decode does not belong to the code."""
    spec = sub.spec(table)
    if spec is None:
        return None
    bound = {v.name: sub.codelist(v.codelist) for v in spec.variables if v.codelist and table.has(v.name)}
    pairs = [(code, code[:-2]) for code in bound if code.endswith("CD") and bound.get(code[:-2]) is not None
             and bound[code] is not None]
    parts = []
    for code, decode in pairs:
        codes = {t.value: t.nci_code for t in bound[code].terms if t.nci_code}
        decodes = {t.value: t.nci_code for t in bound[decode].terms if t.nci_code}
        left = table.text(code).map(codes)
        right = table.text(decode).map(decodes)
        bad = (left.notna() & right.notna() & left.ne(right)).to_numpy(dtype=bool)
        parts.append(hits(table, bad, [code, decode],
                          f"codelists {bound[code].id} and {bound[decode].id}: the terms' NCI codes differ"))
    return concat(parts)
