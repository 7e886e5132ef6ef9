"""Define-vs-data rules: the data must be what the define.xml (or the specs) describe.

Every dataset and variable in the data is described there and every
described one is in the data; types, lengths, labels, order and display
formats agree. The reference is the define.xml when one is given, else the
study's specs (which the define.xml is written from). Codelist agreement is
the terminology rules' business (they read the same metadata).
"""

import pandas as pd

from .finding import dataset_hits
from .rule import NotRun, implements


def _reference(table, sub):
    """The reference's spec of ``table``; NotRun when there is no define.xml or specs."""
    if sub.reference is None:
        raise NotRun("no define.xml or specs to compare with")
    return sub.spec(table, sub.reference)


@implements("CK0801")
def dataset_described(table, sub):
    """A dataset that the reference does not describe."""
    return dataset_hits([] if _reference(table, sub) is not None else [("", f"dataset={table.name}", "")])


@implements("CK0802")
def dataset_delivered(table, sub):
    """Datasets described in the reference (for the models present) that the data lacks."""
    if sub.reference is None:
        raise NotRun("no define.xml or specs to compare with")
    models = {sub.model(t) for t in sub.tables.values()}
    present = set(sub.tables) | {u.dataset for u in sub.unreadable}
    missing = [d.name for d in sub.reference.datasets.values()
               if (d.model == "ADaM" and "ADaM" in models or d.model != "ADaM" and "SDTM" in models)
               and not d.has_no_data and d.name not in present]
    found = dataset_hits(("", f"file={d.lower()}.xpt", "") for d in sorted(missing))
    found["dataset"] = pd.Series(sorted(missing), dtype="str")
    return found


@implements("CK0803")
def variables_described(table, sub):
    """Variables of the data that the reference does not describe."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    return dataset_hits(([n], "", "") for n in table.frame.columns if spec.variable(n) is None)


@implements("CK0804")
def variables_delivered(table, sub):
    """Variables the reference describes that the data lacks."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    return dataset_hits(([v.name], "", "") for v in spec.variables if not table.has(v.name))


def _pairs(table, sub):
    spec = _reference(table, sub)
    if spec is None:
        return None
    return [(v, table.column(v.name)) for v in spec.variables if table.column(v.name) is not None]


@implements("CK0805")
def types_agree(table, sub):
    """Variables stored as number where the reference says text, or the reverse."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"type={c.type}", f"{sub.reference_name} says {v.data_type}")
                        for v, c in pairs if (c.type == "num") != v.numeric)


@implements("CK0806")
def lengths_agree(table, sub):
    """Character variables whose length differs from the reference's."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"length={c.length}", f"{sub.reference_name} says {v.length}")
                        for v, c in pairs if c.type == "char" and not v.numeric and v.length is not None
                        and c.length != v.length)


@implements("CK0807")
def labels_agree(table, sub):
    """Variable labels that differ from the reference's."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"label={c.label or ''}", f"{sub.reference_name} says {v.label}")
                        for v, c in pairs if (c.label or "").strip() != (v.label or "").strip())


@implements("CK0808")
def dataset_label_agrees(table, sub):
    """A dataset label that differs from the reference's."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    same = (table.label or "").strip() == (spec.label or "").strip()
    why = f"{sub.reference_name} says {spec.label}"
    return dataset_hits([] if same else [("", f"label={table.label or ''}", why)])


@implements("CK0809")
def order_agrees(table, sub):
    """Variables in another order than the reference's (first one out of place)."""
    spec = _reference(table, sub)
    if spec is None:
        return None
    data = [n for n in table.frame.columns if spec.variable(n) is not None]
    wanted = [v.name for v in spec.variables if table.has(v.name)]
    first = next(((d, w) for d, w in zip(data, wanted) if d != w), None)
    return dataset_hits([] if first is None else
                        [([first[0]], f"position={data.index(first[0]) + 1}",
                          f"{sub.reference_name} puts {first[1]} there")])


def _format(text):
    return (text or "").upper().rstrip(".")


@implements("CK0810")
def formats_agree(table, sub):
    """Display formats that differ from the reference's (where it gives one)."""
    pairs = _pairs(table, sub)
    if pairs is None:
        return None
    return dataset_hits(([v.name], f"format={c.format or ''}", f"{sub.reference_name} says {v.display_format}")
                        for v, c in pairs if v.display_format and _format(c.format) != _format(v.display_format))
