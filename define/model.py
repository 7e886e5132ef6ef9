"""The Define-XML elements cdisckit reads and writes: one table per element.

Each ``Element`` lists its attributes in the order the writer puts them and,
for those that carry a field of a spec object (``specs.model``), the field
and how its value is spelled in XML: plain text, a whole number, Yes/No, or
a reference whose OID is the spec id with the kind's prefix (``CL.AESEV`` is
codelist ``AESEV``; see ``define.oids``). ``define.writer`` builds elements
from spec objects through these tables and ``define.reader`` turns elements
back into spec fields through the same tables, so an attribute is described
once: adding one to a variable means one line here and the spec field.
"""

from dataclasses import dataclass

from . import oids

DEF_NAMESPACES = {"http://www.cdisc.org/ns/def/v2.0": "2.0", "http://www.cdisc.org/ns/def/v2.1": "2.1"}
NCI_ALIAS = "nci:ExtCodeID"


@dataclass(frozen=True)
class Attribute:
    """One attribute: its XML name (``def:`` or ``xlink:`` prefixed where not
    ODM), the spec field it carries (None: the writer gives it) and its kind:
    ``text``, ``int``, ``yes_no`` ("Yes"/"No"), ``yes`` ("Yes" or absent) or
    the kind of spec id it refers to (``codelist``, ``method``, ``comment``,
    ``document``, ``standard``)."""
    name: str
    field: str | None = None
    kind: str = "text"

    @property
    def key(self):
        """The name the writer passes a value by: the local name (``CommentOID``)."""
        return self.name.split(":")[-1]

    def to_xml(self, value):
        """The attribute's text for a spec value (None: leave the attribute out)."""
        if value is None:
            return None
        if self.kind == "yes_no":
            return "Yes" if value else "No"
        if self.kind == "yes":
            return "Yes" if value else None
        if self.kind in oids.REFERENCES:
            return oids.REFERENCES[self.kind](value)
        return str(value)

    def from_xml(self, text):
        """The spec value of the attribute's text (None for a missing or blank one)."""
        if self.kind in ("yes_no", "yes"):
            return text == "Yes"
        if text is None or not text.strip():
            return None
        text = text.strip()
        if self.kind == "int":
            return int(text)
        if self.kind in oids.REFERENCES:
            return oids.spec_id(text, self.kind)
        return text


@dataclass(frozen=True)
class Element:
    """One element: its name (``def:`` prefixed where not ODM) and attributes in order."""
    name: str
    attributes: tuple

    def attribute(self, key):
        return next(a for a in self.attributes if a.key == key)


def element(name, *attributes):
    return Element(name, tuple(a if isinstance(a, Attribute) else Attribute(a) for a in attributes))


ODM_ROOT = element("ODM", "FileType", "FileOID", "CreationDateTime", "ODMVersion", "Originator", "SourceSystem",
                   "SourceSystemVersion", "def:Context")
STUDY = element("Study", "OID")
METADATA_VERSION = element("MetaDataVersion", "OID", "Name", "Description", "def:DefineVersion",
                           Attribute("def:StandardName"), Attribute("def:StandardVersion"))
STANDARD = element("def:Standard", Attribute("OID", "id", "standard"), Attribute("Name", "name"),
                   Attribute("Type", "type"), Attribute("PublishingSet", "publishing_set"),
                   Attribute("Version", "version"), Attribute("Status", "status"))
DOCUMENT_REF = element("def:DocumentRef", Attribute("leafID", "document", "document"))
PDF_PAGE_REF = element("def:PDFPageRef", "PageRefs", "FirstPage", "LastPage", "Type")
LEAF = element("def:leaf", Attribute("ID", "id", "document"), Attribute("xlink:href", "href"))
VALUE_LIST_DEF = element("def:ValueListDef", "OID")
WHERE_CLAUSE_DEF = element("def:WhereClauseDef", "OID")
WHERE_CLAUSE_REF = element("def:WhereClauseRef", "WhereClauseOID")
RANGE_CHECK = element("RangeCheck", Attribute("Comparator", "comparator"), "SoftHard", "def:ItemOID")
ITEM_GROUP_DEF = element("ItemGroupDef", "OID", "Domain", Attribute("Name", "name"), "SASDatasetName",
                         Attribute("Repeating", "repeating", "yes_no"),
                         Attribute("IsReferenceData", "reference_data", "yes_no"), "Purpose",
                         Attribute("def:Structure", "structure"), Attribute("def:StandardOID", "standard", "standard"),
                         "def:ArchiveLocationID", Attribute("def:CommentOID", "comment", "comment"),
                         Attribute("def:HasNoData", "has_no_data", "yes"))
ITEM_REF = element("ItemRef", "ItemOID", "OrderNumber", Attribute("Mandatory", "mandatory", "yes_no"),
                   Attribute("KeySequence", kind="int"), Attribute("MethodOID", "method", "method"),
                   Attribute("Role", "role"))
CLASS = element("def:Class", Attribute("Name", "class_"))
SUBCLASS = element("def:SubClass", Attribute("Name", "subclass"))
ITEM_DEF = element("ItemDef", "OID", Attribute("Name", "name"), Attribute("DataType", "data_type"),
                   Attribute("Length", "length", "int"), Attribute("SignificantDigits", "significant_digits", "int"),
                   "SASFieldName", Attribute("def:DisplayFormat", "display_format"),
                   Attribute("def:CommentOID", "comment", "comment"))
CODE_LIST_REF = element("CodeListRef", Attribute("CodeListOID", "codelist", "codelist"))
ORIGIN = element("def:Origin", Attribute("Type", "type"), Attribute("Source", "source"))
VALUE_LIST_REF = element("def:ValueListRef", "ValueListOID")
CODE_LIST = element("CodeList", Attribute("OID", "id", "codelist"), Attribute("Name", "name"),
                    Attribute("DataType", "data_type"), Attribute("def:StandardOID", "standard", "standard"),
                    Attribute("def:IsNonStandard", kind="yes"), Attribute("def:CommentOID", "comment", "comment"))
EXTERNAL_CODE_LIST = element("ExternalCodeList", Attribute("Dictionary", "dictionary"),
                             Attribute("Version", "version"))
CODE_LIST_ITEM = element("CodeListItem", Attribute("CodedValue", "value"), "OrderNumber", Attribute("Rank", "rank"),
                         Attribute("def:ExtendedValue", kind="yes"))
ENUMERATED_ITEM = element("EnumeratedItem", *CODE_LIST_ITEM.attributes)
ALIAS = element("Alias", "Context", "Name")
METHOD_DEF = element("MethodDef", Attribute("OID", "id", "method"), Attribute("Name", "name"),
                     Attribute("Type", "type"))
FORMAL_EXPRESSION = element("FormalExpression", Attribute("Context", "context"))
COMMENT_DEF = element("def:CommentDef", Attribute("OID", "id", "comment"))
GLOBAL_VARIABLES = element("GlobalVariables")
STUDY_NAME = element("StudyName")
STUDY_DESCRIPTION = element("StudyDescription")
PROTOCOL_NAME = element("ProtocolName")
STANDARDS = element("def:Standards")
ANNOTATED_CRF = element("def:AnnotatedCRF")
SUPPLEMENTAL_DOC = element("def:SupplementalDoc")
DESCRIPTION = element("Description")
DECODE = element("Decode")
TRANSLATED_TEXT = element("TranslatedText", "xml:lang")
TITLE = element("def:title")
CHECK_VALUE = element("CheckValue")
