"""The annotated CRF: one page per CRF form, annotated with the SDTM variables
its fields map to.

Each form is drawn as a site sees it (question, answer type, choices) with the
SDTM annotations in a column beside every field: ``VAR`` or ``VAR when
TESTCD = X`` in the colour of its domain, "NOT SUBMITTED" where nothing maps.
Domain boxes head each page, and a panel lists every variable the specs give
as Collected on the form, so each origin's page reference lands on a page that
names it. The form's name is the page's named destination (what define.xml's
``PDFPageRef`` points at); the outline lists the forms and, by domain, the
forms each domain is collected on.
"""

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from .pdf import MARGIN, Anchor, Outline, build, grid, markup, styles

NOT_SUBMITTED = "NOT SUBMITTED"
CHOICES_SHOWN = 12
CHOICE = "(&nbsp;&nbsp;)"   # an empty radio button, in plain text every viewer renders
# Domain colours, given in the order the domains first appear in the CRF.
PALETTE = ("#cfe2ff", "#d1f0d8", "#ffe5b4", "#f8d0e4", "#e0d4f7", "#d4f1f4", "#fff3b0", "#e6e6e6",
           "#ffd6cc", "#d9ead3", "#c9daf8", "#fce5cd")
COLUMNS = ("form", "column", "dataset", "variable", "condition", "role", "where")


def condition_text(conditions):
    """Where-clause conditions as an annotation reads them: ``QSTESTCD = EOR0101``."""
    words = {"EQ": "=", "NE": "^=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=", "IN": "in", "NOTIN": "not in"}
    parts = []
    for c in conditions:
        values = list(c.values)
        if c.comparator in ("IN", "NOTIN") or len(values) > 1:
            shown = ", ".join(values[:6]) + (f", ... ({len(values)} values)" if len(values) > 6 else "")
            parts.append(f"{c.variable} {words.get(c.comparator, c.comparator)} ({shown})")
        else:
            parts.append(f"{c.variable} {words.get(c.comparator, c.comparator)} {values[0] if values else ''}")
    return " and ".join(parts)


def collected_on_pages(study, document):
    """Variables whose origin is Collected on pages of ``document``: one row per
    page (form) and variable, with the value-level condition (DataFrame with
    columns page, dataset, variable, condition)."""
    rows = []
    for ds in study.model_datasets("SDTM"):
        for var in ds.variables:
            rows += _origin_rows(ds.name, var.name, var.origin, "", document)
        for vlm in ds.value_level:
            rows += _origin_rows(ds.name, vlm.variable, vlm.origin, condition_text(vlm.where), document)
    return pd.DataFrame(rows, columns=["page", "dataset", "variable", "condition"]).drop_duplicates()


def _origin_rows(dataset, variable, origin, condition, document):
    if origin is None or origin.type != "Collected" or origin.document != document:
        return []
    return [(str(page), dataset, variable, condition) for page in origin.pages]


def annotation(variable, condition):
    """``VAR`` or ``VAR when CONDITION``."""
    return f"{variable} when {condition}" if condition else variable


def domain_colours(study, names):
    """A colour for each dataset name, in order of first appearance."""
    return {name: colors.HexColor(PALETTE[i % len(PALETTE)]) for i, name in enumerate(dict.fromkeys(names))}


