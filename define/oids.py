"""The OIDs of a define.xml, derived from spec ids and nothing else.

Same specs, same OIDs: ``IG.AE``, ``IT.AE.AETERM``, ``IT.LB.LBORRES.ALB`` (a
value-level item, keyed by its where-clause values), ``VL.LB.LBORRES``,
``WC.LB.LBTESTCD.EQ.ALB``, ``CL.AESEV``, ``MT.AESEQ``, ``COM.AE``, ``LF.AE``,
``STD.SDTMIG``. A spec id that already carries the prefix keeps it once.
Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``
so that every OID is also a valid XML ID (the ``def:leaf`` IDs must be).
"""

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(text):
    return _UNSAFE.sub("_", str(text))


def _prefixed(prefix, id_):
    id_ = _safe(id_)
    return id_ if id_.startswith(prefix + ".") else f"{prefix}.{id_}"


def itemgroup_oid(dataset):
    return f"IG.{_safe(dataset)}"


def item_oid(dataset, variable, where=None):
    """``IT.<DS>.<VAR>``, or for value-level metadata ``IT.<DS>.<VAR>.<where values>``."""
    base = f"IT.{_safe(dataset)}.{_safe(variable)}"
    return f"{base}.{where_key(where)}" if where else base


def where_key(conditions):
    """The where-clause values that name a value-level item, e.g. ``ALB`` or
    ``CHEMISTRY.ALB``; a comparator other than EQ/IN is kept (``NE.ALB``)."""
    parts = []
    for cond in conditions:
        values = ".".join(cond.values)
        parts.append(values if cond.comparator in ("EQ", "IN") else f"{cond.comparator}.{values}")
    return _safe(".".join(parts))


def valuelist_oid(dataset, variable):
    return f"VL.{_safe(dataset)}.{_safe(variable)}"


def whereclause_oid(dataset, conditions):
    """``WC.<DS>.<VAR>.<COMPARATOR>.<values>`` for each condition, joined by dots."""
    parts = [f"{cond.variable}.{cond.comparator}.{'.'.join(cond.values)}" for cond in conditions]
    return _safe(f"WC.{dataset}." + ".".join(parts))


# The prefix of each kind of spec id in its OID.
PREFIXES = {"codelist": "CL", "method": "MT", "comment": "COM", "document": "LF", "standard": "STD"}


def codelist_oid(id_):
    return _prefixed(PREFIXES["codelist"], id_)


def method_oid(id_):
    return _prefixed(PREFIXES["method"], id_)


def comment_oid(id_):
    return _prefixed(PREFIXES["comment"], id_)


def leaf_oid(name):
    """Leaf ID of a dataset's XPT (``LF.AE``) or of a document (``LF.ACRF``)."""
    return _prefixed(PREFIXES["document"], name)


def standard_oid(id_):
    return _prefixed(PREFIXES["standard"], id_)


REFERENCES = {"codelist": codelist_oid, "method": method_oid, "comment": comment_oid, "document": leaf_oid,
              "standard": standard_oid}


def spec_id(oid, kind):
    """The spec id an OID of ``kind`` stands for: without the prefix (standards keep
    theirs, which their ids carry), other characters than ``[A-Za-z0-9._-]`` as ``_``."""
    prefix = PREFIXES[kind] if kind != "standard" else None
    if prefix and oid.startswith(prefix + ".") and len(oid) > len(prefix) + 1:
        oid = oid[len(prefix) + 1:]
    return _safe(oid)
