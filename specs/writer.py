"""Write a ``Study`` back to a spec folder that ``load_study`` reads unchanged."""

from pathlib import Path

from .atomic import atomic_folder, write_text
from .serialize import STUDY_FILES, study_data, to_data
from .yamlio import dump_yaml

_FOLDERS = {"SDTM": "sdtm", "ADaM": "adam"}


def write_study(study, out_dir):
    """Write study.yaml, the study-level lists and one YAML file per dataset.

    The folder is filled in one go: if anything fails, ``out_dir`` is left as
    it was.
    """
    with atomic_folder(Path(out_dir)) as tmp:
        write_text(tmp / "study.yaml", dump_yaml(study_data(study)))
        for name, (attr, _) in STUDY_FILES.items():
            items = list(getattr(study, attr).values())
            if items:
                write_text(tmp / name, dump_yaml([to_data(item) for item in items]))
        if study.explanations:
            write_text(tmp / "explanations.yaml", dump_yaml([to_data(item) for item in study.explanations]))
        for ds in study.datasets.values():
            write_text(tmp / _FOLDERS[ds.model] / f"{ds.name}.yaml", dump_yaml(to_data(ds)))
    return Path(out_dir)
