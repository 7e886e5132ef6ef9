"""Record lineage through the engine: exact sources on tiny studies, and
records of the bundled study followed back to raw lines and re-derived."""

import random
import textwrap

import pandas as pd

from cdisckit.lineage import raw_sources
from sdtm.collection import collected_fields
from sdtm.engine import map_and_trace
from specs import load_study
from test_sdtm_engine import JOIN_COLLAPSE, RAW, STUDY, join_collapse_raw

from tests.edc import iso, usubjid


def _write(folder, files):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_study(folder)


def _sources(mapped, dataset):
    part = mapped.lineage[mapped.lineage["dataset"] == dataset]
    return [tuple(r) for r in part[["record", "kind", "source", "file", "row"]].itertuples(index=False)]


def _raw():
    """The tiny study's raw forms, each naming its file."""
    out = {}
    for name, frame in RAW.items():
        out[name] = frame.copy()
        out[name].attrs["source"] = f"raw/{name}.csv"
    return out


def test_where_transpose_supplemental_and_dataset_sources(tmp_path):
    mapped = map_and_trace(_write(tmp_path, STUDY), _raw())
    ex = mapped.datasets["EX"]
    # EX keeps the two doses given (lines 2, 3 of dose.csv); line 4 (DOSED No) is dropped by the filter.
    assert ex["EXSTDTC"].tolist() == ["2021-02-01T10:00", "2021-02-22"]
    assert _sources(mapped, "EX") == [(1, "form", "dose", "dose.csv", 2), (2, "form", "dose", "dose.csv", 3)]
    dropped = mapped.dropped[mapped.dropped["dataset"] == "EX"]
    assert dropped[["form", "file", "row", "rule"]].values.tolist() == [
        ["dose", "dose.csv", 4, "EX.yaml: mapping.sources[0].where (DOSED = Yes)"]]
    # QS: one record per filled item cell; the blank ITEM2 of line 2 makes no record.
    qs = mapped.datasets["QS"]
    assert list(zip(qs["QSTESTCD"], qs["VISITNUM"])) == [("Q1", 1.0), ("Q1", 2.0), ("Q2", 2.0)]
    assert _sources(mapped, "QS") == [(1, "form", "qlq", "qlq.csv", 2), (2, "form", "qlq", "qlq.csv", 3),
                                      (3, "form", "qlq", "qlq.csv", 3)]
    # AE is sorted by term and start: RCCEP (line 2), the translated rash (line 3), Fatigue (line 4).
    assert mapped.datasets["AE"]["AETERM"].tolist() == ["Fatigue", "RASH", "RCCEP"]
    assert _sources(mapped, "AE") == [(1, "form", "ae", "ae.csv", 4), (2, "form", "ae", "ae.csv", 3),
                                      (3, "form", "ae", "ae.csv", 2)]
    # The SUPPAE record of RCCEP points at its AE record; SE records at DM records.
    assert _sources(mapped, "SUPPAE") == [(1, "dataset", "AE", "AE (SDTM)", 3)]
    dm = mapped.datasets["DM"]
    se = mapped.datasets["SE"]
    for record, kind, source, _, row in _sources(mapped, "SE"):
        assert (kind, source) == ("dataset", "DM")
        assert se["USUBJID"][record - 1] == dm["USUBJID"][row - 1]
    resolved = raw_sources(mapped.lineage)
    assert resolved[resolved["dataset"] == "SUPPAE"][["file", "row"]].values.tolist() == [["ae.csv", 2]]


def test_joined_distinct_collapsed_and_required_records_keep_their_sources(tmp_path):
    sv = JOIN_COLLAPSE["sdtm/SV.yaml"].replace("max: [SVENDTC]}", "max: [SVENDTC]}\n          require: [SVSTDTC]")
    study = _write(tmp_path, {**JOIN_COLLAPSE, "sdtm/SV.yaml": sv, "sdtm/LB.yaml": """\
            name: LB
            label: Laboratory
            keys: [USUBJID, LBTESTCD]
            mapping: {sources: [{form: lab}], distinct: true}
            variables:
              - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
              - {name: LBTESTCD, label: Test, mapping: {algorithm: assign, column: T}}
              - {name: LBORRES, label: Result, mapping: {algorithm: assign, column: R}}
            """})
    raw = {**join_collapse_raw(),
           "lab": pd.DataFrame({"SUBJ": ["A", "A", "A"], "T": ["ALT", "ALT", "AST"], "R": ["10", "10", "20"]},
                               index=[2, 3, 4])}
    for name, frame in raw.items():
        frame.attrs["source"] = f"/some/where/{name}.csv"
    mapped = map_and_trace(study, raw)
    # B's DM record comes from enrol line 3 and eos line 2; A has no end-of-study line.
    assert _sources(mapped, "DM") == [(1, "form", "enrol", "enrol.csv", 2), (2, "form", "enrol", "enrol.csv", 3),
                                      (2, "form", "eos", "eos.csv", 2)]
    # SV: A's visit 2 is collapsed from lines 2 and 4; B's dateless visit is dropped by require.
    assert mapped.datasets["SV"][["USUBJID", "VISITNUM"]].values.tolist() == [["A", 1.0], ["A", 2.0]]
    assert _sources(mapped, "SV") == [(1, "form", "visits", "visits.csv", 3), (2, "form", "visits", "visits.csv", 2),
                                      (2, "form", "visits", "visits.csv", 4)]
    assert mapped.dropped[["file", "row", "dataset", "rule"]].values.tolist() == [
        ["visits.csv", 5, "SV", "SV.yaml: mapping.require (SVSTDTC blank)"]]
    # LB: the double entry of ALT (lines 2 and 3) is one record with both lines as sources.
    assert _sources(mapped, "LB") == [(1, "form", "lab", "lab.csv", 2), (1, "form", "lab", "lab.csv", 3),
                                      (2, "form", "lab", "lab.csv", 4)]


