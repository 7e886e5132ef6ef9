"""YAML reading and writing with YAML 1.2 scalars.

PyYAML follows YAML 1.1, where ``NO``, ``Y``-like words and ``2021-03-04``
silently become booleans and dates; in specs full of codelist values and
ISO 8601 strings that corrupts data. Here only ``true``/``false`` are
booleans and dates stay strings.
"""

import re

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


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


def dump_yaml(data):
    """Serialise plain data to YAML that reads back the same in any YAML reader."""
    return yaml.dump(data, Dumper=SpecDumper, sort_keys=False, allow_unicode=True, width=100)
