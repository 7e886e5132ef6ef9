"""CDISC controlled terminology: load an NCI EVS release, look codelists up, compare specs.

A release is the NCI EVS tab-delimited file ("SDTM Terminology.txt", plain or
xz-compressed). Each codelist has a header row (empty ``Codelist Code``)
followed by its term rows. The study's specs carry the codelist terms they use
with their NCI codes, so nothing else needs the release at run time; it serves
to build those specs (``Terminology.subset``) and to check them against CDISC
(``compare_codelists``).
"""

from __future__ import annotations

import csv
import lzma
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import Codelist, Term

COLUMNS = ("Code", "Codelist Code", "Codelist Extensible (Yes/No)", "Codelist Name",
           "CDISC Submission Value", "CDISC Synonym(s)", "CDISC Definition", "NCI Preferred Term")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CTTerm:
    """One term of a release codelist as the release states it."""
    value: str
    nci_code: str
    decode: str                   # NCI preferred term
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CTCodelist:
    """One codelist of a release: header facts and its terms by submission value."""
    nci_code: str
    value: str                    # the codelist's submission value, e.g. AESEV
    name: str
    extensible: bool
    terms: dict[str, CTTerm]      # in file order


@dataclass(frozen=True)
class Finding:
    """A difference between a spec codelist and the release."""
    severity: str                 # Error, Warning or Notice
    codelist: str                 # the spec codelist id
    value: str | None             # the term value, None for codelist-level findings
    message: str


class Terminology:
    """The codelists of one CT release, found by NCI code or submission value.

    A key is first taken as an NCI code, then as a codelist submission value;
    a submission value shared by several codelists is ambiguous and raises an
    ``InputError`` listing their NCI codes, so the caller can pick one.
    """

    def __init__(self, codelists, *, version=None, source=None):
        self.version = version
        self.source = source
        self._by_code = {c.nci_code: c for c in codelists}
        self._by_value = {}
        for c in self._by_code.values():
            self._by_value.setdefault(c.value, []).append(c.nci_code)

    def __len__(self):
        return len(self._by_code)

    def __contains__(self, key):
        return key in self._by_code or len(self._by_value.get(key, ())) == 1

    @property
    def label(self):
        """How messages name the release, e.g. ``CT 2025-03-28``."""
        return f"CT {self.version or self.source or 'release'}"

    def by_code(self, nci_code):
        """The ``CTCodelist`` with this NCI code, or None."""
        return self._by_code.get(nci_code)

    def entry(self, key):
        """The ``CTCodelist`` for an NCI code or an unambiguous submission value."""
        found = self._by_code.get(key)
        if found is not None:
            return found
        codes = self._by_value.get(key, ())
        if len(codes) > 1:
            raise InputError(f"{self.label}: codelist submission value {key!r} is ambiguous "
                             f"({', '.join(codes)}); use an NCI code")
        if not codes:
            raise InputError(f"{self.label}: no codelist {key!r}")
        return self._by_code[codes[0]]

    def codelist(self, key):
        """A new ``Codelist`` with all terms of the codelist ``key``."""
        return self.subset(key, list(self.entry(key).terms))

    def subset(self, key, values, *, id=None):
        """A new ``Codelist`` with only ``values`` of codelist ``key``, in the given order.

        ``id`` defaults to the codelist's submission value; values that the
        codelist lacks or that are listed twice raise an ``InputError``.
        """
        entry = self.entry(key)
        values = list(values)
        missing = [v for v in values if v not in entry.terms]
        if missing:
            raise InputError(f"{self.label}: codelist {entry.value} ({entry.nci_code}) "
                             f"has no term {', '.join(map(repr, missing))}")
        twice = sorted(v for v, n in Counter(values).items() if n > 1)
        if twice:
            raise InputError(f"subset of codelist {entry.value}: {', '.join(map(repr, twice))} "
                             "listed more than once")
        terms = [Term(value=t.value, decode=t.decode, nci_code=t.nci_code)
                 for t in (entry.terms[v] for v in values)]
        return Codelist(id=id or entry.value, name=entry.name, nci_code=entry.nci_code,
                        extensible=entry.extensible, terms=terms)

    def contains(self, key, value):
        """True when ``value`` is a submission value of codelist ``key``."""
        return value in self.entry(key).terms

    def is_extensible(self, key):
        return self.entry(key).extensible

    def synonyms(self, key, value):
        """The CDISC synonyms of term ``value`` of codelist ``key`` (empty if none)."""
        term = self.entry(key).terms.get(value)
        return term.synonyms if term else ()


