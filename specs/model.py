"""The typed model of study metadata that drives every engine.

One ``Study`` holds everything a submission needs to know about itself:
standards, documents, codelists, methods, comments and the SDTM and ADaM
datasets with their variables and value-level metadata. Field names are the
YAML keys of the spec files (see ``specs/schema/``), so a spec file reads like
the object it becomes. Engines read these objects; none of them restates a
label, a length or a codelist in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# Define-XML 2.1 data types; the first two are stored as XPT numerics.
NUMERIC_TYPES = ("integer", "float")
DATA_TYPES = NUMERIC_TYPES + (
    "text", "date", "time", "datetime", "partialDate", "partialTime",
    "partialDatetime", "incompleteDatetime", "durationDatetime", "intervalDatetime",
)


# SDTM variable roles, spelled as Define-XML writes them. ADaM has no roles, so
# spreadsheets put other text there (e.g. an ADaMIG variable group); it is kept.
ROLES = ("Identifier", "Topic", "Timing", "Grouping Qualifier", "Result Qualifier",
         "Synonym Qualifier", "Record Qualifier", "Variable Qualifier", "Rule")
# Define-XML 2.0 origin types that Define-XML 2.1 splits into (type, source).
LEGACY_ORIGINS = {"CRF": ("Collected", "Investigator"), "eDT": ("Collected", "Vendor")}
# Older spellings of implementation-guide names, by their Define-XML 2.1 name.
STANDARD_NAMES = {
    "SDTMIG": ("SDTMIG", "SDTM-IG", "SDTM IG", "CDISC SDTM", "SDTM"),
    "ADaMIG": ("ADaMIG", "ADaM-IG", "ADaM IG", "CDISC ADaM", "ADaM"),
    "SENDIG": ("SENDIG", "SEND-IG", "SEND IG", "CDISC SEND", "SEND"),
}


def canonical_role(text):
    """``text`` spelled as in ``ROLES`` when it is one of them in any case."""
    return next((role for role in ROLES if role.lower() == text.strip().lower()), text.strip())


def standard_name(name):
    """The Define-XML 2.1 name of an implementation guide (``CDISC SDTM`` is SDTMIG)."""
    key = name.strip().upper()
    return next((canon for canon, spellings in STANDARD_NAMES.items()
                 if key in (s.upper() for s in spellings)), name.strip())


@dataclass(kw_only=True)
class Standard:
    """An implementation guide or a controlled-terminology package in use."""
    id: str
    name: str                      # e.g. SDTMIG, ADaMIG, CDISC/NCI
    version: str
    type: str = "IG"               # IG or CT
    publishing_set: str | None = None   # SDTM, ADaM, DEFINE-XML (CT only)
    status: str = "Final"


@dataclass(kw_only=True)
class Document:
    """A document the metadata points into: annotated CRF or supplemental doc."""
    id: str
    title: str
    href: str
    kind: str = "supplemental"     # acrf or supplemental


@dataclass(kw_only=True)
class Origin:
    """Where a variable's values come from (Define-XML def:Origin)."""
    type: str                      # Collected, Derived, Assigned, Protocol, Predecessor, Not Available
    source: str | None = None      # Investigator, Sponsor, Subject, Vendor
    document: str | None = None    # Document id, e.g. the annotated CRF
    pages: list[str] = field(default_factory=list)
    predecessor: str | None = None  # e.g. DM.AGE for ADaM predecessors


@dataclass(kw_only=True)
class Term:
    """One permitted value of a codelist."""
    value: str                     # the CDISC submission value
    decode: str | None = None
    nci_code: str | None = None
    collected: list[str] = field(default_factory=list)  # raw values that map here
    rank: float | None = None


@dataclass(kw_only=True)
class Codelist:
    """A codelist: CDISC CT subset, sponsor list, or external dictionary."""
    id: str
    name: str
    data_type: str = "text"
    nci_code: str | None = None
    extensible: bool = False
    terms: list[Term] = field(default_factory=list)
    dictionary: str | None = None  # external: e.g. MedDRA
    version: str | None = None
    standard: str | None = None    # Standard id of the CT package it comes from
    comment: str | None = None

    def values(self):
        return [t.value for t in self.terms]

    def term(self, value):
        return next((t for t in self.terms if t.value == value), None)


