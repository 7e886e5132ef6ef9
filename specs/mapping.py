"""The mapping language as data: the parameters of every SDTM algorithm and
ADaM derivation as JSON Schema, and the load-time check of a spec's mappings.

Each catalogue function (``sdtm.algorithms``, ``adam.derivations``,
``adam.engine.BUILDERS``) annotates its parameters with the types below;
``cdisckit.catalogue`` turns the signatures into ``schema/mapping.schema.json``
(a test keeps the file equal to the signatures), and ``check_mappings`` holds
every ``mapping`` of a spec against it when the study is loaded, so a
misspelled algorithm, an unknown parameter or a value of the wrong type is
reported as ``file: path: message`` before anything runs.
"""

import difflib
import json
from functools import cache
from pathlib import Path
from typing import Annotated

from .schemas import format_path, schema_message, validator

SCHEMA_FILE = Path(__file__).parent / "schema" / "mapping.schema.json"
SCHEMA_ID = "cdisckit:mapping"


def _ref(name):
    return {"$ref": f"{SCHEMA_ID}#/$defs/{name}"}


# Parameter types of the catalogues (JSON Schema in the annotation).
Name = Annotated[str, _ref("name")]                  # a variable, column or dataset name
Names = Annotated[list, _ref("names")]               # several of them, in order
Condition = Annotated[dict, _ref("condition")]       # a filter, see specs.conditions
Operand = Annotated[dict, _ref("operand")]           # SDTM: column, variable, text, parameter or algorithm
Text = Annotated[str, {"type": ["string", "number", "boolean"]}]
Number = Annotated[float, {"type": "number"}]
Flag = Annotated[bool, {"type": "boolean"}]
Mode = Annotated[str, {"enum": ["first", "last"]}]
Case = Annotated[str, {"enum": ["upper", "lower"]}]
Operands = Annotated[list, {"type": "array", "minItems": 1, "items": _ref("operand")}]
NameOrOperand = Annotated[object, {"anyOf": [_ref("name"), _ref("operand")]}]
Cases = Annotated[list, {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["when", "then"], "additionalProperties": False,
    "properties": {"when": _ref("condition"), "then": _ref("operand")}}}]
Table = Annotated[dict, {"type": "object"}]           # a mapping whose keys are data (decode tables, ...)


_SCALAR = {"type": ["string", "number", "boolean"]}
DEFS = {
    "name": {"type": "string", "minLength": 1},
    "names": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "condition": {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "properties": {
            "column": {"type": "string"}, "variable": {"type": "string"},
            "equals": _SCALAR, "in": {"type": "array", "items": _SCALAR}, "empty": {"type": "boolean"},
            "not_empty": {"type": "boolean"}, "matches": {"type": "string"},
            "all": {"type": "array", "items": _ref("condition")},
            "any": {"type": "array", "items": _ref("condition")},
            "not": _ref("condition")}},
    "operand": {
        "type": "object", "minProperties": 1,
        "anyOf": [{"required": [kind], "maxProperties": 1} for kind in ("column", "variable", "text", "parameter")]
        + [{"required": ["algorithm"]}]},
}


def enum(*values):
    """A parameter that takes one of ``values``."""
    return Annotated[str, {"enum": list(values)}]


def one_or_more(kind):
    """A parameter that takes one ``kind`` or a list of them."""
    schema = kind.__metadata__[0]
    return Annotated[object, {"anyOf": [schema, {"type": "array", "items": schema, "minItems": 1}]}]


@cache
def catalogue():
    """The schema file: ``$defs`` plus one schema per catalogue entry, by catalogue."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validators():
    validators = {kind: {name: validator(entry) for name, entry in spec["entries"].items()}
                  for kind, spec in catalogue()["catalogues"].items()}
    return dict(validators, sdtm_dataset=validator(_ref("sdtm_dataset")))


def check_mappings(file, ds, problems):
    """Every mapping of one dataset spec against the catalogue of its model."""
    validators = _validators()

    def check(how, path, kind):
        key = catalogue()["catalogues"][kind]["key"]
        if not isinstance(how, dict):
            problems.append(f"{file}: {path}: a mapping is {{{key}: NAME, ...parameters}}, not {how!r}")
            return
        name = how.get(key)
        entries = validators[kind]
        if name not in entries:
            what = f"unknown {key} {name!r}" if key in how else f"missing required key {key!r}"
            close = difflib.get_close_matches(str(name), entries, n=1) if key in how else []
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(entries))}"
            problems.append(f"{file}: {path}.{key}: {what} ({hint})")
            return
        errors = sorted(entries[name].iter_errors(how), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            inside = format_path(error.absolute_path)
            problems.append(f"{file}: {path}{'.' + inside if error.absolute_path else ''}: "
                            f"{schema_message(error)}")
        if not errors:
            nested(how, path, kind)

    def nested(value, path, kind):
        """Algorithms used as operands inside a mapping's parameters."""
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            inner = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            if isinstance(item, dict) and catalogue()["catalogues"][kind]["key"] in item:
                check(item, inner, kind)
            else:
                nested(item, inner, kind)

    kind = "sdtm" if ds.model == "SDTM" else "adam"
    mapping = ds.mapping or {}
    if kind == "adam" and ds.mapping is not None:
        check(mapping, "mapping", "adam_builders")
    if kind == "sdtm" and ds.mapping is not None:
        errors = list(_validators()["sdtm_dataset"].iter_errors(mapping))
        for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
            problems.append(f"{file}: {format_path(['mapping', *error.absolute_path])}: {schema_message(error)}")
        if errors:
            mapping = {}
        for i, source in enumerate(mapping.get("sources") or []):
            for name, how in ((source.get("set") or {}) if isinstance(source, dict) else {}).items():
                check(how, f"mapping.sources[{i}].set.{name}", kind)
        for qnam, how in ((mapping.get("supplemental") or {}).get("qualifiers") or {}).items():
            check(how, f"mapping.supplemental.qualifiers.{qnam}", kind)
    for i, var in enumerate(ds.variables):
        if var.mapping is not None:
            check(var.mapping, f"variables[{i}].mapping", kind)
