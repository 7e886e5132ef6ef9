"""What a define.xml says of each dataset as a transport file: the Dataset-JSON metadata.

Dataset-JSON (v1.1) carries, per dataset, the define's study, metadata
version and item group OIDs, and per column the ItemDef's OID, name, label,
data type, length, display format and the ItemRef's key sequence. This reads
them, in the ItemRefs' order, without going through the spec model (which
rewrites OIDs), so a file can point back at exactly the define it came from.

Define-XML data types become Dataset-JSON ones as CDISC's own examples do:
``text`` is ``string`` with its length; ``integer``, ``float``, ``date``,
``datetime`` and ``time`` keep their names (no length); the other ISO 8601
types (``partialDate``, ``durationDatetime``...) are ``string`` without a length.
"""

from dataclasses import dataclass, field

from specs.errors import InputError

from .model import DEF_NAMESPACES
from .tree import ODM, XML_LANG, parse_file

KEPT_TYPES = ("integer", "float", "date", "datetime", "time")


@dataclass
class DefineDataset:
    """One ItemGroupDef: its OID, name, label and Dataset-JSON columns."""
    oid: str
    name: str
    label: str
    columns: list[dict] = field(default_factory=list)


@dataclass
class DefineColumns:
    """The define-level OIDs and each dataset (by upper-case name)."""
    file_oid: str | None
    study_oid: str | None
    metadata_version_oid: str | None
    originator: str | None
    datasets: dict[str, DefineDataset] = field(default_factory=dict)


def read_define_columns(source):
    """``DefineColumns`` of a define.xml (path or bytes); InputError naming the file
    when it is not a readable Define-XML 2.0/2.1 document."""
    name, root = parse_file(source)
    namespace = next((ns for ns in root.nsmap.values() if ns in DEF_NAMESPACES), None)
    if root.tag != f"{{{ODM}}}ODM" or namespace is None:
        raise InputError(f"{name}: not a Define-XML 2.0 or 2.1 file")
    ns = {"odm": ODM, "def": namespace}
    study = root.find("odm:Study", ns)
    mdv = study.find("odm:MetaDataVersion", ns) if study is not None else None
    if mdv is None:
        raise InputError(f"{name}: Study/MetaDataVersion is missing")
    items = {el.get("OID"): el for el in mdv.iterfind("odm:ItemDef", ns)}
    result = DefineColumns(root.get("FileOID"), study.get("OID"), mdv.get("OID"), root.get("Originator"))
    for group in mdv.iterfind("odm:ItemGroupDef", ns):
        columns = []
        for ref in group.iterfind("odm:ItemRef", ns):
            item = items.get(ref.get("ItemOID"))
            if item is None:
                raise InputError(f"{name}: line {ref.sourceline}: no ItemDef has the OID "
                                 f"{ref.get('ItemOID')!r}")
            columns.append((_order(ref, name), _column(item, ref, ns, name)))
        columns = [column for _, column in sorted(columns, key=lambda pair: pair[0])]
        dataset = DefineDataset(group.get("OID"), group.get("Name"), _description(group, ns) or "",
                                columns)
        result.datasets[dataset.name.upper()] = dataset
    return result


def _order(ref, name):
    number = ref.get("OrderNumber")
    return (0, _whole(number, ref, "OrderNumber", name)) if number else (1, 0)


def _whole(text, el, what, name):
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{name}: line {el.sourceline}: {what}={text!r} is not a whole number") from None


def _description(el, ns):
    texts = el.findall("odm:Description/odm:TranslatedText", ns)
    best = next((t for t in texts if t.get(XML_LANG) in (None, "en")),
                texts[0] if texts else None)
    return (best.text or "").strip() if best is not None else None


def _column(item, ref, ns, name):
    """One ItemDef/ItemRef pair as a Dataset-JSON column (attributes in the spec's order)."""
    data_type = item.get("DataType")
    column = {"itemOID": item.get("OID"), "name": item.get("Name"),
              "label": _description(item, ns) or ""}
    if data_type == "text":
        column["dataType"] = "string"
        if item.get("Length"):
            column["length"] = _whole(item.get("Length"), item, "Length", name)
    else:
        column["dataType"] = data_type if data_type in KEPT_TYPES else "string"
    display = item.get(f"{{{ns['def']}}}DisplayFormat")
    if display:
        column["displayFormat"] = display
    if ref.get("KeySequence"):
        column["keySequence"] = _whole(ref.get("KeySequence"), ref, "KeySequence", name)
    return column
