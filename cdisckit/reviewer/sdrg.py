"""The Clinical Study Data Reviewer's Guide (cSDRG), in the sections of the
PHUSE template, as blocks (``content``) for the PDF and the HTML page.

Generated: the standards inventory, the protocol's design from the trial
design datasets (TS, TA, TE, TV, TI), the subject data description (datasets,
records, screen failures, datasets planned but not submitted, splits, SUPP--
qualifiers), the aCRF summary and the conformance summary. The sponsor's own
words come from ``reviewers_guide.yaml`` (``sdrg``).
"""

from .content import Grid, Heading, Question, Text
from .guides import NOT_GIVEN, conformance, dataset_rows, introduction, said

TRIAL_DESIGN = ("TA", "TE", "TV", "TI", "TS", "TD", "TM")
DESIGN_PARAMETERS = ("TPHASE", "STYPE", "INTMODEL", "TBLIND", "RANDOM", "NARMS", "PLANSUB", "TRT", "DOSE", "DOSU",
                     "DOSFRQ", "ROUTE", "DOSRGM", "LENGTH", "DCUTDTC", "OBJPRIM", "OBJSEC")


def sdrg_blocks(study, frames, findings, text, *, forms=(), fields=None, analysis=False):
    """The cSDRG of the SDTM ``frames`` (submitted datasets by name) and the
    conformance ``findings``; ``text`` is the ``sdrg`` part of the guide text,
    ``forms``/``fields`` the aCRF's forms and field annotations, ``analysis``
    whether ADaM datasets were derived from these SDTM datasets."""
    return [
        *introduction(study, text, "tabulation", ("SDTM",)),
        Heading("Protocol Description"),
        Heading("Protocol Number and Title", 2),
        Text(f"Protocol number: {study.protocol}\nProtocol title: {study.title}"),
        Question("Protocol versions", "\n".join(text.get("protocol_versions") or [NOT_GIVEN])),
        Heading("Protocol Design", 2), Text(said(text, "design")), *design(frames),
        Heading("Trial Design Datasets", 2), *trial_design(study, frames, text),
        Heading("Subject Data Description"),
        Heading("Overview", 2), *overview(study, frames, text, analysis),
        Heading("Annotated CRFs", 2), *acrf_summary(study, forms, fields, text),
        Heading("SDTM Subject Domains", 2), *subject_domains(study, frames, text),
        Heading("Data Conformance Summary"), *conformance(findings, "SDTM", text),
        *criteria(frames),
    ]


def _ts(frames):
    ts = frames.get("TS")
    if ts is None or not {"TSPARMCD", "TSVAL"} <= set(ts.columns):
        return {}
    values = {}
    for code, value in zip(ts["TSPARMCD"], ts["TSVAL"]):
        values.setdefault(code, []).append(str(value))
    return {code: "; ".join(v) for code, v in values.items()}


def design(frames):
    """The design as TS states it, and the arms and elements of TA and TE."""
    ts = _ts(frames)
    blocks = []
    rows = tuple((code, ts[code]) for code in DESIGN_PARAMETERS if code in ts)
    if rows:
        blocks += [Text("From the Trial Summary (TS):"), Grid(("TSPARMCD", "Value"), rows, (1, 4))]
    ta, te = frames.get("TA"), frames.get("TE")
    if ta is not None and len(ta):
        elements = dict(zip(te["ETCD"], te["ELEMENT"])) if te is not None and "ETCD" in te else {}
        rows = tuple((str(r.ARMCD), str(r.ARM), str(int(r.TAETORD)), str(r.ETCD),
                      elements.get(r.ETCD, str(getattr(r, "ELEMENT", ""))), str(r.EPOCH))
                     for r in ta.itertuples(index=False))
        blocks += [Text("Arms and elements (TA, TE):"),
                   Grid(("ARMCD", "Arm", "Order", "ETCD", "Element", "Epoch"), rows, (1, 2, 0.7, 1, 2, 1.5))]
    return blocks


def trial_design(study, frames, text):
    present = [n for n in TRIAL_DESIGN if n in frames]
    blocks = [Question("Are Trial Design datasets included in the submission?",
                       ("Yes: " + ", ".join(f"{n} ({len(frames[n])} records)" for n in present)) if present
                       else "No.")]
    if text.get("trial_design"):
        blocks.append(Text(text["trial_design"]))
    tv = frames.get("TV")
    if tv is not None and len(tv):
        columns = [c for c in ("VISITNUM", "VISIT", "VISITDY", "ARMCD", "TVSTRL") if c in tv]
        blocks += [Text("Planned visits (TV):"),
                   Grid(tuple(columns), tuple(tuple(_show(v) for v in row) for row in
                                              tv[columns].itertuples(index=False)))]
    if "TI" in frames:
        blocks.append(Text("The inclusion and exclusion criteria (TI) are listed in the appendix."))
    return blocks


