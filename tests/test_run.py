"""``cdisckit run`` on the bundled study: the submission tree, its validity and
byte-identical reruns."""

import json

import pytest

from cdisckit.cli import main
from define.schema import validate_schema

from conftest import RUN_CREATED as CREATED


@pytest.fixture(scope="module")
def runs(bundled_runs):
    """Two runs with the same inputs and creation datetime."""
    return bundled_runs


def test_tree_has_the_ectd_layout(runs):
    out = runs[0]
    sdtm = out / "m5" / "datasets" / "shr1210-npc-omd" / "tabulations" / "sdtm"
    names = {p.name for p in sdtm.iterdir()}
    assert {"dm.xpt", "ex.xpt", "ae.xpt", "qs.xpt", "lb.xpt", "ds.xpt", "rs.xpt", "ts.xpt", "ta.xpt", "te.xpt",
            "tv.xpt", "ti.xpt", "se.xpt", "sv.xpt", "ec.xpt", "suppex.xpt", "relrec.xpt", "cm.xpt", "mh.xpt",
            "vs.xpt", "eg.xpt", "define.xml", "define.html", "acrf.pdf", "sdrg.pdf"} <= names
    adam = out / "m5" / "datasets" / "shr1210-npc-omd" / "analysis" / "adam" / "datasets"
    assert {p.name for p in adam.iterdir()} == {"adsl.xpt", "adtte.xpt", "adae.xpt", "adqs.xpt", "adrs.xpt",
                                                "adtr.xpt", "adex.xpt", "adlb.xpt", "advs.xpt", "define.xml",
                                                "define.html", "adrg.pdf"}
    assert {p.name for p in (out / "reports").iterdir()} == {"conformance.xlsx", "conformance.html",
                                                              "conformance.json", "review.html", "sdrg.html",
                                                              "adrg.html", "mapping.xlsx", "mapping.html",
                                                              "lineage.csv.gz"}


def test_defines_are_schema_valid_and_report_has_no_errors(runs):
    study = runs[0] / "m5" / "datasets" / "shr1210-npc-omd"
    for define in (study / "tabulations" / "sdtm" / "define.xml",
                   study / "analysis" / "adam" / "datasets" / "define.xml"):
        assert validate_schema(define.read_bytes()) == [], define
    report = json.loads((runs[0] / "reports" / "conformance.json").read_text())
    # every Error of the catalogue on the study's own output is explained (explanations.yaml)
    errors = [f for f in report["findings"] if f["severity"] == "Error"]
    assert [f for f in errors if not f["explanation"]] == []
    assert report["summary"]["explained"] == report["summary"]["findings"]
    assert {"adsl.xpt", "dm.xpt"} <= {d["file"] for d in report["datasets"]}


def test_same_inputs_and_creation_date_give_identical_bytes_in_one_process_or_two(runs):
    first, second = runs
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    different = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def test_rerun_into_the_same_folder_drops_stale_datasets(tmp_path):
    out = tmp_path / "submission"
    sdtm = out / "m5" / "datasets" / "shr1210-npc-omd" / "tabulations" / "sdtm"
    sdtm.mkdir(parents=True)
    (sdtm / "xx.xpt").write_bytes(b"left from an earlier run")
    (out / "notes.txt").write_text("the user's own file")
    assert main(["run", "--out", str(out), "--subjects", "8", "--created", CREATED]) == 0
    assert not (sdtm / "xx.xpt").exists() and (sdtm / "dm.xpt").exists()
    assert (out / "notes.txt").read_text() == "the user's own file"


def test_datasets_without_records_are_not_submitted(tmp_path):
    """8 subjects include no screen failure, so IE has no records: it is
    neither written nor described in define.xml."""
    out = tmp_path / "submission"
    assert main(["run", "--out", str(out), "--subjects", "8", "--created", CREATED]) == 0
    sdtm = out / "m5" / "datasets" / "shr1210-npc-omd" / "tabulations" / "sdtm"
    assert not (sdtm / "ie.xpt").exists() and (sdtm / "dm.xpt").exists()
    assert b'"IG.IE"' not in (sdtm / "define.xml").read_bytes()
    report = json.loads((out / "reports" / "conformance.json").read_text())
    # Raw columns the bundled specs neither map nor declare not submitted (explained in explanations.yaml).
    assert sorted(f["values"] for f in report["findings"] if f["rule"] == "CK0003") == [
        f"form={form}; column={column}" for form, column in (
            ("conmed", "CMAENUM"), ("conmed", "CMATCCD"), ("conmed", "CMDRGCD"), ("conmed", "CMMHNUM"),
            ("death", "DTHAENUM"), ("enrolment", "ENRLDAT"), ("enrolment", "METOTHSP"), ("survival", "SVMETH"))]
    assert report["summary"]["findings"] == report["summary"]["explained"]


