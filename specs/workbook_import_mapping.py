"""Import of the Mapping sheet: study parameters and the engines' dataset and variable mappings."""

from . import workbook_import_datasets as dataset_sheets
from .model import Study
from .workbook import parse_value


def mapping(reader, study):
    """Mapping rows into study parameters and dataset and variable mappings."""
    targets = {}
    for row in reader.rows("Mapping"):
        dataset, variable = reader.text(row, "dataset"), reader.text(row, "variable")
        target = study
        if dataset is not None:
            target = dataset_sheets.dataset_of(reader, study, row)
            if target is not None and variable is not None:
                var = target.variable(variable)
                if var is None:
                    reader.problem(row.sheet, row.number, "variable",
                                   f"{variable!r} is not a variable of {dataset}")
                target = var
        elif variable is not None:
            reader.problem(row.sheet, row.number, "dataset", f"Dataset is empty for variable {variable!r}")
            target = None
        if target is None:
            continue
        mapping = targets.setdefault(id(target), (target, {}))[1]
        key = row.values.get("key")
        if key is None or isinstance(key, str) and not key.strip():
            continue
        key = parse_value(key.strip() if isinstance(key, str) else key)
        if key in mapping:
            reader.problem(row.sheet, row.number, "key", f"Key {key!r} is given twice for the same target")
        mapping[key] = parse_value(row.values.get("value"))
    for target, mapping in targets.values():
        if isinstance(target, Study):
            target.parameters = mapping
        else:
            target.mapping = mapping
