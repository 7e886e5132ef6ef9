"""Read a Define-XML 2.0 or 2.1 file into the spec model (``cdisckit spec from-define``).

What a define.xml says becomes specs: the standards, documents, datasets with
their variables (order, keys, roles, origins with their document pages),
codelists with NCI codes (or the external dictionary), value-level metadata
with its where-clauses, methods and comments. Mapping instructions are not in
a define.xml; they are left for the user to write.

Ids are the OIDs less the prefix the writer adds (``CL.AESEV`` is codelist
``AESEV``, ``MT.``, ``COM.`` and ``LF.`` likewise), so writing the specs back
gives the same OIDs; other characters than letters, digits, ``.``, ``_`` and
``-`` become ``_``. Define-XML 2.0 origins ``CRF`` and ``eDT`` become
Collected from the Investigator or a Vendor, and older names of the
implementation guides their Define-XML 2.1 names (``CDISC SDTM`` is SDTMIG).

The file is parsed with entities unresolved, no DTD and no network access.
"""

import math
import re

from lxml import etree

from specs.errors import InputError
from specs.model import (LEGACY_ORIGINS, Codelist, Comment, Condition, Dataset, Document, Method,
                         Origin, Standard, Study, Term, ValueLevel, Variable, canonical_role,
                         standard_name)

from . import model as E
from . import oids
from .tree import ODM, XLINK, XML_LANG, parse_file


def read_define(source, notes=None):
    """A ``Study`` from a Define-XML 2.0 or 2.1 file (path or bytes);
    ``InputError`` naming the line when the file cannot be read as one. What
    was read by a fallback is said in ``notes`` (a list), when given."""
    name, root = parse_file(source)
    return _Reader(name, root, notes if notes is not None else []).study()


