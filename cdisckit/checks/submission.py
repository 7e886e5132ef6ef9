"""What the rules see: the datasets of a submission, their metadata, and lookups across them.

Metadata comes from the study's specs (``--study``) or a define.xml
(``--define``), both as a ``specs.model.Study``: the specs are preferred for
core, class and codelists, the define.xml is preferred as the reference the
data must agree with. Where neither describes a dataset, the implementation
guide shipped with the package does (``cdisckit.standards``: variables with
Core and codelist, CDISC CT), so a folder of XPT files alone is still checked
against the standard. Nothing here changes data; lookups are computed once per run.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd

from ..standards import DEFAULTS, Standards, available
from . import standard as std


class Submission:
    """The tables under check with their metadata."""

    def __init__(self, tables, *, study=None, define=None, unreadable=(), standards=None, dictionaries=None,
                 references=(), define_paths=(), coverage=None):
        self.tables = {t.name: t for t in sorted(tables, key=lambda t: t.name)}
        # datasets read for lookups only (the SDTM of ``check ADAM --sdtm DIR``): rules read them, never check them
        self.references = {t.name: t for t in references if t.name not in self.tables}
        self.define_paths = [str(p) for p in define_paths]     # the define.xml files read, for CK0816
        self.study = study
        self.define = define
        self.standards = standards or Standards()
        self.dictionaries = dict(dictionaries or {})   # name (meddra, whodrug, ...) -> path
        self.coverage = coverage       # mapping coverage of the run (cdisckit.coverage), if any
        self.unreadable = list(unreadable)
        self.rule_errors = []          # (rule id, dataset, problem) of rules that could not run
        self.not_run = {}              # rule id -> why it did not run (e.g. no dictionary given)
        self._memo = {}

    # ---------------------------------------------------------- metadata

    @property
    def metadata(self):
        """The Study that gives core, class and codelists: specs, else define.xml, else None."""
        return self.study or self.define

    @property
    def reference(self):
        """The Study the data must agree with: define.xml, else specs, else None."""
        return self.define or self.study

    @property
    def reference_name(self):
        return "define.xml" if self.define is not None else "specs"

    @property
    def metadata_name(self):
        return "specs" if self.study is not None else "define.xml"

    def spec(self, table, study=None):
        """The dataset spec of ``table`` in ``study``, or None; without ``study``: in the
        metadata, else the implementation guide's (SDTM datasets only)."""
        if study is not None:
            return study.datasets.get(table.name)
        spec = self.metadata.datasets.get(table.name) if self.metadata is not None else None
        return spec if spec is not None else self.standard_spec(table)

    def standard_spec(self, table):
        """The implementation guide's metadata of ``table``: SDTMIG's by dataset name, ADaMIG's
        by the structure the dataset has (``adam_ig``), or None."""
        if table.name.startswith("AD"):
            return self.adam_ig(table)
        if self.standards.name != "SDTMIG":
            return None
        return self.standards.dataset(table.name)

    @property
    def adamig(self):
        """The ADaMIG (and ADaM CT) of the run: the version the metadata declares when the
        package has it, else 1.3."""
        def compute():
            declared = self.version("ADaMIG")
            version = declared if declared and f"adamig-{declared}" in available() else DEFAULTS["ADaMIG"]
            return self.standards if self.standards.name == "ADaMIG" else Standards("ADaMIG", version)
        return self.cached("adamig", compute)

    def adam_ig(self, table):
        """ADaMIG variable metadata for the variables of ADaM dataset ``table`` (by the
        structure its class, subclass or data give), or None for data of no ADaMIG structure."""
        def compute():
            spec = self.metadata.datasets.get(table.name) if self.metadata is not None else None
            kind = self._kind(table, spec)
            return None if kind not in ("ADSL", "BDS", "TTE") else \
                self.adamig.structure(kind, list(table.frame.columns))
        return self.cached(("adam_ig", table.name), compute)

    def spec_source(self, table):
        """Where ``spec(table)`` comes from: "specs", "define.xml" or e.g. "SDTMIG 3.4"."""
        if self.metadata is not None and table.name in self.metadata.datasets:
            return self.metadata_name
        return f"{self.standards.name} {self.standards.version}"

    def codelist(self, codelist_id):
        """A codelist of the metadata, else the CDISC CT codelist of that NCI code."""
        study = self.metadata
        found = study.codelists.get(codelist_id) if study is not None else None
        for standards in (self.standards, self.adamig):
            found = found if found is not None else standards.codelist(codelist_id)
        return found

    def version(self, standard):
        """The version of a standard ("SDTMIG", "ADaMIG") the metadata declares, else the
        one the run checks against, or None."""
        study = self.metadata
        found = [] if study is None else [s.version for s in study.standards
                                          if s.name.replace("-", "").upper() == standard.upper()]
        if len(found) == 1:
            return found[0]
        return self.standards.version if standard.upper() == self.standards.name.upper() else None

    # ---------------------------------------------------------- datasets

    def table(self, name):
        """Dataset ``name`` under check, else of the reference data (``--sdtm``), or None."""
        return self.tables.get(name) or self.references.get(name)

    def present(self, name):
        """True when dataset ``name`` is in the submission or the reference data, readable or not."""
        return self.table(name) is not None or any(u.dataset == name for u in self.unreadable)

    def model(self, table):
        """ "SDTM" or "ADaM": from the spec, else ADaM when the name starts with AD."""
        def compute():
            spec = self.spec(table)
            if spec is not None and spec.model:
                return "ADaM" if spec.model.lower() == "adam" else "SDTM"
            return "ADaM" if table.name.startswith("AD") else "SDTM"
        return self.per_table("model", table, compute)

    def domain(self, table):
        """The SDTM domain code a dataset holds: SUPP-- and RELREC as named, split
        datasets (QSCG) by their first two letters."""
        def compute():
            spec = self.spec(table)
            if spec is not None and spec.domain:
                return spec.domain
            name = table.name
            if name.startswith("SUPP") or std.sdtm_class(name) is not None:
                return name
            return name[:2]
        return self.per_table("domain", table, compute)

    def domain_class(self, table):
        """The observation class (SDTM) or dataset class (ADaM), upper case, or None."""
        def compute():
            spec = self.spec(table)
            if spec is not None and spec.class_:
                return spec.class_.upper()
            if self.model(table) == "ADaM":
                return None
            return std.sdtm_class(self.domain(table))
        return self.per_table("domain_class", table, compute)

    def prefix(self, table):
        """The two-letter prefix of "--" variables, or None where there is none
        (ADaM, relationship and trial-design datasets that lack it)."""
        if self.model(table) == "ADaM" or self.domain_class(table) == "RELATIONSHIP":
            return None
        return self.domain(table)[:2]

    def adam_kind(self, table):
        """ "ADSL", "ADDL", "BDS", "TTE", "OCCDS" or "OTHER" for an ADaM dataset: from the class and subclass
        the specs or define.xml give (``def:Class``), else inferred from the data: ADSL by name,
        TTE by CNSR (or the name), BDS by PARAMCD, OCCDS by an SDTM --TERM, --DECOD or --TRT,
        BDS by AVAL."""
        def compute():
            spec = self.metadata.datasets.get(table.name) if self.metadata is not None else None
            return self._kind(table, spec)
        return self.per_table("adam_kind", table, compute)

    @staticmethod
    def _kind(table, spec):
        class_ = (spec.class_ or "").upper() if spec is not None else ""
        subclass = (spec.subclass or "").upper() if spec is not None else ""
        adam = std.standard()["adam"]
        if table.name == "ADSL" or class_.startswith("SUBJECT LEVEL"):
            return "ADSL"
        if table.name == "ADDL" or class_.startswith("DEVICE LEVEL"):
            return "ADDL"
        if subclass == adam["tte_subclass"] or (not class_ or class_ == "BASIC DATA STRUCTURE") and (
                table.has("CNSR") or re.fullmatch(adam["tte_name"], table.name)):
            return "TTE"
        occurrence = any(re.fullmatch(adam["occds_variables"], n) for n in table.frame.columns)
        if class_ == "BASIC DATA STRUCTURE" or (not class_ and (table.has("PARAMCD") or table.has("AVAL")
                                                                 and not occurrence)):
            return "BDS"
        if class_.startswith("OCCURRENCE") or (not class_ and occurrence):
            return "OCCDS"
        return "OTHER"

    def model_tables(self, model):
        return [t for t in self.tables.values() if self.model(t) == model]

    # ---------------------------------------------------------- subjects

    def subjects(self, name):
        """USUBJID values of dataset ``name`` (DM, ADSL) as an Index, or None when absent."""
        table = self.table(name)
        if table is None or not table.has("USUBJID"):
            return None
        return pd.Index(table.codes("USUBJID")[1])

    def by_subject(self, name, variables):
        """``variables`` of dataset ``name`` indexed by USUBJID (first record per subject),
        or None when the dataset or a variable is absent."""
        def compute():
            table = self.table(name)
            if table is None or not table.has("USUBJID", *variables):
                return None
            frame = table.frame[list(variables)].copy()
            frame.index = table.text("USUBJID").to_numpy()
            return frame[frame.index.notna() & ~frame.index.duplicated()]
        return self.cached(("by_subject", name, tuple(variables)), compute)

    def subject_values(self, table, name, variables):
        """``variables`` of dataset ``name`` for the subject of each row of ``table`` (a frame
        aligned with the table's rows, with a boolean column ``_known`` telling whether the
        subject is in ``name``), or None when either lacks what it takes. Read-only: computed once
        per run."""
        lookup = self.by_subject(name, variables)
        if lookup is None or not table.has("USUBJID"):
            return None

        def compute():
            codes, subjects = table.codes("USUBJID")
            per_subject = lookup.reindex(list(subjects) + [None])       # last row: no subject
            rows = np.where(codes < 0, len(subjects), codes)
            out = per_subject.iloc[rows].set_axis(table.frame.index)
            out["_known"] = np.append(subjects.isin(lookup.index).to_numpy(dtype=bool), False)[rows]
            return out
        return self.per_table(("subject values", name, tuple(variables)), table, compute)

    def cached(self, key, compute):
        """``compute()``, computed once per run for ``key``."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def per_table(self, key, table, compute):
        """``compute()`` for ``table``, once per run when it is one of the submission's own
        datasets (rules ask their model, domain and class over and over); other tables (e.g. a
        dataset's metadata read as a table) are computed afresh."""
        if self.table(table.name) is not table:
            return compute()
        return self.cached((key, table.name), compute)
