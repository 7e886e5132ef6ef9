"""The JSON Schemas of the spec files (``specs/schema/``): validators that
resolve references between the files, and each error as a one-line message
with its path inside the file."""

import difflib
import json
from functools import cache
from pathlib import Path

import jsonschema
import referencing

SCHEMA_DIR = Path(__file__).parent / "schema"


@cache
def _schemas():
    return {file.name.removesuffix(".schema.json"): json.loads(file.read_text(encoding="utf-8"))
            for file in sorted(SCHEMA_DIR.glob("*.schema.json"))}


@cache
def schema_registry():
    """Every schema of the folder, by its ``$id``, for references between them."""
    return referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in _schemas().values())


def validator(schema):
    """A validator of ``schema`` (a dict) that resolves references to the schema files."""
    return jsonschema.Draft202012Validator(schema, registry=schema_registry())


@cache
def schema_validators():
    """A validator per schema file, by file stem (``dataset``, ``study``, ...)."""
    return {name: validator(schema) for name, schema in _schemas().items()}


def format_path(parts):
    """``('variables', 3, 'length')`` as ``variables[3].length``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def schema_message(error):
    v, value = error.validator, error.validator_value
    if v == "required":
        missing = [k for k in value if k not in error.instance]
        return f"missing required key {missing[0]!r}" if missing else error.message
    if v == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(set(error.instance) - set(known))
        if not extra:
            return error.message
        close = difflib.get_close_matches(extra[0], known, n=1)
        return f"unknown key {extra[0]!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if v == "enum":
        return f"{error.instance!r} must be one of {', '.join(map(str, value))}"
    if v == "type":
        return f"{error.instance!r} must be of type {value if isinstance(value, str) else ' or '.join(value)}"
    if v == "maximum":
        return f"must be <= {value}"
    if v == "minimum":
        return f"must be >= {value}"
    if v == "minItems":
        return f"must have at least {value} item(s)"
    if v == "pattern":
        return f"{error.instance!r} does not match the pattern {value}"
    if v in ("maxLength", "minLength"):
        return f"{error.instance!r} must be {'at most' if v == 'maxLength' else 'at least'} {value} characters"
    return error.message
