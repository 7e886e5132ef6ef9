"""The Analysis Data Reviewer's Guide (ADRG), in the sections of the PHUSE
template, as blocks (``content``) for the PDF and the HTML page.

Generated from the ADaM specs and data: core and treatment variables,
populations with their counts and rules, imputation methods, the censoring
rules of every time-to-event parameter and the scoring of every
questionnaire scale (printed from the datasets' ``mapping``), data
dependencies, dataset and derivation descriptions, the ADaM conformance
summary and a program inventory that points at the specs. The sponsor's own
words come from ``reviewers_guide.yaml`` (``adrg``).
"""

from pathlib import Path

from sdtm.collection import condition_text

from .content import Grid, Heading, Question, Text
from .guides import conformance, dataset_rows, introduction, said
from .sdrg import screen_failures

TREATMENT = ("TRT01P", "TRT01A")


def adrg_blocks(study, frames, analysis, findings, text):
    """The ADRG of the ADaM ``analysis`` frames (SDTM ``frames`` for the
    subject counts), the conformance ``findings`` and the ``adrg`` guide text."""
    names = sorted(analysis)
    return [
        *introduction(study, text, "analysis", ("SDTM", "ADaM")),
        Heading("Source Data Used for Analysis Dataset Creation", 2), Text(said(text, "source_data")),
        Heading("Protocol Description"),
        Heading("Protocol Number and Title", 2),
        Text(f"Protocol number: {study.protocol}\nProtocol title: {study.title}"),
        Heading("Protocol Design in Relation to ADaM Concepts", 2), Text(said(text, "design")),
        *([Text(text["endpoints"])] if text.get("endpoints") else []),
        Heading("Analysis Considerations Related to Multiple Analysis Datasets"),
        Heading("Core Variables", 2), *core_variables(study, analysis),
        Heading("Treatment Variables", 2), *treatment(analysis, text),
        Heading("Analysis Populations", 2), *populations(study, analysis),
        Heading("Subject Issues that Require Special Analysis Rules", 2), Text(said(text, "special_rules")),
        Heading("Use of Visit Windowing, Unscheduled Visits, and Record Selection", 2),
        Text(said(text, "windowing")),
        Heading("Imputation/Derivation Methods", 2), *imputations(study, names),
        Heading("Time-to-Event Censoring Rules", 2), *censoring(study, names),
        Heading("Questionnaire Scoring", 2), *scoring(study, names),
        Heading("Analysis Data Creation and Processing Issues"),
        Heading("Split Datasets", 2), *splits(study, names),
        Heading("Data Dependencies", 2), *dependencies(study, names),
        Heading("Intermediate Datasets", 2), Text("No intermediate analysis datasets were created."),
        Heading("Analysis Dataset Descriptions"),
        Heading("Overview", 2), *overview(frames, analysis, text),
        Heading("Analysis Datasets", 2), *datasets(study, analysis, text),
        Heading("Data Conformance Summary"), *conformance(findings, "ADaM", text),
        Heading("Submission of Programs"),
        Heading("ADaM Programs", 2), *programs(study, names, text),
    ]


def core_variables(study, analysis):
    adsl = study.datasets.get("ADSL")
    if adsl is None or "ADSL" not in analysis:
        return [Text("There is no ADSL.")]
    others = [n for n in analysis if n != "ADSL"]
    core = [v for v in adsl.variables if all(v.name in analysis[n].columns for n in others)]
    return [Text("Variables of ADSL present in every analysis dataset:"),
            Grid(("Variable", "Label"), tuple((v.name, v.label) for v in core), (1, 4))]


def treatment(analysis, text):
    blocks = [Text(text["treatment"])] if text.get("treatment") else []
    adsl = analysis.get("ADSL")
    present = [c for c in TREATMENT if adsl is not None and c in adsl]
    if present:
        counts = adsl.groupby([adsl[c].astype(str) for c in present]).size()
        rows = tuple(tuple([k] if isinstance(k, str) else list(k)) + (str(n),) for k, n in counts.items())
        blocks += [Text("Subjects by treatment in ADSL (blank: not treated):"),
                   Grid(tuple(present) + ("Subjects",), rows)]
    return blocks


