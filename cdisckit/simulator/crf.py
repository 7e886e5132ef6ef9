"""The CRF of the export: lays out each form as crf.yaml says and writes the data dictionary.

crf.yaml is the one place that names the forms and their columns, in the
order the export writes them; every form module hands its values to
``build_form``, and ``data_dictionary`` turns crf.yaml, completed with the
study id, the cut-off and the values drawn from the dictionaries, into the
content of forms.yaml.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .protocol import Protocol
from .timeline import Timeline


def form_spec(protocol: Protocol, name: str) -> dict:
    """The crf.yaml entry of one form."""
    for form in protocol.crf["forms"]:
        if form["name"] == name:
            return form
    raise KeyError(name)


def column_names(protocol: Protocol, name: str) -> list[str]:
    """The columns of a form in export order: key columns, then the form's own."""
    keys = [c["name"] for c in protocol.crf["key_columns"]]
    return keys + [c["name"] for c in form_spec(protocol, name)["columns"]]


def _positions(subject, folder, how):
    """RECORDPOSITION: 0, or 1.. within the subject, or 1.. within the subject's folder."""
    if how == "zero" or len(subject) == 0:
        return np.zeros(len(subject), dtype=np.int64)
    new = np.ones(len(subject), dtype=bool)
    new[1:] = subject[1:] != subject[:-1]
    if how == "folder":
        new[1:] |= folder[1:] != folder[:-1]
    starts = np.maximum.accumulate(np.where(new, np.arange(len(subject)), 0))
    return np.arange(len(subject)) - starts + 1


def _texts(numbers):
    """Whole numbers 0.. as text, each distinct one written once."""
    return np.array([str(k) for k in range(int(numbers.max(initial=0)) + 1)], dtype=object)[numbers]


def build_form(protocol: Protocol, timeline: Timeline, name: str, subject, values: dict,
               folder, foldername, sort=(), position="zero") -> pd.DataFrame:
    """One form as text columns in crf.yaml order, rows sorted by subject then ``sort`` keys.

    ``subject`` holds timeline indices, ``values`` the form's own columns,
    ``sort`` numeric arrays that order rows within a subject, ``position``
    how RECORDPOSITION counts: "zero", "subject" (log forms) or "folder".
    """
    subject = np.asarray(subject, dtype=np.int64)
    size = len(subject)
    order = np.lexsort(tuple(np.asarray(k) for k in reversed([subject, *sort])))
    folder = np.broadcast_to(np.asarray(folder, dtype=object), (size,))[order]
    foldername = np.broadcast_to(np.asarray(foldername, dtype=object), (size,))[order]
    subject = subject[order]
    sites = protocol.config["sites"]
    numbers = np.array([s["number"] for s in sites], dtype=object)
    names = np.array([s["name"] for s in sites], dtype=object)
    columns = {
        "STUDY": np.full(size, protocol.study, dtype=object),
        "SITENUMBER": numbers[timeline.site[subject]],
        "SITE": names[timeline.site[subject]],
        "SUBJECT": timeline.subject[subject],
        "FOLDER": folder,
        "FOLDERNAME": foldername,
        "RECORDPOSITION": _texts(_positions(subject, folder, position)),
    }
    for column, array in values.items():
        columns[column] = np.broadcast_to(np.asarray(array, dtype=object), (size,))[order]
    expected = column_names(protocol, name)
    if set(columns) != set(expected):
        raise ValueError(f"form {name}: columns {sorted(set(columns) ^ set(expected))} "
                         "differ from crf.yaml")
    return pd.DataFrame({c: columns[c] for c in expected}, dtype=str)


def _value_lists(protocol: Protocol) -> dict:
    """The allowed values crf.yaml takes from the site list and the dictionaries."""
    sites = protocol.config["sites"]
    terms = protocol.ae_dictionary["terms"]
    tests = protocol.lab_catalogue["tests"].values()

    def unique(items):
        return list(dict.fromkeys(items))

    return {
        "site_numbers": [s["number"] for s in sites],
        "site_names": [s["name"] for s in sites],
        "ae_terms": list(terms),
        "ae_socs": unique(t["soc"] for t in terms.values()),
        "lab_panels": unique(t["panel"] for t in tests),
        "lab_tests": [t["name"] for t in tests],
        "lab_units": unique(site[0] for t in tests for site in t["sites"].values()),
        "lab_names": list(protocol.lab_catalogue["lab_names"].values()),
    }


def _coding_columns(prefix: str) -> list[str]:
    """The coding columns of a form coded with the AE dictionary (``prefix`` AE or MH)."""
    return [f"{prefix}{level}{code}" for level in ("LLT", "PT", "HLT", "HLGT", "SOC") for code in ("", "CD")]


def _column_entry(column: dict, lists: dict) -> dict:
    entry = {k: v for k, v in column.items() if k != "values_from"}
    if "values_from" in column:
        entry["values"] = list(lists[column["values_from"]])
    return entry


def data_dictionary(protocol: Protocol, provenance: dict | None = None) -> dict:
    """The content of forms.yaml: study, cut-off, EDC style, every form and column, messiness."""
    crf, ae, cm = protocol.crf, protocol.ae_dictionary, protocol.cm_dictionary
    lists = _value_lists(protocol)
    keys = [_column_entry(c, lists) for c in crf["key_columns"]]
    forms = [{"name": f["name"], "file": f"{f['name']}.csv", "label": f["label"],
              "description": f["description"],
              "columns": keys + [_column_entry(c, lists) for c in f["columns"]]}
             for f in crf["forms"]]
    messiness = [{"kind": kind, "description": item["description"],
                  "where": [{"place": place, **rates} for place, rates in item["where"].items()]}
                 for kind, item in crf["messiness"].items()]
    dictionary = {"study": protocol.study, "title": protocol.config["title"],
                  "data_cutoff": protocol.config["data_cutoff"], "country": protocol.config["country"]}
    if provenance:
        dictionary["generated_by"] = dict(provenance)
    dictionary.update({"edc_style": crf["edc_style"],
                       "ae_dictionary": {"name": ae["name"], "version": ae["version"],
                                         "grading": "CTCAE v4.0",
                                         "coded": {form: _coding_columns(prefix) for form, prefix in
                                                   (("ae", "AE"), ("mh", "MH"))}},
                       "cm_dictionary": {"name": cm["name"], "version": cm["version"],
                                         "coded": {"conmed": ["CMDECOD", "CMDRGCD", "CMCLAS", "CMCLASCD",
                                                              "CMATCCD"]}},
                       "forms": forms, "messiness": messiness})
    return dictionary
