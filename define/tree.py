"""Namespaces, safe parsing and readable element paths of a define.xml tree.

The writer, the validators and the HTML view all speak of elements the same
way: a path such as
``/ODM/Study/MetaDataVersion/ItemGroupDef[@OID='IG.AE']/ItemRef[3]`` that a
person can follow in the file, keyed by OID where the element has one.
"""

import os

from lxml import etree

from specs.errors import InputError

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM, "def": DEF, "xlink": XLINK}
NS = {"odm": ODM, "def": DEF, "xlink": XLINK}
_PREFIXES = {ODM: "", DEF: "def:", XLINK: "xlink:"}
# Elements named by their OID (or leaf ID) in paths rather than by position.
_KEYED = {"ItemGroupDef", "ItemDef", "CodeList", "MethodDef", "def:CommentDef", "def:ValueListDef",
          "def:WhereClauseDef", "def:Standard", "def:leaf"}


def odm_name(name):
    """Clark name of an ODM element or attribute: ``{ns}name``."""
    return f"{{{ODM}}}{name}"


def def_name(name):
    """Clark name of a Define-XML (``def:``) element or attribute."""
    return f"{{{DEF}}}{name}"


def xlink_name(name):
    return f"{{{XLINK}}}{name}"


def prefixed(name):
    """``{ns}local`` as ``def:local`` (or ``local`` for ODM), for messages."""
    qname = etree.QName(name)
    return _PREFIXES.get(qname.namespace, f"{{{qname.namespace}}}" if qname.namespace else "") + qname.localname


def parse(source):
    """An ``ElementTree`` from XML bytes, a file path or an already parsed tree.

    Entities are not resolved and nothing is fetched from the network.
    Raises ``lxml.etree.XMLSyntaxError`` for text that is not well-formed.
    """
    if isinstance(source, etree._ElementTree):
        return source
    if isinstance(source, etree._Element):
        return source.getroottree()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    if isinstance(source, (bytes, bytearray)):
        return etree.fromstring(bytes(source), parser).getroottree()
    if isinstance(source, (str, os.PathLike)):
        return etree.parse(os.fspath(source), parser)
    raise TypeError(f"cannot read a define.xml from {type(source).__name__}")


def parse_file(source):
    """``(name, root)`` of a define.xml given as a path or bytes; ``InputError``
    naming the file (and the line) when it cannot be read or is not well-formed."""
    name = "define.xml" if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    try:
        root = parse(source).getroot()
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: line {exc.lineno}: not well-formed XML: {' '.join(exc.msg.split())}") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc}") from None
    for entity in root.iter(etree.Entity):
        # left unresolved on purpose (no DTD); reading on would silently cut the text
        parent = entity.getparent()
        raise InputError(f"{name}: line {entity.sourceline or parent.sourceline}: "
                         f"{etree.QName(parent).localname} holds the entity reference {entity.text} "
                         "(write the character itself)")
    return name, root


def element_path(element):
    """Readable path of ``element``, e.g. ``/ODM/Study/.../ItemRef[3]``."""
    parts = []
    while element is not None:
        name = prefixed(element.tag)
        parent = element.getparent()
        key = "OID" if element.get("OID") is not None else "ID"
        if name in _KEYED and element.get(key) is not None:
            parts.append(f"{name}[@{key}='{element.get(key)}']")
        elif parent is not None:
            same = [child for child in parent if child.tag == element.tag]
            parts.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
        else:
            parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))
