"""Load a study's spec folder into a validated ``Study``.

A spec folder holds ``study.yaml``, optional ``codelists.yaml``,
``methods.yaml`` and ``comments.yaml`` (each may also be a folder of such
files, e.g. ``codelists/ae.yaml``, so a team can split the work), an optional
``explanations.yaml`` (conformance findings accepted with a reason), and one
file per dataset under ``sdtm/`` and ``adam/``. Loading checks, in order, the YAML syntax, the JSON
Schema of each file (``specs/schema/``), every mapping against the catalogue
of its engine (``specs.mapping``), the XPT v5 limits of names, labels
and lengths, and cross-references (a codelist, method, comment, document or
standard that a spec points to must exist). Every problem found is reported,
each as ``file: path.inside[3].file: what is wrong``, in one ``SpecError``.
"""

from pathlib import Path

import yaml

from . import transport
from .errors import InputError, SpecError
from .mapping import check_mappings
from .model import Dataset, Explanation, Study
from .schemas import format_path, schema_message, schema_validators
from .serialize import STUDY_FILES, STUDY_LISTS, from_data
from .yamlio import load_yaml, yaml_problem

BUNDLED_DIR = Path(__file__).parent / "studies"
MODEL_FOLDERS = {"sdtm": "SDTM", "adam": "ADaM"}


def bundled_studies():
    """Names of the studies shipped with the package."""
    return sorted(p.name for p in BUNDLED_DIR.iterdir() if (p / "study.yaml").is_file())


def resolve_study(study):
    """The spec folder for a path or the name of a bundled study."""
    path = Path(study)
    if (path / "study.yaml").is_file():
        return path
    if (BUNDLED_DIR / str(study) / "study.yaml").is_file():
        return BUNDLED_DIR / str(study)
    if path.exists():
        raise InputError(f"{path}: not a spec folder (no study.yaml)")
    raise InputError(f"{study}: no such spec folder, nor a bundled study "
                     f"(bundled: {', '.join(bundled_studies())})")


