"""Mapping coverage: did every collected value land somewhere, and where?

Built from the specs' map of collected fields (``sdtm.collection``), the raw
forms and the lineage of a run, for data managers:

- ``columns``: per raw form and column, the SDTM variables it feeds (or that
  it only selects records, or "not submitted", as the aCRF says, with the
  reason where the study's ``not_submitted`` gives one), its
  non-empty values and the share of them on a raw line that fed a record of
  a dataset the column feeds;
- ``dropped``: per raw line of a mapped form that fed no record, the
  ``where``/``transpose``/``require`` rules that left it out;
- ``spellings``: per variable mapped through a codelist by ``assign``, every
  collected spelling with its number of records and the value it became, and
  whether that value is a term of the codelist (an extensible codelist keeps
  an unknown spelling as given: an unmapped spelling).

``write_mapping_reports`` writes them as ``mapping.xlsx`` and ``mapping.html``;
the conformance rules CK0003 (unused raw column) and CK0004 (unmapped
spelling) report the same facts as Notice findings.
"""

import io
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from specs.conditions import as_text
from sdtm.collection import collected_fields
from specs.atomic import write_bytes, write_text

from .checks.report_html import STYLE, html_table
from .checks.report_xlsx import reproducible_xlsx, sheet
from .lineage import raw_sources, text_codes

NOT_SUBMITTED = "not submitted"
SELECTS = "selects records"
SUBMITTED = "submitted"
COLUMNS = ["form", "file", "column", "status", "feeds", "non_empty", "reached", "share", "reason"]
DROPPED = ["form", "file", "row", "rules"]
SPELLINGS = ["dataset", "variable", "condition", "codelist", "form", "column", "collected", "records",
             "submitted", "in_codelist"]
SHOWN = 500   # rows per table in the HTML page; the workbook has them all


@dataclass
class Coverage:
    columns: pd.DataFrame
    dropped: pd.DataFrame
    spellings: pd.DataFrame
    fields: pd.DataFrame

    def unused(self):
        """Raw columns no mapping reads and the specs do not leave out on purpose."""
        return self.columns[(self.columns["status"] == NOT_SUBMITTED) & (self.columns["reason"] == "")]

    def unmapped(self):
        return self.spellings[self.spellings["in_codelist"] == "no"]


def _file(frame, form):
    return Path(str(frame.attrs.get("source", form))).name


def mapping_coverage(study, forms, mapped):
    """The coverage tables of one run (``mapped``: an ``sdtm.engine.Mapped``)."""
    fields = collected_fields(study)
    raw = raw_sources(mapped.lineage)
    raw = raw[raw["kind"] == "form"]
    links = {key: part for key, part in raw.groupby(["source", "dataset"], sort=False)}
    fed = {(form, dataset): forms[form].index.isin(part["row"].unique())
           for (form, dataset), part in links.items() if form in forms}
    return Coverage(_columns(study, forms, fields, fed), _dropped(forms, fields, fed, mapped.dropped),
                    _spellings(study, forms, fields, links, mapped.datasets), fields)


def _filled(values):
    """Which values are not blank as text (a missing value is "nan", not blank), judged once per distinct value."""
    codes, uniques = pd.factorize(values)          # missing: -1, the last flag
    return np.array([str(u).strip() != "" for u in uniques] + [True], dtype=bool)[codes]


