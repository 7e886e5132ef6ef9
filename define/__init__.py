"""Define-XML 2.1: the writer, its validation (CDISC schema and structural
checks) and the HTML view. Takes spec objects and DataFrames; reads and writes
no file format but the XML and HTML text it produces."""

from .html import render_html
from .schema import SchemaUnavailable, load_schema, validate_schema
from .structure import DatasetFile, DocumentFile, check_links, check_structure
from .writer import build_define

__all__ = ["DatasetFile", "DocumentFile", "SchemaUnavailable", "build_define", "check_links", "check_structure",
           "load_schema", "render_html", "validate_schema"]
