"""Rules: the catalogue (``rules.yaml``) and the registry of their functions.

A rule is data plus one vectorised function. The data - our id, the
equivalent Pinnacle 21 / FDA rule ids, the standard and versions, severity,
category, scope, parameters, message, the condition a record must meet and a
description - lives in ``rules.yaml``. A function is registered for one or
more rule ids with ``@implements(...)``; rules that differ only by their
parameters ("--STDTC not after --ENDTC", "RFSTDTC not after RFENDTC") share
one function.

A function is called as ``function(table, submission, **params)`` and returns
a hits frame (see ``finding.hits``), or None when the rule does not apply to
the table (a variable it needs is absent). Study-level rules get ``table=None``.
"""

from __future__ import annotations

import fnmatch
import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

SEVERITIES = ("Error", "Warning", "Notice")
CATEGORIES = ("Presence", "Format", "Terminology", "Consistency", "Limit", "Metadata", "Cross-reference")
LEVELS = ("dataset", "study", "run")
RULES_FILES = tuple(Path(__file__).with_name(name) for name in ("rules.yaml", "rules_sdtmig.yaml", "rules_adamig.yaml"))
RULE_MODULES = ("rules_generic", "rules_input", "rules_mapping", "rules_presence", "rules_format", "rules_terminology",
                "rules_consistency",
                "rules_crossref", "rules_adam", "rules_transport", "rules_define", "rules_standard")
_FIELDS = {"id", "kind", "p21_id", "fda_id", "standard", "versions", "severity", "category", "scope", "params",
           "message", "condition", "description"}
_SCOPE_KEYS = {"level", "model", "datasets", "domains", "exclude", "classes", "kinds"}
_REGISTRY = {}
_KINDS = {}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # libyaml when present: the catalogue is large


@dataclass(frozen=True)
class Scope:
    """Which datasets a rule looks at.

    ``level`` "dataset" (once per matching dataset), "study" (once, after the
    dataset rules) or "run" (once, after everything: reports what the run
    itself could not do). ``model`` SDTM or ADaM; ``datasets``/``exclude``
    dataset-name patterns (``SUPP*``); ``classes`` observation classes;
    ``kinds`` ADaM dataset kinds (ADSL, ADDL, BDS, TTE, OCCDS, OTHER); ``domains`` SDTM domain
    patterns, a dataset matching when its domain or (then) its class is listed.
    """
    level: str = "dataset"
    model: str | None = None
    datasets: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()   # domain patterns (split datasets by their domain); with
    #                                 classes: a dataset of either matches

    def matches(self, table, sub):
        """True when the rule looks at ``table`` of submission ``sub``."""
        name = table.name
        model = sub.model(table)
        if self.model and model != self.model:
            return False
        if self.datasets and not any(fnmatch.fnmatchcase(name, p) for p in self.datasets):
            return False
        if any(fnmatch.fnmatchcase(name, p) for p in self.exclude):
            return False
        if self.domains:
            domain = sub.domain(table)
            return (any(fnmatch.fnmatchcase(domain, p) for p in self.domains)
                    or (sub.domain_class(table) or "") in self.classes)
        if self.classes and (sub.domain_class(table) or "") not in self.classes:
            return False
        return not self.kinds or (model == "ADaM" and sub.adam_kind(table) in self.kinds)


@dataclass(frozen=True)
class Rule:
    """One conformance rule of the catalogue."""
    id: str
    severity: str
    category: str
    message: str                   # short text; {param} placeholders take the rule's parameters
    condition: str                 # what a record must satisfy, in words a reviewer reads
    description: str
    standard: str
    versions: tuple[str, ...] = ()
    p21_id: str | None = None
    fda_id: str | None = None
    scope: Scope = field(default_factory=Scope)
    params: dict = field(default_factory=dict)
    kind: str | None = None        # a generic kind (rules_generic.py) instead of a function of its own

    @property
    def function(self):
        return kind_function(self.kind) if self.kind else function(self.id)

    def words(self, template, params=None):
        """``template`` (a message or condition) with its placeholders filled from ``params``
        (default: the rule's own, so "--" names read generically); unknown ones stay as written."""
        given = {"source": "define.xml (or specs)", **(self.params if params is None else params)}
        values = {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in given.items()}
        return template.format_map(_Placeholders(values))

    def applies_to_version(self, version):
        """True when the rule holds for this version of its standard (None: unknown, so yes)."""
        return not self.versions or version is None or version in self.versions


class _Placeholders(dict):
    def __missing__(self, key):
        return "{" + key + "}"


class NotRun(Exception):
    """Raised by a rule function that cannot run for a reason the reports should give
    (e.g. no dictionary supplied)."""


def implements(*ids):
    """Register the decorated function for the given rule ids."""
    def register(func):
        for rule_id in ids:
            if rule_id in _REGISTRY:
                raise ValueError(f"rule {rule_id} has two functions: "
                                 f"{_REGISTRY[rule_id].__name__} and {func.__name__}")
            _REGISTRY[rule_id] = func
        return func
    return register


def kind(name):
    """Register the decorated function as the generic rule kind ``name``."""
    def register(func):
        _KINDS[name] = func
        return func
    return register


def kind_function(name):
    """The function of generic rule kind ``name``."""
    _load_functions()
    return _KINDS[name]


@cache
def _load_functions():
    for name in RULE_MODULES:
        importlib.import_module(f"{__package__}.{name}")


def function(rule_id):
    """The function registered for ``rule_id``."""
    _load_functions()
    return _REGISTRY[rule_id]


def registered_ids():
    """Every rule id that has a function."""
    _load_functions()
    return set(_REGISTRY)


def _rule(item, where):
    unknown = set(item) - _FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "severity", "category", "message", "condition", "description", "standard"):
        if not item.get(key):
            raise ValueError(f"{where}: missing {key}")
    if item["severity"] not in SEVERITIES:
        raise ValueError(f"{where}: severity {item['severity']!r} must be one of {', '.join(SEVERITIES)}")
    if item["category"] not in CATEGORIES:
        raise ValueError(f"{where}: category {item['category']!r} must be one of {', '.join(CATEGORIES)}")
    scope = dict(item.get("scope") or {})
    if set(scope) - _SCOPE_KEYS or scope.get("level", "dataset") not in LEVELS:
        raise ValueError(f"{where}: bad scope {scope}")
    scope = Scope(**{k: tuple(v) if isinstance(v, list) else v for k, v in scope.items()})
    if item.get("kind") and item["kind"] not in _KINDS:
        _load_functions()
        if item["kind"] not in _KINDS:
            raise ValueError(f"{where}: unknown kind {item['kind']!r}")
    return Rule(**{**item, "versions": tuple(str(v) for v in item.get("versions") or ()),
                   "scope": scope, "params": dict(item.get("params") or {})})


@cache
def catalogue(paths=RULES_FILES):
    """Every rule of the catalogue files, in file order (validated; ids unique)."""
    paths = (paths,) if isinstance(paths, (str, Path)) else paths
    rules, seen = [], set()
    for path in paths:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
        for i, item in enumerate(data):
            rule = _rule(item, f"{path}: [{i}] {item.get('id', '')}".rstrip())
            if rule.id in seen:
                raise ValueError(f"{path}: rule {rule.id} is defined twice")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)
