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

import re

from specs.errors import InputError
from specs.model import (LEGACY_ORIGINS, Codelist, Comment, Condition, Dataset, Document, Method,
                         Origin, Standard, Study, Term, ValueLevel, Variable, canonical_role,
                         standard_name)

from .tree import parse_file

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEFINE = {"http://www.cdisc.org/ns/def/v2.0": "2.0", "http://www.cdisc.org/ns/def/v2.1": "2.1"}
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NCI_ALIAS = "nci:ExtCodeID"
# The prefix the define writer puts before each kind of spec id.
PREFIXES = {"codelist": "CL", "method": "MT", "comment": "COM", "document": "LF"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def read_define(source, notes=None):
    """A ``Study`` from a Define-XML 2.0 or 2.1 file (path or bytes);
    ``InputError`` naming the line when the file cannot be read as one. What
    was read by a fallback is said in ``notes`` (a list), when given."""
    name, root = parse_file(source)
    return _Reader(name, root, notes if notes is not None else []).study()


def _id(oid, kind=None):
    """The spec id of an OID: without the writer's prefix, safe characters only."""
    if oid is None:
        return None
    prefix = PREFIXES.get(kind)
    if prefix and oid.startswith(prefix + ".") and len(oid) > len(prefix) + 1:
        oid = oid[len(prefix) + 1:]
    return _UNSAFE.sub("_", oid)


class _Reader:
    def __init__(self, name, root, notes):
        self.name, self.root, self.notes = name, root, notes
        namespace = next((ns for ns in root.nsmap.values() if ns in DEFINE), None)
        if root.tag != f"{{{ODM}}}ODM" or namespace is None:
            found = ", ".join(sorted(v for v in root.nsmap.values() if v)) or root.tag
            raise InputError(f"{name}: not a Define-XML 2.0 or 2.1 file (namespaces: {found}); "
                             "Define-XML 1.0 must first be converted to 2.0 or 2.1")
        self.version = DEFINE[namespace]
        self.ns = {"odm": ODM, "def": namespace, "xlink": XLINK}
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

    def attr(self, el, name):
        """An attribute, ``def:`` names in the define namespace."""
        if name.startswith("def:"):
            name = f"{{{self.ns['def']}}}{name[4:]}"
        value = el.get(name)
        return value.strip() if value is not None and value.strip() else None

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
            return [Standard(id=_id(el.get("OID")), name=standard_name(el.get("Name", "")),
                             version=el.get("Version", ""), type=el.get("Type", "IG"),
                             publishing_set=self.attr(el, "PublishingSet"), status=el.get("Status", "Final"))
                    for el in self.all(self.mdv, "def:Standards/def:Standard")]
        name, version = self.attr(self.mdv, "def:StandardName"), self.attr(self.mdv, "def:StandardVersion")
        if not name:
            raise InputError(f"{self.name}: line {self.mdv.sourceline}: MetaDataVersion has no def:StandardName")
        name = standard_name(name)
        return [Standard(id=_id(f"STD.{name}.{version or ''}".rstrip(".")), name=name, version=version or "")]

    def documents(self):
        acrf = {el.get("leafID") for el in self.all(self.mdv, "def:AnnotatedCRF/def:DocumentRef")}
        return [Document(id=_id(leaf.get("ID"), "document"),
                         title="".join(self.all(leaf, "def:title/text()")).strip() or leaf.get("ID"),
                         href=leaf.get(f"{{{XLINK}}}href"),
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
        return _id(ref.get("leafID"), "document"), pages

    def comments(self):
        comments = {}
        for el in self.all(self.mdv, "def:CommentDef"):
            document, pages = self.document_ref(el)
            comment = Comment(id=_id(el.get("OID"), "comment"), text=self.text(el, "odm:Description") or "",
                              document=document, pages=pages)
            comments[comment.id] = comment
        return comments

    def methods(self):
        methods = {}
        for el in self.all(self.mdv, "odm:MethodDef"):
            expression = self.one(el, "odm:FormalExpression", required=False)
            document, pages = self.document_ref(el)
            method = Method(id=_id(el.get("OID"), "method"), name=el.get("Name") or el.get("OID"),
                            type=(el.get("Type") or "Computation").capitalize(),
                            description=self.text(el, "odm:Description") or el.get("Name") or el.get("OID"),
                            expression=expression.text.strip() if expression is not None and expression.text
                            else None, context=expression.get("Context") if expression is not None else None,
                            document=document, pages=pages)
            methods[method.id] = method
        return methods

    def codelists(self):
        codelists = {}
        for el in self.all(self.mdv, "odm:CodeList"):
            data_type = el.get("DataType", "text")
            external = self.one(el, "odm:ExternalCodeList", required=False)
            cl = Codelist(id=_id(el.get("OID"), "codelist"), name=el.get("Name") or el.get("OID"),
                          data_type="text" if data_type == "string" else data_type,
                          nci_code=self.nci_code(el), standard=_id(self.attr(el, "def:StandardOID")),
                          comment=_id(self.attr(el, "def:CommentOID"), "comment"),
                          dictionary=external.get("Dictionary") if external is not None else None,
                          version=external.get("Version") if external is not None else None)
            for item in self.ordered(self.all(el, "odm:CodeListItem | odm:EnumeratedItem")):
                rank = item.get("Rank")
                rank = float(rank) if rank is not None else None
                cl.terms.append(Term(value=item.get("CodedValue"), decode=self.text(item, "odm:Decode"),
                                     nci_code=self.nci_code(item),
                                     rank=int(rank) if rank is not None and rank.is_integer() else rank))
                if self.attr(item, "def:ExtendedValue") == "Yes":
                    cl.extensible = True
            codelists[cl.id] = cl
        return codelists

    def nci_code(self, el):
        codes = self.all(el, f"odm:Alias[@Context='{NCI_ALIAS}']")
        return self.attr(codes[0], "Name") if codes else None

    # --- datasets ---------------------------------------------------------------------

    def dataset(self, group, default_standard):
        cls = self.one(group, "def:Class", required=False)
        name = group.get("Name")
        ds = Dataset(name=name, label=self.text(group, "odm:Description") or name,
                     model="ADaM" if group.get("Purpose") == "Analysis" else "SDTM",
                     standard=_id(self.attr(group, "def:StandardOID")) or default_standard,
                     class_=cls.get("Name") if cls is not None else self.attr(group, "def:Class"),
                     subclass=self.subclass(cls),
                     structure=self.attr(group, "def:Structure"),
                     repeating=group.get("Repeating") == "Yes",
                     reference_data=group.get("IsReferenceData") == "Yes",
                     domain=group.get("Domain") if group.get("Domain") not in (None, name) else None,
                     comment=_id(self.attr(group, "def:CommentOID"), "comment"),
                     has_no_data=self.attr(group, "def:HasNoData") == "Yes")
        keys = []
        for n, ref in enumerate(self.ordered(self.all(group, "odm:ItemRef")), start=1):
            item = self.item(ref.get("ItemOID"), ref)
            var = Variable(name=item.get("Name"), label=self.text(item, "odm:Description") or item.get("Name"),
                           role=ref.get("Role") and canonical_role(ref.get("Role")),
                           core="Req" if ref.get("Mandatory") == "Yes" else None,
                           method=_id(ref.get("MethodOID"), "method"), order=n, **self.item_fields(item))
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
        return self.attr(sub, "Name") if sub is not None else None

    def item_fields(self, item):
        """The fields a variable and a value-level entry read alike from an ItemDef."""
        codelist = [str(oid) for oid in self.all(item, "odm:CodeListRef/@CodeListOID")]
        return dict(data_type=item.get("DataType", "text"), length=self.integer(item, "Length"),
                    significant_digits=self.integer(item, "SignificantDigits"),
                    display_format=self.attr(item, "def:DisplayFormat"),
                    codelist=_id(codelist[0], "codelist") if codelist else None,
                    comment=_id(self.attr(item, "def:CommentOID"), "comment"), origin=self.origin(item))

    def origin(self, item):
        el = self.one(item, "def:Origin", required=False)
        if el is None or not el.get("Type"):
            return None
        type_, source = el.get("Type"), el.get("Source")
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
            label = self.text(item, "odm:Description")
            for wc_oid in (el.get("WhereClauseOID") for el in self.all(ref, "def:WhereClauseRef")):
                entries.append(ValueLevel(variable=var.name, where=self.where(wc_oid, ref),
                                          label=None if label == var.label else label,
                                          mandatory=ref.get("Mandatory") == "Yes",
                                          method=_id(ref.get("MethodOID"), "method"), **fields))
        return entries

    def where(self, oid, ref):
        clause = self.one(self.mdv, f"def:WhereClauseDef[@OID='{oid}']", required=False)
        if clause is None:
            raise InputError(f"{self.name}: line {ref.sourceline}: no def:WhereClauseDef has the OID {oid!r}")
        return [Condition(variable=self.checked_variable(check), comparator=check.get("Comparator"),
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
