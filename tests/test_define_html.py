"""define.html: contents, anchors and tables of the HTML view, self-contained;
and, where Chromium is installed, that a headless browser renders it."""

import datetime as dt
import shutil
import subprocess

import pytest
from lxml import html as lxml_html

from define.html import render_html
from define.writer import build_define
from specs import load_study

SDTM = ("AE", "LB", "SUPPAE")


@pytest.fixture
def page(define_study, define_frames):
    study = load_study(define_study)
    xml = build_define(study, {n: define_frames[n] for n in SDTM}, model="SDTM",
                       created=dt.datetime(2025, 1, 2, 3, 4, 5), source_system=("cdisckit", "9.9"))
    return render_html(xml)


def _rows(table):
    return [[" ".join(" ".join(cell.itertext()).split()) for cell in row.xpath("td|th")]
            for row in table.xpath(".//tr")]


def test_table_of_contents_links_every_section_and_dataset(page):
    doc = lxml_html.fromstring(page)
    toc = [(a.get("href"), a.text_content()) for a in doc.xpath("//nav[@id='toc']//a")]
    assert toc == [("#standards", "Standards"), ("#documents", "Documents"), ("#datasets", "Datasets"),
                   ("#IG.AE", "AE — Adverse Events"), ("#IG.LB", "LB — Laboratory Test Results"),
                   ("#IG.SUPPAE", "SUPPAE — Supplemental Qualifiers for AE"),
                   ("#valuelevel", "Value-level metadata"), ("#codelists", "Controlled terms"),
                   ("#methods", "Methods"), ("#comments", "Comments")]
    ids = set(doc.xpath("//@id"))
    internal = {a[1:] for a in doc.xpath("//a/@href") if a.startswith("#")}
    assert internal <= ids, f"links without a target: {sorted(internal - ids)}"


def test_one_table_per_dataset_with_variables_origins_and_codelists(page):
    doc = lxml_html.fromstring(page)
    summary = _rows(doc.xpath("//section[@id='datasets']/table")[0])
    assert summary[0] == ["Dataset", "Description", "Class", "Structure", "Purpose", "Keys", "Comment", "Location"]
    assert summary[1] == ["AE", "Adverse Events", "EVENTS", "One record per adverse event per subject", "Tabulation",
                          "STUDYID, USUBJID, AETERM, AESTDTC",
                          "Adverse events collected to 30 days after the last dose.", "ae.xpt"]
    ae = doc.get_element_by_id("IG.AE").getnext().getnext()
    rows = _rows(ae)
    assert rows[0] == ["Variable", "Label", "Key", "Type", "Length", "Format", "Controlled terms", "Origin",
                       "Method / comment", "Mandatory", "Role"]
    assert [r[0] for r in rows[1:]] == ["STUDYID", "USUBJID", "AESEQ", "AETERM", "AESEV", "AESTDTC"]
    assert rows[4] == ["AETERM", "Reported Term for the Adverse Event", "3", "text", "8", "",
                       "", "Collected (Investigator) Annotated CRF 3", "", "Yes", "Topic"]
    assert rows[3][8] == ("Sequence number : Sequential number of the record within the subject, in key order.")
    assert rows[5][6] == "Severity/Intensity Scale for Adverse Events"
    assert ae.xpath(".//a[@href='acrf.pdf#page=3']") and ae.xpath(".//a[@href='#CL.AESEV']")
    assert doc.xpath("//section[@id='datasets']//a[@href='ae.xpt']")        # the XPT file itself


def test_value_level_codelists_methods_and_comments(page):
    doc = lxml_html.fromstring(page)
    vl = _rows(doc.get_element_by_id("VL.LB.LBORRES").getnext())
    assert [r[:5] for r in vl] == [["Where", "Label", "Type", "Length", "Format"],
                                   ["LBTESTCD EQ ALB", "Albumin result", "float", "5", "2 significant digits"],
                                   ["LBTESTCD EQ URIN", "Result or Finding in Original Units", "text", "6", ""]]
    assert doc.get_element_by_id("VL.LB.LBORRES").text == "LB.LBORRES"
    assert _rows(doc.get_element_by_id("CL.NY").getnext().getnext()) == [
        ["Coded value", "Decode", "NCI code"], ["N", "No", "C49487"], ["Y", "Yes", "C49488"]]
    assert "sponsor-defined" in doc.get_element_by_id("CL.QNAM").getnext().text_content()
    method = doc.get_element_by_id("MT.TRTEM").getparent()
    assert "AESTDTC >= EXSTDTC" in method.text_content()
    assert [a.get("href") for a in method.xpath(".//a")] == ["sap.pdf#page=12", "sap.pdf#page=14"]
    comment = doc.get_element_by_id("COM.MARKUP").getparent()
    assert comment.xpath("td")[1].text_content() == """Check <b>bold</b> & "double" 'single' ]]> text."""
    assert not doc.xpath("//main//b")                      # markup in a spec stays text


def test_page_is_self_contained(page):
    doc = lxml_html.fromstring(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not doc.xpath("//script | //link | //img | //iframe")
    external = [u for u in doc.xpath("//@href | //@src") if "://" in u or u.startswith("//")]
    assert external == []
    assert doc.xpath("//head/style")


def test_headless_chromium_renders_the_page(page, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    path = tmp_path / "define.html"
    path.write_text(page, encoding="utf-8")
    shot = tmp_path / "define.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", "--window-size=1280,1600", path.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
