"""Reviewer documents: the aCRF, the reviewer's guides, the review page and
define.xml's links to them, read back with independent readers (pypdf for
the PDFs, lxml for the HTML)."""

import base64
import datetime as dt
import json
import re

import pandas as pd
import pytest
from lxml import html as lxml_html

from cdisckit.cli import main
from cdisckit.reviewer.acrf import build_acrf
from cdisckit.reviewer.forms import CrfField, CrfForm
from cdisckit.reviewer.review import review_html
from cdisckit.reviewer.survival import at_risk, kaplan_meier, median_time
from cdisckit.xpt import read_xpt
from specs import load_study
from specs.errors import InputError, SpecError

from conftest import RUN_CREATED

pypdf = pytest.importorskip("pypdf")
CREATED = dt.datetime(2024, 4, 1, 9)


def _study_dir(run):
    return next((run / "m5" / "datasets").iterdir())


def _folders(run):
    study = _study_dir(run)
    return study / "tabulations" / "sdtm", study / "analysis" / "adam" / "datasets"


def destinations(path):
    """Named destinations of a PDF -> 0-based page index, read by pypdf."""
    reader = pypdf.PdfReader(path)
    return {str(name).lstrip("/"): reader.get_destination_page_number(dest)
            for name, dest in reader.named_destinations.items()}


def assert_links_resolve(define_html):
    """Every link of a define.html page: an anchor of the page, or an existing
    file and, for a PDF, an existing named destination or page."""
    page = lxml_html.fromstring(define_html.read_bytes())
    ids = set(page.xpath("//@id"))
    checked = 0
    for href in page.xpath("//a/@href"):
        target, _, fragment = href.partition("#")
        if not target:
            assert fragment in ids, href
            continue
        path = define_html.parent / target
        assert path.is_file(), href
        if fragment.startswith("nameddest="):
            assert fragment.removeprefix("nameddest=") in destinations(path), href
        elif fragment.startswith("page="):
            assert 1 <= int(fragment.removeprefix("page=")) <= len(pypdf.PdfReader(path).pages), href
        checked += 1
    return checked


def test_bundled_define_links_resolve(bundled_runs):
    sdtm, adam = _folders(bundled_runs[0])
    assert assert_links_resolve(sdtm / "define.html") > 40
    assert assert_links_resolve(adam / "define.html") >= 4
    assert b"nameddest=qlqc30" in (sdtm / "define.html").read_bytes()
    assert b'href="adrg.pdf"' in (adam / "define.html").read_bytes()


def _form_pages(reader, marks):
    """Text of each form's pages: from its destination up to the next form's."""
    starts = sorted((page, name) for name, page in marks.items() if name != "contents")
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    return {name: "\n".join(texts[page:(starts[i + 1][0] if i + 1 < len(starts) else len(texts))])
            for i, (page, name) in enumerate(starts)}


def _collected(study):
    """(form, dataset, variable) of every variable or value-level item the specs give as Collected in the aCRF."""
    out = set()
    for ds in study.model_datasets("SDTM"):
        items = [(v.name, v.origin) for v in ds.variables] + [(v.variable, v.origin) for v in ds.value_level]
        for name, origin in items:
            if origin is not None and origin.type == "Collected" and origin.document == "ACRF":
                out |= {(str(page), ds.name, name) for page in origin.pages}
    return out


def test_each_form_page_annotates_its_collected_variables(bundled_runs):
    sdtm, _ = _folders(bundled_runs[0])
    reader = pypdf.PdfReader(sdtm / "acrf.pdf")
    marks = destinations(sdtm / "acrf.pdf")
    pages = _form_pages(reader, marks)
    study = load_study("camrelizumab-npc")
    collected = _collected(study)
    assert len(collected) > 100
    for form, dataset, variable in sorted(collected):
        assert f"{dataset}.{variable}" in pages[form], (form, dataset, variable)
    # each destination lands on the page of its form
    for name, page in marks.items():
        if name != "contents":
            assert f"(form {name})" in reader.pages[page].extract_text()
    assert "QS.QSORRES when QSTESTCD = EOR0101" in pages["qlqc30"]
    assert "NOT SUBMITTED" in pages["enrolment"]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == ["Forms", "Domains"]


