"""The review page: what a data manager validating the mapping wants to see
at a glance, as one self-contained HTML file with its pictures embedded.

Panels: subject disposition, exposure by cycle, Kaplan-Meier curves of every
ADTTE parameter (numbers at risk, medians), treatment-emergent adverse events
by system organ class and worst grade, EORTC QLQ-C30 scale means over time,
and the conformance summary. Each panel reads whatever datasets exist and
says so when its data are absent. Pictures are drawn with matplotlib's Agg
renderer (no display, no global pyplot state) and stored without a software
stamp, so the page is byte-identical for the same data.
"""

import base64
import html
import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from specs.atomic import write_text

from .. import __version__
from ..checks.report import issue_summary
from .sdrg import screen_failures
from .survival import at_risk, kaplan_meier, median_time

GRADES = ("1", "2", "3", "4", "5")
GRADE_COLOURS = ("#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#a50026")
CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:1.5em auto;max-width:70em;padding:0 1em;color:#222}
h1{border-bottom:2px solid #34495e}h2{margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.88em}th{background:#34495e;color:#fff;text-align:left}
th,td{border:1px solid #bbb;padding:.2em .5em;vertical-align:top}td.n{text-align:right}
img{max-width:100%;height:auto;border:1px solid #ddd}.absent{color:#8a4b00;background:#fff5e6;padding:.4em .6em}
.scroll{overflow-x:auto}.error{color:#b00020}.warning{color:#8a4b00}
"""


def write_review(frames, path, *, study=None, findings=None):
    """Write the review page of ``frames`` (dataset name -> DataFrame) to ``path``."""
    write_text(path, review_html(frames, study=study, findings=findings))


def review_html(frames, *, study=None, findings=None):
    """The review page as HTML text."""
    studyid = study.studyid if study else _first(frames, "STUDYID")
    panels = [("Subject disposition", disposition), ("Exposure by cycle", exposure),
              ("Time to event (Kaplan-Meier)", survival_curves),
              ("Treatment-emergent adverse events by system organ class and worst grade", adverse_events),
              ("EORTC QLQ-C30 scale means over time", questionnaire)]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Review - {html.escape(studyid)}</title><style>{CSS}</style></head><body>",
             f"<h1>Review of study {html.escape(studyid)}</h1>",
             f"<p>{html.escape(study.title) + '<br>' if study else ''}Datasets: "
             f"{html.escape(', '.join(f'{n} ({len(f)})' for n, f in sorted(frames.items())))}</p>"]
    for title, panel in panels:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts += panel(frames)
    parts.append("<h2>Conformance summary</h2>")
    parts += conformance(findings)
    parts.append(f'<p class="absent" style="background:none;color:#777">cdisckit {__version__}</p></body></html>')
    return "\n".join(parts) + "\n"


def _first(frames, column):
    return next((str(f[column].iloc[0]) for f in frames.values() if column in f and len(f)), "")


def _absent(what):
    return [f'<p class="absent">Not shown: {html.escape(what)}.</p>']


def _image(fig, alt):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<p><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></p>'


def _margins(fig, labels, **space):
    """Room on the left for the longest bar label (cheaper than tight_layout)."""
    longest = max((len(str(label)) for label in labels), default=0)
    width = fig.get_figwidth()
    fig.subplots_adjust(left=min(0.6, (0.3 + 0.06 * longest) / width), right=0.97, top=1 - 0.35 / fig.get_figheight(),
                        bottom=0.5 / fig.get_figheight(), **space)


def _title(ax, text, **style):
    """Title at the top of ``ax``: placed there, not searched for (matplotlib's automatic
    placement measures every tick label only to find no top axis in the way)."""
    ax.set_title(text, y=1.0, **style)


def _table(header, rows, numeric=()):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td{" class=n" if i in numeric else ""}>{html.escape(str(c))}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _text(series):
    """``series`` as stripped text ("" for missing). A column of strings is worked out once per
    distinct value; any other (numbers: 1 and 1.0 would count as one value) value by value."""
    codes, values = pd.factorize(series, use_na_sentinel=False)
    values = pd.Index(values, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return series.fillna("").astype(str).str.strip()
    return pd.Series(values.fillna("").astype(str).str.strip().take(codes), index=series.index, name=series.name)


# ------------------------------------------------------------------ panels

def disposition(frames):
    """Screened, screen failures, treated; disposition events by category and reason."""
    dm, ds, adsl = frames.get("DM"), frames.get("DS"), frames.get("ADSL")
    if dm is None and ds is None:
        return _absent("no DM or DS dataset")
    out = []
    if dm is not None:
        failed = screen_failures(frames)
        treated = (int(_text(adsl["SAFFL"]).eq("Y").sum()) if adsl is not None and "SAFFL" in adsl
                   else int(frames["EX"]["USUBJID"].nunique()) if "EX" in frames else None)
        rows = [("Subjects in DM", len(dm)), ("Screen failures", len(failed))]
        rows += [("Treated (ADSL SAFFL = Y)" if adsl is not None and "SAFFL" in adsl else "Treated (in EX)", treated)] \
            if treated is not None else []
        out.append(_table(("", "Subjects"), rows, numeric=(1,)))
    if ds is None or not {"DSCAT", "DSDECOD"} <= set(ds.columns):
        return out + _absent("no DS disposition events")
    events = ds[_text(ds["DSCAT"]).eq("DISPOSITION EVENT")]
    if events.empty:
        return out + _absent("DS has no DISPOSITION EVENT records")
    scat = _text(events["DSSCAT"]) if "DSSCAT" in events else pd.Series("", index=events.index)
    counts = (events.assign(DSSCAT=scat.replace("", "(no DSSCAT)"), DSDECOD=_text(events["DSDECOD"]))
              .groupby(["DSSCAT", "DSDECOD"])["USUBJID"].nunique().rename("subjects").reset_index())
    groups = list(dict.fromkeys(counts["DSSCAT"]))
    fig = Figure(figsize=(9, 1.2 + 0.35 * len(counts)))
    axes = fig.subplots(len(groups), 1, squeeze=False, height_ratios=[
        max(1, (counts["DSSCAT"] == g).sum()) for g in groups])[:, 0]
    for ax, group in zip(axes, groups):
        part = counts[counts["DSSCAT"] == group].sort_values("subjects")
        ax.barh(part["DSDECOD"], part["subjects"], color="#4c72b0")
        for y, value in enumerate(part["subjects"]):
            ax.text(value, y, f" {value}", va="center", fontsize=8)
        _title(ax, group, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.set_xlim(0, counts["subjects"].max() * 1.15)
    axes[-1].set_xlabel("Subjects")
    _margins(fig, counts["DSDECOD"], hspace=0.5)
    return out + [_image(fig, "Disposition events by category and reason"),
                  _table(("DSSCAT", "DSDECOD", "Subjects"), counts.itertuples(index=False), numeric=(2,))]


def exposure(frames):
    """Subjects dosed and doses given at each dosing visit (EX)."""
    ex = frames.get("EX")
    if ex is None or not {"USUBJID", "VISITNUM"} <= set(ex.columns):
        return _absent("no EX dataset with VISITNUM")
    dose = pd.to_numeric(ex["EXDOSE"], errors="coerce") if "EXDOSE" in ex else pd.Series(np.nan, index=ex.index)
    given = ex[dose.fillna(0).gt(0)] if "EXDOSE" in ex else ex
    visit = _text(given["VISIT"]) if "VISIT" in given else given["VISITNUM"].astype(str)
    table = (given.assign(VISIT=visit, dose=dose.loc[given.index])
             .groupby(["VISITNUM", "VISIT"]).agg(subjects=("USUBJID", "nunique"), doses=("USUBJID", "size"),
                                                 total=("dose", "sum")).reset_index().sort_values("VISITNUM"))
    if table.empty:
        return _absent("EX has no administered dose")
    unit = _text(ex["EXDOSU"]).iloc[0] if "EXDOSU" in ex and len(ex) else ""
    fig = Figure(figsize=(9, 3.2))
    ax = fig.subplots()
    ax.bar(range(len(table)), table["subjects"], color="#55a868")
    ax.set_xticks(range(len(table)), [str(v).title() for v in table["VISIT"]], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("Subjects dosed")
    _title(ax, "Subjects dosed at each visit (EX, dose > 0)", fontsize=10, loc="left")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.32)
    per_subject = given.groupby("USUBJID").size()
    note = (f"<p>{len(per_subject)} subjects dosed; doses per subject: median {per_subject.median():g}, "
            f"range {per_subject.min()}-{per_subject.max()}.</p>")
    return [_image(fig, "Subjects dosed by visit"), note,
            _table(("VISITNUM", "Visit", "Subjects", "Doses", f"Total dose ({unit})"),
                   [(f"{r.VISITNUM:g}", r.VISIT, r.subjects, r.doses, f"{r.total:g}")
                    for r in table.itertuples(index=False)], numeric=(0, 2, 3, 4))]


def _treatment(frame):
    for column in ("TRT01A", "TRTA", "TRT01P", "TRTP"):
        if column in frame:
            return _text(frame[column]).replace("", "(none)")
    return pd.Series("All subjects", index=frame.index)


def survival_curves(frames):
    """One Kaplan-Meier plot per ADTTE parameter, by treatment, with numbers at risk and medians."""
    adtte = frames.get("ADTTE")
    if adtte is None or not {"PARAMCD", "AVAL", "CNSR"} <= set(adtte.columns):
        return _absent("no ADTTE dataset")
    out = []
    paramcds = _text(adtte["PARAMCD"])
    for paramcd in sorted(paramcds.unique()):
        data = adtte[paramcds.eq(paramcd)]
        param = _text(data["PARAM"]).iloc[0] if "PARAM" in data else paramcd
        unit = _text(data["AVALU"]).iloc[0].lower() if "AVALU" in data else ""
        groups = _treatment(data)
        top = float(np.nan_to_num(pd.to_numeric(data["AVAL"], errors="coerce").max()))
        ticks = np.linspace(0, top, 6).round(0) if top > 0 else np.array([0.0])
        fig = Figure(figsize=(9, 4.6))
        ax, table_ax = fig.subplots(2, 1, height_ratios=[4, 1 + 0.3 * groups.nunique()])
        rows, risk_rows = [], []
        for i, group in enumerate(sorted(groups.unique())):
            part = data[groups.eq(group)]
            event = pd.to_numeric(part["CNSR"], errors="coerce").eq(0)
            curve = kaplan_meier(part["AVAL"], event)
            times = np.concatenate([[0.0], curve["time"].to_numpy()])
            surv = np.concatenate([[1.0], curve["survival"].to_numpy()])
            line = ax.step(times, surv, where="post", label=group, color=f"C{i}")[0]
            censored = curve[curve["censored"] > 0]
            ax.plot(censored["time"], censored["survival"], "|", color=line.get_color(), markersize=8)
            median = median_time(curve)
            rows.append((group, len(part), int(event.sum()), int((~event).sum()),
                         "not reached" if median is None else f"{median:g} {unit}"))
            risk_rows.append((group, at_risk(part["AVAL"], ticks)))
        ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=":")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, max(top, 1) * 1.02)
        ax.set_xticks(ticks)
        ax.set_ylabel("Probability")
        _title(ax, f"{param} ({paramcd})", fontsize=10, loc="left")
        ax.legend(fontsize=8, loc="upper right")
        table_ax.axis("off")
        table_ax.set_xlim(ax.get_xlim())
        table_ax.text(0, 1, "Number at risk", fontsize=8, fontweight="bold", va="top",
                      transform=table_ax.get_yaxis_transform())
        for j, (group, counts) in enumerate(risk_rows):
            for t, n in zip(ticks, counts):
                table_ax.text(t, 0.6 - 0.35 * j, str(n), ha="center", fontsize=8, color=f"C{j}",
                              transform=table_ax.get_xaxis_transform())
        ax.set_xlabel(f"Time ({unit})")
        fig.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.02, hspace=0.35)
        out += [_image(fig, f"Kaplan-Meier curve of {paramcd}"),
                _table(("Treatment", "Subjects", "Events", "Censored", "Median"), rows, numeric=(1, 2, 3))]
    return out


def adverse_events(frames):
    """Subjects by system organ class and their worst grade among treatment-emergent events."""
    adae = frames.get("ADAE")
    if adae is not None and {"AEBODSYS", "USUBJID"} <= set(adae.columns):
        data = adae[_text(adae["TRTEMFL"]).eq("Y")] if "TRTEMFL" in adae else adae
        grade = adae.get("ATOXGRN", adae.get("ATOXGR", adae.get("AETOXGR")))
        source = "ADAE, TRTEMFL = Y" if "TRTEMFL" in adae else "ADAE"
    elif "AE" in frames and {"AEBODSYS", "USUBJID"} <= set(frames["AE"].columns):
        data = adae = frames["AE"]
        grade = adae.get("AETOXGR", adae.get("AESEV"))
        source = "AE (no ADAE: all events)"
    else:
        return _absent("no ADAE or AE dataset")
    if data.empty:
        return [f"<p>No treatment-emergent adverse event ({source}).</p>"]
    grade = _text(grade.loc[data.index]) if grade is not None else pd.Series("", index=data.index)
    grade = grade.str.extract(r"(\d)", expand=False).fillna("?")
    worst = (data.assign(grade=grade, SOC=_text(data["AEBODSYS"]))
             .sort_values("grade").groupby(["SOC", "USUBJID"])["grade"].last().reset_index())
    table = worst.pivot_table(index="SOC", columns="grade", values="USUBJID", aggfunc="count", fill_value=0)
    columns = [g for g in GRADES if g in table.columns] + [g for g in table.columns if g not in GRADES]
    table = table[columns]
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["total"], ascending=True, kind="stable")
    fig = Figure(figsize=(9, 1.0 + 0.32 * len(table)))
    ax = fig.subplots()
    left = np.zeros(len(table))
    for grade_value in columns:
        colour = GRADE_COLOURS[GRADES.index(grade_value)] if grade_value in GRADES else "#bbbbbb"
        ax.barh(table.index, table[grade_value], left=left, color=colour, label=f"Grade {grade_value}")
        left += table[grade_value].to_numpy()
    ax.tick_params(labelsize=7)
    ax.set_xlabel("Subjects (by worst grade)")
    ax.legend(fontsize=7, loc="lower right")
    _title(ax, f"Subjects with a treatment-emergent event ({source})", fontsize=10, loc="left")
    _margins(fig, table.index)
    rows = [(soc, *(int(row[g]) for g in columns), int(row["total"]))
            for soc, row in table.iloc[::-1].iterrows()]
    return [_image(fig, "TEAEs by system organ class and worst grade"),
            _table(("System organ class", *(f"Grade {g}" for g in columns), "Subjects"), rows,
                   numeric=tuple(range(1, len(columns) + 2)))]


def questionnaire(frames):
    """Mean score of each QLQ-C30 scale at each analysis visit (ADQS)."""
    adqs = frames.get("ADQS")
    if adqs is None or not {"PARAMCD", "AVAL", "AVISITN"} <= set(adqs.columns):
        return _absent("no ADQS dataset")
    data = adqs.assign(PARAMCD=_text(adqs["PARAMCD"]), AVAL=pd.to_numeric(adqs["AVAL"], errors="coerce"),
                       AVISIT=_text(adqs["AVISIT"]) if "AVISIT" in adqs else adqs["AVISITN"].astype(str))
    means = (data.dropna(subset=["AVAL", "AVISITN"]).groupby(["PARAMCD", "AVISITN", "AVISIT"])["AVAL"]
             .agg(["mean", "size"]).reset_index())
    named = data.assign(PARAM=_text(data["PARAM"]) if "PARAM" in data else data["PARAMCD"])
    names = dict(named[["PARAMCD", "PARAM"]].drop_duplicates("PARAMCD", keep="last").itertuples(index=False))
    scales = list(dict.fromkeys(means["PARAMCD"]))
    columns = 5
    rows = -(-len(scales) // columns)
    fig = Figure(figsize=(11, 2.1 * rows))
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True)
    visits = sorted(means["AVISITN"].unique())
    position = {v: i for i, v in enumerate(visits)}
    for ax, scale in zip(axes.flat, scales):
        part = means[means["PARAMCD"] == scale]
        ax.plot([position[v] for v in part["AVISITN"]], part["mean"], marker="o", markersize=3, color="#4c72b0")
        _title(ax, names[scale].replace("EORTC QLQ-C30 ", "")[:32], fontsize=7)
        ax.set_ylim(0, 100)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(scales):]:
        ax.axis("off")
    labels = dict(zip(means["AVISITN"], means["AVISIT"]))
    for ax in axes[-1]:
        ax.set_xticks(range(len(visits)), [str(labels[v]).title().replace(" Day 1", "") for v in visits],
                      rotation=70, fontsize=5)
    fig.subplots_adjust(left=0.04, right=0.99, top=0.95, bottom=0.12 + 0.1 / rows, hspace=0.35, wspace=0.25)
    wide = means.pivot_table(index="PARAMCD", columns="AVISITN", values="mean").reindex(scales)
    counts = means.pivot_table(index="PARAMCD", columns="AVISITN", values="size").reindex(scales)
    table_rows = [(scale, names[scale], *(("" if pd.isna(wide.loc[scale, v]) else
                                           f"{wide.loc[scale, v]:.1f} ({int(counts.loc[scale, v])})") for v in visits))
                  for scale in scales]
    return [_image(fig, "QLQ-C30 scale means by visit"),
            "<p>Mean score (number of subjects) by analysis visit; scales are 0-100.</p>",
            _table(("PARAMCD", "Scale", *(str(labels[v]).title() for v in visits)), table_rows)]


def conformance(findings):
    """Findings by severity and by rule, with the explanation kept for each."""
    if findings is None:
        return _absent("no conformance findings were given")
    counts = findings.counts()
    out = [_table(("Severity", "Findings"), [(s, n) for s, n in counts.items()], numeric=(1,))]
    issues = issue_summary(findings)
    if issues.empty:
        return out + ["<p>No finding.</p>"]
    active = findings.active()
    explained = {}
    if "explanation" in active:
        for rule, text in zip(active["rule"], active["explanation"].fillna("").astype(str)):
            if text:
                explained.setdefault(rule, set()).add(text)
    rows = [(r.rule, r.severity, r.message, r.datasets, r.findings, "; ".join(sorted(explained.get(r.rule, ()))))
            for r in issues.itertuples(index=False)]
    return out + [_table(("Rule", "Severity", "Message", "Datasets", "Findings", "Explanation"), rows, numeric=(4,))]
