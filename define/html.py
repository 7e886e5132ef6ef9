"""A define.xml rendered as one self-contained HTML page.

Our own rendering, not the CDISC stylesheet: a table of contents, the
standards and documents, one table per dataset (variables with key, type,
length, controlled terms, origin, method and comment), value-level
metadata, codelists, methods and comments. Every cross-reference is an
in-page link (anchors are the OIDs), datasets link to their XPT files and
origins to the pages of their documents. Inline CSS, no script, nothing
fetched: it reads the same offline as online.
"""

from lxml import html
from lxml.html import builder as E   # HTML5 tags (section, nav, ...) as E.E.tag: older lxml lacks E.SECTION

from .tree import NS, XML_LANG, def_name, parse, xlink_name

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2330;
       margin: 0; background: #fff; }
nav { position: fixed; top: 0; left: 0; bottom: 0; width: 14rem; overflow: auto; background: #f2f4f8;
      border-right: 1px solid #d5dae3; padding: 1rem; box-sizing: border-box; font-size: 13px; }
nav ul { list-style: none; padding-left: 0.8rem; margin: 0.2rem 0; }
nav > ul { padding-left: 0; }
main { margin-left: 14rem; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid #2b5797; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.8rem 0 0.4rem; }
a { color: #1f4e9c; text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d5dae3; padding: 0.2rem 0.35rem; text-align: left; vertical-align: top; }
th { background: #e6ebf3; font-weight: 600; }
tr:nth-child(even) td { background: #fafbfd; }
.meta { color: #4a5468; margin: 0.1rem 0; }
.muted { color: #6b7488; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; margin: 0; }
@media print { nav { position: static; width: auto; height: auto; border: none; } main { margin: 0; } }
"""


def render_html(define):
    """HTML text of a define.xml given as bytes, path or parsed tree."""
    return _Page(parse(define)).render()


def _text(element, child="odm:Description"):
    """The (English) TranslatedText under ``child`` of ``element``, or ''."""
    if element is None:
        return ""
    holder = element.find(child, NS) if child else element
    if holder is None:
        return ""
    texts = holder.findall("odm:TranslatedText", NS)
    chosen = next((t for t in texts if t.get(XML_LANG) in (None, "en")), texts[0] if texts else None)
    return (chosen.text or "") if chosen is not None else ""


def _link(oid, text):
    return E.A(text, href=f"#{oid}")


def _cell(*content):
    """A table cell from strings, elements and None (left out), separated by line breaks."""
    parts = []
    for item in content:
        if item is None or item == "":
            continue
        if parts:
            parts.append(E.BR())
        parts.append(item)
    return E.TD(*parts)


def _table(headers, rows):
    return E.TABLE(E.THEAD(E.TR(*[E.TH(h) for h in headers])), E.TBODY(*rows))


class _Page:
    """Lookups over one parsed define.xml and the HTML built from them."""

    def __init__(self, tree):
        self.tree = tree
        self.mdv = tree.find("odm:Study/odm:MetaDataVersion", NS)
        if self.mdv is None:
            raise ValueError("not a define.xml: no Study/MetaDataVersion")

        def index(path, key="OID"):
            return {e.get(key): e for e in self.mdv.findall(path, NS)}

        self.groups = self.mdv.findall("odm:ItemGroupDef", NS)
        self.items = index("odm:ItemDef")
        self.codelists = index("odm:CodeList")
        self.methods = index("odm:MethodDef")
        self.comments = index("def:CommentDef")
        self.valuelists = index("def:ValueListDef")
        self.whereclauses = index("def:WhereClauseDef")
        self.leaves = {e.get("ID"): e for e in self.mdv.iter(def_name("leaf"))}

    # --- pieces ------------------------------------------------------------------------------

    def documents(self, holder):
        """Links for the def:DocumentRef children of ``holder`` (to pages where given)."""
        links = []
        for ref in holder.findall("def:DocumentRef", NS):
            leaf = self.leaves.get(ref.get("leafID"))
            if leaf is None:
                links.append(E.SPAN(ref.get("leafID"), **{"class": "muted"}))
                continue
            href, title = leaf.get(xlink_name("href")), leaf.findtext("def:title", "", NS)
            pages = ref.findall("def:PDFPageRef", NS)
            if not pages:
                links.append(E.A(title, href=href))
            for page in pages:
                if page.get("FirstPage"):
                    targets = [(f"{page.get('FirstPage')}-{page.get('LastPage')}", f"page={page.get('FirstPage')}")]
                else:
                    key = "page" if page.get("Type") == "PhysicalRef" else "nameddest"
                    targets = [(p, f"{key}={p}") for p in (page.get("PageRefs") or "").split()]
                links.append(E.SPAN(f"{title} ", *self._joined(
                    [E.A(label, href=f"{href}#{fragment}") for label, fragment in targets])))
        return links

    @staticmethod
    def _joined(elements, sep=", "):
        out = []
        for i, element in enumerate(elements):
            out += [sep, element] if i else [element]
        return out

    def origin(self, item):
        cells = []
        for origin in item.findall("def:Origin", NS):
            kind = origin.get("Type")
            if origin.get("Source"):
                kind += f" ({origin.get('Source')})"
            detail = _text(origin)
            cells.append(E.DIV(kind + (f": {detail}" if detail else ""), *[
                E.DIV(link) for link in self.documents(origin)]))
        return cells

    def codelist_cell(self, item):
        ref = item.find("odm:CodeListRef", NS)
        if ref is None:
            return None
        codelist = self.codelists.get(ref.get("CodeListOID"))
        name = codelist.get("Name") if codelist is not None else ref.get("CodeListOID")
        return _link(ref.get("CodeListOID"), name)

    def method_comment(self, method_oid, item):
        parts = []
        method = self.methods.get(method_oid)
        if method is not None:
            parts.append(E.DIV(_link(method_oid, method.get("Name")), ": ", _text(method)))
        comment = self.comments.get(item.get(def_name("CommentOID"))) if item is not None else None
        if comment is not None:
            parts.append(E.DIV(_link(comment.get("OID"), "Comment"), ": ", _text(comment)))
        return parts

    def where_text(self, clause):
        parts = []
        for check in clause.findall("odm:RangeCheck", NS):
            target = self.items.get(check.get(def_name("ItemOID")))
            name = target.get("Name") if target is not None else check.get(def_name("ItemOID"))
            values = [v.text or "" for v in check.findall("odm:CheckValue", NS)]
            shown = values[0] if len(values) == 1 else "(" + ", ".join(values) + ")"
            parts.append(f"{name} {check.get('Comparator')} {shown}")
        return " and ".join(parts)

    @staticmethod
    def fmt(item):
        return item.get(def_name("DisplayFormat")) or (
            f"{item.get('SignificantDigits')} significant digits" if item.get("SignificantDigits") else "")

    # --- sections ----------------------------------------------------------------------------

    def render(self):
        study = self.tree.find("odm:Study/odm:GlobalVariables", NS)
        root = self.tree.getroot()
        title = f"{study.findtext('odm:StudyName', '', NS)} — {self.mdv.get('Name')}"
        sections = [self.standards(), self.document_list(), self.datasets(), self.value_level(),
                    self.codelist_section(), self.method_section(), self.comment_section()]
        sections = [s for s in sections if s is not None]
        toc = [E.LI(E.A(s.findtext("h2"), href=f"#{s.get('id')}"), *(
            [E.UL(*[E.LI(_link(g.get("OID"), f"{g.get('Name')} — {_text(g)}")) for g in self.groups])]
            if s.get("id") == "datasets" else [])) for s in sections]
        header = E.E.header(
            E.H1(title),
            E.P(study.findtext("odm:StudyDescription", "", NS), **{"class": "meta"}),
            E.P(f"Protocol {study.findtext('odm:ProtocolName', '', NS)} · Define-XML "
                f"{self.mdv.get(def_name('DefineVersion'))} · created {root.get('CreationDateTime')} · "
                f"{root.get('SourceSystem') or ''} {root.get('SourceSystemVersion') or ''}".rstrip(),
                **{"class": "meta"}))
        doc = E.HTML(
            E.HEAD(E.META(charset="utf-8"), E.TITLE(title), E.STYLE(STYLE)),
            E.BODY(E.E.nav(E.STRONG("Contents"), E.UL(*toc), id="toc"), E.E.main(header, *sections)),
            lang="en")
        return html.tostring(doc, doctype="<!DOCTYPE html>", encoding="unicode", pretty_print=True)

    def standards(self):
        rows = [E.TR(E.TD(s.get("Name")), E.TD(s.get("Type")), E.TD(s.get("PublishingSet") or ""),
                     E.TD(s.get("Version")), E.TD(s.get("Status")))
                for s in self.mdv.findall("def:Standards/def:Standard", NS)]
        if not rows:
            return None
        return E.E.section(E.H2("Standards"),
                         _table(["Standard", "Type", "Publishing set", "Version", "Status"], rows),
                         id="standards")

    def document_list(self):
        rows = []
        for tag, kind in (("def:AnnotatedCRF", "Annotated CRF"), ("def:SupplementalDoc", "Supplemental")):
            for ref in self.mdv.findall(f"{tag}/def:DocumentRef", NS):
                leaf = self.leaves.get(ref.get("leafID"))
                if leaf is not None:
                    rows.append(E.TR(E.TD(kind), E.TD(E.A(leaf.findtext("def:title", "", NS),
                                                          href=leaf.get(xlink_name("href"))))))
        return E.E.section(E.H2("Documents"), _table(["Kind", "Document"], rows), id="documents") if rows else None

    def datasets(self):
        rows = []
        for group in self.groups:
            leaf = group.find("def:leaf", NS)
            cls = group.find("def:Class", NS)
            cls_text = ""
            if cls is not None:
                subs = [s.get("Name") for s in cls.findall("def:SubClass", NS)]
                cls_text = cls.get("Name") + (f" ({', '.join(subs)})" if subs else "")
            comment = self.comments.get(group.get(def_name("CommentOID")))
            rows.append(E.TR(
                E.TD(_link(group.get("OID"), group.get("Name"))), E.TD(_text(group)), E.TD(cls_text),
                E.TD(group.get(def_name("Structure")) or ""), E.TD(group.get("Purpose") or ""),
                E.TD(", ".join(self.keys(group))),
                _cell(_text(comment) if comment is not None else None),
                E.TD(E.A(leaf.findtext("def:title", "", NS), href=leaf.get(xlink_name("href"))))
                if leaf is not None else E.TD()))
        parts = [E.H2("Datasets"),
                 _table(["Dataset", "Description", "Class", "Structure", "Purpose", "Keys", "Comment",
                         "Location"], rows)]
        parts += [self.dataset(group) for group in self.groups]
        return E.E.section(*parts, id="datasets")

    def keys(self, group):
        refs = [r for r in group.findall("odm:ItemRef", NS) if r.get("KeySequence")]
        refs.sort(key=lambda r: int(r.get("KeySequence")))
        return [self.items[r.get("ItemOID")].get("Name") if r.get("ItemOID") in self.items
                else r.get("ItemOID") for r in refs]

    def dataset(self, group):
        rows = []
        for ref in group.findall("odm:ItemRef", NS):
            item = self.items.get(ref.get("ItemOID"))
            if item is None:
                rows.append(E.TR(E.TD(ref.get("ItemOID")), E.TD("(no ItemDef)", colspan="9")))
                continue
            valuelist = item.find("def:ValueListRef", NS)
            name = [E.CODE(item.get("Name"))]
            if valuelist is not None:
                name += [E.BR(), _link(valuelist.get("ValueListOID"), "value-level")]
            rows.append(E.TR(
                E.TD(*name), E.TD(_text(item)), E.TD(ref.get("KeySequence") or ""),
                E.TD(item.get("DataType")), E.TD(item.get("Length") or ""), E.TD(self.fmt(item)),
                _cell(self.codelist_cell(item)), E.TD(*self.origin(item)),
                E.TD(*self.method_comment(ref.get("MethodOID"), item)),
                E.TD(ref.get("Mandatory") or ""), E.TD(ref.get("Role") or "")))
        leaf = group.find("def:leaf", NS)
        location = [" · ", E.A(leaf.findtext("def:title", "", NS), href=leaf.get(xlink_name("href")))] \
            if leaf is not None else []
        return E.DIV(
            E.H3(f"{group.get('Name')} — {_text(group)}", id=group.get("OID")),
            E.P(group.get(def_name("Structure")) or "", *location, **{"class": "meta"}),
            _table(["Variable", "Label", "Key", "Type", "Length", "Format", "Controlled terms", "Origin",
                    "Method / comment", "Mandatory", "Role"], rows))

    def value_level(self):
        parts = []
        parents = {vl.get("ValueListOID"): item for item in self.items.values()
                   for vl in item.findall("def:ValueListRef", NS)}
        groups = {r.get("ItemOID"): g for g in self.groups for r in g.findall("odm:ItemRef", NS)}
        for oid, valuelist in self.valuelists.items():
            parent = parents.get(oid)
            group = groups.get(parent.get("OID")) if parent is not None else None
            title = f"{group.get('Name')}.{parent.get('Name')}" if group is not None else oid
            rows = []
            for ref in valuelist.findall("odm:ItemRef", NS):
                item = self.items.get(ref.get("ItemOID"))
                if item is None:
                    continue
                where = [self.where_text(self.whereclauses[w.get("WhereClauseOID")])
                         for w in ref.findall("def:WhereClauseRef", NS)
                         if w.get("WhereClauseOID") in self.whereclauses]
                rows.append(E.TR(
                    E.TD(" or ".join(where)), E.TD(_text(item)), E.TD(item.get("DataType")),
                    E.TD(item.get("Length") or ""), E.TD(self.fmt(item)), _cell(self.codelist_cell(item)),
                    E.TD(*self.origin(item)), E.TD(*self.method_comment(ref.get("MethodOID"), item)),
                    E.TD(ref.get("Mandatory") or "")))
            parts += [E.H3(title, id=oid),
                      _table(["Where", "Label", "Type", "Length", "Format", "Controlled terms", "Origin",
                              "Method / comment", "Mandatory"], rows)]
        return E.E.section(E.H2("Value-level metadata"), *parts, id="valuelevel") if parts else None

    def codelist_section(self):
        parts = []
        for oid, codelist in self.codelists.items():
            nci = codelist.find("odm:Alias[@Context='nci:ExtCodeID']", NS)
            notes = [f"OID {oid}", f"data type {codelist.get('DataType')}"]
            if nci is not None:
                notes.append(f"NCI code {nci.get('Name')}")
            if codelist.get(def_name("IsNonStandard")) == "Yes":
                notes.append("sponsor-defined")
            external = codelist.find("odm:ExternalCodeList", NS)
            parts.append(E.H3(codelist.get("Name"), id=oid))
            parts.append(E.P(" · ".join(notes), **{"class": "meta"}))
            if external is not None:
                parts.append(_table(["Dictionary", "Version"], [
                    E.TR(E.TD(external.get("Dictionary") or ""), E.TD(external.get("Version") or ""))]))
                continue
            rows = []
            for term in codelist.xpath("odm:CodeListItem|odm:EnumeratedItem", namespaces=NS):
                alias = term.find("odm:Alias[@Context='nci:ExtCodeID']", NS)
                extended = " (sponsor extension)" if term.get(def_name("ExtendedValue")) == "Yes" else ""
                rows.append(E.TR(E.TD(E.CODE(term.get("CodedValue"))), E.TD(_text(term, "odm:Decode")),
                                 E.TD((alias.get("Name") if alias is not None else "") + extended)))
            parts.append(_table(["Coded value", "Decode", "NCI code"], rows))
        return E.E.section(E.H2("Controlled terms"), *parts, id="codelists") if parts else None

    def method_section(self):
        rows = []
        for oid, method in self.methods.items():
            expressions = [E.PRE(f"[{e.get('Context')}] " if e.get("Context") else "", e.text or "")
                           for e in method.findall("odm:FormalExpression", NS)]
            rows.append(E.TR(E.TD(method.get("Name"), id=oid), E.TD(method.get("Type") or ""),
                             E.TD(_text(method), *expressions), _cell(*self.documents(method))))
        return E.E.section(E.H2("Methods"), _table(["Method", "Type", "Description", "Documents"], rows),
                         id="methods") if rows else None

    def comment_section(self):
        rows = [E.TR(E.TD(oid, id=oid), E.TD(_text(comment)), _cell(*self.documents(comment)))
                for oid, comment in self.comments.items()]
        return E.E.section(E.H2("Comments"), _table(["Comment", "Description", "Documents"], rows),
                         id="comments") if rows else None