@dataclass(kw_only=True)
class Method:
    """A derivation or imputation rule, printed as a Define-XML MethodDef."""
    id: str
    name: str
    type: str = "Computation"      # Computation or Imputation
    description: str
    expression: str | None = None
    context: str | None = None     # FormalExpression Context, e.g. Python
    document: str | None = None
    pages: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Comment:
    """A free-text comment, printed as a Define-XML def:CommentDef."""
    id: str
    text: str
    document: str | None = None
    pages: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Condition:
    """One range check of a where-clause: ``variable comparator values``."""
    variable: str                  # variable of the same dataset
    comparator: str = "EQ"         # EQ NE LT LE GT GE IN NOTIN
    values: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class ValueLevel:
    """Metadata of a variable for the records where all conditions hold."""
    variable: str
    where: list[Condition]
    label: str | None = None
    data_type: str = "text"
    length: int | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    mandatory: bool = False
    codelist: str | None = None
    method: str | None = None
    comment: str | None = None
    origin: Origin | None = None


@dataclass(kw_only=True)
class Variable:
    """A dataset variable: its metadata and the instruction that fills it."""
    name: str
    label: str
    data_type: str = "text"
    length: int | None = None      # None: text length taken from the data
    significant_digits: int | None = None
    display_format: str | None = None
    role: str | None = None
    core: str | None = None        # Req, Exp, Perm (ADaM: Req, Cond, Perm)
    origin: Origin | None = None
    codelist: str | None = None
    method: str | None = None
    comment: str | None = None
    mapping: dict | None = None    # read by the sdtm/adam engines
    order: int = 0                 # 1-based position, set from the file

    @property
    def numeric(self):
        """True when the variable is stored as an XPT numeric."""
        return self.data_type in NUMERIC_TYPES

    @property
    def mandatory(self):
        return self.core == "Req"


@dataclass(kw_only=True)
class Dataset:
    """An SDTM domain or ADaM dataset with its variables in order."""
    name: str
    label: str
    model: str                     # SDTM or ADaM, from the folder it lives in
    standard: str | None = None    # Standard id
    class_: str | None = None      # e.g. EVENTS; "class" in YAML
    subclass: str | None = None
    structure: str | None = None
    keys: list[str] = field(default_factory=list)
    repeating: bool = True
    reference_data: bool = False
    domain: str | None = None      # DOMAIN value where it differs from name
    comment: str | None = None
    description: str | None = None
    has_no_data: bool = False
    variables: list[Variable] = field(default_factory=list)
    value_level: list[ValueLevel] = field(default_factory=list)
    mapping: dict | None = None    # dataset-level instructions for the engines
    path: str | None = None        # spec file it was loaded from

    def variable(self, name):
        return next((v for v in self.variables if v.name == name), None)

    @property
    def variable_names(self):
        return [v.name for v in self.variables]

    @property
    def purpose(self):
        return "Analysis" if self.model == "ADaM" else "Tabulation"

    @property
    def file_name(self):
        return self.name.lower() + ".xpt"


@dataclass(kw_only=True)
class Explanation:
    """A conformance finding accepted as data: why ``rule`` (our id or the Pinnacle 21 id)
    fires on ``dataset`` ("*": any dataset)."""
    rule: str
    dataset: str
    explanation: str


@dataclass(kw_only=True)
class Study:
    """A study's whole metadata, as loaded from a spec folder."""
    studyid: str
    title: str
    protocol: str
    sponsor: str | None = None
    ct_version: str | None = None
    standards: list[Standard] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)   # study-level settings
    not_submitted: list = field(default_factory=list)  # [{form?, columns, reason}]: raw columns left out on purpose
    codelists: dict[str, Codelist] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    explanations: list[Explanation] = field(default_factory=list)   # explanations.yaml
    path: str | None = None

    def model_datasets(self, model):
        """The datasets of one model ("SDTM" or "ADaM"), in name order."""
        return [d for _, d in sorted(self.datasets.items()) if d.model.lower() == model.lower()]

    def standard(self, id_):
        return next((s for s in self.standards if s.id == id_), None)

    def not_submitted_reason(self, form, column):
        """Why the specs leave a raw column out on purpose, or None."""
        return next((n["reason"] for n in self.not_submitted
                     if n.get("form") in (None, form) and column in n["columns"]), None)

    def document(self, id_):
        return next((d for d in self.documents if d.id == id_), None)


def field_names(cls):
    """The dataclass field names of a model class, in declaration order."""
    return [f.name for f in fields(cls)]