class _Reader:
    def __init__(self, name, root, notes):
        self.name, self.root, self.notes = name, root, notes
        namespace = next((ns for ns in root.nsmap.values() if ns in E.DEF_NAMESPACES), None)
        if root.tag != f"{{{ODM}}}ODM" or namespace is None:
            found = ", ".join(sorted(v for v in root.nsmap.values() if v)) or root.tag
            raise InputError(f"{name}: not a Define-XML 2.0 or 2.1 file (namespaces: {found}); "
                             "Define-XML 1.0 must first be converted to 2.0 or 2.1")
        self.version = E.DEF_NAMESPACES[namespace]
        self.ns = {"odm": ODM, "def": namespace, "xlink": XLINK}
        self.readers = {}
        self.mdv = self.one(root, "odm:Study/odm:MetaDataVersion")
        self.items = {el.get("OID"): el for el in self.all(self.mdv, "odm:ItemDef")}

    # --- element access ---------------------------------------------------------------

    def all(self, el, path):
        return el.xpath(path, namespaces=self.ns)

    def one(self, el, path, required=True):
        found = self.all(el, path)
        if not found and required:
            raise InputError(f"{self.name}: line {el.sourceline}: {path.replace('odm:', '')} is missing")
        return found[0] if found else None

    def required(self, el, name):
        """An attribute the schema requires, e.g. an ItemDef's Name."""
        value = self.attr(el, name)
        if value is None:
            raise InputError(f"{self.name}: line {el.sourceline}: {etree.QName(el).localname} has no {name}")
        return value

    def number(self, el, name):
        """A finite number attribute (e.g. a term's Rank), or None when absent."""
        value = self.attr(el, name)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InputError(f"{self.name}: line {el.sourceline}: {name}={value!r} is not a number")
        return number

    def attr(self, el, name):
        """An attribute by its model name, stripped (None when missing or blank)."""
        value = el.get(self.clark(name))
        return value.strip() if value is not None and value.strip() else None

    def fields(self, table, el):
        """The spec fields that ``el``'s attributes carry, read by its model table."""
        read = self.readers.get(table.name)
        if read is None:
            read = self.readers[table.name] = [(a, self.clark(a.name)) for a in table.attributes if a.field]
        out = {}
        for attribute, name in read:
            try:
                out[attribute.field] = attribute.from_xml(el.get(name))
            except ValueError:
                raise InputError(f"{self.name}: line {el.sourceline}: {attribute.name}="
                                 f"{el.get(name)!r} is not a whole number") from None
        return out

    def clark(self, name):
        """The Clark name of a model attribute name (``def:`` and ``xlink:`` in their namespaces)."""
        prefix, _, local = name.rpartition(":")
        return f"{{{self.ns[prefix]}}}{local}" if prefix else local

    def text(self, el, path):
        """The text of a Description or Decode: English (or untagged) first."""
        texts = self.all(el, f"{path}/odm:TranslatedText")
        best = next((t for t in texts if t.get(XML_LANG) in (None, "en")), texts[0] if texts else None)
        return best.text.strip() if best is not None and best.text and best.text.strip() else None

    def integer(self, el, name):
        value = self.attr(el, name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise InputError(f"{self.name}: line {el.sourceline}: {name}={value!r} is not a whole number") \
                from None

    def ordered(self, elements):
        """``elements`` by their OrderNumber; those without one last, as in the file."""
        numbers = [self.integer(el, "OrderNumber") for el in elements]
        ranked = sorted(range(len(elements)), key=lambda i: (numbers[i] is None, numbers[i] or 0, i))
        return [elements[i] for i in ranked]

    def item(self, oid, el):
        item = self.items.get(oid)
        if item is None:
            raise InputError(f"{self.name}: line {el.sourceline}: no ItemDef has the OID {oid!r}")
        return item

    # --- the study --------------------------------------------------------------------

    def study(self):
        glob = self.one(self.root, "odm:Study/odm:GlobalVariables")
        studyid = "".join(self.all(glob, "odm:StudyName/text()"))
        studyid = re.sub(r"[^A-Za-z0-9_-]+", "-", studyid.strip()).strip("-")
        if not studyid:
            raise InputError(f"{self.name}: line {glob.sourceline}: StudyName is empty")
        title = "".join(self.all(glob, "odm:StudyDescription/text()")).strip() or studyid
        protocol = "".join(self.all(glob, "odm:ProtocolName/text()")).strip() or studyid
        standards = self.standards()
        study = Study(studyid=studyid, title=title, protocol=protocol, standards=standards,
                      documents=self.documents(), codelists=self.codelists(), methods=self.methods(),
                      comments=self.comments())
        default = standards[0].id if self.version == "2.0" else None
        for group in self.all(self.mdv, "odm:ItemGroupDef"):
            ds = self.dataset(group, default)
            study.datasets[ds.name] = ds
        return study

    def standards(self):
        if self.version == "2.1":
            found = [self.fields(E.STANDARD, el) for el in self.all(self.mdv, "def:Standards/def:Standard")]
            return [Standard(**dict(f, name=standard_name(f["name"] or ""), version=f["version"] or "",
                                    type=f["type"] or "IG", status=f["status"] or "Final")) for f in found]
        name, version = self.attr(self.mdv, "def:StandardName"), self.attr(self.mdv, "def:StandardVersion")
        if not name:
            raise InputError(f"{self.name}: line {self.mdv.sourceline}: MetaDataVersion has no def:StandardName")
        name = standard_name(name)
        return [Standard(id=oids.spec_id(f"STD.{name}.{version or ''}".rstrip("."), "standard"), name=name,
                         version=version or "")]

    def documents(self):
        acrf = {el.get("leafID") for el in self.all(self.mdv, "def:AnnotatedCRF/def:DocumentRef")}
        return [Document(**self.fields(E.LEAF, leaf),
                         title="".join(self.all(leaf, "def:title/text()")).strip() or leaf.get("ID"),
                         kind="acrf" if leaf.get("ID") in acrf else "supplemental")
                for leaf in self.all(self.mdv, "def:leaf")]

    def document_ref(self, el):
        """(document id, pages) of the first def:DocumentRef under ``el``."""
        ref = self.one(el, "def:DocumentRef", required=False)
        if ref is None:
            return None, []
        pages = []
        for page in self.all(ref, "def:PDFPageRef"):
            if page.get("FirstPage"):
                pages.append(f"{page.get('FirstPage')}-{page.get('LastPage', page.get('FirstPage'))}")
            for token in (page.get("PageRefs") or "").split():
                pages.append(int(token) if token.isdigit() and page.get("Type") != "NamedDestination" else token)
        return self.fields(E.DOCUMENT_REF, ref)["document"], pages

    def comments(self):
        comments = {}
        for el in self.all(self.mdv, "def:CommentDef"):
            document, pages = self.document_ref(el)
            comment = Comment(**self.fields(E.COMMENT_DEF, el), text=self.text(el, "odm:Description") or "",
                              document=document, pages=pages)
            comments[comment.id] = comment
        return comments

    def methods(self):
        methods = {}
        for el in self.all(self.mdv, "odm:MethodDef"):
            expression = self.one(el, "odm:FormalExpression", required=False)
            document, pages = self.document_ref(el)
            f = self.fields(E.METHOD_DEF, el)
            method = Method(id=f["id"], name=f["name"] or el.get("OID"), type=(f["type"] or "Computation").capitalize(),
                            description=self.text(el, "odm:Description") or f["name"] or el.get("OID"),
                            expression=expression.text.strip() if expression is not None and expression.text
                            else None, document=document, pages=pages,
                            context=self.fields(E.FORMAL_EXPRESSION, expression)["context"]
                            if expression is not None else None)
            methods[method.id] = method
        return methods

    def codelists(self):
        codelists = {}
        for el in self.all(self.mdv, "odm:CodeList"):
            f = self.fields(E.CODE_LIST, el)
            external = self.one(el, "odm:ExternalCodeList", required=False)
            data_type = f["data_type"] or "text"
            cl = Codelist(**dict(f, name=f["name"] or el.get("OID"), data_type="text" if data_type == "string"
                                 else data_type), nci_code=self.nci_code(el),
                          **(self.fields(E.EXTERNAL_CODE_LIST, external) if external is not None else {}))
            for item in self.ordered(self.all(el, "odm:CodeListItem | odm:EnumeratedItem")):
                term = self.fields(E.CODE_LIST_ITEM, item)
                rank = self.number(item, "Rank")
                cl.terms.append(Term(value=term["value"], decode=self.text(item, "odm:Decode"),
                                     nci_code=self.nci_code(item),
                                     rank=int(rank) if rank is not None and rank.is_integer() else rank))
                if E.CODE_LIST_ITEM.attribute("ExtendedValue").from_xml(self.attr(item, "def:ExtendedValue")):
                    cl.extensible = True
            codelists[cl.id] = cl
        return codelists

    def nci_code(self, el):
        codes = self.all(el, f"odm:Alias[@Context='{E.NCI_ALIAS}']")
        return self.attr(codes[0], "Name") if codes else None

    # --- datasets ---------------------------------------------------------------------

    def dataset(self, group, default_standard):
        cls = self.one(group, "def:Class", required=False)
        f = self.fields(E.ITEM_GROUP_DEF, group)
        name = self.required(group, "Name")
        ds = Dataset(**dict(f, standard=f["standard"] or default_standard),
                     label=self.text(group, "odm:Description") or name,
                     model="ADaM" if group.get("Purpose") == "Analysis" else "SDTM",
                     class_=self.fields(E.CLASS, cls)["class_"] if cls is not None else self.attr(group, "def:Class"),
                     subclass=self.subclass(cls),
                     domain=group.get("Domain") if group.get("Domain") not in (None, name) else None)
        keys = []
        for n, ref in enumerate(self.ordered(self.all(group, "odm:ItemRef")), start=1):
            item = self.item(ref.get("ItemOID"), ref)
            used = self.fields(E.ITEM_REF, ref)
            self.required(item, "Name")
            var = Variable(label=self.text(item, "odm:Description") or item.get("Name"),
                           role=used["role"] and canonical_role(used["role"]),
                           core="Req" if used["mandatory"] else None,
                           method=used["method"], order=n, **self.item_fields(item))
            ds.variables.append(var)
            if self.integer(ref, "KeySequence") is not None:
                keys.append((self.integer(ref, "KeySequence"), var.name))
            valuelist = self.one(item, "def:ValueListRef", required=False)
            if valuelist is not None:
                ds.value_level.extend(self.value_level(valuelist.get("ValueListOID"), var, item))
        ds.keys = [name for _, name in sorted(keys)]
        return ds

    def subclass(self, cls):
        sub = self.one(cls, "def:SubClass", required=False) if cls is not None else None
        return self.fields(E.SUBCLASS, sub)["subclass"] if sub is not None else None

    def item_fields(self, item):
        """The fields a variable and a value-level entry read alike from an ItemDef."""
        fields = self.fields(E.ITEM_DEF, item)
        ref = self.one(item, "odm:CodeListRef", required=False)
        return dict(fields, data_type=fields["data_type"] or "text", origin=self.origin(item),
                    codelist=self.fields(E.CODE_LIST_REF, ref)["codelist"] if ref is not None else None)

    def origin(self, item):
        el = self.one(item, "def:Origin", required=False)
        if el is None or not el.get("Type"):
            return None
        type_, source = self.fields(E.ORIGIN, el).values()
        if type_ in LEGACY_ORIGINS:
            type_, source = LEGACY_ORIGINS[type_][0], source or LEGACY_ORIGINS[type_][1]
        document, pages = self.document_ref(el)
        return Origin(type=type_, source=source, document=document, pages=pages,
                      predecessor=self.text(el, "odm:Description") if type_ == "Predecessor" else None)

    def value_level(self, oid, var, parent):
        valuelist = self.one(self.mdv, f"def:ValueListDef[@OID='{oid}']", required=False)
        if valuelist is None:
            raise InputError(f"{self.name}: line {parent.sourceline}: no def:ValueListDef has the OID {oid!r}")
        entries = []
        for ref in self.ordered(self.all(valuelist, "odm:ItemRef")):
            item = self.item(ref.get("ItemOID"), ref)
            fields = self.item_fields(item)
            del fields["name"]
            used = self.fields(E.ITEM_REF, ref)
            label = self.text(item, "odm:Description")
            for wc_oid in (el.get("WhereClauseOID") for el in self.all(ref, "def:WhereClauseRef")):
                entries.append(ValueLevel(variable=var.name, where=self.where(wc_oid, ref),
                                          label=None if label == var.label else label,
                                          mandatory=used["mandatory"], method=used["method"], **fields))
        return entries

    def where(self, oid, ref):
        clause = self.one(self.mdv, f"def:WhereClauseDef[@OID='{oid}']", required=False)
        if clause is None:
            raise InputError(f"{self.name}: line {ref.sourceline}: no def:WhereClauseDef has the OID {oid!r}")
        return [Condition(variable=self.checked_variable(check), **self.fields(E.RANGE_CHECK, check),
                          values=[v.text or "" for v in self.all(check, "odm:CheckValue")])
                for check in self.all(clause, "odm:RangeCheck")]

    def checked_variable(self, check):
        """The variable a RangeCheck tests. Some files point at an ItemDef they do
        not define (``IT.SUPPLB.QNAM`` for SUPPLBCH); the OID's last part names it."""
        oid = self.attr(check, "def:ItemOID")
        if oid in self.items:
            return self.items[oid].get("Name")
        if oid is None or "." not in oid:
            raise InputError(f"{self.name}: line {check.sourceline}: RangeCheck def:ItemOID={oid!r} "
                             "names no ItemDef")
        name = oid.rsplit(".", 1)[1]
        note = (f"{self.name}: line {check.sourceline}: RangeCheck def:ItemOID={oid!r} names no ItemDef; "
                f"read as variable {name}")
        if note not in self.notes:
            self.notes.append(note)
        return name
