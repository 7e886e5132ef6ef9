"""The Define-style specification workbook: its sheets, fields and cell formats.

A workbook holds a study's metadata the way define-specification tools lay it
out: one sheet per kind of definition, one row per dataset, variable,
value-level entry, codelist term, method, comment or document. ``SHEETS``
names, per kind of sheet, the fields of the spec model a row may hold; which
sheet and which column holds each field is a layout's business, and layouts
are data (``specs.workbook_layout``, ``workbook_layouts/*.yaml``):

- ``p21-2.1``: the Pinnacle 21 template for Define-XML 2.1 (a Define sheet with
  the standard's name and version; where-clauses written inline in ValueLevel
  rows; Label, SubClass, Standard and Has No Data columns; Analysis Displays
  and Analysis Results sheets). ``export`` writes this layout, adding a Mapping
  sheet for the engines' instructions, a standards table under the Define
  attributes, and a few columns for what the template has no place for (Core,
  the origin's Document, a codelist's Extensible flag, term Rank and Collected
  values, a dataset's Domain and Description);
- ``p21-2.0``: the Pinnacle 21 template for Define-XML 2.0 (a Study sheet, a
  WhereClauses sheet that ValueLevel rows refer to by ID, Description for the
  label, origins such as ``CRF`` and ``eDT``);
- ``odmlib-2.1``: odmlib's Define-XML 2.1 workbook (Study and Standards
  sheets, OID columns, Origin Type and Origin Source);
- ``metacore``: the pharmaverse metacore package's specification workbook
  (Domains, Variables, Value_level_Metadata, Controlled_Terms, Computational_Method).
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .yamlio import SpecDumper, load_yaml

OURS = "p21-2.1"


@dataclass(frozen=True)
class Column:
    """A field of a sheet kind; ``exported``: ``export`` writes a column for it."""
    field: str                     # dotted for nested fields, e.g. origin.type
    required: bool = False
    exported: bool = True


def _origin_columns():
    return (Column("codelist"), Column("origin.type"), Column("origin.source"), Column("origin.pages"),
            Column("origin.document"), Column("method"), Column("origin.predecessor"))


def _item_columns():
    return (Column("data_type"), Column("length"), Column("significant_digits"),
            Column("display_format"), Column("mandatory"))


SHEETS = {
    "Datasets": (
        Column("name", required=True),
        Column("label", required=True),
        Column("class"),
        Column("subclass"),
        Column("structure"),
        Column("keys"),
        Column("standard"),
        Column("has_no_data"),
        Column("repeating"),
        Column("reference_data"),
        Column("comment"),
        Column("domain"),
        Column("description"),
        Column("purpose", exported=False),
    ),
    "Variables": (
        Column("order"),
        Column("dataset", required=True),
        Column("name", required=True),
        Column("label", required=True),
        *_item_columns(),
        Column("core"),
        *_origin_columns(),
        Column("role"),
        Column("comment"),
        Column("key_sequence", exported=False),
    ),
    "ValueLevel": (
        Column("order"),
        Column("dataset", required=True),
        Column("variable", required=True),
        Column("where", required=True),
        Column("label"),
        *_item_columns(),
        *_origin_columns(),
        Column("comment"),
        Column("value_list", exported=False),
    ),
    "WhereClauses": (
        Column("id", required=True, exported=False),
        Column("dataset", exported=False),
        Column("variable", required=True, exported=False),
        Column("comparator", required=True, exported=False),
        Column("value", exported=False),
    ),
    "Codelists": (
        Column("id", required=True),
        Column("name", required=True),
        Column("nci_code"),
        Column("data_type"),
        Column("standard"),
        Column("comment"),
        Column("order"),
        Column("value", required=True),
        Column("term_nci_code"),
        Column("decode"),
        Column("extensible"),
        Column("rank"),
        Column("collected"),
    ),
    "Dictionaries": (
        Column("id", required=True),
        Column("name", required=True),
        Column("data_type"),
        Column("dictionary", required=True),
        Column("version"),
        Column("comment"),
    ),
    "Methods": (
        Column("id", required=True),
        Column("name", required=True),
        Column("type"),
        Column("description", required=True),
        Column("context"),
        Column("expression"),
        Column("document"),
        Column("pages"),
    ),
    "Comments": (
        Column("id", required=True),
        Column("text", required=True),
        Column("document"),
        Column("pages"),
    ),
    "Documents": (
        Column("id", required=True),
        Column("title", required=True),
        Column("href", required=True),
    ),
    # The standards table: under the Define attributes in ours, a sheet in odmlib's.
    "Standards": (
        Column("id", required=True),
        Column("name", required=True),
        Column("type"),
        Column("publishing_set"),
        Column("version", required=True),
        Column("status"),
    ),
    # Analysis results metadata is not part of the spec model: written empty, not read.
    "Analysis Displays": tuple(Column(f) for f in ("id", "title", "document", "pages")),
    "Analysis Results": tuple(Column(h.lower()) for h in (
        "Display", "ID", "Description", "Variables", "Reason", "Purpose", "Selection Criteria",
        "Join Comment", "Documentation", "Documentation Refs", "Programming Context",
        "Programming Code", "Programming Document", "Pages")),
    # Ours: the engines' instructions. Dataset and Variable empty: study parameters;
    # Variable empty: the dataset's mapping; both: the variable's.
    "Mapping": (
        Column("dataset"),
        Column("variable"),
        Column("key", required=True),
        Column("value"),
    ),
}

# The attribute rows of the Define (or Study) sheet: field, attribute name, aliases.
ATTRIBUTES = (
    ("studyid", "StudyName", ()),
    ("title", "StudyDescription", ()),
    ("protocol", "ProtocolName", ()),
    ("standard_name", "StandardName", ()),
    ("standard_version", "StandardVersion", ()),
    ("language", "Language", ()),
    ("sponsor", "Sponsor", ()),
    ("ct_version", "CT Version", ()),
    ("acrf", "Annotated CRF", ("AnnotatedCRF",)),
)
# Columns some layouts have that the specs derive (OIDs) or do not keep: skipped quietly.
DERIVED_HEADERS = ("OID", "ItemOID", "Valuelist", "IsNonStandard")
# Sheets written by ``export``, in order; the attribute sheet comes first.
EXPORT_SHEETS = ("Define", "Datasets", "Variables", "ValueLevel", "Codelists", "Dictionaries",
                 "Methods", "Comments", "Documents", "Analysis Displays", "Analysis Results",
                 "Mapping")
REQUIRED_SHEETS = ("Datasets", "Variables")
# Dataset classes of ADaM: such datasets (or those of an ADaMIG standard) go to adam/.
ADAM_CLASSES = ("SUBJECT LEVEL ANALYSIS DATASET", "BASIC DATA STRUCTURE", "OCCURRENCE DATA STRUCTURE",
                "ADAM OTHER", "INTEGRATED SUBJECT LEVEL", "INTEGRATED BASIC DATA STRUCTURE",
                "INTEGRATED OCCURRENCE DATA STRUCTURE")
COMPARATORS = ("EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN")
YES, NO = "Yes", "No"


def normal(text):
    """A header or sheet name as compared: lower case, no spaces or underscores."""
    return re.sub(r"[\s_]+", "", str(text)).lower()


# Enumerations of the spec files' JSON Schemas, by where they sit there.
_ENUMS = {
    "data_type": ("common", "$defs", "data_type"),
    "origin.type": ("common", "$defs", "origin", "properties", "type"),
    "origin.source": ("common", "$defs", "origin", "properties", "source"),
    "comparator": ("common", "$defs", "condition", "properties", "comparator"),
    "core": ("dataset", "properties", "variables", "items", "properties", "core"),
    "method_type": ("methods", "items", "properties", "type"),
    "codelist_data_type": ("codelists", "items", "properties", "data_type"),
    "standard_type": ("study", "properties", "standards", "items", "properties", "type"),
    "publishing_set": ("study", "properties", "standards", "items", "properties", "publishing_set"),
}


@cache
def schema_enum(name):
    """The values the JSON Schema allows for ``name`` (a key of ``_ENUMS``)."""
    schema, *keys = _ENUMS[name]
    node = json.loads((Path(__file__).parent / "schema" / f"{schema}.schema.json").read_text("utf-8"))
    for key in keys:
        node = node[key]
    return tuple(node["enum"])


def canonical(name, text):
    """``text`` spelled as the schema's value for ``name`` when it matches in any case."""
    return next((v for v in schema_enum(name) if v.lower() == text.lower()), text)


