"""YAML reading and writing with YAML 1.2 scalars.

PyYAML follows YAML 1.1, where ``NO``, ``Y``-like words and ``2021-03-04``
silently become booleans and dates; in specs full of codelist values and
ISO 8601 strings that corrupts data. Here only ``true``/``false`` are
booleans and dates stay strings. Nesting deeper than ``MAX_DEPTH`` and
integers longer than ``MAX_DIGITS`` digits are YAML errors (with their line),
not a crash of the parser.

Where PyYAML has libyaml, the C scanner and parser read the text (specs are
hundreds of kilobytes; the pure-Python scanner was most of loading a study)
while composing, with its depth bound, stays in Python.
"""

import re
from pathlib import Path

import yaml

from .errors import InputError


MAX_DEPTH = 100
MAX_DIGITS = 100


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _Base(yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's scanner and parser under PyYAML's composer and safe constructor."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:
    _Base = yaml.SafeLoader


class _Loader(_Base):
    """A safe loader with YAML 1.2 booleans, no implicit timestamps and bounds."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        if sum(c.isdigit() for c in node.value) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"integer of more than {MAX_DIGITS} digits", node.start_mark)
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class SpecDumper(yaml.SafeDumper):
    """SafeDumper writing multi-line text as literal blocks.

    SafeDumper resolves with YAML 1.1 rules, so it already quotes ``NO`` or
    ``2021-03-04``; the output therefore reads back the same here and in any
    other YAML reader.
    """


def _represent_str(dumper, value):
    style = "|" if "\n" in value and value == value.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


SpecDumper.add_representer(str, _represent_str)


def load_yaml(text):
    """Parse YAML text with YAML 1.2 booleans and string dates."""
    return yaml.load(text, Loader=_Loader)


def yaml_problem(exc):
    """A YAML error as one line: where (line and column, or character offset) and what."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        where = f"line {mark.line + 1}, column {mark.column + 1}: "
    elif isinstance(exc, yaml.reader.ReaderError):
        where = f"character {exc.position + 1}: "
    else:
        where = ""
    what = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    return where + "invalid YAML: " + " ".join(str(what).split())


def read_yaml_file(path):
    """A YAML file parsed, or an input error of one line naming the file and what is wrong
    (unreadable, not UTF-8, not YAML)."""
    path = Path(path)
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: {yaml_problem(exc)}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def dump_yaml(data):
    """Serialise plain data to YAML that reads back the same in any YAML reader."""
    return yaml.dump(data, Dumper=SpecDumper, sort_keys=False, allow_unicode=True, width=100)
