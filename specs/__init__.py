"""Study metadata: the spec model, its YAML files and JSON Schemas, and CDISC CT.

Specs are the single source of truth; every other package reads these objects.
"""

from .errors import InputError, SpecError
from .loader import bundled_studies, load_study, resolve_study
from .model import (Codelist, Comment, Condition, Dataset, Document, Method, Origin, Standard,
                    Study, Term, ValueLevel, Variable)
from .writer import write_study

__all__ = [
    "Codelist", "Comment", "Condition", "Dataset", "Document", "InputError", "Method", "Origin",
    "SpecError", "Standard", "Study", "Term", "ValueLevel", "Variable", "bundled_studies",
    "load_study", "resolve_study", "write_study",
]
