"""Transport rules: what SAS XPORT v5 and the FDA allow in a file.

Names, labels and lengths are judged by ``specs.transport`` (the one place
the XPT v5 limits live); values by their bytes: at most 200, ASCII only, and
a character variable no longer than its longest value.
"""

from pathlib import Path

from specs import transport

from .finding import concat, dataset_hits, hits
from .rule import implements


@implements("CK0701")
def dataset_name(table, sub):
    """A dataset name that XPT v5 cannot hold."""
    problem = transport.name_problem(table.name)
    return dataset_hits([("", f"dataset={table.name}", problem)] if problem else [])


@implements("CK0702")
def variable_names(table, sub):
    """Variable names that XPT v5 cannot hold."""
    return dataset_hits(([n], "", p) for n in table.frame.columns if (p := transport.name_problem(n)))


@implements("CK0703")
def variable_labels(table, sub):
    """Variable labels longer than 40 characters or not ASCII."""
    return dataset_hits(([c.name], f"label={c.label}", p) for c in table.columns.values()
                        if (p := transport.label_problem(c.label)))


@implements("CK0704")
def variable_label_missing(table, sub):
    """Variables without a label."""
    return dataset_hits(([c.name], "label=", "") for c in table.columns.values() if not (c.label or "").strip())


@implements("CK0705")
def dataset_label_missing(table, sub):
    """A dataset without a label."""
    return dataset_hits([] if (table.label or "").strip() else [("", "label=", "")])


@implements("CK0706")
def dataset_label(table, sub):
    """A dataset label longer than 40 characters or not ASCII."""
    problem = transport.label_problem(table.label)
    return dataset_hits([("", f"label={table.label}", problem)] if problem else [])


@implements("CK0707")
def file_name(table, sub):
    """A file whose name is not the dataset name (ae.xpt holds AE)."""
    if table.path is None:
        return None
    stem = Path(table.path).stem
    why = f"the file of {table.name} is {table.name.lower()}{Path(table.path).suffix.lower()}"
    return dataset_hits([] if stem.upper() == table.name else [("", f"file={Path(table.path).name}", why)])


def _text_names(table):
    return [n for n in table.frame.columns if not table.numeric(n)]


@implements("CK0708")
def long_values(table, sub, limit):
    """Character values longer than ``limit`` bytes."""
    names = _text_names(table)
    return concat(hits(table, mask, [n]) for n, mask in
                  zip(names, table.per_values(names, lambda v: v.str.encode("utf-8").str.len() > limit)))


@implements("CK0709")
def non_ascii(table, sub):
    """Character values with characters outside ASCII."""
    names = _text_names(table)
    return concat(hits(table, mask, [n]) for n, mask in
                  zip(names, table.per_values(names, lambda v: ~v.map(str.isascii).astype(bool))))


@implements("CK0710")
def oversized_lengths(table, sub):
    """Character variables declared longer than their longest value (FDA: no padding)."""
    problems = []
    for name in _text_names(table):
        col = table.column(name)
        if col is None or col.length is None:
            continue
        needed = transport.text_length(table.distinct(name)[1])
        if col.length > needed:
            problems.append(([name], f"length={col.length}", f"the longest value needs {needed}"))
    return dataset_hits(problems)


@implements("CK0711")
def declared_lengths(table, sub):
    """Character variables declared longer than XPT v5 allows."""
    return dataset_hits(([c.name], f"length={c.length}", p) for c in table.columns.values()
                        if c.type == "char" and (p := transport.length_problem(c.length)))


@implements("CK0712")
def numeric_lengths(table, sub):
    """Numeric variables stored in fewer than 8 bytes (precision lost)."""
    return dataset_hits(([c.name], f"length={c.length}", "") for c in table.columns.values()
                        if c.type == "num" and c.length not in (None, 8))


@implements("CK0713")
def adam_name(table, sub):
    """An ADaM dataset whose name does not start with AD."""
    return dataset_hits([] if table.name.startswith("AD") else [("", f"dataset={table.name}", "")])

