"""The spec-driven ADaM engine: final SDTM frames in, final ADaM frames out.

Each ADaM dataset's ``mapping`` names its record builder (``builder``: the
function's name) and the builder's parameters, all data:

| builder | records |
|---|---|
| subject_records | one per subject of ``source`` (DM) |
| occurrence_records | one per record of SDTM ``source`` (AE) passing ``filter``, with SUPP-- QNAMs as columns |
| tte_records | one per subject of the ``population`` and parameter (see ``adam.tte``) |
| score_records | one per ``by_vars`` (subject and occasion) and scale (see ``adam.qlqc30``) |
| exposure_records | one per administration and parameter, one per subject and summary parameter (see ``adam.exposure``) |
| response_records | tumour response parameters per assessment and per subject (see ``adam.response``) |
| tumour_sum_records | the sum of the target diameters at baseline and every assessment (see ``adam.response``) |

Each variable is then filled, on demand and in any order, by the first of:
its ``mapping`` (a derivation of ``adam.derivations``); the builder's column
of the same name; its origin's predecessor ``DATASET.VARIABLE`` - an ADSL
variable is merged by USUBJID, any other is the builder's column of that
name (e.g. AVISIT from QS.VISIT). The finished frame is typed and ordered as
the spec says (numbers float64, text str with "" for missing), sorted by its
keys, and checked against non-extensible codelists and the XPT v5 limits.
Labels, lengths, formats and order come only from the specs.
"""

import inspect

import numpy as np
import pandas as pd

from specs.conditions import as_text, condition_variables, where_mask
from specs.errors import InputError
from specs.frames import check_xpt_values, typed_frame
from specs.text import number_text

from .adae import occurrence_records
from .adsl import subject_records
from .derivations import DERIVATIONS
from .exposure import exposure_records
from .qlqc30 import score_records
from .response import response_records, tumour_sum_records
from .tte import tte_records

BUILDERS = {func.__name__: func for func in (subject_records, occurrence_records, tte_records, score_records,
                                             response_records, tumour_sum_records, exposure_records)}


class Context:
    """What a builder sees: the study, other datasets and the spec path."""

    def __init__(self, engine, ds):
        self.engine, self.dataset, self.study = engine, ds, engine.study

    @property
    def path(self):
        return self.dataset.path

    def frame(self, name, path=None):
        return self.engine.frame(name, path or self.path)

    def require_method(self, method, path):
        """Stop when a rule names a method that the specs do not define."""
        if method is not None and method not in self.study.methods:
            raise InputError(f"{path}.method: method {method!r} is not defined in the methods files")


