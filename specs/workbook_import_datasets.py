"""Import of the dataset sheets: Datasets, Variables, ValueLevel and WhereClauses."""

import re

from .model import LEGACY_ORIGINS, Condition, Dataset, Origin, ValueLevel, Variable, canonical_role
from .workbook import ADAM_CLASSES, canonical, parse_pages, parse_where
from . import workbook_import_study as study_sheets
from .workbook_reader import Place, location

_FOLDERS = {"SDTM": "sdtm", "ADaM": "adam"}
_SAS_FORMAT = re.compile(r"\$?[A-Za-z_]*\d*\.\d*")


def datasets(reader, study, rows, acrf):
    sheet = reader.sheets["Datasets"]
    seen, places = {}, {}
    for row in rows:
        name = reader.text(row, "name")
        if not reader.first(seen, name, row, "name", "dataset"):
            continue
        standard = study_sheets.standard_ref(reader, row, "standard", "IG") if "standard" in sheet.columns \
            else reader.default_standard
        ds = Dataset(name=name, label=reader.text(row, "label"), model="SDTM", standard=standard,
                     class_=reader.text(row, "class"), subclass=reader.text(row, "subclass"),
                     structure=reader.text(row, "structure"),
                     keys=[k for k in re.split(r"[,\s]+", reader.text(row, "keys") or "") if k],
                     repeating=reader.flag(row, "repeating", True),
                     reference_data=reader.flag(row, "reference_data", False),
                     domain=reader.text(row, "domain"), comment=reader.text(row, "comment"),
                     description=reader.text(row, "description"),
                     has_no_data=reader.flag(row, "has_no_data", False))
        ds.model = _model(reader, ds, reader.text(row, "purpose"))
        study.datasets[name] = ds
        places[name] = row
    reader.files = {name: f"{_FOLDERS[ds.model]}/{name}.yaml" for name, ds in study.datasets.items()}
    for name, row in places.items():
        reader.place(reader.files[name], (), row)
    _variables(reader, study, acrf)
    for name, ds in study.datasets.items():
        if not ds.variables and not reader.sheets["Variables"].missing:
            reader.problem(sheet, places[name].number, "name", f"dataset {name!r} has no rows on the "
                         f"{reader.sheets['Variables'].name} sheet")
    _value_level(reader, study, acrf)


def _model(reader, ds, purpose):
    if purpose:
        return "ADaM" if purpose.lower() == "analysis" else "SDTM"
    std = next((s for s in reader.standards if s.id == ds.standard), None)
    if (std is not None and std.name == "ADaMIG") or (ds.class_ or "").upper() in ADAM_CLASSES:
        return "ADaM"
    return "SDTM"


def dataset_of(reader, study, row):
    name = reader.text(row, "dataset")
    if name in study.datasets:
        return study.datasets[name]
    reader.problem(row.sheet, row.number, "dataset", f"dataset {name!r} is not on the "
                 f"{reader.sheets['Datasets'].name} sheet" if name else "Dataset is empty")
    return None


def _variables(reader, study, acrf):
    ordered = {}
    for n, row in enumerate(reader.rows("Variables")):
        ds = dataset_of(reader, study, row)
        if ds is not None:
            order = reader.number(row, "order")
            ordered.setdefault(ds.name, []).append(((order is None, order or 0, n), row))
    sequence = {}
    for name, items in ordered.items():
        ds = study.datasets[name]
        for _, row in sorted(items, key=lambda item: item[0]):
            var = Variable(name=reader.text(row, "name"), label=reader.text(row, "label"),
                           role=reader.text(row, "role") and canonical_role(reader.text(row, "role")),
                           core=reader.text(row, "core") and canonical("core", reader.text(row, "core")),
                           **_item(reader, row, acrf))
            mandatory = reader.flag(row, "mandatory", None)
            if var.core is None and mandatory:
                var.core = "Req"
            elif var.core is not None and mandatory is not None and mandatory != (var.core == "Req"):
                reader.problem(row.sheet, row.number, "mandatory", f'{row.sheet.headers["mandatory"]} '
                             f'"{reader.text(row, "mandatory")}" contradicts Core "{var.core}"')
            var.order = len(ds.variables) + 1
            reader.place(reader.files[name], ("variables", len(ds.variables)), row)
            ds.variables.append(var)
            key = reader.number(row, "key_sequence")
            if key is not None:
                sequence.setdefault(name, []).append((key, var.name))
    if "keys" not in reader.sheets["Datasets"].columns:
        for name, keys in sequence.items():
            study.datasets[name].keys = [v for _, v in sorted(keys)]


def _item(reader, row, acrf):
    """Fields a variable and a value-level entry share. A layout's
    ``codelist_or_format`` cell is a display format when it reads as a SAS
    format (``DATE9.``, ``8.2``), else a codelist."""
    data_type = reader.text(row, "data_type")
    either = reader.text(row, "codelist_or_format")
    as_format = either is not None and _SAS_FORMAT.fullmatch(either) is not None
    return dict(data_type=canonical("data_type", data_type) if data_type else "text",
                length=reader.number(row, "length"),
                significant_digits=reader.number(row, "significant_digits"),
                display_format=reader.text(row, "display_format") or (either if as_format else None),
                codelist=reader.text(row, "codelist") or (None if as_format else either),
                method=reader.text(row, "method"), comment=reader.text(row, "comment"),
                origin=_origin(reader, row, acrf))