def populations(study, analysis):
    """ADSL population flags: label, subjects flagged Y and the rule of the specs."""
    adsl, spec = analysis.get("ADSL"), study.datasets.get("ADSL")
    if adsl is None or spec is None:
        return [Text("There is no ADSL.")]
    rows = []
    for var in spec.variables:
        if var.name.endswith("FL") and "Population" in var.label and var.name in adsl:
            method = study.methods.get(var.method)
            rows.append((var.name, var.label, str(int(adsl[var.name].astype(str).eq("Y").sum())),
                         method.description if method else ""))
    return [Grid(("Flag", "Population", "Subjects Y", "Rule"), tuple(rows), (1, 2, 1, 4))] if rows else \
        [Text("ADSL has no population flags.")]


def imputations(study, names):
    rows = []
    for name in names:
        for var in study.datasets[name].variables:
            method = study.methods.get(var.method)
            if method is not None and method.type == "Imputation":
                rows.append((f"{name}.{var.name}", method.name, method.description))
    return [Text("Imputation methods of the analysis variables (define.xml MethodDefs of type Imputation):"),
            Grid(("Variable", "Method", "Rule"), tuple(rows), (1.3, 1.7, 5))] if rows else \
        [Text("No imputation was performed.")]


def _builder(study, name):
    return (study.datasets[name].mapping or {}).get("builder")


def _describe(study, method_id):
    method = study.methods.get(method_id)
    return method.description if method else ""


def _where(source):
    """``DATASET.DATE where CONDITION`` of an event source of the specs."""
    where = source.get("filter")
    return f"{source.get('dataset')}.{source.get('date')}" + (f" where {condition_text(where)}" if where else "")


def censoring(study, names):
    """Each time-to-event parameter (a dataset whose mapping declares parameters
    with censoring rules): origin, events and censoring rules in order of precedence."""
    blocks = []
    for name in names:
        for param in (study.datasets[name].mapping or {}).get("parameters") or []:
            if "censoring" not in param:
                continue
            rows = [("0", event.get("evntdesc", ""), _where(event), _describe(study, event.get("method")))
                    for event in param.get("events") or []]
            rows += [(str(c.get("cnsr")), c.get("evntdesc", ""), c.get("cnsdtdsc", ""),
                      _describe(study, c.get("method"))) for c in param.get("censoring") or []]
            blocks += [Heading(f"{name} {param['paramcd']}", 3),
                       Text(f"Origin: ADSL.{param.get('start')}; unit {param.get('unit', '')}. "
                            + _describe(study, param.get("method"))),
                       Grid(("CNSR", "Event or censoring", "Date", "Rule"), tuple(rows), (0.6, 2.2, 2.4, 4))]
    return blocks or [Text("There is no time-to-event analysis dataset.")]


def scoring(study, names):
    """Each questionnaire scale (a dataset whose mapping declares scales): items, range and rule."""
    blocks = []
    for name in names:
        mapping = study.datasets[name].mapping or {}
        if not mapping.get("scales"):
            continue
        paramcd = study.datasets[name].variable("PARAMCD")
        codelist = study.codelists.get(paramcd.codelist) if paramcd is not None and paramcd.codelist else None
        decode = {t.value: t.decode or "" for t in codelist.terms} if codelist else {}
        rows = tuple((s["paramcd"], decode.get(s["paramcd"], ""), s.get("kind", ""), str(s.get("range", "")),
                      ", ".join(s.get("items") or []), _describe(study, s.get("method")))
                     for s in mapping["scales"])
        source = " ".join(filter(None, (
            f"Scales of the {mapping.get('source')} records",
            f"where {condition_text(mapping['filter'])}" if mapping.get("filter") else "",
            f"(items by {mapping['item_var']}" + (f", scores from {mapping['source_var']})" if mapping.get(
                "source_var") else ")") if mapping.get("item_var") else "")))
        blocks += [Heading(name, 3), Text(source + ":"),
                   Grid(("PARAMCD", "Scale", "Kind", "Range", "Items", "Rule"), rows, (1, 2, 1, 0.7, 2.5, 3.5))]
    return blocks or [Text("There is no questionnaire analysis dataset.")]