def _show(value):
    if isinstance(value, float):
        return "" if value != value else (str(int(value)) if value.is_integer() else f"{value:g}")
    return str(value)


def screen_failures(frames):
    """USUBJIDs of DM subjects never assigned to an arm (ARMCD SCRNFAIL or NOTASSGN, or blank)."""
    dm = frames.get("DM")
    if dm is None or "ARMCD" not in dm:
        return set()
    return set(dm.loc[dm["ARMCD"].astype(str).str.upper().isin(["SCRNFAIL", "NOTASSGN", ""]), "USUBJID"])


def overview(study, frames, text, analysis):
    failed = screen_failures(frames)
    holding = sorted(n for n, f in frames.items() if failed and "USUBJID" in f and f["USUBJID"].isin(failed).any())
    planned = sorted(d.name for d in study.model_datasets("SDTM") if d.name not in frames)
    return [
        Question("Are the submitted data taken from an ongoing study?", said(text, "ongoing")),
        Question("Were the SDTM datasets used as sources for the analysis datasets?",
                 "Yes." if analysis else "No analysis datasets are part of this submission."),
        Question("Do the submission datasets include screen failures?",
                 f"Yes, {len(failed)} screen failures, with data in {', '.join(holding)}." if failed else "No."),
        Question("Were any domains planned, but not submitted because no data were collected?",
                 ("Yes: " + ", ".join(f"{n} ({study.datasets[n].label})" for n in planned) +
                  " have no records and are not submitted.") if planned else "No."),
        Question("Are the submitted data a subset of collected data?", said(text, "subset")),
        Question("Is adjudication data present?", said(text, "adjudication")),
    ]


def acrf_summary(study, forms, fields, text):
    acrf = next((d for d in study.documents if d.kind == "acrf"), None)
    blocks = [Text(said(text, "acrf", ""))] if text.get("acrf") else []
    if not forms or acrf is None:
        return blocks + [Text("No annotated CRF is part of this submission.")]
    # a field that feeds a variable or selects a dataset's records is submitted
    mapped = set() if fields is None else {(f, c.upper()) for f, c in zip(fields["form"], fields["column"])}
    rows = tuple((form.label, form.name, str(len(form.fields)),
                  str(sum((form.name, f.name.upper()) not in mapped for f in form.fields)))
                 for form in forms)
    return blocks + [Text(f"The annotated CRF ({acrf.href}) has one page per form; its named destinations are "
                          "the form names below, which define.xml's page references use."),
                     Grid(("Form", "Named destination", "Fields", "NOT SUBMITTED"), rows, (3, 2, 1, 1.3))]


def subject_domains(study, frames, text):
    names = [n for n in sorted(frames) if n not in TRIAL_DESIGN and not n.startswith("SUPP") and n != "RELREC"]
    rows = tuple(row + ("Yes" if f"SUPP{row[0]}" in frames else "",)
                 for row in dataset_rows(study, frames, names))
    blocks = [Grid(("Dataset", "Label", "Class", "Structure", "Records", "Subjects", "SUPP--"), rows,
                   (1, 2.2, 1.5, 3, 1, 1, 0.9))]
    by_dataset = text.get("datasets") or {}
    for name in names:
        ds = study.datasets[name]
        parts = [Text(by_dataset[name])] if name in by_dataset else []
        if ds.domain and ds.domain != name:
            parts.append(Text(f"{name} is a split of domain {ds.domain}."))
        supp = frames.get(f"SUPP{name}")
        if supp is not None and {"QNAM", "QLABEL"} <= set(supp.columns):
            counts = supp.groupby(["QNAM", "QLABEL"]).size()
            parts += [Text(f"The following qualifiers are in SUPP{name}:"),
                      Grid(("QNAM", "QLABEL", "Records"), tuple((q, lab, str(n)) for (q, lab), n in counts.items()),
                           (1, 3, 1))]
        if parts:
            blocks += [Heading(f"{name} – {ds.label}", 3), *parts]
    return blocks


def criteria(frames):
    ti = frames.get("TI")
    if ti is None or not len(ti):
        return []
    columns = [c for c in ("IECAT", "IETESTCD", "IETEST", "TIVERS") if c in ti]
    return [Heading("Appendix: Inclusion/Exclusion Criteria", numbered=False),
            Grid(tuple(columns), tuple(tuple(_show(v) for v in row) for row in ti[columns].itertuples(index=False)),
                 (1.2, 1, 5, 1)[:len(columns)])]