def build_acrf(study, forms, fields, *, document, created):
    """The aCRF of ``forms`` (``CrfForm`` list) annotated from ``fields``
    (DataFrame: form, column, dataset, variable, condition; optional role
    ``value`` or ``where`` and the source's ``where`` filter) and from the
    specs' Collected origins on ``document``; returns a ``pdf.Written``."""
    fields = (fields.reindex(columns=list(COLUMNS), fill_value="").astype(object).fillna("").astype(str)
              if len(fields) else pd.DataFrame(columns=COLUMNS, dtype=str))
    fields["role"] = fields["role"].replace("", "value")
    fields = fields.assign(form=fields["form"].str.lower(), key=fields["column"].str.upper())
    origins = collected_on_pages(study, document)
    order = [ds for form in forms for ds in
             list(fields.loc[fields["form"].eq(form.name), "dataset"]) +
             list(origins.loc[origins["page"].eq(form.name), "dataset"])]
    palette = domain_colours(study, order)
    header = set.intersection(*({f.name for f in form.fields} for form in forms)) if len(forms) > 1 else set()
    st = styles()
    story = _cover(study, forms, fields, origins, palette, st)
    domains = {}
    for form in forms:
        mapped = fields[fields["form"].eq(form.name)]
        collected = origins[origins["page"].eq(form.name)]
        names = list(dict.fromkeys(list(mapped["dataset"]) + list(collected["dataset"])))
        story += [PageBreak(), Anchor(form.name, form.label, level=1)]
        story += [Anchor("domains", named=False)] if names and not domains else []
        for name in names:
            story += [Anchor(f"domain:{name}", named=False)] if name not in domains else []
            story.append(Anchor(f"domain:{name}:{form.name}", named=False))
            domains.setdefault(name, []).append(form)
        story += _form_page(study, form, mapped, collected, names, header, palette, st)
    story.append(Outline(_domain_outline(study, domains)))
    return build(story, title="Annotated Case Report Form", header=f"Study {study.studyid}",
                 created=created, subject=f"Annotated CRF of study {study.studyid}")


def _cover(study, forms, fields, origins, palette, st):
    story = [Anchor("contents", "Forms", level=0),
             Spacer(1, 20 * mm), Paragraph("Annotated Case Report Form", st["title"]),
             Paragraph(markup(study.studyid), st["subtitle"]), Spacer(1, 4 * mm),
             Paragraph(markup(study.title), st["body"]), Spacer(1, 6 * mm),
             Paragraph("Forms", st["h2"])]
    rows = [[Paragraph("Form", st["head"]), Paragraph("Name", st["head"]), Paragraph("Fields", st["head"]),
             Paragraph("SDTM datasets", st["head"])]]
    for form in forms:
        names = dict.fromkeys(list(fields.loc[fields["form"].eq(form.name), "dataset"]) +
                              list(origins.loc[origins["page"].eq(form.name), "dataset"]))
        rows.append([Paragraph(f'<a href="#{form.name}" color="#1a4fa0">{markup(form.label)}</a>', st["cell"]),
                     Paragraph(markup(form.name), st["cell"]), Paragraph(str(len(form.fields)), st["cell"]),
                     Paragraph(" ".join(_box(n, palette) for n in names) or NOT_SUBMITTED, st["cell"])])
    story.append(grid(rows, [60 * mm, 35 * mm, 15 * mm, 64 * mm]))
    story += [Spacer(1, 5 * mm), Paragraph(
        "Annotations name the SDTM variable each field maps to, in the colour of its dataset; "
        "<i>VAR when TESTCD = X</i> marks a value-level mapping; NOT SUBMITTED marks a field that is not "
        "part of the SDTM data. Named destinations are the form names.", st["small"])]
    return story


def _box(dataset, palette, text=None):
    colour = palette.get(dataset, colors.HexColor("#eeeeee")).hexval().replace("0x", "#")
    return f'<font backColor="{colour}">&nbsp;{markup(text or dataset)}&nbsp;</font>'