def splits(study, names):
    split = [n for n in names if study.datasets[n].domain and study.datasets[n].domain != n]
    return [Text("Split datasets: " + ", ".join(split))] if split else [Text("There are no split datasets.")]


def _sources(study, name):
    """The datasets ``name`` is derived from: its predecessors and its builder's sources."""
    ds = study.datasets[name]
    found = {v.origin.predecessor.split(".")[0] for v in ds.variables
             if v.origin and v.origin.predecessor and "." in v.origin.predecessor}
    mapping = ds.mapping or {}
    found |= {mapping["source"]} if isinstance(mapping.get("source"), str) else set()
    for param in mapping.get("parameters") or []:
        found |= {e.get("dataset") for e in param.get("events") or [] if e.get("dataset")}
        found |= {c.get("dataset") for c in param.get("censoring") or [] if c.get("dataset")}
    return sorted(found - {name})


def dependencies(study, names):
    rows = tuple((name, ", ".join(_sources(study, name))) for name in names)
    return [Grid(("Dataset", "Derived from"), rows, (1, 4))]


def overview(frames, analysis, text):
    adsl = analysis.get("ADSL")
    failed = screen_failures(frames)
    kept = adsl is not None and "USUBJID" in adsl and adsl["USUBJID"].isin(failed).any()
    return [
        Question("Are data for screen failures included in ADaM datasets?",
                 (f"Yes: ADSL keeps the {int(adsl['USUBJID'].isin(failed).sum())} screen failures, with no "
                  "treatment and population flags N; other analysis datasets hold treated subjects only.")
                 if kept else "No."),
        Question("Are data taken from an ongoing study?", said(text, "ongoing")),
    ]


def datasets(study, analysis, text):
    names = sorted(analysis)
    rows = tuple((n, label, cls, structure, records, subjects)
                 for n, label, cls, structure, records, subjects in dataset_rows(study, analysis, names))
    blocks = [Grid(("Dataset", "Label", "Class", "Structure", "Records", "Subjects"), rows, (1, 2.4, 2, 3, 1, 1))]
    by_dataset = text.get("datasets") or {}
    for name in names:
        ds = study.datasets[name]
        comment = study.comments.get(ds.comment)
        derived = tuple((v.name, v.label, study.methods[v.method].description)
                        for v in ds.variables if v.method in study.methods and v.origin and v.origin.type == "Derived")
        blocks += [Heading(f"{name} – {ds.label}", 3),
                   *([Text(comment.text)] if comment else []),
                   *([Text(by_dataset[name])] if name in by_dataset else []),
                   Text(f"Derived from {', '.join(_sources(study, name)) or 'the SDTM datasets'}."),
                   *([Grid(("Variable", "Label", "Derivation"), derived, (1, 2, 5))] if derived else [])]
    return blocks


def programs(study, names, text):
    root = Path(study.path or ".")
    rows = tuple((name, Path(study.datasets[name].path).relative_to(root).as_posix()
                  if study.datasets[name].path and Path(study.datasets[name].path).is_relative_to(root)
                  else str(study.datasets[name].path or ""),
                  _builder(study, name) or "") for name in names)
    return [Text(said(text, "programs", "The analysis datasets are produced by cdisckit from the specs below.")),
            Text(f"Specs folder: {root.name}/ (study.yaml, methods, comments, codelists and one file per dataset); "
                 "the builder named is the record builder of cdisckit's ADaM engine (adam/engine.py)."),
            Grid(("Dataset", "Spec file", "Builder"), rows, (1, 3, 2))]
