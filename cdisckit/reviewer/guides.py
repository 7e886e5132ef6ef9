"""What the cSDRG and the ADRG share: the sponsor's hand-written text, the
standards inventory, the dataset table and the conformance summary.

The hand-written text lives in the study's ``reviewers_guide.yaml`` (schema
``specs/schema/reviewers_guide.schema.json``); a section whose text is not
given says so instead of inventing it.
"""

import fnmatch
from pathlib import Path

import pandas as pd

from specs.errors import InputError
from specs.loader import read_spec_file

from .. import __version__
from .content import Grid, Heading, Question, Text

GUIDE_FILE = "reviewers_guide.yaml"
NOT_GIVEN = "(not given in reviewers_guide.yaml)"


def guide_text(study):
    """The hand-written guide text of ``study`` ({} when it has no reviewers_guide.yaml)."""
    path = Path(study.path or "") / GUIDE_FILE
    if not study.path or not path.is_file():
        return {}
    data = read_spec_file(path, "reviewers_guide") or {}
    for key in ("sdrg", "adrg"):
        if key in data and study.document(data[key]["document"]) is None:
            raise InputError(f"{path}: {key}.document: document {data[key]['document']!r} is not defined "
                             "in study.yaml documents")
    return data


def said(text, key, default=NOT_GIVEN):
    """The sponsor's text for ``key``, or ``default``."""
    return text.get(key) or default


def inventory(study, models):
    """Study data standards and dictionaries in use, as a table."""
    rows = [(s.name if s.type != "CT" else f"{s.publishing_set or ''} Controlled Terminology".strip(),
             s.version) for s in study.standards
            if s.type == "CT" or any(m.lower() in s.name.lower() for m in models)]
    rows.append(("Data Definitions", "Define-XML 2.1"))
    dictionaries = sorted({(c.dictionary, c.version or "") for c in study.codelists.values() if c.dictionary})
    rows += [(f"Dictionary: {name}", version or "version not given") for name, version in dictionaries]
    return Grid(("Standard or dictionary", "Versions used"), tuple(rows), (2, 1))


def introduction(study, text, kind, models):
    """Section 1 of both guides: purpose, acronyms, standards inventory."""
    return [Heading("Introduction"), Heading("Purpose", 2),
            Text(said(text, "purpose", f"This document provides context for the {kind} datasets and terminology "
                                       "that benefit from explanation beyond define.xml, and a summary of the "
                                       f"{models[-1]} conformance findings.")),
            Heading("Acronyms", 2), *acronyms(text),
            Heading("Study Data Standards and Dictionary Inventory", 2), inventory(study, models)]


def acronyms(text):
    items = text.get("acronyms") or []
    return [Grid(("Acronym", "Translation"), tuple((a["term"], a["meaning"]) for a in items), (1, 3))] \
        if items else [Text("No study-specific acronyms.")]


def subjects(frame):
    return int(frame["USUBJID"].nunique()) if "USUBJID" in frame else 0


def dataset_rows(study, frames, names):
    """Name, label, class, structure, records and subjects of datasets ``names``."""
    rows = []
    for name in names:
        ds, frame = study.datasets[name], frames[name]
        rows.append((name, ds.label, ds.class_ or "", ds.structure or "", str(len(frame)), str(subjects(frame))))
    return rows


def model_findings(findings, model):
    """The findings on datasets of ``model`` and on the submission as a whole."""
    models = dict(zip(findings.datasets["dataset"], findings.datasets["model"]))
    active = findings.active()
    return active[[models.get(d, "") in ("", model) for d in active["dataset"]]]