def test_lineage_file_gives_every_record_its_sources(runs):
    """Every SDTM and ADaM record of the XPT files (read by pyreadstat) has a lineage
    row; ADAE records point at the AE record of the same subject and AESEQ, ADTTE
    events at the record SRCDOM/SRCSEQ name."""
    import pandas as pd
    import pyreadstat

    from cdisckit.lineage import raw_sources

    out = runs[0]
    lineage = pd.read_csv(out / "reports" / "lineage.csv.gz", dtype={"record": int, "row": int},
                          keep_default_na=False)
    frames = {p.stem.upper(): pyreadstat.read_xport(str(p))[0]
              for p in sorted((out / "m5").rglob("*.xpt"))}
    resolved = raw_sources(lineage)
    for name, frame in frames.items():
        assert set(lineage.loc[lineage["dataset"] == name, "record"]) == set(range(1, len(frame) + 1)), name
        kinds = set(resolved.loc[resolved["dataset"] == name, "kind"])
        # RELREC: the dataset-level tumour relationships are spec records, the dose-to-AE links raw lines.
        spec_only, both = ("TA", "TE", "TI", "TS", "TV"), ("RELREC",)
        assert kinds == ({"spec"} if name in spec_only else {"spec", "form"} if name in both else {"form"}), name
    ae, adae, adtte = frames["AE"], frames["ADAE"], frames["ADTTE"]
    links = lineage[lineage["dataset"] == "ADAE"]
    assert set(links["source"]) == {"AE"} and len(links) == len(adae)
    mine, theirs = adae.iloc[links["record"] - 1], ae.iloc[links["row"] - 1]
    assert (mine[["USUBJID", "AESEQ"]].to_numpy() == theirs[["USUBJID", "AESEQ"]].to_numpy()).all()
    events = lineage[(lineage["dataset"] == "ADTTE") & (lineage["source"] != "ADSL")]
    assert len(events)
    for record, source, row in events[["record", "source", "row"]].itertuples(index=False):
        tte = adtte.iloc[record - 1]
        assert tte["SRCDOM"] == source
        assert frames[source].iloc[row - 1][f"{source}SEQ"] == tte["SRCSEQ"]


def test_adqs_scores_link_to_the_items_of_their_scale_only(runs):
    """An ADQS score's lineage rows name QS records of its subject whose QSTESTCD is
    one of its scale's items (ADQS.yaml), not the other items of the visit."""
    import pandas as pd
    import pyreadstat
    import yaml

    from specs.loader import BUNDLED_DIR

    out = runs[0]
    lineage = pd.read_csv(out / "reports" / "lineage.csv.gz", dtype={"record": int, "row": int},
                          keep_default_na=False)
    adqs, qs = (pyreadstat.read_xport(str(next((out / "m5").rglob(f"{n}.xpt"))))[0] for n in ("adqs", "qs"))
    spec = yaml.safe_load((BUNDLED_DIR / "camrelizumab-npc" / "adam" / "ADQS.yaml").read_text())
    items = {s["paramcd"]: set(s["items"]) for s in spec["mapping"]["scales"]}
    links = lineage[(lineage["dataset"] == "ADQS") & (lineage["source"] == "QS")]
    assert len(links)
    checked = 0
    for record, rows in links.groupby("record")["row"]:
        score = adqs.iloc[record - 1]
        if score["PARAMCD"] not in items:
            continue
        sources = qs.iloc[rows.to_numpy() - 1]
        assert set(sources["QSTESTCD"]) <= items[score["PARAMCD"]], record
        assert (sources["USUBJID"] == score["USUBJID"]).all()
        checked += 1
    assert checked > 100


def test_trace_back_to_raw_and_forward_from_raw(runs, capsys):
    out = runs[0]
    ae = main(["trace", "AE", "AESEQ=1", "--run", str(out)])
    assert ae == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("AE record 1 (USUBJID=") and lines[1].startswith("  <- raw ae.csv line ")
    row = int(lines[1].rsplit(" ", 1)[1])
    assert main(["trace", f"raw:ae", f"ROW={row}", "--run", str(out)]) == 0
    fed = capsys.readouterr().out
    assert f"raw ae.csv line {row} fed" in fed and "-> AE record 1 (" in fed and "-> ADAE record" in fed
    assert main(["trace", "AE", "AESEQ=999", "--run", str(out)]) == 2
    assert "no AE record with AESEQ=999" in capsys.readouterr().err
