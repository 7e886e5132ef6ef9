"""Validation of a define.xml against the official CDISC Define-XML 2.1 schema.

The schema files are not copied into this project: the ``odmlib`` package
ships them (``odmlib/schemas/define/2.1/define2-1-0.xsd`` with the ODM 1.3.2
schemas it imports), and a missing or unreadable schema is an error, never a
silent pass.
"""

from functools import cache
from pathlib import Path

from lxml import etree

from .tree import DEF, NS, ODM, element_path, parse

SCHEMA_PARTS = ("schemas", "define", "2.1", "define2-1-0.xsd")


class SchemaUnavailable(RuntimeError):
    """The Define-XML 2.1 schema could not be found or loaded."""


def schema_path():
    """Path of ``define2-1-0.xsd`` inside the installed ``odmlib`` package."""
    try:
        import odmlib
    except ImportError as exc:
        raise SchemaUnavailable("the Define-XML 2.1 schema comes with the package odmlib, "
                                f"which is not installed ({exc})") from None
    return Path(odmlib.__file__).resolve().parent.joinpath(*SCHEMA_PARTS)


@cache
def load_schema():
    """The compiled Define-XML 2.1 schema; ``SchemaUnavailable`` if it cannot be loaded."""
    path = schema_path()
    if not path.is_file():
        raise SchemaUnavailable(f"{path}: Define-XML 2.1 schema not found in the odmlib package")
    try:
        return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        raise SchemaUnavailable(f"{path}: cannot load the Define-XML 2.1 schema: {exc}") from None


def _message(text):
    return text.replace(f"{{{ODM}}}", "").replace(f"{{{DEF}}}", "def:")


def validate_schema(xml):
    """Problems of ``xml`` (bytes, path or parsed tree) against the schema, each
    as ``line N: /ODM/...element path: message``; an empty list when valid."""
    schema = load_schema()
    try:
        tree = parse(xml)
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: (document): not well-formed XML: {exc.msg}"]
    root = tree.getroot()
    if root.nsmap.get("def") not in (None, DEF) or root.tag != f"{{{ODM}}}ODM":
        found = root.nsmap.get("def") or root.tag
        return [f"line {root.sourceline}: {element_path(root)}: not a Define-XML 2.1 document "
                f"(expected ODM 1.3 with the def namespace {DEF}, found {found})"]
    if schema.validate(tree):
        return []
    problems = []
    for error in schema.error_log:
        try:
            found = tree.xpath(error.path, namespaces=NS) if error.path else []
        except etree.XPathError:
            found = []
        where = element_path(found[0]) if found and isinstance(found[0], etree._Element) else error.path
        problems.append(f"line {error.line}: {where}: {_message(error.message)}")
    return problems
