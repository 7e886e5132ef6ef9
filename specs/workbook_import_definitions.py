"""Import of the definition sheets: Codelists, Dictionaries, Methods and Comments."""

from . import workbook_import_study as study_sheets
from .model import Codelist, Comment, Method, Term
from .workbook import canonical, parse_collected, parse_pages


def method(reader, row):
    method = Method(id=reader.text(row, "id"), name=reader.text(row, "name"),
                    description=reader.text(row, "description"), expression=reader.text(row, "expression"),
                    context=reader.text(row, "context"), document=reader.text(row, "document"),
                    pages=parse_pages(reader.text(row, "pages") or ""))
    if reader.text(row, "type"):
        method.type = canonical("method_type", reader.text(row, "type"))
    return method


def codelists(reader):
    codelists, first, index, terms = {}, {}, {}, {}
    for row in reader.rows("Codelists"):
        id_ = reader.text(row, "id")
        if id_ not in codelists:
            data_type = reader.text(row, "data_type")
            codelists[id_] = Codelist(
                id=id_, name=reader.text(row, "name"), nci_code=reader.text(row, "nci_code"),
                data_type=canonical("codelist_data_type", data_type) if data_type else "text",
                standard=study_sheets.standard_ref(reader, row, "standard", "CT"), comment=reader.text(row, "comment"),
                extensible=reader.flag(row, "extensible", False))
            first[id_] = row
            reader.place("codelists.yaml", (len(index),), row, id="id", name="name", nci_code="nci_code",
                         data_type="data_type", standard="standard", comment="comment",
                       extensible="extensible", dictionary=None, version=None)
            index[id_] = len(index)
        else:
            _same_codelist(reader, first[id_], row)
        if reader.text(row, "value") is None:
            for fld in ("decode", "term_nci_code", "rank", "collected", "order"):
                if reader.text(row, fld) is not None:
                    reader.problem(row.sheet, row.number, "value", "Term is empty")
                    break
            continue
        order = reader.number(row, "order")
        terms.setdefault(id_, []).append(((order is None, order or 0, row.number), row, Term(
            value=reader.text(row, "value"), decode=reader.text(row, "decode"),
            nci_code=reader.text(row, "term_nci_code"), rank=reader.number(row, "rank", float),
            collected=parse_collected(reader.text(row, "collected")))))
    for id_, items in terms.items():
        for j, (_, row, term) in enumerate(sorted(items, key=lambda item: item[0])):
            reader.place("codelists.yaml", (index[id_], "terms", j), row, value="value", decode="decode",
                         nci_code="term_nci_code", rank="rank", collected="collected")
            codelists[id_].terms.append(term)
    seen = {}
    for row in reader.rows("Dictionaries"):
        id_ = reader.text(row, "id")
        if not reader.first(seen, id_, row, "id"):
            continue
        data_type = reader.text(row, "data_type")
        data_type = canonical("codelist_data_type", data_type) if data_type else "text"
        cl = codelists.get(id_)
        if cl is None:
            cl = codelists[id_] = Codelist(id=id_, name=reader.text(row, "name"), data_type=data_type,
                                           comment=reader.text(row, "comment"))
            reader.place("codelists.yaml", (len(index),), row)
            index[id_] = len(index)
        else:
            for fld, value in (("name", cl.name), ("data_type", cl.data_type)):
                mine = reader.text(row, fld) if fld == "name" else data_type
                if mine is not None and mine != value:
                    reader.problem(row.sheet, row.number, fld, f"{row.sheet.headers[fld]} {mine!r} differs "
                                 f"from {value!r} on the Codelists sheet for {id_!r}")
        cl.dictionary, cl.version = reader.text(row, "dictionary"), reader.text(row, "version")
    return codelists


def _same_codelist(reader, first, row):
    """Codelist-level cells repeat on every term row; they must agree."""
    for fld in ("name", "nci_code", "data_type", "standard", "comment", "extensible"):
        mine, theirs = reader.text(row, fld), reader.text(first, fld)
        if mine is not None and theirs is not None and mine != theirs:
            reader.problem(row.sheet, row.number, fld, f"{row.sheet.headers[fld]} {mine!r} differs from "
                         f"{theirs!r} on row {first.number} for codelist {reader.text(row, 'id')!r}")


def comment(reader, row):
    return Comment(id=reader.text(row, "id"), text=reader.text(row, "text"),
                   document=reader.text(row, "document"), pages=parse_pages(reader.text(row, "pages") or ""))