def _columns(study, forms, fields, fed):
    """Per raw column: status, what it feeds, non-empty values and how many reached a record
    (``fed``: (form, dataset) -> mask of the form's lines that fed a record of the dataset)."""
    rows, uses_of = [], {}
    for use in fields.to_dict("records"):
        uses_of.setdefault((use["form"], use["column"]), []).append(use)
    for form, frame in sorted(forms.items()):
        for column in frame.columns:
            uses = uses_of.get((form, column), [])
            values = [u for u in uses if u["role"] == "value"]
            feeds = list(dict.fromkeys(
                f"{u['dataset']}.{u['variable']}" + (f" when {u['condition']}" if u["condition"] else "")
                for u in values))
            feeds += list(dict.fromkeys(f"{u['dataset']} ({u['role']})" for u in uses if u["role"] != "value"))
            status = SUBMITTED if values else SELECTS if uses else NOT_SUBMITTED
            filled = _filled(frame[column])
            reached_rows = np.zeros(len(frame), dtype=bool)
            for dataset in dict.fromkeys(u["dataset"] for u in values):
                reached_rows |= fed.get((form, dataset), False)
            reached = int((filled & reached_rows).sum())
            non_empty = int(filled.sum())
            reason = study.not_submitted_reason(form, column) if status == NOT_SUBMITTED else None
            rows.append((form, _file(frame, form), column, status, "; ".join(feeds), non_empty, reached,
                         round(reached / non_empty, 4) if non_empty else np.nan, reason or ""))
    return pd.DataFrame(rows, columns=COLUMNS)


