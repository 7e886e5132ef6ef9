"""Spec objects to plain data (as in the YAML files) and back.

The mapping is mechanical: a dataclass field is a YAML key of the same name
(``class_`` is ``class``), nested objects are listed in ``_NESTED``, and
fields derived from where a file lives (order, model, path) are not stored.
``to_data`` leaves out values equal to their default, so a written spec stays
as short as a hand-written one and reads back to an equal object.
"""

from dataclasses import MISSING, fields

from .model import (Codelist, Comment, Condition, Dataset, Document, Method, Origin,
                    Standard, Term, ValueLevel, Variable)

_NESTED = {
    Codelist: {"terms": Term},
    ValueLevel: {"where": Condition, "origin": Origin},
    Variable: {"origin": Origin},
    Dataset: {"variables": Variable, "value_level": ValueLevel},
}
_DERIVED = {"order", "model", "path"}


def _key(name):
    return name.rstrip("_")


def from_data(cls, data, **derived):
    """Build a ``cls`` object from schema-valid plain data."""
    nested = _NESTED.get(cls, {})
    kwargs = dict(derived)
    for f in fields(cls):
        key = _key(f.name)
        if f.name in _DERIVED or key not in data:
            continue
        value = data[key]
        if f.name in nested and value is not None:
            sub = nested[f.name]
            value = [from_data(sub, v) for v in value] if isinstance(value, list) else from_data(sub, value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _default(f):
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def to_data(obj):
    """Plain data of a spec object, omitting defaults and derived fields."""
    out = {}
    for f in fields(obj):
        if f.name in _DERIVED:
            continue
        value = getattr(obj, f.name)
        if value == _default(f):
            continue
        if isinstance(value, list):
            value = [to_data(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
        elif hasattr(value, "__dataclass_fields__"):
            value = to_data(value)
        out[_key(f.name)] = value
    return out


def study_data(study):
    """The content of study.yaml for a Study."""
    data = {"studyid": study.studyid, "title": study.title, "protocol": study.protocol}
    for name in ("sponsor", "ct_version"):
        if getattr(study, name) is not None:
            data[name] = getattr(study, name)
    data["standards"] = [to_data(s) for s in study.standards]
    if study.documents:
        data["documents"] = [to_data(d) for d in study.documents]
    if study.parameters:
        data["parameters"] = study.parameters
    return data


STUDY_FILES = {
    "codelists.yaml": ("codelists", Codelist),
    "methods.yaml": ("methods", Method),
    "comments.yaml": ("comments", Comment),
}
STUDY_LISTS = {"standards": Standard, "documents": Document}
