"""A define.xml beside the dataset files it describes: build, write, validate.

Used by ``cdisckit define`` and ``cdisckit run``: the define is built from
the specs and the final frames, checked against the Define-XML 2.1 schema and
against the dataset files in its folder (``define.structure``), and written with
its HTML view.
"""

from pathlib import Path

from define import oids
from define.html import render_html
from define.schema import validate_schema
from define.structure import DatasetFile, check_structure
from define.writer import build_define
from specs.atomic import write_bytes, write_text

from . import __version__
from . import datasets


def dataset_files(folder, suffix=".xpt"):
    """Every dataset file of ``suffix`` (XPT or Dataset-JSON, any case) in ``folder`` as
    dataset name -> ``DatasetFile`` (columns in file order, character lengths, data)."""
    files = {}
    for path in datasets.dataset_files(folder):
        if path.suffix.lower() != suffix:
            continue
        frame, meta = datasets.read_dataset(path)
        meta = meta.xpt
        files[meta.name] = DatasetFile(
            file=path.name, columns=[v.name for v in meta.variables],
            lengths={v.name: v.length for v in meta.variables if v.type == "char"}, frame=frame)
    return files


def write_define(study, frames, model, out_dir, created, lengths=None, *, name="define.xml", data=None,
                 file_suffix=".xpt"):
    """Write ``name`` (define.xml) and its .html view into ``out_dir`` and validate.

    ``frames``: dataset name -> final DataFrame of ``model`` ("SDTM"/"ADaM");
    ``data``: dataset name -> ``DatasetFile`` of the XPT files to check the
    define against (None: read the files of ``file_suffix``, which the
    dataset leaves name, in ``out_dir``). Returns the
    schema and structural problems, empty when the define is valid.
    """
    out_dir = Path(out_dir)
    xml = build_define(study, frames, model=model, created=created, lengths=lengths,
                       source_system=("cdisckit", __version__), file_suffix=file_suffix)
    page = render_html(xml)
    problems = validate_schema(xml)
    data = dataset_files(out_dir, file_suffix) if data is None else data
    existing = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()} \
        if out_dir.is_dir() else set()
    extensible = {oids.codelist_oid(c.id) for c in study.codelists.values() if c.extensible}
    problems += check_structure(xml, data, existing, extensible=extensible)
    write_bytes(out_dir / name, xml)
    write_text(out_dir / Path(name).with_suffix(".html"), page)
    return problems