def test_every_bundled_record_has_a_raw_source(bundled_mapped):
    study, mapped = bundled_mapped
    resolved = raw_sources(mapped.lineage)
    for name, frame in mapped.datasets.items():
        mine = resolved[resolved["dataset"] == name]
        kinds = set(mine["kind"])
        # Trial design and dataset-level RELREC are spec records; every other record has a raw line.
        # RELREC: the dataset-level tumour relationships are spec records, the dose-to-AE links raw lines.
        spec_only, both = ("TA", "TE", "TI", "TS", "TV"), ("RELREC",)
        assert kinds == ({"spec"} if name in spec_only else {"spec", "form"} if name in both else {"form"}), name
        assert set(mine["record"]) == set(range(1, len(frame) + 1)), name
    ta = mapped.lineage[mapped.lineage["dataset"] == "TA"]
    assert set(ta["file"]) == {"TA.yaml"} and set(ta["source"]) == {"TA.yaml: mapping.sources[0]"}


def test_twenty_random_records_lead_back_to_raw_lines_that_give_their_values(bundled_mapped, bundled_raw):
    """Each record's USUBJID and collected date, re-derived from its raw line by the tests' own reading."""
    study, mapped = bundled_mapped
    forms = bundled_raw[1]
    fields = collected_fields(study)
    dated = fields[(fields["algorithm"] == "datetime") & (fields["role"] == "value")]
    links = mapped.lineage[mapped.lineage["kind"] == "form"]
    candidates = []
    for name in ("AE", "CM", "DS", "EX", "LB", "QS", "RS", "MB", "SS", "PR"):
        for record in sorted(set(links.loc[links["dataset"] == name, "record"])):
            candidates.append((name, record))
    picked = random.Random(21).sample(candidates, 20)
    for name, record in picked:
        values = mapped.datasets[name].iloc[record - 1]
        mine = links[(links["dataset"] == name) & (links["record"] == record)]
        form, row = mine[["source", "row"]].iloc[0]
        line = forms[form].loc[row]
        assert values["USUBJID"] == usubjid(study, line["SUBJECT"]), (name, record)
        date = dated[(dated["dataset"] == name) & (dated["form"] == form)
                     & (dated["variable"] == f"{name}DTC")]
        date = date if len(date) else dated[(dated["dataset"] == name) & (dated["form"] == form)]
        variable, column = date[["variable", "column"]].iloc[0]
        time = dated[(dated["dataset"] == name) & (dated["form"] == form) & (dated["variable"] == variable)
                     & (dated["column"] != column)]
        expected = iso(line[column], line[time["column"].iloc[0]] if len(time) else "")
        assert values[variable] == expected, (name, record, variable)


def test_lineage_file_is_the_csv_pandas_writes(tmp_path, monkeypatch):
    """The block-wise writer gives the bytes of ``DataFrame.to_csv``: quoting of commas,
    quotes and line breaks, missing text, zero and numbers of different widths,
    runs of equal text and blocks smaller than the frame."""
    import gzip

    from cdisckit import lineage as lineage_module

    frame = pd.DataFrame({
        "dataset": ["AE", "AE", "AE", "ADSL", "ADSL", "DM", "DM"],
        "record": [1, 2, 10, 1, 0, 123456, 7],
        "kind": ["form", "form", "spec", "dataset", "dataset", "form", None],
        "source": ['a,b', 'say "x"', "line\nbreak", "DM", "DM", "", "dm"],
        "file": ["ae.csv", "ae.csv", "AE.yaml", "DM (SDTM)", "DM (SDTM)", "dm.csv", "dm.csv"],
        "row": [2, 30, 4, 1, 99999, 0, 5]})
    monkeypatch.setattr(lineage_module, "_csv_blocks",
                        lambda f, size=3, blocks=lineage_module._csv_blocks: blocks(f, size))
    path = lineage_module.write_lineage(tmp_path / "lineage.csv.gz", frame)
    expected = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert gzip.decompress(path.read_bytes()) == expected
    back = lineage_module.read_lineage(path)
    assert back["row"].tolist() == frame["row"].tolist() and back["source"].tolist()[:3] == frame["source"].tolist()[:3]