def _read(file, schema, problems):
    """Parse and schema-validate one spec file; None when it has problems."""
    try:
        data = load_yaml(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{file}: {yaml_problem(exc)}")
        return None
    errors = sorted(schema_validators()[schema].iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        problems.append(f"{file}: {format_path(error.absolute_path)}: {schema_message(error)}")
    return None if errors else data


def _explanations(file, problems):
    return [Explanation(**item) for item in (_read(file, "explanations", problems) or [])]


def load_explanations(file):
    """The entries of an explanations.yaml (conformance findings accepted with a reason);
    raises SpecError naming the file and entry for a bad one."""
    return [Explanation(**item) for item in read_spec_file(file, "explanations") or []]


def read_spec_file(file, schema):
    """One spec file outside the study model (e.g. ``reviewers_guide.yaml``),
    parsed and checked against ``specs/schema/<schema>.schema.json``; raises
    ``SpecError`` naming the file and the path of every problem."""
    problems = []
    data = _read(Path(file), schema, problems)
    if problems:
        raise SpecError(problems)
    return data


def check_transport(file, dataset, problems):
    """XPT v5 limits on dataset and variable names, labels and lengths."""
    def add(path, problem):
        if problem:
            problems.append(f"{file}: {path}: {problem}")

    add("name", transport.name_problem(dataset.name))
    add("label", transport.label_problem(dataset.label))
    if dataset.name != file.stem.upper():
        problems.append(f"{file}: name: dataset {dataset.name!r} must be in a file named {dataset.name}.yaml")
    for i, var in enumerate(dataset.variables):
        add(f"variables[{i}].name", transport.name_problem(var.name))
        add(f"variables[{i}].label", transport.label_problem(var.label))
        if not var.numeric:
            add(f"variables[{i}].length", transport.length_problem(var.length))
    for i, vlm in enumerate(dataset.value_level):
        add(f"value_level[{i}].label", transport.label_problem(vlm.label))
        if vlm.data_type not in ("integer", "float"):
            add(f"value_level[{i}].length", transport.length_problem(vlm.length))


def check_duplicates(file, what, items, key, problems):
    """Report items whose ``key`` repeats an earlier one (ids, names, term values)."""
    seen = set()
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            problems.append(f"{file}: {what}[{i}].{key}: {value!r} is defined twice")
        seen.add(value)


def check_references(study, files, problems):
    """Every id a spec points to must be defined."""
    known = {
        "codelist": (study.codelists, "codelists.yaml"),
        "method": (study.methods, "methods.yaml"),
        "comment": (study.comments, "comments.yaml"),
        "document": ({d.id: d for d in study.documents}, "study.yaml documents"),
        "standard": ({s.id: s for s in study.standards}, "study.yaml standards"),
    }

    def ref(file, path, kind, value):
        table, where = known[kind]
        if value is not None and value not in table:
            problems.append(f"{file}: {path}.{kind}: {kind} {value!r} is not defined in {where}")

    def origin(file, path, org):
        if org is not None:
            ref(file, f"{path}.origin", "document", org.document)

    for attr, _ in STUDY_FILES.values():
        for item in getattr(study, attr).values():
            file, i = files[(attr, item.id)]
            for kind in ("document", "standard", "comment"):
                if hasattr(item, kind):
                    ref(file, f"[{i}]", kind, getattr(item, kind))
    for name, ds in study.datasets.items():
        file = files[name]
        ref(file, "(top)", "standard", ds.standard)
        ref(file, "(top)", "comment", ds.comment)
        names = set(ds.variable_names)
        for i, key in enumerate(ds.keys):
            if key not in names:
                problems.append(f"{file}: keys[{i}]: key variable {key!r} is not a variable of {name}")
        for i, var in enumerate(ds.variables):
            for kind in ("codelist", "method", "comment"):
                ref(file, f"variables[{i}]", kind, getattr(var, kind))
            origin(file, f"variables[{i}]", var.origin)
        for i, vlm in enumerate(ds.value_level):
            path = f"value_level[{i}]"
            if vlm.variable not in names:
                problems.append(f"{file}: {path}.variable: {vlm.variable!r} is not a variable of {name}")
            for j, cond in enumerate(vlm.where):
                if cond.variable not in names:
                    problems.append(f"{file}: {path}.where[{j}].variable: "
                                    f"{cond.variable!r} is not a variable of {name}")
            for kind in ("codelist", "method", "comment"):
                ref(file, path, kind, getattr(vlm, kind))
            origin(file, path, vlm.origin)


def load_study(study):
    """Load, validate and cross-check a spec folder (path or bundled name)."""
    root = resolve_study(study)
    problems = []
    study_file = root / "study.yaml"
    data = _read(study_file, "study", problems)
    if data is None:
        raise SpecError(problems)
    lists = {key: [from_data(cls, item) for item in data.get(key, [])] for key, cls in STUDY_LISTS.items()}
    result = Study(**{k: v for k, v in data.items() if k not in STUDY_LISTS}, **lists, path=str(root))
    check_duplicates(study_file, "standards", result.standards, "id", problems)
    check_duplicates(study_file, "documents", result.documents, "id", problems)

    files = {}
    for name, (attr, cls) in STUDY_FILES.items():
        stem = name.removesuffix(".yaml")
        table = {}
        for file in [root / name] * (root / name).is_file() + sorted((root / stem).glob("*.yaml")):
            items = [from_data(cls, item) for item in (_read(file, stem, problems) or [])]
            for i, item in enumerate(items):
                if item.id in table:
                    problems.append(f"{file}: [{i}].id: {item.id!r} is defined twice "
                                    f"(also in {files[(attr, item.id)][0]})")
                table[item.id] = item
                files[(attr, item.id)] = (file, i)
                if attr == "codelists":
                    check_duplicates(file, f"[{i}].terms", item.terms, "value", problems)
        setattr(result, attr, table)

    if (root / "explanations.yaml").is_file():
        result.explanations = _explanations(root / "explanations.yaml", problems)

    for folder, model in MODEL_FOLDERS.items():
        for file in sorted((root / folder).glob("*.yaml")):
            data = _read(file, "dataset", problems)
            if data is None:
                continue
            ds = from_data(Dataset, data, model=model, path=str(file))
            for i, var in enumerate(ds.variables, start=1):
                var.order = i
            check_duplicates(file, "variables", ds.variables, "name", problems)
            check_transport(file, ds, problems)
            check_mappings(file, ds, problems)
            if ds.name in result.datasets:
                problems.append(f"{file}: name: dataset {ds.name!r} is also defined in "
                                f"{result.datasets[ds.name].path}")
                continue
            result.datasets[ds.name] = ds
            files[ds.name] = file
    check_references(result, files, problems)
    if problems:
        raise SpecError(problems)
    return result