def _dropped(forms, fields, fed, dropped):
    """Lines of mapped forms that fed no record, with the rules that dropped them."""
    used = set(fields["form"])
    parts = []
    for form, frame in sorted(forms.items()):
        if form not in used:
            continue
        kept = np.zeros(len(frame), dtype=bool)
        for mask in (mask for (name, _), mask in fed.items() if name == form):
            kept |= mask
        lost = frame.index[~kept]
        mine = dropped[(dropped["form"] == form) & dropped["row"].isin(lost)]
        rules = (mine["dataset"] + ": " + mine["rule"]).groupby(mine["row"]).agg(lambda r: "; ".join(dict.fromkeys(r)))
        why = [rules.get(row, "no rule: no source of this form in any dataset keeps it") for row in lost]
        parts.append(pd.DataFrame({"form": form, "file": _file(frame, form), "row": lost, "rules": why}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DROPPED)


def _spellings(study, forms, fields, links, datasets):
    """Collected spellings of codelist-mapped columns and the values they became
    (``links``: (form, dataset) -> the raw lines of the dataset's records).
    Each raw column, dataset variable and link is read once, as codes into its
    distinct texts; a spelling is a pair of codes, counted in order of first record."""
    coded = fields[(fields["role"] == "value") & (fields["algorithm"] == "assign") & (fields["codelist"] != "")]
    coded = coded[["dataset", "variable", "condition", "codelist", "form", "column"]].drop_duplicates()
    parts = []
    submitted = _cached(lambda dataset, variable: text_codes(datasets[dataset][variable]))
    collected = _cached(lambda form, column: text_codes(forms[form][column],
                                                         lambda values: values.fillna("").astype(str)))
    lines = _cached(lambda form, dataset: (links[form, dataset]["record"].to_numpy() - 1,
                                           forms[form].index.get_indexer(links[form, dataset]["row"].to_numpy())))

    for r in coded.itertuples(index=False):
        codelist = study.codelists.get(r.codelist)
        frame, data = forms.get(r.form), datasets.get(r.dataset)
        if codelist is None or not codelist.terms or frame is None or data is None \
                or (r.form, r.dataset) not in links or r.column not in frame:
            continue
        records, rows = lines(r.form, r.dataset)
        if r.condition:
            var, value = r.condition.split(" = ", 1)
            if var in data.columns:
                codes, texts = submitted(r.dataset, var)
                keep = texts[codes[records]] == value
                records, rows = records[keep], rows[keep]
        said, said_texts = collected(r.form, r.column)
        said = np.where(rows >= 0, said[rows], len(said_texts) - 1)   # a line not in the form: ""
        became, became_texts = submitted(r.dataset, r.variable)
        pairs = (said * len(became_texts) + became[records])[_filled(said_texts)[said]]
        if not len(pairs):
            continue
        codes, distinct = pd.factorize(pairs)                        # in order of first record
        counts = np.bincount(codes, minlength=len(distinct))
        counted = pd.DataFrame({"collected": said_texts[distinct // len(became_texts)],
                                "submitted": became_texts[distinct % len(became_texts)], "records": counts})
        terms = set(codelist.values())
        if pd.api.types.is_numeric_dtype(data[r.variable]):
            terms = set(as_text(pd.to_numeric(pd.Series(list(terms)), errors="coerce")))
        parts.append(counted.assign(dataset=r.dataset, variable=r.variable, condition=r.condition,
                                    codelist=r.codelist, form=r.form, column=r.column,
                                    in_codelist=np.where(counted["submitted"].isin(terms), "yes", "no")))
    if not parts:
        return pd.DataFrame(columns=SPELLINGS)
    out = pd.concat(parts, ignore_index=True)[SPELLINGS]
    return out.sort_values(["dataset", "variable", "form", "column", "collected"], kind="mergesort") \
        .reset_index(drop=True)


def _cached(read):
    """``read`` of each argument tuple once."""
    done = {}
    return lambda *key: done[key] if key in done else done.setdefault(key, read(*key))


# -- reports ----------------------------------------------------------------

def _sections(cov):
    """(title, header, rows, widths) of every table of the report."""
    columns = cov.columns.assign(share=cov.columns["share"].map(lambda v: "" if pd.isna(v) else f"{v:.1%}"))
    return [
        ("Raw columns", ["Form", "File", "Column", "Status", "Feeds", "Non-empty", "Reached a record", "Share",
                         "Not submitted because"], columns[COLUMNS], [16, 18, 20, 15, 60, 10, 10, 8, 40]),
        ("Dropped raw rows", ["Form", "File", "Line", "Dropped by"], cov.dropped[DROPPED], [16, 18, 8, 90]),
        ("Spellings", ["Dataset", "Variable", "Condition", "Codelist", "Form", "Column", "Collected", "Records",
                       "Submitted", "In codelist"], cov.spellings[SPELLINGS], [9, 10, 22, 16, 14, 16, 30, 8, 30, 9]),
        ("Collected fields", list(cov.fields.columns), cov.fields, [14, 18, 9, 10, 24, 12, 8, 26, 30, 10, 14]),
    ]


def _summary(cov):
    status = cov.columns["status"].value_counts()
    return (f"{len(cov.columns)} raw columns: {status.get(SUBMITTED, 0)} submitted, "
            f"{status.get(SELECTS, 0)} only selecting records, {status.get(NOT_SUBMITTED, 0)} not submitted; "
            f"{len(cov.dropped)} raw rows in no dataset; {len(cov.unmapped())} unmapped spellings.")


def render_html(cov, title):
    """The report as one self-contained HTML page (long tables cut at ``SHOWN`` rows)."""
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1><p>{escape(_summary(cov))}</p>"]
    for name, header, frame, _ in _sections(cov):
        parts.append(f"<h2>{escape(name)} ({len(frame)})</h2>")
        parts.append(html_table(header, frame.head(SHOWN).itertuples(index=False, name=None)))
        if len(frame) > SHOWN:
            parts.append(f"<p>... {len(frame) - SHOWN} more in mapping.xlsx.</p>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_mapping_reports(cov, folder, *, title, created=None):
    """Write ``mapping.xlsx`` and ``mapping.html`` into ``folder``."""
    folder = Path(folder)
    wb = Workbook(write_only=True)
    for name, header, frame, widths in _sections(cov):
        sheet(wb, name, header, (tuple(None if pd.isna(v) else v for v in row)
                                 for row in frame.itertuples(index=False, name=None)), widths)
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes(folder / "mapping.xlsx", reproducible_xlsx(buffer.getvalue(), created))
    write_text(folder / "mapping.html", render_html(cov, title))
    return [folder / "mapping.xlsx", folder / "mapping.html"]