def conformance(findings, model, text):
    """The data conformance summary: inputs, every remaining finding with its
    explanation, and the rules that were not run and why."""
    blocks = [Heading("Conformance Inputs", 2),
              Question("Were validation checks performed to evaluate conformance?",
                       f"Yes: cdisckit {__version__}, {len(findings.rules)} rules of its catalogue "
                       f"(Pinnacle 21 and FDA rule ids given where they correspond). "
                       + said(text, "conformance_inputs", "")),
              Question("Were the datasets evaluated in relation to define.xml?",
                       "Yes." if findings.inputs.get("define") else "No define.xml was given to the checks."),
              Question("Was define.xml evaluated?",
                       "Yes: against the CDISC Define-XML 2.1 schema and the structural checks of cdisckit "
                       "(references, ItemRef order and lengths against the XPT files, codelist values, and "
                       "every link to a file or a named destination).")]
    found = model_findings(findings, model)
    blocks.append(Heading("Issues Summary", 2))
    if found.empty:
        blocks.append(Text(f"No {model} finding remains."))
    else:
        explanation = found["explanation"] if "explanation" in found else pd.Series("", index=found.index)
        grouped = (found.assign(explanation=explanation.fillna("").astype(str))
                   .groupby(["dataset", "rule", "severity", "message"], sort=True)
                   .agg(count=("rule", "size"), explanation=("explanation", lambda e: "; ".join(sorted(set(e) - {""}))))
                   .reset_index())
        rules = {r.id: r for r in findings.rules}
        rows = tuple((row.dataset or "(submission)", _rule_ids(rules.get(row.rule), row.rule), row.message,
                      row.severity, str(row.count), row.explanation or "No explanation recorded.")
                     for row in grouped.itertuples(index=False))
        blocks.append(Grid(("Dataset", "Rule", "Message", "Severity", "Count", "Explanation"), rows,
                           (1, 1.3, 3, 1, 0.7, 3.5)))
    blocks += [Heading("Rules Not Run", 2), *not_run(findings, model)]
    if text.get("additional_conformance"):
        blocks += [Heading("Additional Conformance Details", 2), Text(text["additional_conformance"])]
    return blocks


def _rule_ids(rule, rule_id):
    ids = [rule_id] + ([f"P21 {rule.p21_id}"] if rule and rule.p21_id else []) + \
        ([f"FDA {rule.fda_id}"] if rule and rule.fda_id else [])
    return "\n".join(ids)


def not_run(findings, model):
    """The rules of ``model`` (its IG, the transport and define rules) that no
    dataset was checked against, each with the reason."""
    ig = "SDTMIG" if model == "SDTM" else "ADaMIG"
    ran = set(findings.checks["rule"])
    data = findings.datasets[findings.datasets["readable"].astype(bool)]
    present = data[data["model"].eq(model)]
    # the checks' own reasons where the engine gives them (Findings.not_run), else the rule's scope
    given = getattr(findings, "not_run", None)
    given = dict(zip(given["rule"], given["reason"])) if given is not None else {}
    rows = []
    for rule in findings.rules:
        if rule.id in ran or not (ig in rule.standard or rule.standard in ("XPT", "Define-XML")):
            continue
        if rule.standard in ("XPT", "Define-XML") and model == "ADaM":
            continue   # reported once, in the cSDRG
        rows.append((rule.id, rule.words(rule.message), given.get(rule.id) or _reason(rule, present)))
    if not rows:
        return [Text("Every rule of the catalogue that applies to these data was run.")]
    return [Text(f"{len(rows)} rules of the catalogue were not run on these data:"),
            Grid(("Rule", "Message", "Why it was not run"), tuple(rows), (1, 3, 3))]


def _reason(rule, present):
    scope = rule.scope
    if scope.level == "run":
        return "It reports what a run could not do (an unreadable file, a rule that failed); nothing to report."
    names = list(present["dataset"])
    if scope.model and scope.model != (present["model"].iloc[0] if len(present) else scope.model):
        return f"It checks {scope.model} datasets only."
    if scope.datasets and not any(fnmatch.fnmatchcase(n, p) for n in names for p in scope.datasets):
        return f"No dataset {', '.join(scope.datasets)} in the submission."
    if scope.classes and not set(scope.classes) & set(present["class"]):
        return f"No dataset of class {', '.join(scope.classes)} in the submission."
    if rule.versions:
        return f"It applies to {rule.standard} {', '.join(rule.versions)} only, or the variables it reads are absent."
    return "The variables or datasets it reads are absent from the datasets in its scope."