class Records(Context):
    """One ADaM dataset under construction: its builder's records and its
    variables, each evaluated once, when first needed."""

    def __init__(self, engine, ds, base):
        super().__init__(engine, ds)
        self.base, self.index = base, base.index
        self.values, self.sides, self.busy = {}, {}, set()
        self.variable, self._subjects = None, None

    def subjects(self):
        """Each record's code into the distinct USUBJIDs (read once, for the ADSL variables merged in)."""
        if self._subjects is None:
            self._subjects = pd.factorize(self.var("USUBJID"), use_na_sentinel=False)
        return self._subjects

    def spec_variable(self, name):
        var = self.dataset.variable(name)
        if var is None:
            raise InputError(f"{self.path}: {name!r} is not a variable of {self.dataset.name}")
        return var

    def codelist(self, codelist_id):
        if codelist_id is None or codelist_id not in self.study.codelists:
            raise InputError(f"{self.path}: needs a codelist (it has {codelist_id!r})")
        return self.study.codelists[codelist_id]

    def columns(self, *names):
        """Several variables as a frame of these records."""
        return pd.DataFrame({n: self.var(n).to_numpy() for n in dict.fromkeys(names)}, index=self.index)

    def side(self, name, key):
        """A side output of a variable's derivation (e.g. the imputation flags of a date)."""
        self.var(name)
        if (name, key) not in self.sides:
            raise InputError(f"{self.path}: variable {name} gives no {key.upper()} imputation flag "
                             "(it needs a derive_vars_dt, derive_vars_dtm or derive_vars_extreme_dt derivation)")
        return self.sides[(name, key)]

    def apply(self, func, names, new="_new", **params):
        """A toolkit function's result on the frame of the variables ``names``
        (None skipped), deriving ``new``; its errors get this variable's spec path."""
        frame = self.columns(*[n for n in names if n is not None])
        try:
            return func(frame, new, **params)
        except InputError as exc:
            raise InputError(f"{self.path}: {exc}") from None

    def var(self, name):
        """The values of a variable of this dataset (or, if it is none, a builder column)."""
        if name in self.values:
            return self.values[name]
        spec = self.dataset.variable(name)
        if spec is None:
            if name in self.base.columns:
                return self.base[name]
            raise InputError(f"{self.path}: {name!r} is neither a variable of {self.dataset.name} "
                             "nor a column of its records")
        if name in self.busy:
            raise InputError(f"{self.path}: variable {name} depends on itself through its derivation (a cycle)")
        self.busy.add(name)
        outer = self.variable
        self.variable = spec
        try:
            values = self._evaluate(spec)
        finally:
            self.variable = outer
            self.busy.discard(name)
        self.values[name] = values
        return values

    @property
    def path(self):
        var = self.variable
        where = f"variables[{var.order - 1}].mapping" if var is not None else "mapping"
        return f"{self.dataset.path}: {where}"

    def _evaluate(self, spec):
        how = spec.mapping
        if how is not None:
            return self._derive(spec, how)
        if spec.name in self.base.columns:
            return self.base[spec.name]
        predecessor = spec.origin.predecessor if spec.origin else None
        if predecessor and "." in predecessor:
            dataset, variable = predecessor.split(".", 1)
            if dataset == "ADSL" and self.dataset.name != "ADSL":
                adsl = self.frame("ADSL", f"{self.path}: origin.predecessor")
                if variable not in adsl.columns:
                    raise InputError(f"{self.dataset.path}: variables[{spec.order - 1}].origin.predecessor: "
                                     f"{variable} is not a variable of ADSL")
                lookup = pd.Series(adsl[variable].to_numpy(), index=adsl["USUBJID"].to_numpy())
                codes, subjects = self.subjects()
                values = pd.Series(pd.Series(subjects).map(lookup).to_numpy()[codes], index=self.index)
                return values if spec.numeric else values.fillna("")
            if variable in self.base.columns:
                return self.base[variable]
        raise InputError(f"{self.dataset.path}: variables[{spec.order - 1}]: {spec.name} has no mapping, "
                         f"its records have no column {spec.name}"
                         + (f" and its predecessor {predecessor} is not one of them" if predecessor else
                            " and it names no predecessor"))

    def _derive(self, spec, how):
        name = how.get("algorithm") if isinstance(how, dict) else None
        func = DERIVATIONS.get(name)
        if func is None:
            raise InputError(f"{self.path}.algorithm: unknown algorithm {name!r} "
                             f"(known: {', '.join(sorted(DERIVATIONS))})")
        params = {k: v for k, v in how.items() if k not in ("algorithm", "when")}
        _check_parameters(func, (self,), params, f"{self.path}: bad parameters for algorithm {name!r}")
        result = func(self, **params)
        if isinstance(result, pd.DataFrame):
            for key in result.columns[1:]:
                self.sides[(spec.name, key)] = pd.Series(result[key].to_numpy(), index=self.index)
            result = result.iloc[:, 0]
        values = pd.Series(np.asarray(result), index=self.index)
        if "when" in how:
            keep = where_mask(self.columns(*dict.fromkeys(condition_variables(how["when"]))), how["when"],
                              f"{self.path}.when")
            values = values.where(keep, np.nan if spec.numeric else "")
            for key in [k for k in self.sides if k[0] == spec.name]:
                self.sides[key] = self.sides[key].where(keep, "")
        return values