def _form_page(study, form, mapped, collected, names, header, palette, st):
    story = [Paragraph(f"{markup(form.label)} <font size=9 color='#666666'>(form {markup(form.name)})</font>",
                       st["h1"])]
    if names:
        story.append(_domain_boxes(study, names, palette, st))
    if form.description:
        story += [Spacer(1, 2 * mm), Paragraph(markup(form.description), st["small"])]
    story.append(Spacer(1, 3 * mm))
    width = 210 * mm - 2 * MARGIN
    mapped = _by_key(mapped)
    top = [f for f in form.fields if f.name in header]
    if top:
        story.append(Paragraph("Page header (on every form)", st["h3"]))
        rows = [[Paragraph("Field", st["head"]), Paragraph("SDTM annotation", st["head"])]]
        rows += [[Paragraph(f"{markup(f.label)} <font size=7 color='#777777'>{markup(f.name)}</font>", st["cell"]),
                  _annotations(f, mapped, palette, st, " ")] for f in top]
        story += [grid(rows, [0.34 * width, 0.66 * width]), Spacer(1, 3 * mm)]
    rows = [[Paragraph("Question", st["head"]), Paragraph("Answer", st["head"]),
             Paragraph("SDTM annotation", st["head"])]]
    for crf_field in form.fields:
        if crf_field.name in header:
            continue
        rows.append([
            Paragraph(f"{markup(crf_field.label)}<br/><font size=7 color='#777777'>{markup(crf_field.name)}</font>",
                      st["cell"]),
            Paragraph(_answer(crf_field), st["cell"]), _annotations(crf_field, mapped, palette, st, "<br/>")])
    story.append(grid(rows, [0.34 * width, 0.33 * width, 0.33 * width]))
    if len(collected):
        story += [Spacer(1, 3 * mm), Paragraph("Collected on this form (origins in the specs)", st["h3"])]
        lines = [_box(r.dataset, palette, f"{r.dataset}.{annotation(r.variable, r.condition)}")
                 for r in collected.itertuples(index=False)]
        story.append(Paragraph(" ".join(lines), st["cell"]))
    return story


def _domain_boxes(study, names, palette, st, per_row=4):
    """The domain boxes heading a form page: ``AE = Adverse Events`` in the domain's colour."""
    cells = [Paragraph(f"<b>{markup(n)}</b> = {markup(study.datasets[n].label if n in study.datasets else n)}",
                       st["cell"]) for n in names]
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[(210 * mm - 2 * MARGIN) / per_row] * per_row, hAlign="LEFT")
    style = [("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for i, name in enumerate(names):
        cell = (i % per_row, i // per_row)
        style += [("BACKGROUND", cell, cell, palette[name]), ("BOX", cell, cell, 0.6, colors.HexColor("#555555"))]
    table.setStyle(TableStyle(style))
    return table


def _by_key(mapped):
    """The mapped fields of a form as key -> their rows, in order."""
    rows = {}
    for r in mapped.itertuples(index=False):
        rows.setdefault(r.key, []).append(r)
    return rows


def _annotations(crf_field, mapped, palette, st, separator):
    """The annotation cell of a field (``mapped``: the form's rows by key): its
    variables in domain colours, or NOT SUBMITTED."""
    notes = list(dict.fromkeys(
        _box(r.dataset, palette, f"{r.dataset}.{annotation(r.variable, r.condition)}") if r.role == "value" else
        f"<font color='#555555'><i>selects {markup(r.dataset)} records: {markup(r.where)}</i></font>"
        for r in mapped.get(crf_field.name.upper(), [])))
    return Paragraph(separator.join(notes) or f"<font color='#777777'><i>{NOT_SUBMITTED}</i></font>", st["cell"])


def _answer(crf_field):
    """The answer area of a field as the site sees it."""
    kind = {"date": "date (DD MMM YYYY)", "partialDate": "date, day/month may be UN/UNK", "time": "time (HH:MM)",
            "integer": "whole number", "float": "number"}.get(crf_field.type, "text")
    parts = []
    if crf_field.values:
        shown = crf_field.values[:CHOICES_SHOWN]
        parts.append(" ".join(f"{CHOICE}&nbsp;{markup(v)}" for v in shown))
        if len(crf_field.values) > CHOICES_SHOWN:
            parts.append(f"<i>... and {len(crf_field.values) - CHOICES_SHOWN} more choices</i>")
    else:
        parts.append(f"[ {kind} ]" + (f" {markup(str(crf_field.units))}" if crf_field.units else ""))
    extra = [str(x) for x in (crf_field.format, crf_field.notes) if x]
    if extra:
        parts.append(f"<font size=7 color='#666666'>{markup('; '.join(extra))}</font>")
    return "<br/>".join(parts)


def _domain_outline(study, domains):
    """Outline entries by domain: each domain, then the forms it is collected on."""
    entries = [("Domains", "domains", 0)] if domains else []
    for name in sorted(domains):
        label = study.datasets[name].label if name in study.datasets else name
        entries.append((f"{name} – {label}", f"domain:{name}", 1))
        entries += [(form.label, f"domain:{name}:{form.name}", 2) for form in domains[name]]
    return entries