# --- cell formats, shared by export and import -------------------------------------------

def yes_no(flag):
    return YES if flag else NO


def format_pages(pages):
    """Pages as one cell: ``3 12 14-16``."""
    return " ".join(str(p) for p in pages) or None


def parse_pages(text):
    """``3, 12 14-16`` as ``[3, 12, "14-16"]``: numbers as integers, others as text."""
    return [int(p) if p.isdigit() else p for p in re.split(r"[,;\s]+", text.strip()) if p]


def format_list(values, sep=", "):
    return sep.join(values) or None


def _quote(value):
    return '"' + value.replace('"', '""') + '"'


def format_where(conditions):
    """Conditions as P21 writes them inline: ``LBCAT EQ "CHEMISTRY" and LBTESTCD IN ("ALB", "ALP")``."""
    parts = []
    for cond in conditions:
        if cond.comparator in ("IN", "NOTIN"):
            values = "(" + ", ".join(_quote(v) for v in cond.values) + ")"
        else:
            values = _quote(cond.values[0]) if len(cond.values) == 1 else \
                "(" + ", ".join(_quote(v) for v in cond.values) + ")"
        parts.append(f"{cond.variable} {cond.comparator} {values}")
    return " and ".join(parts)


_HEAD = re.compile(r"\s*(?:(?P<dataset>[A-Za-z]\w*)\.)?(?P<variable>[A-Za-z]\w*)\s+"
                   r"(?P<comparator>NOT\s*IN|EQ|NE|LT|LE|GT|GE|IN)\s*", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def _quoted(text, pos):
    """The quoted value starting at ``text[pos]`` and the position after it."""
    quote, value, pos = text[pos], "", pos + 1
    while True:
        end = text.find(quote, pos)
        if end < 0:
            raise ValueError(f"a value opened with {quote} is not closed")
        value += text[pos:end]
        if text[end + 1:end + 2] == quote:          # a doubled quote stands for itself
            value, pos = value + quote, end + 2
            continue
        return value, end + 1


def parse_where(text):
    """``[(dataset or None, variable, comparator, [values])]`` from an inline where-clause;
    ``ValueError`` saying what is wrong."""
    conditions, pos = [], 0
    while True:
        head = _HEAD.match(text, pos)
        if not head:
            raise ValueError(f"expected VARIABLE COMPARATOR VALUE at {text[pos:].strip()[:30]!r} "
                             f"(comparators: {', '.join(COMPARATORS)})")
        pos = head.end()
        values = []
        if text[pos:pos + 1] == "(":
            pos += 1
            while True:
                pos = len(text) - len(text[pos:].lstrip())
                if text[pos:pos + 1] in ('"', "'"):
                    value, pos = _quoted(text, pos)
                else:
                    end = min((i for i in (text.find(",", pos), text.find(")", pos)) if i >= 0),
                              default=-1)
                    if end < 0:
                        raise ValueError("a list opened with ( is not closed")
                    value, pos = text[pos:end].strip(), end
                values.append(value)
                pos = len(text) - len(text[pos:].lstrip())
                if text[pos:pos + 1] == ",":
                    pos += 1
                elif text[pos:pos + 1] == ")":
                    pos += 1
                    break
                else:
                    raise ValueError("expected , or ) in a list of values")
        elif text[pos:pos + 1] in ('"', "'"):
            value, pos = _quoted(text, pos)
            values.append(value)
        else:
            end = len(text)
            for sep in _AND.finditer(text, pos):
                if _HEAD.match(text, sep.end()):
                    end = sep.start()
                    break
            values.append(text[pos:end].strip())
            pos = end
        comparator = re.sub(r"\s+", "", head["comparator"]).upper()
        conditions.append((head["dataset"], head["variable"], comparator, values))
        rest = text[pos:]
        if not rest.strip():
            return conditions
        sep = _AND.match(" " + rest)
        if not sep:
            raise ValueError(f"expected 'and' before {rest.strip()[:30]!r}")
        pos += sep.end() - 1


def format_collected(values):
    """Raw values of a term as one cell: ``Mild; Light``, or a YAML list when a
    value holds ``;`` or spaces at its ends."""
    if not values:
        return None
    plain = all(v and v == v.strip() and ";" not in v for v in values) and not values[0].startswith("[")
    return "; ".join(values) if plain else format_value(list(values))


def parse_collected(text):
    """The raw values of a Collected cell (see ``format_collected``)."""
    if not text:
        return []
    if text.startswith("["):
        values = parse_value(text)
        if isinstance(values, list):
            return [str(v) for v in values]
    return [v.strip() for v in text.split(";") if v.strip()]


def format_value(value):
    """A mapping key or value as one cell: plain text when it reads back as the
    same text, else YAML in flow style (numbers, lists, ``'007'``, ``''``)."""
    if value is None:
        return None
    if isinstance(value, str) and value == value.strip() and _reads_as(value) == value:
        return value
    text = yaml.dump(value, Dumper=SpecDumper, default_flow_style=True, width=10**9,
                     allow_unicode=True, sort_keys=False)
    return text.removesuffix("...\n").strip()


def _reads_as(text):
    try:
        return load_yaml(text)
    except yaml.YAMLError:
        return None


def parse_value(cell):
    """The value of a Mapping cell: YAML 1.2 (text stays text, ``'007'`` too),
    numbers as typed; text that is not YAML is taken as it is."""
    if not isinstance(cell, str):
        return cell
    try:
        return load_yaml(cell)
    except yaml.YAMLError:
        return cell


def standard_label(standard):
    """How a workbook names a standard: ``SDTMIG 3.4``, ``CDISC/NCI SDTM 2025-03-28``."""
    parts = [standard.name]
    if standard.type == "CT" and standard.publishing_set:
        parts.append(standard.publishing_set)
    return " ".join(part for part in parts + [standard.version] if part)   # an imported one may lack some