class Engine:
    """Builds the ADaM datasets of one study from its final SDTM frames."""

    def __init__(self, study, sdtm):
        self.study, self.sdtm = study, dict(sdtm)
        self.built, self.busy = {}, set()

    def frame(self, name, path):
        """A final dataset: ADaM (built on first use) or SDTM (given)."""
        ds = self.study.datasets.get(name)
        if ds is not None and ds.model == "ADaM":
            return self.build(name)
        if name in self.sdtm:
            return self.sdtm[name]
        raise InputError(f"{path}: dataset {name!r} is neither an ADaM dataset of the specs nor among the "
                         f"SDTM datasets given ({', '.join(sorted(self.sdtm)) or 'none'})")

    def spec(self, name):
        ds = self.study.datasets.get(name)
        if ds is None or ds.model != "ADaM":
            raise InputError(f"{self.study.path}: no ADaM dataset {name!r} in the specs")
        return ds

    def build(self, name):
        """The final dataset: typed, in spec order, sorted by its keys."""
        if name in self.built:
            return self.built[name]
        ds = self.spec(name)
        if name in self.busy:
            raise InputError(f"{ds.path}: dataset {name} needs itself to be built (a cycle)")
        self.busy.add(name)
        try:
            frame = self._build(ds)
        finally:
            self.busy.discard(name)
        self.built[name] = frame
        return frame

    def _build(self, ds):
        mapping = dict(ds.mapping or {})
        builder = BUILDERS.get(mapping.pop("builder", None))
        if builder is None:
            raise InputError(f"{ds.path}: mapping.builder: {ds.name} needs a builder, one of "
                             f"{', '.join(sorted(BUILDERS))}")
        context = Context(self, ds)
        _check_parameters(builder, (context,), mapping, f"{ds.path}: mapping: bad parameters for the builder")
        base = builder(context, **mapping)
        records = Records(self, ds, base.reset_index(drop=True))
        frame = pd.DataFrame({v.name: records.var(v.name).to_numpy() for v in ds.variables},
                             index=records.index)
        frame = typed_frame(ds, frame, None)
        _check_codelists(ds, frame, self.study)
        keys = [k for k in ds.keys if k in frame.columns]
        if keys:
            frame = frame.sort_values(keys, kind="mergesort", na_position="first")
        frame = frame.reset_index(drop=True)
        check_xpt_values(ds, frame, pd.DataFrame({"_file": f"{ds.name} (ADaM)",
                                                  "_row": np.arange(1, len(frame) + 1)}))
        return frame


def _check_parameters(func, args, params, message):
    """Stop when a spec gives a derivation or builder parameters it does not take."""
    try:
        inspect.signature(func).bind(*args, **params)
    except TypeError as exc:
        raise InputError(f"{message}: {exc}") from None


def _check_codelists(ds, frame, study):
    """Stop on a value outside a variable's non-extensible codelist (a spec gap)."""
    for var in ds.variables:
        codelist = study.codelists.get(var.codelist) if var.codelist else None
        if codelist is None or codelist.extensible or not codelist.terms:
            continue
        values = as_text(frame[var.name])
        allowed = set(codelist.values()) if not var.numeric else {number_text(float(v)) for v in codelist.values()}
        bad = (values != "") & ~values.isin(allowed)
        if bad.any():
            first = bad[bad].index[0]
            subject = f" (USUBJID {frame.at[first, 'USUBJID']})" if "USUBJID" in frame.columns else ""
            raise InputError(f"{ds.path}: variables[{var.order - 1}]: {ds.name}.{var.name} value "
                             f"{values[first]!r}{subject} is not in the non-extensible codelist {codelist.id} "
                             f"({', '.join(codelist.values())})")


def build_adam(study, sdtm, datasets=None, progress=None):
    """Build the study's ADaM datasets (all, or the names given) from final SDTM
    frames (name -> frame). Returns name -> final frame, in spec order."""
    engine = Engine(study, sdtm)
    names = datasets or [d.name for d in study.model_datasets("ADaM") if not d.has_no_data]
    result = {}
    for name in names:
        if progress:
            progress(name)
        result[name] = engine.build(name)
    return result
