"""The CRF forms an annotated CRF shows: from a data dictionary or the raw forms.

A data dictionary is the ``forms.yaml`` a raw export carries (the simulator
writes one) or, for a study whose export has none, the ``forms.yaml`` kept in
the study's spec folder. Without either, the raw forms' own columns are the
fields (name only), so any study still gets a page per form.
"""

from dataclasses import dataclass, field
from pathlib import Path

from specs.errors import InputError
from specs.yamlio import load_yaml

from ..raw import read_dictionary, read_raw

DICTIONARY = "forms.yaml"


@dataclass(frozen=True)
class CrfField:
    """One question of a form: column name, question text, type and choices."""
    name: str
    label: str
    type: str = "text"
    values: tuple = ()
    units: str | None = None
    format: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class CrfForm:
    """One CRF form: its name (the raw file's stem, also the named destination),
    title, description and fields in CRF order."""
    name: str
    label: str
    description: str = ""
    fields: tuple = field(default_factory=tuple)


def forms_from_dictionary(data, source):
    """The forms of a parsed ``forms.yaml`` (``source`` names it in errors)."""
    if not isinstance(data, dict) or not isinstance(data.get("forms"), list):
        raise InputError(f"{source}: forms: a data dictionary needs a list of forms")
    forms = []
    for i, form in enumerate(data["forms"]):
        where = f"{source}: forms[{i}]"
        if not isinstance(form, dict) or not form.get("name") or not isinstance(form.get("columns", []), list):
            raise InputError(f"{where}: a form needs a name and a list of columns")
        fields = []
        for j, column in enumerate(form.get("columns", [])):
            if not isinstance(column, dict) or not column.get("name"):
                raise InputError(f"{where}.columns[{j}]: a column needs a name")
            fields.append(CrfField(
                name=str(column["name"]), label=str(column.get("label") or column["name"]),
                type=str(column.get("type") or "text"),
                values=tuple(str(v) for v in column.get("values") or ()),
                units=column.get("units"), format=column.get("format"), notes=column.get("notes")))
        forms.append(CrfForm(name=str(form["name"]).lower(), label=str(form.get("label") or form["name"]),
                             description=str(form.get("description") or ""), fields=tuple(fields)))
    return forms


def forms_from_raw(raw_forms):
    """Forms without a dictionary: every raw form with its columns as fields."""
    return [CrfForm(name=name, label=name, fields=tuple(CrfField(name=c, label=c) for c in frame.columns))
            for name, frame in sorted(raw_forms.items())]


def study_forms(study, dictionary=None, raw_forms=None):
    """The forms of the study's CRF: the raw export's dictionary (parsed
    ``forms.yaml``) if given, else the study's own ``forms.yaml``, else the
    raw forms' columns; None when there is nothing to describe."""
    if dictionary is not None:
        return forms_from_dictionary(dictionary, DICTIONARY)
    own = Path(study.path or "") / DICTIONARY
    if study.path and own.is_file():
        return forms_from_dictionary(load_yaml(own.read_text(encoding="utf-8")), own)
    if raw_forms:
        return forms_from_raw(raw_forms)
    return None


def export_forms(study, raw_dir):
    """The CRF forms of a raw export folder (see ``study_forms``); the forms'
    data are read only when there is no dictionary to describe them."""
    dictionary = read_dictionary(raw_dir)
    if dictionary is not None or (study.path and (Path(study.path) / DICTIONARY).is_file()):
        return study_forms(study, dictionary)
    return study_forms(study, None, read_raw(raw_dir)[0])