def test_pilot_define_links_resolve(pilot_sdtm, tmp_path):
    """cdiscpilot01: the aCRF from the study's forms.yaml, the define.xml links and
    the Collected variables of each form page."""
    from cdisckit.define_files import write_define
    from cdisckit.pipeline import submitted, write_datasets
    from cdisckit.reviewer.documents import annotated_fields, link_problems, write_acrf
    from cdisckit.reviewer.forms import export_forms
    study, raw_dir, _, frames = pilot_sdtm
    frames = submitted(frames)
    write_datasets(study, frames, tmp_path, CREATED)
    forms = export_forms(study, raw_dir)
    assert [f.name for f in forms] == ["dm_raw", "ae_raw", "ds_raw", "ec_raw", "vs_raw"]
    documents = write_acrf(study, tmp_path, forms, annotated_fields(study), CREATED)
    assert write_define(study, frames, "SDTM", tmp_path, CREATED) == []
    assert link_problems(tmp_path, documents) == []
    assert assert_links_resolve(tmp_path / "define.html") > 10
    reader = pypdf.PdfReader(tmp_path / "acrf.pdf")
    pages = _form_pages(reader, destinations(tmp_path / "acrf.pdf"))
    for form, dataset, variable in sorted(_collected(study)):
        assert f"{dataset}.{variable}" in pages[form], (form, dataset, variable)


def test_acrf_of_hand_built_forms(mini_study):
    """Two forms: mapped fields carry their annotations, the rest NOT SUBMITTED;
    destinations, outline and bytes are fixed by the inputs."""
    study = load_study(mini_study)
    forms = [CrfForm(name="ae", label="Adverse Events", fields=(
                 CrfField(name="SUBJECT", label="Subject"), CrfField(name="AETERM", label="Event term"),
                 CrfField(name="AESEV", label="Severity", values=("Mild", "Moderate", "Severe")),
                 CrfField(name="COMMENT", label="Comment"))),
             CrfForm(name="other", label="Other Form", fields=(CrfField(name="SUBJECT", label="Subject"),))]
    fields = pd.DataFrame({"form": ["ae", "ae"], "column": ["AETERM", "AESEV"], "dataset": ["AE", "AE"],
                           "variable": ["AETERM", "AESEV"], "condition": ["", ""]})
    pdf = build_acrf(study, forms, fields, document="ACRF", created=CREATED)
    assert pdf == build_acrf(study, forms, fields, document="ACRF", created=CREATED)
    assert pdf.destinations == {"contents", "ae", "other"}
    path = mini_study / "acrf.pdf"
    path.write_bytes(pdf.data)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == pdf.pages == 3
    assert destinations(path) == {"contents": 0, "ae": 1, "other": 2}
    ae = reader.pages[1].extract_text()
    assert "AE.AETERM" in ae and "AE.AESEV" in ae and "AE = Adverse Events" in ae
    assert ae.count("NOT SUBMITTED") == 2                 # SUBJECT and COMMENT
    assert reader.metadata["/CreationDate"] == "D:20240401090000+00'00'"
    assert outline_titles(reader.outline) == ["Forms", ["Adverse Events", "Other Form"], "Domains",
                                              ["AE – Adverse Events", ["Adverse Events"]]]


def outline_titles(items):
    """pypdf's outline as nested lists of titles."""
    return [outline_titles(i) if isinstance(i, list) else i.title for i in items]



def test_kaplan_meier_of_a_hand_computed_example():
    curve = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    assert curve["time"].tolist() == [1, 2, 3, 4, 5]
    assert curve["at_risk"].tolist() == [6, 5, 3, 2, 1]
    assert curve["events"].tolist() == [1, 1, 1, 0, 1]
    assert curve["survival"].tolist() == pytest.approx([5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    assert median_time(curve) == 3
    assert median_time(kaplan_meier([1, 2, 3], [0, 1, 0])) == 2          # survival exactly 0.5 at 2
    assert median_time(kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])) is None   # never below 0.75
    assert at_risk([1, 2, 2, 3, 4, 5], [0, 2, 4]) == [6, 5, 2]


def _km_median(times, events):
    """An independent product-limit median: walk the sorted times."""
    pairs = sorted(zip(times, events))
    survival, n = 1.0, len(pairs)
    for t in sorted(set(times)):
        d = sum(1 for s, e in pairs if s == t and e)
        r = sum(1 for s, _ in pairs if s >= t)
        survival *= 1 - d / r
        if survival <= 0.5:
            return t
    return None


