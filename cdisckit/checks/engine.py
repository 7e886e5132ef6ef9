"""The runner: every rule of the catalogue over every dataset it applies to.

``run_checks`` reads a folder (or several) of XPT files, with optional specs
and define.xml, and returns ``Findings``; ``check_tables`` does the same for
tables already in memory. Rules never change data and a run never stops on a
bad dataset: an unreadable file and a rule that cannot be evaluated both
become findings. "--" in a rule's parameters stands for the dataset's
domain prefix, so one rule covers AE, CM, LB and every other domain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from define.reader import read_define
from specs.errors import InputError
from specs.loader import load_study
from specs.model import Study

from .. import background
from ..standards import DEFAULTS, Standards, available, ct_file, parse_standard
from .explanations import explain, read_explanations, study_explanations
from .finding import COLUMNS, Findings, empty_findings
from .rule import NotRun, catalogue
from .submission import Submission
from .table import read_folders


def run_checks(data, *, study=None, define=None, rules=None, standard=None, ct=None, dictionaries=None,
               explanations=None, sdtm=None, coverage=None, parallel=False):
    """Check the XPT files of ``data`` (a folder or a list of folders).

    ``study`` is a spec folder (or bundled study name) or a loaded ``Study``;
    ``define`` a define.xml path, a ``Study`` read from one, or a list of them
    (e.g. the SDTM and the ADaM define.xml); without it, a ``define.xml`` in a
    data folder is used. ``rules`` limits the run to some rules (default: the
    whole catalogue). ``standard`` ("sdtmig-3.3") overrides the guide version
    the metadata declares; ``ct`` is another CT release file; ``dictionaries``
    maps a dictionary name (meddra, whodrug, ...) to its files; ``explanations``
    is an explanations.yaml (default: the study's); ``sdtm`` a folder of SDTM datasets the
    ADaM traceability rules read (not checked themselves); ``parallel`` as in
    ``check_tables``. Raises InputError for a
    folder, spec, define.xml or option that cannot be read.
    """
    folders = [data] if isinstance(data, (str, Path)) else list(data)
    defines = [] if define is None else [define] if isinstance(define, (str, Path, Study)) else list(define)
    skipped = []
    if not defines:
        defines, skipped = _folder_defines(folders)
    tables, unreadable = read_folders(folders)
    references = read_folders([sdtm])[0] if sdtm is not None else ()
    inputs = {"data": [str(f) for f in folders],
              "study": None if study is None else str(getattr(study, "path", None) or study),
              "define": [str(d.path or "define.xml") if isinstance(d, Study) else str(d) for d in defines]}
    if sdtm is not None:
        inputs["sdtm"] = str(sdtm)
    if skipped:
        inputs["define_not_used"] = skipped
    define_paths = [d.path if isinstance(d, Study) else str(d) for d in defines]
    study, define = _study(study), _define(defines)
    standards = choose_standards(standard, ct, define, study)
    inputs["standard"] = f"{standards.name} {standards.version}"
    inputs["ct"] = standards.ct_package
    found = check_tables(tables, study=study, define=define, unreadable=unreadable, rules=rules, inputs=inputs,
                         standards=standards, dictionaries=dictionaries, references=references,
                         define_paths=[p for p in define_paths if p],
                         coverage=coverage, parallel=parallel)
    return explain(found, read_explanations(explanations) if explanations else study_explanations(study))


def choose_standards(standard=None, ct=None, define=None, study=None):
    """The guide and CT a run checks against: ``--standard`` when given, else the SDTMIG
    version the define.xml (then the specs) declares when the package has it, else SDTMIG 3.4."""
    if ct:
        ct_file(ct)                       # a bad CT file is bad input, found before any work
    if standard:
        name, version = parse_standard(standard)
        return Standards(name, version, ct)
    for source in (define, study):
        for item in getattr(source, "standards", []):
            if item.name.replace("-", "").upper() == "SDTMIG" and f"sdtmig-{item.version}" in available():
                return Standards("SDTMIG", item.version, ct)
    return Standards("SDTMIG", DEFAULTS["SDTMIG"], ct)


def _folder_defines(folders):
    """The readable define.xml files found in the data folders, and a line for each one that
    is not used (e.g. Define-XML 1.0)."""
    found, skipped = [], []
    for folder in folders:
        path = Path(folder) / "define.xml"
        if path.is_file():
            try:
                found.append(replace(read_define(path), path=str(path)))
            except InputError as exc:
                skipped.append(str(exc))
    return found, skipped


def _study(study):
    if study is None or isinstance(study, Study):
        return study
    return load_study(study)


def _define(defines):
    """One Study for every define.xml given (their datasets and codelists together), or None."""
    studies = []
    for item in defines:
        if not isinstance(item, Study):
            path = Path(item)
            if not path.is_file():
                raise InputError(f"{path}: no such define.xml")
            item = read_define(path)
        studies.append(item)
    if not studies:
        return None
    merged = studies[0]
    for other in studies[1:]:
        merged = replace(merged, datasets={**merged.datasets, **other.datasets},
                         codelists={**other.codelists, **merged.codelists},
                         standards=merged.standards + [s for s in other.standards if s not in merged.standards])
    return merged


def check_tables(tables, *, study=None, define=None, unreadable=(), rules=None, inputs=None, standards=None,
                 dictionaries=None, references=(), define_paths=(), coverage=None, parallel=False):
    """Check tables already in memory (see ``table.from_frame``) and return ``Findings``;
    ``references`` are tables the rules may read but do not check (the SDTM under ADaM),
    ``define_paths`` the define.xml files to check as files. ``parallel``: the
    dataset-level rules of about half the data are evaluated in a second process
    (``cdisckit.background``); the findings are the same."""
    sub = Submission(tables, study=study, define=define, unreadable=unreadable, standards=standards,
                     dictionaries=dictionaries, references=references, define_paths=define_paths,
                     coverage=coverage)
    rules = tuple(catalogue() if rules is None else rules)
    if inputs is not None and sub.model_tables("ADaM"):
        inputs = {**inputs, "adam_standard": f"ADaMIG {sub.adamig.version} with CT {sub.adamig.ct_package}"}
    parts, checks, not_run = [], [], []
    for level in ("dataset", "study", "run"):
        plan = []     # (rule, the tables it looks at, why it does not run at all)
        for rule in rules:
            if rule.scope.level != level:
                continue
            if not rule.applies_to_version(sub.version(rule.standard)):
                plan.append((rule, [], f"holds for {rule.standard} {', '.join(rule.versions)}, "
                                       f"not {sub.version(rule.standard)}"))
                continue
            plan.append((rule, _targets(rule, sub) if level == "dataset" else [None], None))
        found = iter(_evaluate_all([(rule, table) for rule, targets, _ in plan for table in targets], sub,
                                   parallel and level == "dataset"))
        for rule, targets, skipped in plan:
            if skipped:
                not_run.append((rule.id, skipped))
                continue
            if not targets:
                not_run.append((rule.id, "no dataset it applies to"))
            ran = len(checks)
            for table in targets:
                result = next(found)
                if result is None:
                    continue
                checks.append((rule.id, table.name if table is not None else "", result.count))
                if result.count:
                    parts.append(result)
            if targets and len(checks) == ran:
                not_run.append((rule.id, _why_not(rule, sub)))
    frame = _findings(parts) if parts else empty_findings()
    frame = frame.sort_values(["dataset", "rule", "record"], kind="stable", na_position="first")
    return Findings(frame=frame.reset_index(drop=True)[list(COLUMNS)], rules=rules,
                    checks=pd.DataFrame(checks, columns=["rule", "dataset", "findings"]),
                    datasets=_datasets(sub), inputs=inputs or {},
                    not_run=pd.DataFrame(not_run, columns=["rule", "reason"]))


def _evaluate_all(pairs, sub, parallel):
    """``_evaluate`` of each (rule, table) pair, in order. In parallel, a second
    process takes the pairs of the tables given to it (about half the cells);
    what evaluating records in the submission (rules not run, rule errors) is
    then replayed in the order of the pairs, as one process would have left it."""
    if not parallel or len({id(t) for _, t in pairs}) < 2:
        return [_evaluate(rule, table, sub) for rule, table in pairs]
    theirs = _half_of_the_cells({t.name: t for _, t in pairs}.values())
    mine = [i for i, (_, table) in enumerate(pairs) if table.name not in theirs]
    job = background.start(_evaluate_recorded, pairs, [i for i, (_, t) in enumerate(pairs) if t.name in theirs], sub)
    errors = list(sub.rule_errors)
    done = dict(_evaluate_recorded(pairs, mine, sub))
    done.update(job.result())
    sub.rule_errors[:] = errors
    results = []
    for i in range(len(pairs)):
        result, reason, new_errors = done[i]
        if reason is not None:
            sub.not_run[pairs[i][0].id] = reason
        sub.rule_errors.extend(new_errors)
        results.append(result)
    return results


def _evaluate_recorded(pairs, indices, sub):
    """(index, (result, the rule's not-run reason it set, the rule errors it added)) of each pair."""
    recorded = []
    for i in indices:
        rule, table = pairs[i]
        before, errors = sub.not_run.pop(rule.id, None), len(sub.rule_errors)
        result = _evaluate(rule, table, sub)
        reason = sub.not_run.get(rule.id)
        if reason is None and before is not None:
            sub.not_run[rule.id] = before
        recorded.append((i, (result, reason, sub.rule_errors[errors:])))
    return recorded


def _half_of_the_cells(tables):
    """Names of tables holding about half the cells (rows x columns) of ``tables``."""
    loads, names = [0, 0], set()
    for table in sorted(tables, key=lambda t: (-t.rows * max(len(t.frame.columns), 1), t.name)):
        side = 0 if loads[0] <= loads[1] else 1
        loads[side] += table.rows * max(len(table.frame.columns), 1)
        if side:
            names.add(table.name)
    return names


def _why_not(rule, sub):
    """Why a rule that had datasets to look at ran on none of them."""
    if rule.id in sub.not_run:
        return sub.not_run[rule.id]
    return "the variables or datasets it reads are absent"


def _targets(rule, sub):
    """The datasets a rule looks at (worked out once per distinct scope: many rules share one)."""
    return sub.cached(("targets", rule.scope), lambda: [t for t in sub.tables.values() if rule.scope.matches(t, sub)])


def _resolve(value, prefix):
    """``value`` with a leading "--" replaced by the prefix (lists item by item);
    raises LookupError when there is no prefix to put."""
    if isinstance(value, list):
        return [_resolve(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, prefix) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("--"):
        if prefix is None:
            raise LookupError(value)
        return prefix + value[2:]
    return value


@dataclass
class _Found:
    """What one rule found on one table: ``count`` findings, and for them the columns of the
    findings frame as arrays (built once for the whole run by ``_findings``)."""
    count: int
    columns: dict | None = None


def _evaluate(rule, table, sub):
    """The findings of one rule on one table (None: the rule does not apply)."""
    try:
        params = _resolve(rule.params, sub.prefix(table) if table is not None else None)
    except LookupError:
        return None
    words = {**params, "source": sub.reference_name, "dataset": table.name if table is not None else ""}
    try:
        found = rule.function(table, sub, **params)
        if found is None:
            return None
        if not len(found):
            return _Found(0)
        return _Found(len(found), _located(rule, table, sub, found, rule.words(rule.message, words),
                                           rule.words(rule.condition, words)))
    except NotRun as reason:            # e.g. no dictionary: said in the reports' rules not run
        sub.not_run[rule.id] = str(reason)
        return None
    except Exception as exc:   # a rule that cannot run on odd data is itself reported
        sub.rule_errors.append((rule.id, table.name if table is not None else "",
                                f"{type(exc).__name__}: {exc}"))
        return None


def _take(table, name, rows):
    """Values of variable ``name`` at 0-based ``rows`` (NaN rows give None)."""
    out = np.full(len(rows), None, dtype=object)
    if table is None or name is None or not table.has(name):
        return out
    known = ~np.isnan(rows)
    positions = rows[known].astype("int64")
    values = table.frame[name] if table.numeric(name) else table.text(name)
    out[known] = values.iloc[positions].to_numpy(dtype=object)
    return out


def _seq_name(table, sub):
    prefix = sub.prefix(table) if table is not None else None
    for name in ((prefix + "SEQ") if prefix else None, "ASEQ"):
        if name and table.has(name):
            return name
    return None


def _located(rule, table, sub, found, message, condition):
    """The findings columns of the hits ``found`` of ``rule`` on ``table``: where each is
    (dataset, record, USUBJID, --SEQ) and what it says."""
    n = len(found)
    rows = np.where(found.row < 0, np.nan, found.row).astype("float64")
    if found.dataset is not None:
        dataset = pd.Series(found.dataset, dtype=object).astype("str").to_numpy(dtype=object)
    else:
        dataset = np.full(n, table.name if table is not None else "", dtype=object)
    seq_name = _seq_name(table, sub) if table is not None else None
    seq = _take(table, seq_name, rows) if seq_name else np.full(n, None, dtype=object)
    return {"rule": np.full(n, rule.id, dtype=object), "severity": np.full(n, rule.severity, dtype=object),
            "category": np.full(n, rule.category, dtype=object), "dataset": dataset, "record": rows,
            "usubjid": _take(table, "USUBJID", rows),
            "seq": pd.to_numeric(pd.Series(seq, dtype=object), errors="coerce").to_numpy(dtype="float64"),
            "variables": found.variables, "values": found.values,
            "message": np.full(n, message, dtype=object), "condition": np.full(n, condition, dtype=object),
            "detail": pd.Series(found.detail, dtype=object).astype("str").to_numpy(dtype=object)}


def _findings(parts):
    """One findings frame (``COLUMNS``) from the parts of every rule and table."""
    columns = {c: np.concatenate([p.columns[c] for p in parts]) for c in parts[0].columns}
    rows, subjects = columns["record"], columns["usubjid"]
    return pd.DataFrame({
        **{c: columns[c] for c in ("rule", "severity", "category", "dataset")},
        "record": pd.array(np.where(np.isnan(rows), np.nan, rows + 1), dtype="Float64").astype("Int64"),
        "usubjid": pd.Series(subjects, dtype="str").mask(pd.isna(subjects)),  # pandas 2 spells None 'None'
        "seq": pd.array(columns["seq"], dtype="Float64"),
        **{c: columns[c] for c in ("variables", "values", "message", "condition", "detail")},
        "explanation": "",
    })


def _datasets(sub):
    """One row per dataset looked at; files by name only, so reports do not depend on where
    the data lie (the folders are in the run's inputs)."""
    rows = [{"dataset": t.name, "file": Path(t.path).name if t.path else "", "label": t.label or "",
             "records": t.rows, "variables": len(t.frame.columns), "model": sub.model(t),
             "class": sub.domain_class(t) or "", "readable": True} for t in sub.tables.values()]
    rows += [{"dataset": u.dataset, "file": Path(u.path).name, "label": "", "records": 0, "variables": 0,
              "model": "", "class": "", "readable": False} for u in sub.unreadable]
    return pd.DataFrame(rows, columns=["dataset", "file", "label", "records", "variables", "model", "class",
                                       "readable"]).sort_values("dataset", kind="stable").reset_index(drop=True)
