"""Presence rules: datasets, variables, records and values that must be there.

Which variables are Req or Exp comes from the specs or define.xml (a
variable's core), else from ``standard.yaml`` for the standard domains.
"""

from . import standard as std
from .finding import concat, dataset_hits, hits
from .rule import implements

_CORE_WORDS = {"Req": "required", "Exp": "expected"}


def core_names(table, sub, core):
    """(names, source): the variables of ``table`` whose core is ``core`` ("Req" or "Exp")
    and where that is written; ([], None) when nothing says. The specs or define.xml
    decide; without them (or, for Exp, when they do not tell Exp from Perm) the standard."""
    spec = sub.spec(table)
    # a define.xml only tells Req (Mandatory="Yes") from the rest: Exp then comes from the standard
    if spec is not None and (core == "Req" or any(v.core in ("Exp", "Perm") for v in spec.variables)):
        return [v.name for v in spec.variables if v.core == core], sub.metadata_name
    if sub.model(table) == "ADaM":
        if core != "Req":
            return [], None
        names = std.adam_required("all") + std.adam_required(sub.adam_kind(table))
        return list(dict.fromkeys(names)), "ADaMIG"
    prefix = sub.prefix(table)
    names = std.sdtm_core(sub.domain(table), sub.domain_class(table), _CORE_WORDS[core])
    names = [(prefix + n[2:]) if n.startswith("--") else n for n in names if prefix or not n.startswith("--")]
    return names, "SDTMIG"


@implements("CK0101", "CK0102", "CK0110")
def missing_variables(table, sub, core):
    """Variables of the given core absent from the dataset."""
    names, source = core_names(table, sub, core)
    if not names:
        return None
    return dataset_hits(([n], "", f"{n} is {_CORE_WORDS[core]} ({core}) in {source}")
                        for n in names if not table.has(n))


@implements("CK0103")
def null_required(table, sub):
    """Required variables with a missing value (not where a null flavor says why)."""
    names, source = core_names(table, sub, "Req")
    names = [n for n in names if table.has(n)]
    if not names:
        return None
    flavors = std.standard()["sdtm"]["null_flavors"]
    parts = []
    for n in names:
        missing = table.blank(n)
        flavor = flavors.get(n)
        if flavor and table.has(flavor):        # TSVAL null with TSVALNF filled is allowed
            missing = missing & table.blank(flavor)
        parts.append(hits(table, missing, [n], f"{n} is required (Req) in {source}"))
    return concat(parts)


@implements("CK0608")
def populated(table, sub, variables):
    """Variables that must have a value on every record."""
    if not table.has(*variables):
        return None
    return concat([hits(table, table.blank(n), [n]) for n in variables])


@implements("CK0104")
def no_records(table, sub):
    """A dataset without records (an empty dataset is not submitted)."""
    return dataset_hits([("", "records=0", "")] if table.rows == 0 else [])


@implements("CK0105", "CK0106", "CK0107")
def dataset_present(table, sub, dataset, model):
    """A dataset every submission of a model needs."""
    if not sub.model_tables(model):
        return None
    present = dataset in sub.tables or any(u.dataset == dataset for u in sub.unreadable)
    found = dataset_hits([] if present else [("", "", f"{model} datasets are present but {dataset} is not")])
    return found.in_datasets([dataset] * len(found))


@implements("CK0108", "CK0109")
def ts_parameters(table, sub, parameters):
    """Trial Summary parameters that must have a record."""
    if not table.has("TSPARMCD"):
        return None
    present = set(table.codes("TSPARMCD")[1])
    return dataset_hits((["TSPARMCD"], f"TSPARMCD={p}", "no TS record has this parameter")
                        for p in parameters if p not in present)
