"""Write the reviewer documents of a submission and check define.xml's links to them.

The aCRF goes beside the SDTM define.xml under the ``href`` of the study's
``acrf`` document; the cSDRG and the ADRG under the ``href`` of the documents
that ``reviewers_guide.yaml`` names, beside the define.xml of their model,
with their HTML twins in the reports folder. Every PDF written is returned as
a ``define.DocumentFile`` (pages and named destinations) for the link check.
"""

from pathlib import Path

from define import DocumentFile, check_links
from sdtm.collection import collected_fields
from specs.atomic import write_bytes, write_text

from .acrf import build_acrf
from .adrg import adrg_blocks
from .content import to_html, to_pdf
from .guides import guide_text
from .sdrg import sdrg_blocks

TITLES = {"sdrg": "Study Data Reviewer's Guide", "adrg": "Analysis Data Reviewer's Guide"}


def annotated_fields(study):
    """The raw columns whose values feed an SDTM variable or select a dataset's
    records (``sdtm.collection.collected_fields`` without join keys)."""
    fields = collected_fields(study)
    return fields[fields["role"].isin(["value", "where"])].reset_index(drop=True)


def _written(folder, href, pdf):
    write_bytes(Path(folder) / href, pdf.data)
    return {href: DocumentFile(pages=pdf.pages, destinations=pdf.destinations)}


def write_acrf(study, folder, forms, fields, created):
    """The aCRF of ``forms`` into ``folder``; {} when the study has no aCRF document or no forms."""
    document = next((d for d in study.documents if d.kind == "acrf"), None)
    if document is None or not forms:
        return {}
    return _written(folder, document.href, build_acrf(study, forms, fields, document=document.id, created=created))


def write_guides(study, folders, frames, analysis, findings, created, *, forms=(), fields=None):
    """The cSDRG (SDTM folder) and the ADRG (ADaM folder) named by the study's
    reviewers_guide.yaml, as PDF and as HTML in the reports folder; returns
    folder -> {href: DocumentFile}."""
    text = guide_text(study)
    written = {}
    parts = {"sdrg": ("sdtm", frames, lambda t: sdrg_blocks(study, frames, findings, t, forms=forms, fields=fields,
                                                             analysis=bool(analysis))),
             "adrg": ("adam", analysis, lambda t: adrg_blocks(study, frames, analysis, findings, t))}
    for key, (model, data, blocks_of) in parts.items():
        if key not in text or not data:
            continue
        document = study.document(text[key]["document"])
        blocks = blocks_of(text[key])
        pdf = to_pdf(blocks, title=TITLES[key], study=study, created=created)
        written.setdefault(folders[model], {}).update(_written(folders[model], document.href, pdf))
        write_text(folders["reports"] / Path(document.href).with_suffix(".html").name,
                   to_html(blocks, title=TITLES[key], study=study))
    return written


def link_problems(folder, documents):
    """define.xml's links in ``folder`` checked against the files there and the
    PDFs written (``documents``: href -> DocumentFile)."""
    folder = Path(folder)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return check_links((folder / "define.xml").read_bytes(), files, documents)
