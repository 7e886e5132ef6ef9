"""The whole flow: raw export -> SDTM -> ADaM -> Define-XML -> checks.

Each step takes spec objects and DataFrames and writes its outputs in one
go into the eCTD module 5 tree, so a failed step leaves nothing behind.
"""

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd

from adam.engine import build_adam
from sdtm.engine import map_and_trace
from specs.atomic import atomic_folder
from specs.errors import InputError

from define.dataset_columns import read_define_columns
from define.writer import build_define

from . import background
from .checks import run_checks, write_reports
from .coverage import mapping_coverage, write_mapping_reports
from .dataset_json import write_dataset_json
from .datasets import FORMATS, SOURCE_SYSTEM, SUFFIXES, header_from_xpt
from .define_files import write_define
from .lineage import FILE_NAME as LINEAGE_FILE, adam_lineage, write_lineage
from .raw import read_raw
from .reviewer.documents import annotated_fields, link_problems, write_acrf, write_guides
from .reviewer.forms import export_forms
from .reviewer.review import write_review
from .simulator import SEED, SUBJECTS, simulate
from .xpt import XptMetadata, variables_from_spec, write_xpt


def creation_time(text=None):
    """The creation datetime stamped into every output: given, or now (UTC, seconds)."""
    if text:
        try:
            return dt.datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            raise InputError(f"--created: {text!r} is not an ISO 8601 date-time") from None
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def submission_folders(out, studyid):
    """Where SDTM, ADaM and the reports go in the eCTD module 5 layout."""
    study = Path(out) / "m5" / "datasets" / studyid.lower()
    return {"sdtm": study / "tabulations" / "sdtm",
            "adam": study / "analysis" / "adam" / "datasets",
            "reports": Path(out) / "reports"}


def submitted(frames):
    """The frames that go into a submission: datasets without records are not
    submitted (FDA Study Data Technical Conformance Guide)."""
    return {name: frame for name, frame in frames.items() if len(frame)}


def parse_formats(text):
    """The dataset formats of ``--format`` ("xpt,json": XPT v5 and Dataset-JSON), in order."""
    formats = [f.strip().lower() for f in (text or "xpt").split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"--format: {', '.join(unknown) or repr(text)} is not one of "
                         f"{', '.join(FORMATS)} (a comma-separated list)")
    return list(dict.fromkeys(formats))


def write_datasets(study, frames, folder, created, formats=("xpt",)):
    """Write final frames, named and labelled from the specs, in each of ``formats``.

    Dataset-JSON files take their OIDs, data types and keys from the
    define.xml the specs make (the one written beside them), and point at it.
    """
    created = created or creation_time()
    later = [f for f in formats if f != "xpt"]
    define = None
    if later:
        model = study.datasets[next(iter(frames))].model
        define = read_define_columns(build_define(study, frames, model=model, created=created,
                                                  source_system=tuple(SOURCE_SYSTEM.values())))
    with atomic_folder(folder) as tmp:
        for name, frame in frames.items():
            ds = study.datasets[name]
            meta = XptMetadata(name=ds.name, label=ds.label, variables=variables_from_spec(ds),
                               created=created)
            if "xpt" in formats:
                write_xpt(frame, Path(tmp) / ds.file_name, name=ds.name, label=ds.label,
                          variables=meta.variables, created=created)
            for kind in later:
                header = header_from_xpt(frame, meta, define, metadata_ref="define.xml", created=created)
                write_dataset_json(frame, header, Path(tmp) / (ds.name.lower() + FORMATS[kind]))
    return folder


def map_raw(study, raw_dir, progress=lambda message: None):
    """Map a raw export folder to the study's SDTM frames, with their lineage;
    returns the raw forms and the ``sdtm.engine.Mapped`` result."""
    progress("reading the raw export")
    forms, _ = read_raw(raw_dir)
    names = [d.name for d in study.model_datasets("SDTM") if not d.has_no_data]
    return forms, map_and_trace(study, forms, names, progress=lambda name: progress(
        f"SDTM {names.index(name) + 1}/{len(names)}: {name}"))


def write_mapping(study, raw_forms, mapped, reports, created, analysis=None):
    """Write the lineage file and the mapping coverage reports into ``reports``
    (nothing of it goes into an XPT file); returns the coverage."""
    written = submitted(mapped.datasets)
    lineage = mapped.lineage[mapped.lineage["dataset"].isin(list(written))]
    if analysis:
        lineage = pd.concat([lineage, adam_lineage(study, written, submitted(analysis))], ignore_index=True)
    write_lineage(Path(reports) / LINEAGE_FILE, lineage)
    coverage = mapping_coverage(study, raw_forms, mapped)
    write_mapping_reports(coverage, reports, title=f"Mapping coverage: {study.studyid}", created=created)
    return coverage


