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

    def structure(self, structure, names):
        """The ADaMIG metadata of structure ``structure`` (ADSL, BDS, TTE; OCCDS and other data
        have none in the workbooks) for a dataset with variables ``names``, as a ``Dataset``: every
        variable of ``names`` the guide describes, by its name or a generic one (TRxxSDT, AVALCATy,
        ANLzzFL, *DTF), under its own name, then the guide's Req variables the dataset lacks."""
        info = self.guide["datasets"].get(structure)
        if info is None or self.name != "ADaMIG":
            return None
        described = _adam_variables(self, structure)
        variables = []
        for name in names:
            found = next((v for pattern, v in described if pattern.fullmatch(name)), None)
            if found is not None:
                variables.append(_variable(found, name))
        present = set(names)
        variables += [_variable(v, v["name"]) for pattern, v in described
                      if v["core"] == "Req" and pattern.pattern == re.escape(v["name"]) and v["name"] not in present]
        return Dataset(name=structure, label=info["label"], model="ADaM", class_=info["class"],
                       structure=info["structure"], variables=variables)

    def primary(self, name):
        """For an ADaMIG secondary variable ("(N)" in its label: AVALCA1N, TRT01PN) the name of its
        primary (AVALCAT1, TRT01P), from the guide's ADSL and BDS metadata; None for any other name."""
        for structure in ("ADSL", "BDS"):
            if structure not in self.guide["datasets"]:
                continue
            described = _adam_variables(self, structure)
            for pattern, item in described:
                match = pattern.fullmatch(name)
                if match and item["label"].endswith(" (N)"):
                    label = item["label"][:-len(" (N)")]
                    found = next((v for _, v in described if v["label"] == label
                                  or v["name"] == item["name"][:-1]), None)
                    return None if found is None else _instance(found["name"], match.groupdict())
                if match:
                    return None
        return None

    def codelist_by_value(self, value):
        """The CT codelist whose submission value (short name) is ``value``, or None."""
        for code, item in self.terminology["codelists"].items():
            if item["value"] == value:
                return self.codelist(code)
        return None


def _variable(item, name):
    return Variable(name=name, label=item["label"], data_type=_DATA_TYPES.get(item["type"], "text"),
                    role=item["role"] or None, core=item["core"] or None,
                    codelist=(item["codelists"][0] if len(item["codelists"]) == 1 else None), order=item["order"])


_PLACEHOLDER = re.compile(r"xx|zz|(?<=[A-Z0-9])[yw]|^[yw](?=[A-Z])|\*")


def _generic_name(name):
    """A regular expression for a generic ADaMIG variable name: xx and zz two digits, y and w one
    digit, * any prefix (named groups xx, zz, y, w, star); exact names stay as they are."""
    parts, pos, seen = [], 0, set()
    for match in _PLACEHOLDER.finditer(name):
        parts.append(re.escape(name[pos:match.start()]))
        token = "star" if match.group() == "*" else match.group()
        body = {"xx": r"\d\d", "zz": r"\d\d", "star": "[A-Z0-9]+"}.get(token, "[1-9]")
        parts.append(f"(?P={token})" if token in seen else f"(?P<{token}>{body})")
        seen.add(token)
        pos = match.end()
    parts.append(re.escape(name[pos:]))
    return re.compile("".join(parts))


def _instance(name, values):
    """Generic name ``name`` with its placeholders filled from ``values`` (a match's groups)."""
    return _PLACEHOLDER.sub(lambda m: values.get("star" if m.group() == "*" else m.group()) or m.group(), name)


@cache
def _adam_variables(standards, structure):
    """(pattern, variable) of an ADaMIG structure: exact names first, then generic ones, so
    AVAL is AVAL and not an instance of *L. TTE adds its own to those of BDS."""
    items = [v for v in standards.guide["variables"] if v["dataset"] == structure]
    if structure == "TTE":
        own = {v["name"] for v in items}
        items += [v for v in standards.guide["variables"] if v["dataset"] == "BDS" and v["name"] not in own]
    pairs = [(_generic_name(v["name"]), v) for v in items]
    return tuple(sorted(pairs, key=lambda p: p[0].pattern != re.escape(p[1]["name"])))


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
