"""Spec workbook layouts as data: which sheet and column holds each field of the spec model.

A layout is a YAML file (the built-in ones are ``workbook_layouts/*.yaml``;
checked against ``schema/workbook_layout.schema.json``)::

    layout: metacore                  # its name
    description: metacore's specification workbook
    extends: p21-2.1                  # optional: start from another layout's sheets and columns
    detect: [Domains, Variables]      # the sheets that tell a workbook is in this layout
    sheets: {Datasets: [Domains]}     # sheet kind -> the sheet's names (the first is the usual one)
    columns:                          # sheet kind -> field -> the column's headers
      Datasets: {name: [Domain Name], description: null}    # null: the base layout's column dropped
    values: {class: {BDS: BASIC DATA STRUCTURE}}            # field -> written value -> meant value
    attributes: {standard_name: ADaMIG, standard_version: "1.3"}   # study attributes the workbook lacks
    ignore: [Value_level_Metadata]    # sheets known but not imported (said in the notes)

Sheet kinds and fields are those of ``specs.workbook.SHEETS`` (plus the
``Attributes`` sheet of study attributes, whose names are those of
``specs.workbook.ATTRIBUTES``); a field unknown to a kind is an error naming
the layout file and the field. So a sponsor's own layout is a
small file, not code: ``cdisckit spec import FILE.xlsx --layout MAP.yaml``.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


from .errors import InputError
from .loader import format_path, schema_message, schema_validators
from .workbook import ATTRIBUTES as ATTRIBUTE_ROWS
from .workbook import SHEETS, normal
from .yamlio import read_yaml_file

FOLDER = Path(__file__).parent / "workbook_layouts"
# Built-in layouts in the order they are tried on a workbook.
BUILT_IN = ("p21-2.1", "odmlib-2.1", "p21-2.0", "metacore")
ATTRIBUTES = "Attributes"
# Fields a layout may name beyond the model's: filled into model fields by the importer.
EXTRA_FIELDS = {"Variables": ("codelist_or_format",), "ValueLevel": ("codelist_or_format",)}


@dataclass
class Layout:
    """One layout, its base layout already merged in."""
    name: str
    description: str
    detect: tuple = ()
    sheets: dict = field(default_factory=dict)      # kind -> (sheet names)
    columns: dict = field(default_factory=dict)     # kind -> {field: (headers)}
    values: dict = field(default_factory=dict)      # field -> {normal(written): meant}
    attributes: dict = field(default_factory=dict)  # study attribute -> value (the workbook's win)
    ignore: tuple = ()
    source: str = ""

    def headers(self, kind):
        """``{field: (headers)}`` of a sheet kind (empty when the layout has no such sheet)."""
        return self.columns.get(kind, {})

    def header(self, kind, name):
        """The first header of a field: the one written, and named in messages."""
        return self.headers(kind).get(name, (name,))[0]

    def value(self, name, text):
        """``text`` of field ``name`` as the model spells it."""
        return self.values.get(name, {}).get(normal(text), text) if text is not None else None


@cache
def built_in(name):
    """A built-in layout by name."""
    return read_layout(FOLDER / f"{name}.yaml")


def built_in_layouts():
    return [built_in(name) for name in BUILT_IN]


def read_layout(path):
    """A ``Layout`` from a YAML file; InputError naming the file and the key when it is not one."""
    path = Path(path)
    data = read_yaml_file(path)
    for error in schema_validators()["workbook_layout"].iter_errors(data):
        raise InputError(f"{path}: {format_path(list(error.absolute_path))}: {schema_message(error)}")
    if data.get("extends") and data["extends"] not in BUILT_IN:
        raise InputError(f"{path}: extends: {data['extends']!r} is not a built-in layout "
                         f"({', '.join(BUILT_IN)})")
    base = built_in(data["extends"]) if data.get("extends") else None
    sheets = dict(base.sheets) if base else {}
    sheets.update({kind: tuple(names) for kind, names in (data.get("sheets") or {}).items()})
    columns = {kind: dict(fields) for kind, fields in (base.columns if base else {}).items()}
    for kind, fields in (data.get("columns") or {}).items():
        merged = columns.setdefault(kind, {})
        for name, headers in fields.items():
            if headers is None:
                merged.pop(name, None)
            else:
                merged[name] = tuple(headers)
    for kind in [*sheets, *columns]:
        if kind != ATTRIBUTES and kind not in SHEETS:
            raise InputError(f"{path}: {kind!r} is not a sheet kind ({', '.join([ATTRIBUTES, *SHEETS])})")
    for kind, fields in columns.items():
        known = {c.field for c in SHEETS[kind]} | set(EXTRA_FIELDS.get(kind, ()))
        for name in fields:
            if name not in known:
                raise InputError(f"{path}: columns.{kind}.{name}: not a field of the {kind} sheet "
                                 f"({', '.join(sorted(known))})")
    for name in data.get("attributes") or {}:
        if name not in [row[0] for row in ATTRIBUTE_ROWS]:
            raise InputError(f"{path}: attributes.{name}: not a study attribute "
                             f"({', '.join(row[0] for row in ATTRIBUTE_ROWS)})")
    values = {name: {normal(k): v for k, v in spellings.items()}
              for name, spellings in (data.get("values") or {}).items()}
    return Layout(name=data["layout"], description=data["description"],
                  detect=tuple(data.get("detect") or (base.detect if base else ())),
                  sheets=sheets, columns=columns, values={**(base.values if base else {}), **values},
                  attributes={**(base.attributes if base else {}), **(data.get("attributes") or {})},
                  ignore=tuple(data.get("ignore") or (base.ignore if base else ())), source=str(path))
