"""The simulated study's protocol, read from the data files beside this module.

``protocol.yaml`` holds the study configuration (sites, treatment,
event-time model; the study id and data cut-off are those of the bundled
study's ``study.yaml``, ``STUDY``), ``schedule.yaml`` the schedule of
assessments, ``ae_dictionary.yaml`` the built-in adverse event dictionary
(and medical history), ``cm_dictionary.yaml`` the drug dictionary and the
medications given for adverse events,
``lab_catalogue.yaml`` the local laboratory tests with per-site units and
ranges, and ``crf.yaml`` the forms, columns and seeded messiness of the
export. Code reads every protocol fact from here and restates none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

import yaml

from specs.loader import BUNDLED_DIR
from specs.yamlio import load_yaml

STUDY = "camrelizumab-npc"             # the bundled study whose raw export is simulated
EPOCH = dt.date(1970, 1, 1)


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01: the simulator's clock."""
    return (date - EPOCH).days


@dataclass(frozen=True)
class Protocol:
    """The six data files of the simulated study, parsed."""
    config: dict
    schedule: dict
    ae_dictionary: dict
    lab_catalogue: dict
    cm_dictionary: dict
    crf: dict

    @property
    def study(self) -> str:
        return self.config["study"]

    @property
    def cutoff(self) -> int:
        """The data cut-off as a day number: nothing later is in the export."""
        return day_number(self.config["data_cutoff"])

    def mess(self, kind: str, where: str) -> dict:
        """The rates of one kind of messiness at one place, e.g. ("partial_dates", "ae.AESTDAT")."""
        return self.crf["messiness"][kind]["where"][where]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # libyaml when present: the same data, sooner


def _read(name: str) -> dict:
    with resources.files(__package__).joinpath(name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER)


def load_protocol() -> Protocol:
    """Read the protocol data files shipped with the package."""
    study = load_yaml((BUNDLED_DIR / STUDY / "study.yaml").read_text(encoding="utf-8"))
    config = {**_read("protocol.yaml"), "study": study["studyid"],
              "data_cutoff": dt.date.fromisoformat(study["parameters"]["data_cutoff"])}
    return Protocol(config=config, schedule=_read("schedule.yaml"),
                    ae_dictionary=_read("ae_dictionary.yaml"),
                    lab_catalogue=_read("lab_catalogue.yaml"), crf=_read("crf.yaml"),
                    cm_dictionary=_read("cm_dictionary.yaml"))