def _origin(reader, row, acrf):
    cells = {f: reader.text(row, f"origin.{f}") for f in ("type", "source", "pages", "document", "predecessor")}
    if not any(cells.values()):
        return None
    type_ = cells["type"]
    if type_ is None:
        given = next(f for f, v in cells.items() if v)
        reader.problem(row.sheet, row.number, "origin.type",
                       f"Origin is empty but {row.sheet.headers[f'origin.{given}']} is given")
        return None
    source = cells["source"] and canonical("origin.source", cells["source"])
    legacy = next((v for k, v in LEGACY_ORIGINS.items() if k.lower() == type_.lower()), None)
    if legacy:
        type_, source = legacy[0], source or legacy[1]
    origin = Origin(type=canonical("origin.type", type_), source=source,
                    document=cells["document"], pages=parse_pages(cells["pages"] or ""),
                    predecessor=cells["predecessor"])
    if origin.pages and origin.document is None:
        if len(acrf) == 1:
            origin.document = acrf[0]
        else:
            reader.problem(row.sheet, row.number, "origin.pages", "Pages given, but the document they are "
                         f"in is not: {'several' if acrf else 'no'} annotated CRF(s) on the Documents sheet")
    return origin


def _value_level(reader, study, acrf):
    clauses = _where_clauses(reader)
    for row in reader.rows("ValueLevel"):
        ds = dataset_of(reader, study, row)
        if ds is None:
            continue
        variable = reader.text(row, "variable")
        listed = re.fullmatch(r"VL\.([^.]+)\.([^.]+)", reader.text(row, "value_list") or "")
        if ds.variable(variable) is None and listed and ds.variable(listed[2]):
            variable = listed[2]      # odmlib names the value-level item, the list names its variable
        for conditions, places in _where_of(reader, row, ds, clauses):
            vlm = ValueLevel(variable=variable, where=conditions, label=reader.text(row, "label"),
                             mandatory=reader.flag(row, "mandatory", False), **_item(reader, row, acrf))
            i = len(ds.value_level)
            reader.place(reader.files[ds.name], ("value_level", i), row)
            for j, place in enumerate(places):
                reader.places[reader.files[ds.name], ("value_level", i, "where", j)] = place
            ds.value_level.append(vlm)


def _where_clauses(reader):
    """WhereClauses sheet: ID -> [(row, Condition)]; None when the layout has none."""
    if "WhereClauses" not in reader.found:
        return None
    clauses = {}
    for row in reader.rows("WhereClauses"):
        comparator = (reader.text(row, "comparator") or "").replace(" ", "").upper()
        value = reader.text(row, "value") or ""
        values = [v.strip() for v in value.split(",")] if comparator in ("IN", "NOTIN") else [value]
        cond = Condition(variable=reader.text(row, "variable"), comparator=comparator or None, values=values)
        clauses.setdefault(reader.text(row, "id"), []).append((row, cond))
    return clauses


def _where_of(reader, row, ds, clauses):
    """The where-clauses of a value-level row (several mean OR), each as its
    conditions and the places they were read from."""
    text = reader.text(row, "where")
    if text is None:
        reader.problem(row.sheet, row.number, "where", "Where Clause is empty")
        return []
    if clauses is None:
        try:
            parsed = parse_where(text)
        except ValueError as exc:
            reader.problem(row.sheet, row.number, "where", f"Where Clause {text!r}: {exc}")
            return []
        for dataset, variable, _, _ in parsed:
            if dataset not in (None, ds.name):
                reader.problem(row.sheet, row.number, "where", f"Where Clause {text!r}: {dataset}.{variable} "
                             f"is not a variable of {ds.name}")
        place = Place(row.sheet, row.number, {"variable": "where", "comparator": "where", "values": "where"})
        return [([Condition(variable=v, comparator=c, values=vals) for _, v, c, vals in parsed],
                 [place] * len(parsed))]
    result = []
    for id_ in re.split(r"[\s,']+", text):
        if id_ not in clauses:
            reader.problem(row.sheet, row.number, "where", f"Where Clause {id_!r} is not on the "
                         f"{reader.sheets['WhereClauses'].name} sheet")
            continue
        broken = [r for r, cond in clauses[id_] if not cond.variable or not cond.comparator]
        if broken:
            blank = "Variable" if not clauses[id_][0][1].variable else "Comparator"
            reader.notes.append(f"{location(row.sheet.name, row.number, row.sheet.columns['where'])}: "
                              f"value-level row not imported: its where-clause {id_!r} has no {blank} "
                              f"({location(broken[0].sheet.name, broken[0].number)})")
            continue
        result.append(([Condition(variable=c.variable, comparator=canonical("comparator", c.comparator),
                                  values=c.values) for _, c in clauses[id_]],
                       [Place(r.sheet, r.number, {"values": "value"}) for r, _ in clauses[id_]]))
    return result