def run_submission(study, out, *, raw=None, subjects=SUBJECTS, seed=SEED, created=None, progress=lambda m: None,
                   formats=("xpt",), parallel=True):
    """Raw export (given, or simulated) to the whole submission tree under ``out``.

    Datasets are written in each of ``formats``; the define.xml leaves name
    the files of the first. Everything is built in a staging folder and moved into ``out`` only when
    every step succeeded. Returns the define.xml validation problems and the
    conformance findings.

    Steps that need each other's results only later run in a second process
    (``background``): the SDTM files while ADaM is derived, the lineage and
    coverage reports while the ADaM files are written, the dataset-level rules
    of half the data while the main process checks the other half, the
    reviewer's guides while the review page is drawn. ``parallel=False`` runs them in turn in
    this process (same files).
    """
    created = created or creation_time()
    with tempfile.TemporaryDirectory(prefix="cdisckit-raw-") as scratch:
        if raw is None:
            progress(f"simulating the raw EDC export: {subjects} subjects, seed {seed}")
            raw = Path(scratch) / "raw"
            simulate(raw, subjects=subjects, seed=seed)
        raw_forms, mapped = map_raw(study, raw, progress)
        progress("CRF forms of the raw export")
        forms = export_forms(study, raw)
    frames = mapped.datasets
    fields = annotated_fields(study)
    written = []

    def keep(relative):
        # Dataset files of an earlier run that this run did not write would sit
        # beside a define.xml that does not describe them: not carried over.
        return not (relative.suffix.lower() in SUFFIXES and relative.parent in written)

    with atomic_folder(out, keep=keep) as stage, background.Jobs(parallel) as jobs:
        folders = submission_folders(stage, study.studyid)
        sdtm_files = jobs.start(write_model, study, "SDTM", submitted(frames), folders["sdtm"], created, formats,
                                forms=forms, fields=fields, progress=progress)
        analysis = build_adam(study, frames, progress=lambda name: progress(f"ADaM: {name}"))
        progress("lineage and mapping coverage")
        mapping = jobs.start(write_mapping, study, raw_forms, mapped, folders["reports"], created, analysis)
        del raw_forms, mapped       # the raw forms and the lineage are not needed here again: memory for the checks
        adam_documents, problems = write_model(study, "ADaM", submitted(analysis), folders["adam"], created, formats,
                                               progress=progress)
        progress("waiting for the background process: SDTM files, lineage and mapping coverage")
        documents, sdtm_problems = sdtm_files.result()
        documents.update(adam_documents)
        problems = sdtm_problems + problems
        coverage = mapping.result()
        progress("conformance checks")
        checked = [folders[m] for m, data in (("sdtm", frames), ("adam", analysis)) if data]
        findings = check_submission(study, stage, checked, created, coverage, parallel=parallel)
        progress("reviewer's guides")
        guides = jobs.start(write_guides, study, folders, submitted(frames), submitted(analysis), findings, created,
                            forms=forms, fields=fields)
        progress("review page")
        write_review({**submitted(frames), **submitted(analysis)}, folders["reports"] / "review.html",
                     study=study, findings=findings)
        progress("waiting for the background process: reviewer's guides")
        for folder, docs in guides.result().items():
            documents.setdefault(folder, {}).update(docs)
        for folder in checked:
            problems += link_problems(folder, documents.get(folder, {}))
        written += [folder.relative_to(stage) for folder in checked]
    return problems, findings


def write_model(study, model, data, folder, created, formats, *, forms=None, fields=None,
                progress=lambda m: None):
    """One model's dataset files, its aCRF (SDTM, with ``forms``) and define.xml in ``folder``;
    returns (folder -> {href: DocumentFile}, define.xml problems)."""
    if not data:
        return {}, []
    progress(f"writing {model} {', '.join(formats)} files")
    write_datasets(study, data, folder, created, formats)
    documents = {}
    if forms is not None:
        progress("annotated CRF")
        documents[folder] = write_acrf(study, folder, forms, fields, created)
    progress(f"{model} define.xml")
    return documents, write_define(study, data, model, folder, created, file_suffix=FORMATS[formats[0]])


def check_submission(study, stage, folders, created, coverage=None, parallel=False):
    """Run the checks on the written datasets against their define.xml files
    and write the reports; paths in the reports are relative to the tree."""
    defines = [folder / "define.xml" for folder in folders]
    findings = run_checks(folders, study=study, define=defines, coverage=coverage, parallel=parallel)
    relative = {"data": [str(f.relative_to(stage)) for f in folders],
                "define": [str(d.relative_to(stage)) for d in defines],
                "study": study.studyid}
    findings = dataclasses.replace(findings, inputs={**findings.inputs, **relative})
    reports = submission_folders(stage, study.studyid)["reports"]
    write_reports(findings, [reports / f"conformance{suffix}" for suffix in (".xlsx", ".html", ".json")],
                  created=created)
    return findings
