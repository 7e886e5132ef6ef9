"""A reviewer's guide as a list of blocks, rendered to PDF and to HTML.

The guides are written once as blocks (headings, text, question and answer,
bullet lists, tables) and rendered twice, so the PDF and the HTML page always
say the same thing. Headings are numbered as the PHUSE templates number them
(1, 1.1, 1.1.1) and each is a destination of the PDF and an anchor of the page.
"""

import html
import re
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer

from .pdf import MARGIN, Anchor, build, grid, markup, styles


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1          # 1 section, 2 subsection, 3 sub-subsection
    numbered: bool = True


@dataclass(frozen=True)
class Text:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Question:
    """A template question with its answer, as the PHUSE templates ask them."""
    question: str
    answer: str


@dataclass(frozen=True)
class Items:
    items: tuple


@dataclass(frozen=True)
class Grid:
    """A table: header and rows of text; ``widths`` relative column widths."""
    header: tuple
    rows: tuple
    widths: tuple = field(default=())


def numbered(blocks):
    """(number, anchor, heading) for every heading, numbered 1, 1.1, 1.1.1."""
    counters, out = [0, 0, 0], []
    for block in blocks:
        if isinstance(block, Heading):
            if not block.numbered:
                out.append(("", _anchor(block.text), block))
                continue
            counters[block.level - 1] += 1
            counters[block.level:] = [0] * (3 - block.level)
            number = ".".join(str(c) for c in counters[:block.level])
            out.append((number, f"s{number}", block))
    return out


def _anchor(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _label(number, heading):
    return f"{number}{'.' if heading.level == 1 else ''} {heading.text}" if number else heading.text


def to_pdf(blocks, *, title, study, created):
    """The guide as a PDF (``pdf.Written``): cover, contents, numbered sections."""
    st = styles()
    heads = numbered(blocks)
    story = [Spacer(1, 50 * mm), Paragraph(markup(title), st["title"]),
             Paragraph(f"Study {markup(study.studyid)}", st["subtitle"]), Spacer(1, 6 * mm),
             Paragraph(markup(study.title), st["subtitle"]), Spacer(1, 6 * mm),
             Paragraph(f"Sponsor: {markup(study.sponsor or '')} · Protocol {markup(study.protocol)}",
                       st["subtitle"]),
             PageBreak(), Anchor("contents", "Contents"), Paragraph("Contents", st["h1"])]
    for number, key, heading in heads:
        indent = "&nbsp;" * 4 * (heading.level - 1)
        story.append(Paragraph(f'{indent}<a href="#{key}" color="#1a4fa0">{markup(_label(number, heading))}</a>',
                               st["body"]))
    story.append(PageBreak())
    anchors = iter(heads)
    for block in blocks:
        if isinstance(block, Heading):
            number, key, heading = next(anchors)
            story += [Anchor(key, _label(number, heading), level=heading.level - 1),
                      Paragraph(markup(_label(number, heading)), st[f"h{heading.level}"])]
        elif isinstance(block, Text):
            story.append(Paragraph(_inline(block.text), st["small" if block.small else "body"]))
        elif isinstance(block, Question):
            story += [Paragraph(f"<b>{_inline(block.question)}</b>", st["body"]),
                      Paragraph(_inline(block.answer), _indented(st["body"]))]
        elif isinstance(block, Items):
            story += [Paragraph(f"•&nbsp;{_inline(item)}", _indented(st["body"])) for item in block.items]
        elif isinstance(block, Grid):
            story += [_pdf_table(block, st), Spacer(1, 3 * mm)]
    return build(story, title=title, header=f"Study {study.studyid}", created=created, subject=title)


def _indented(style):
    from reportlab.lib.styles import ParagraphStyle
    return ParagraphStyle(f"{style.name}-indented", parent=style, leftIndent=5 * mm)


def _inline(text):
    """Plain text for a reportlab paragraph: escaped, line breaks kept."""
    return markup(text).replace("\n", "<br/>")


def _pdf_table(block, st):
    width = 210 * mm - 2 * MARGIN
    weights = block.widths or (1,) * len(block.header)
    widths = [width * w / sum(weights) for w in weights]
    rows = [[Paragraph(markup(h), st["head"]) for h in block.header]]
    rows += [[Paragraph(_inline(c), st["cell"]) for c in row] for row in block.rows]
    return grid(rows, widths)


CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #34495e}h2{font-size:1.3em;margin-top:1.6em}h3{font-size:1.1em}
h4{font-size:1em}table{border-collapse:collapse;margin:.6em 0 1em;font-size:.9em}
th{background:#34495e;color:#fff;text-align:left}th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top}
tr:nth-child(even) td{background:#f4f6f8}.q{font-weight:bold;margin-bottom:.2em}.a{margin:0 0 .8em 1.5em}
.small{font-size:.85em;color:#555}nav li{list-style:none}nav ul{padding-left:1.2em}
"""


def to_html(blocks, *, title, study):
    """The guide as one HTML page with the same content as the PDF."""
    esc = html.escape
    heads = numbered(blocks)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{esc(title)} - {esc(study.studyid)}</title><style>{CSS}</style></head><body>",
             f"<h1>{esc(title)}</h1>",
             f"<p>Study {esc(study.studyid)}: {esc(study.title)}<br>Sponsor: {esc(study.sponsor or '')} · "
             f"Protocol {esc(study.protocol)}</p>", "<nav><h2>Contents</h2><ul>"]
    parts += [f'<li style="margin-left:{(h.level - 1) * 1.5}em"><a href="#{key}">{esc(_label(n, h))}</a></li>'
              for n, key, h in heads]
    parts.append("</ul></nav>")
    anchors = iter(heads)
    for block in blocks:
        if isinstance(block, Heading):
            number, key, heading = next(anchors)
            parts.append(f'<h{heading.level + 1} id="{key}">{esc(_label(number, heading))}</h{heading.level + 1}>')
        elif isinstance(block, Text):
            parts.append(f'<p{" class=small" if block.small else ""}>{_html_inline(block.text)}</p>')
        elif isinstance(block, Question):
            parts.append(f'<p class="q">{_html_inline(block.question)}</p>'
                         f'<p class="a">{_html_inline(block.answer)}</p>')
        elif isinstance(block, Items):
            parts.append("<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Grid):
            parts.append("<table><tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in block.header) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>"
                                   for row in block.rows) + "</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_inline(text):
    return html.escape(str(text)).replace("\n", "<br>")