def load_terminology(path, *, version=None):
    """Read an NCI EVS CT release (``.txt`` or ``.txt.xz``) into a ``Terminology``.

    ``version`` defaults to the first YYYY-MM-DD date in the file name.
    """
    path = Path(path)
    if version is None:
        date = _DATE.search(path.name)
        version = date.group(0) if date else None
    opener = lzma.open if path.suffix == ".xz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            codelists = _read(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such CT file") from None
    except (OSError, lzma.LZMAError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read CT file: {exc}") from None
    return Terminology(codelists, version=version, source=str(path))


def _read(reader, path):
    """The codelists of a release's rows; every problem names the file and line."""
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}: empty CT file")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: not an NCI EVS CT file, missing column(s) {', '.join(missing)}")
    at = [header.index(c) for c in COLUMNS]
    width = len(header)
    heads, terms = {}, []
    for row in reader:
        line = reader.line_num
        if not any(row):
            continue
        if len(row) != width:
            raise InputError(f"{path}, line {line}: {len(row)} tab-separated fields, expected {width}")
        code, list_code, extensible, name, value, synonyms, _, preferred = (row[i].strip() for i in at)
        if not code or not value:
            raise InputError(f"{path}, line {line}: empty Code or CDISC Submission Value")
        if list_code:
            syn = tuple(s.strip() for s in synonyms.split(";") if s.strip())
            terms.append((line, list_code, CTTerm(value, code, preferred, syn)))
            continue
        if extensible not in ("Yes", "No"):
            raise InputError(f"{path}, line {line}: codelist {code} has Codelist Extensible "
                             f"{extensible!r}, expected Yes or No")
        if code in heads:
            raise InputError(f"{path}, line {line}: codelist {code} defined twice")
        heads[code] = CTCodelist(code, value, name, extensible == "Yes", {})
    for line, list_code, term in terms:
        head = heads.get(list_code)
        if head is None:
            raise InputError(f"{path}, line {line}: term {term.nci_code} names codelist "
                             f"{list_code}, which has no header row")
        if term.value in head.terms:
            raise InputError(f"{path}, line {line}: codelist {head.value} ({list_code}) "
                             f"has term {term.value!r} twice")
        head.terms[term.value] = term
    return list(heads.values())


def compare_codelists(codelists, terminology):
    """Findings where spec codelists with an NCI code differ from ``terminology``.

    ``codelists`` is an iterable of ``Codelist`` or a mapping of them (such as
    ``Study.codelists``). Sponsor codelists (no NCI code) are skipped. A value
    outside a non-extensible codelist, an unknown codelist and a wrong term
    NCI code are errors; name, extensible flag, missing term code and decode
    differences are warnings; a value added to an extensible codelist is a
    notice (a sponsor extension).
    """
    if isinstance(codelists, Mapping):
        codelists = codelists.values()
    findings = []
    for spec in codelists:
        if spec.nci_code:
            findings.extend(_compare(spec, terminology))
    return findings


def _compare(spec, terminology):
    """The findings of one spec codelist against the release."""
    release = terminology.label
    found = []

    def finding(severity, message, value=None):
        found.append(Finding(severity, spec.id, value, f"codelist {spec.id}: {message}"))

    ct = terminology.by_code(spec.nci_code)
    if ct is None:
        finding("Error", f"NCI code {spec.nci_code} is not a codelist of {release}")
        return found
    if spec.name != ct.name:
        finding("Warning", f"name {spec.name!r} differs from {release} name {ct.name!r}")
    if spec.extensible != ct.extensible:
        finding("Warning", f"extensible is {_yes_no(spec.extensible)}, "
                           f"{release} says {_yes_no(ct.extensible)}")
    for term in spec.terms:
        value = term.value
        known = ct.terms.get(value)
        if known is None:
            if ct.extensible:
                finding("Notice", f"term {value!r} is a sponsor extension of extensible "
                                  f"{ct.value} ({ct.nci_code})", value)
            else:
                finding("Error", f"term {value!r} is not in non-extensible {ct.value} "
                                 f"({ct.nci_code}) of {release}", value)
            continue
        if not term.nci_code:
            finding("Warning", f"term {value!r} has no NCI code, {release} gives {known.nci_code}",
                    value)
        elif term.nci_code != known.nci_code:
            finding("Error", f"term {value!r} has NCI code {term.nci_code}, "
                             f"{release} gives {known.nci_code}", value)
        if term.decode is not None and term.decode not in (known.decode, *known.synonyms):
            finding("Warning", f"term {value!r} decode {term.decode!r} is neither the NCI "
                               f"preferred term {known.decode!r} nor a CDISC synonym", value)
    return found


def _yes_no(flag):
    return "Yes" if flag else "No"
