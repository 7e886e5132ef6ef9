"""Standards knowledge shipped with the package: implementation-guide metadata and CDISC CT.

The data files in ``data/`` are made by ``python -m cdisckit.standards.build``
from CDISC's own files; this module reads them and hands them out as spec
objects (``specs.model.Dataset``, ``Codelist``), so the checks treat the
standard exactly like a study's specs or define.xml. ``Standards`` is one
choice of guide and CT (e.g. SDTMIG 3.4 with SDTM CT 2025-03-28); it knows how
a dataset name maps to the guide (split datasets such as QSCO as QS, SUPP-- as
SUPPQUAL) and which codelist binds each standard variable.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from specs.errors import InputError
from specs.model import Codelist, Dataset, Term, Variable

from .build import DATA, convert_ct

DEFAULTS = {"SDTMIG": "3.4", "ADaMIG": "1.3"}
DEFAULT_CT = {"SDTMIG": "sdtmct-2025-03-28", "ADaMIG": "adamct-2025-03-28"}
_DATA_TYPES = {"Num": "float", "Char": "text"}


@cache
def _load(name):
    path = DATA / f"{name}.json.gz"
    if not path.is_file():
        raise InputError(f"{name}: no such standard in the package (have: {', '.join(available())})")
    return json.loads(gzip.decompress(path.read_bytes()))


def available():
    """Names of the standards files in the package (``sdtmig-3.4``, ``sdtmct-2025-03-28``, ...)."""
    return sorted(p.name[:-len(".json.gz")] for p in DATA.glob("*.json.gz"))


def parse_standard(text):
    """("SDTMIG", "3.3") from "sdtmig-3.3" (the ``--standard`` value); raises InputError."""
    match = re.fullmatch(r"(sdtmig|adamig)[-_ ]?v?(\d+\.\d+)", text.strip().lower())
    if not match:
        raise InputError(f"--standard {text}: expected e.g. sdtmig-3.4 or adamig-1.3")
    name = "SDTMIG" if match.group(1) == "sdtmig" else "ADaMIG"
    if f"{match.group(1)}-{match.group(2)}" not in available():
        raise InputError(f"--standard {text}: {name} {match.group(2)} is not in the package")
    return name, match.group(2)


@cache
def ct_file(path):
    """A CT release given as a file (NCI EVS .txt/.txt.xz or CDISC Library .json)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such CT file")
    try:
        return convert_ct(path)
    except (KeyError, ValueError, UnicodeError, OSError) as exc:
        raise InputError(f"{path}: not a CDISC CT release ({exc})") from None


@dataclass(frozen=True)
class Standards:
    """One implementation guide and its controlled terminology."""
    name: str = "SDTMIG"
    version: str = "3.4"
    ct: str | None = None            # a CT file path; None: the package's CT of the guide

    @property
    def guide(self):
        return _load(f"{self.name.lower()}-{self.version}")

    @property
    def terminology(self):
        return ct_file(self.ct) if self.ct else _load(DEFAULT_CT[self.name])

    @property
    def ct_package(self):
        return self.terminology["package"]

    def ig_name(self, name):
        """The guide's dataset for a dataset name: itself, SUPPQUAL for SUPP--, the
        domain for a split dataset (QSCO -> QS), or None for a non-standard one."""
        datasets = self.guide["datasets"]
        if name in datasets:
            return name
        if name.startswith("SUPP") and "SUPPQUAL" in datasets:
            return "SUPPQUAL"
        if self.name == "SDTMIG" and name[:2] in datasets and len(name) > 2:
            return name[:2]
        return None

    def dataset(self, name):
        """The guide's metadata for dataset ``name`` as a ``Dataset`` spec, or None."""
        return _dataset(self, name)

    def codelist(self, code):
        """The CT codelist of NCI code ``code`` as a ``Codelist``, or None."""
        return _codelist(self, code)

    def codelist_by_value(self, value):
        """The CT codelist whose submission value (short name) is ``value``, or None."""
        for code, item in self.terminology["codelists"].items():
            if item["value"] == value:
                return self.codelist(code)
        return None


@cache
def _dataset(standards, name):
    ig_name = standards.ig_name(name)
    if ig_name is None:
        return None
    info = standards.guide["datasets"][ig_name]
    variables = [Variable(name=v["name"], label=v["label"], data_type=_DATA_TYPES.get(v["type"], "text"),
                          role=v["role"] or None, core=v["core"] or None,
                          codelist=(v["codelists"][0] if len(v["codelists"]) == 1 else None), order=v["order"])
                 for v in standards.guide["variables"] if v["dataset"] == ig_name]
    return Dataset(name=name, label=info["label"], model="SDTM" if standards.name == "SDTMIG" else "ADaM",
                   class_=info["class"], structure=info["structure"], variables=variables,
                   domain=name if name.startswith("SUPP") or ig_name == "SUPPQUAL" else ig_name)


@cache
def _codelist(standards, code):
    item = standards.terminology["codelists"].get(code)
    if item is None:
        return None
    return Codelist(id=code, name=item["name"], nci_code=code, extensible=item["extensible"],
                    terms=[Term(value=value, decode=decode or None, nci_code=term) for term, value, decode in item["terms"]],
                    version=standards.ct_package)
