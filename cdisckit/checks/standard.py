"""The little standard knowledge the checks fall back on (``standard.yaml``).

Used only where the study's specs or define.xml say nothing: the class of a
standard SDTM domain, its Req and Exp variables, and a few lists such as the
AE seriousness criteria. The knowledge is data; this module only reads it.
"""

from functools import cache
from pathlib import Path

import yaml

STANDARD_FILE = Path(__file__).with_name("standard.yaml")


@cache
def standard():
    """The parsed ``standard.yaml``."""
    return yaml.safe_load(STANDARD_FILE.read_text(encoding="utf-8"))


def sdtm_class(domain):
    """The observation class of a standard SDTM domain code (SUPP-- is RELATIONSHIP), or None."""
    if domain.startswith("SUPP"):
        return "RELATIONSHIP"
    for name, domains in standard()["sdtm"]["classes"].items():
        if domain in domains:
            return name
    return None


def sdtm_core(domain, class_, core):
    """The SDTM variables of ``core`` ("required" or "expected") for a domain of a class,
    in "--" form, class variables first."""
    table = standard()["sdtm"][core]
    key = "SUPP" if domain.startswith("SUPP") else domain
    names = list(table["classes"].get((class_ or "").upper(), []))
    return names + [n for n in table["domains"].get(key, []) if n not in names]


def adam_required(kind):
    """ADaM Req variables for ``kind``: "ADSL", "BDS", "TTE" or "all"."""
    return list(standard()["adam"]["required"].get(kind, standard()["adam"]["required"]["all"]))