def test_review_page_of_the_run(bundled_runs):
    sdtm, adam = _folders(bundled_runs[0])
    text = (bundled_runs[0] / "reports" / "review.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 7            # disposition, exposure, OS, PFS, DOR, TEAEs, QLQ-C30
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert "Not shown" not in text
    adtte, _ = read_xpt(adam / "adtte.xpt")
    for paramcd in ("OS", "PFS", "DOR"):
        part = adtte[adtte["PARAMCD"] == paramcd]
        median = _km_median(part["AVAL"].tolist(), (part["CNSR"] == 0).tolist())
        expected = "not reached" if median is None else f"{median:g} days"
        assert f"<td>{expected}</td>" in text
    adsl, _ = read_xpt(adam / "adsl.xpt")
    assert f"<tr><td>Treated (ADSL SAFFL = Y)</td><td class=n>{(adsl['SAFFL'] == 'Y').sum()}</td></tr>" in text


def test_review_page_skips_panels_without_data():
    dm = pd.DataFrame({"STUDYID": ["S1"] * 2, "USUBJID": ["S1-1", "S1-2"], "ARMCD": ["A", "SCRNFAIL"]})
    text = review_html({"DM": dm})
    assert "<tr><td>Screen failures</td><td class=n>1</td></tr>" in text
    for absent in ("no DS disposition events", "no EX dataset", "no ADTTE dataset", "no ADAE or AE dataset",
                   "no ADQS dataset", "no conformance findings were given"):
        assert f"Not shown: {absent}" in text


def test_review_command(bundled_runs, tmp_path, capsys):
    """On a folder holding ADSL and ADTTE only: the KM panel is drawn, the others say what is missing."""
    import shutil
    _, adam = _folders(bundled_runs[0])
    folder = tmp_path / "adam"
    folder.mkdir()
    for name in ("adsl.xpt", "adtte.xpt"):
        shutil.copy(adam / name, folder / name)
    out = tmp_path / "review.html"
    assert main(["review", str(folder), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 3            # OS, PFS and DOR
    assert "Not shown: no EX dataset with VISITNUM" in text and "<h2>Conformance summary</h2>" in text
    assert main(["review", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "nowhere: no such folder" in capsys.readouterr().err


def test_guides_pdf_and_html_say_the_same(bundled_runs):
    sdtm, adam = _folders(bundled_runs[0])
    reports = bundled_runs[0] / "reports"
    study = load_study("camrelizumab-npc")
    for pdf, page in ((sdtm / "sdrg.pdf", reports / "sdrg.html"), (adam / "adrg.pdf", reports / "adrg.html")):
        reader = pypdf.PdfReader(pdf)
        titles = []

        def walk(items):
            for item in items:
                walk(item) if isinstance(item, list) else titles.append(item.title)
        walk(reader.outline)
        headings = [h.text_content() for h in lxml_html.fromstring(page.read_bytes()).xpath("//h2|//h3|//h4")]
        assert titles[0] == "Contents" and titles[1:] == headings[1:]      # headings[0]: the page's contents
        assert reader.metadata["/CreationDate"] == "D:" + RUN_CREATED.replace("-", "").replace(":", "").replace(
            "T", "") + "+00'00'"
    adrg = (reports / "adrg.html").read_text(encoding="utf-8")
    ttte = study.datasets["ADTTE"].mapping["parameters"]
    for param in ttte:
        for rule in param["censoring"]:
            assert f"<td>{rule['cnsr']}</td><td>{rule['evntdesc']}</td>" in adrg
    sdrg = (reports / "sdrg.html").read_text(encoding="utf-8")
    # the catalogue's findings on the study's own output, each with its explanations.yaml text
    assert "No explanation recorded." not in sdrg and "Rules Not Run" in sdrg
    assert "The trial has a single arm without branches or transitions, so TABRANCH and TATRANS are null." in sdrg
    assert "Reactive cutaneous capillary endothelial proliferation" in sdrg     # from reviewers_guide.yaml


def test_guide_text_is_checked(mini_study):
    from cdisckit.reviewer.guides import guide_text
    (mini_study / "reviewers_guide.yaml").write_text("sdrg: {document: ACRF, purpos: typo}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"reviewers_guide.yaml: sdrg: unknown key 'purpos'"):
        guide_text(load_study(mini_study))
    (mini_study / "reviewers_guide.yaml").write_text("sdrg: {document: NOPE}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sdrg.document: document 'NOPE' is not defined"):
        guide_text(load_study(mini_study))


def test_text_helvetica_cannot_show_is_set_in_the_wide_font():
    from cdisckit.reviewer.pdf import WIDE_FONT, markup
    assert markup("IL-6 <LOD & µmol/L – ×10^9/L") == "IL-6 &lt;LOD &amp; µmol/L – ×10^9/L"
    assert markup("IFN-γ at 广州肿瘤医院") == (f'IFN-<font name="{WIDE_FONT}">γ</font> at '
                                           f'<font name="{WIDE_FONT}">广州肿瘤医院</font>')
