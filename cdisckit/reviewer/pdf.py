"""The PDF side shared by the reviewer documents (reportlab).

Every document is built the same way: a page template with the study in the
header and the page number in the footer, named destinations and outline
entries placed by zero-size flowables, and a fixed creation date so the same
inputs and ``--created`` give byte-identical files (reportlab's invariant
mode). ``build`` returns what define.xml may point at: the page count and the
named destinations written.
"""

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Table, TableStyle

from .. import __version__

MARGIN = 18 * mm
# Text that Helvetica (WinAnsi) cannot show, e.g. a Chinese laboratory name or the
# gamma of IFN-gamma, is set in Adobe's CID font for Chinese, which covers both.
WIDE_FONT = "STSong-Light"
_NOT_WINANSI = re.compile(r"[^\x00-\xff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]+")


@dataclass(frozen=True)
class Written:
    """A PDF as written: its bytes, number of pages and named destinations."""
    data: bytes
    pages: int
    destinations: frozenset


def markup(text):
    """Plain ``text`` as paragraph markup: escaped, with runs Helvetica cannot
    show set in the wide font."""
    if not _NOT_WINANSI.search(str(text)):
        return escape(str(text))
    if WIDE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(WIDE_FONT))
    parts, last = [], 0
    for run in _NOT_WINANSI.finditer(str(text)):
        parts += [escape(str(text)[last:run.start()]), f'<font name="{WIDE_FONT}">{escape(run.group())}</font>']
        last = run.end()
    return "".join(parts + [escape(str(text)[last:])])


def styles():
    """Paragraph styles of the reviewer documents, by name."""
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5,
                          spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=22, leading=28, spaceAfter=14),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=13, leading=17, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontSize=15, leading=19, spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5,
                               spaceAfter=0, textColor=colors.white),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#555555")),
    }


def grid(rows, widths):
    """A table with a dark header row (repeated on every page it spans) and banded rows."""
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#34495e")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b0b0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


class Anchor(Flowable):
    """A destination on the page where it lands, with an outline entry
    (``title`` at ``level``) when a title is given. ``named``: also a named
    destination of the file (``#nameddest=key``); otherwise only the outline
    uses it (each outline entry needs a destination of its own)."""

    def __init__(self, key, title=None, level=0, named=True):
        super().__init__()
        self.key, self.title, self.level, self.named = key, title, level, named
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv.bookmarkPage(self.key)
        if self.named:
            self.canv._cdisckit_destinations.add(self.key)
        if self.title is not None:
            self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=self.level > 0)


class Outline(Flowable):
    """Outline entries pointing at destinations already placed: (title, key, level)."""

    def __init__(self, entries):
        super().__init__()
        self.entries = list(entries)
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        for title, key, level in self.entries:
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


def pdf_date(created):
    """``created`` as a PDF date string (UTC)."""
    return created.strftime("D:%Y%m%d%H%M%S+00'00'")


def build(story, *, title, header, created, pagesize=A4, subject=None):
    """Lay out ``story`` on numbered pages; ``header`` is the text of every page's
    top line. Returns a ``Written``."""
    buffer = io.BytesIO()
    width, height = pagesize
    doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN, title=title, author=header,
                          subject=subject or title, creator=f"cdisckit {__version__}", invariant=1)

    def decorate(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(MARGIN, height - MARGIN + 2 * mm, header)
        canvas.drawRightString(width - MARGIN, height - MARGIN + 2 * mm, title)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.line(MARGIN, height - MARGIN, width - MARGIN, height - MARGIN)
        canvas.drawRightString(width - MARGIN, MARGIN - 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    frame = Frame(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN - 6 * mm, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    written = set()

    def start(canvas, document=None):
        canvas.setDateFormatter(lambda *_: pdf_date(created))
        canvas._cdisckit_destinations = written
        canvas.showOutline()

    doc.build(story, canvasmaker=_canvas_maker(start))
    return Written(data=buffer.getvalue(), pages=doc.page, destinations=frozenset(written))


def _canvas_maker(start):
    from reportlab.pdfbase.pdfdoc import PDFDictionary
    from reportlab.pdfgen.canvas import Canvas

    class NamedCanvas(Canvas):
        """A canvas whose bookmarks are also named destinations of the
        catalog (``/Dests``), so ``file.pdf#nameddest=key`` opens them."""

        def save(self):
            names = sorted(self._cdisckit_destinations)
            if names:
                self._doc.Catalog.Dests = PDFDictionary({n: self._bookmarkReference(n) for n in names})
            super().save()

    def make(*args, **kwargs):
        canvas = NamedCanvas(*args, **kwargs)
        start(canvas)
        return canvas
    return make
