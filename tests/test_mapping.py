"""The mapping language as data: every SDTM algorithm and ADaM derivation's
parameters as JSON Schema, held against each spec when it is loaded (and when
a workbook is imported), and the README's catalogue kept equal to the code."""

import io
import re
import textwrap

import openpyxl
import pytest

from cdisckit import catalogue
from specs import SpecError, load_study
from specs.mapping import SCHEMA_FILE
from specs.workbook_export import export_workbook
from specs.workbook_import import read_workbook
from tests.test_adam_engine import MINI, TTE, write_mini

AE_STUDYID = "  - {name: STUDYID, label: Study Identifier, role: Identifier, core: Req, length: 6}\n"

ADSL = textwrap.dedent(MINI["adam/ADSL.yaml"])      # AGEGR1 is variables[3]


def with_mapping(root, mapping):
    """The mini study's AE.STUDYID given ``mapping`` (YAML flow text)."""
    path = root / "sdtm" / "AE.yaml"
    text = path.read_text(encoding="utf-8")
    assert AE_STUDYID in text
    path.write_text(text.replace(AE_STUDYID, AE_STUDYID[:-2] + f",\n     mapping: {mapping}}}\n"), encoding="utf-8")
    return path


def problems(root):
    with pytest.raises(SpecError) as info:
        load_study(root)
    return info.value.problems


@pytest.mark.parametrize("mapping, where, message", [
    ("{algorithm: hardcode, value: CDISC01}", None, None),
    ("{algorithm: hardcod, value: CDISC01}", "variables[0].mapping.algorithm",
     "unknown algorithm 'hardcod' (did you mean 'hardcode'?)"),
    ("{algorithm: hardcode, valeu: CDISC01}", "variables[0].mapping", "unknown key 'valeu' (did you mean 'value'?)"),
    ("{algorithm: hardcode, value: [CDISC01]}", "variables[0].mapping.value",
     "['CDISC01'] must be of type string or number or boolean"),
    ("{algorithm: assign, column: STUDY, case: title}", "variables[0].mapping.case",
     "'title' must be one of upper, lower"),
    ("{value: CDISC01}", "variables[0].mapping.algorithm", "missing required key 'algorithm'"),
    # an algorithm used as an operand, and a condition, are checked too
    ("{algorithm: concat, parts: [{algorithm: hardcod, value: X}]}", "variables[0].mapping.parts[0].algorithm",
     "unknown algorithm 'hardcod'"),
    ("{algorithm: condition, cases: [{when: {column: A, equal: B}, then: {text: X}}]}",
     "variables[0].mapping.cases[0].when", "unknown key 'equal'"),
])
def test_sdtm_mappings_are_checked_when_loaded(mini_study, mapping, where, message):
    file = with_mapping(mini_study, mapping)
    if message is None:
        assert load_study(mini_study).datasets["AE"].variable("STUDYID").mapping["value"] == "CDISC01"
        return
    found = problems(mini_study)
    assert any(p.startswith(f"{file}: {where}: {message}") for p in found), found
    assert all(p.startswith(f"{file}: variables[0].mapping") for p in found), found


@pytest.mark.parametrize("old, new, where, message", [
    ("derive_var_group,", "derive_var_grop,", "variables[3].mapping.algorithm", "unknown algorithm 'derive_var_grop'"),
    ("groups: [{below: 50, value: YOUNG}, {value: OLD}]", "groups: 3", "variables[3].mapping.groups",
     "3 must be of type array"),
    ("source_var: AGE", "source_var: AGE, by: [USUBJID]", "variables[3].mapping", "unknown key 'by'"),
    ("{below: 50, value: YOUNG}", "{below: fifty, value: YOUNG}", "variables[3].mapping.groups[0].below",
     "'fifty' must be of type number"),
    ("groups:", "when: {variable: AGE, is: 3}, groups:", "variables[3].mapping.when", "unknown key 'is'"),
    ("builder: subject_records", "builder: subjects", "mapping.builder", "unknown builder 'subjects'"),
    ("source: DM}", "sorce: DM}", "mapping", "unknown key 'sorce'"),
])
def test_adam_derivations_are_checked_when_loaded(tmp_path, old, new, where, message):
    assert old in ADSL
    assert write_mini(tmp_path).datasets["ADSL"].variable("AGEGR1").mapping["algorithm"] == "derive_var_group"
    file = tmp_path / "adam" / "ADSL.yaml"
    file.write_text(ADSL.replace(old, new), encoding="utf-8")
    found = problems(tmp_path)
    assert any(p.startswith(f"{file}: {where}: {message}") for p in found), found
    assert all(p.startswith(f"{file}: ") for p in found), found


@pytest.mark.parametrize("old, new, where, message", [
    ("evntdesc: RASH,", "evntdsc: RASH,", "mapping.parameters[0].events[0]",
     "unknown key 'evntdsc' (did you mean 'evntdesc'?)"),
    ("rule: stop", "rule: halt", "mapping.parameters[0].censoring[0].rule",
     "'halt' must be one of no_baseline, no_assessment, stop, missed_visits"),
    ("impute: {highest: D}}", "impute: {highest: day}}", "mapping.parameters[0].assessments.impute.highest",
     "'day' must be one of Y, M, D, h, m, s, n"),
])
def test_time_to_event_parameters_are_checked_when_loaded(tmp_path, old, new, where, message):
    tte = textwrap.dedent(TTE)
    assert old in tte
    methods = "- {id: MT.LAST, name: Last AE, description: Censored at the last AE start.}\n"
    write_mini(tmp_path, {"adam/ADTTE.yaml": TTE, "methods.yaml": methods})
    file = tmp_path / "adam" / "ADTTE.yaml"
    file.write_text(tte.replace(old, new), encoding="utf-8")
    assert problems(tmp_path) == [f"{file}: {where}: {message}"]


def test_workbook_import_checks_mappings_too(mini_study, tmp_path):
    with_mapping(mini_study, "{algorithm: hardcode, value: CDISC01}")
    book = openpyxl.load_workbook(io.BytesIO(export_workbook(load_study(mini_study))))
    cells = [c for row in book["Mapping"].iter_rows() for c in row if c.value == "hardcode"]
    assert len(cells) == 1
    cells[0].value = "hardcod"
    book.save(tmp_path / "broken.xlsx")
    with pytest.raises(SpecError) as info:
        read_workbook(tmp_path / "broken.xlsx")
    assert [re.sub(r"^Variables!\d+: ", "", p) for p in info.value.problems] == [
        "unknown algorithm 'hardcod' (did you mean 'hardcode'?)"]


def test_schema_file_is_the_catalogue():
    """specs/schema/mapping.schema.json is what the functions' signatures give
    (regenerate with ``python -m cdisckit.catalogue``)."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == catalogue.schema_text()


def test_readme_lists_the_catalogue():
    """The README's algorithm tables are the catalogue: every algorithm,
    derivation and builder, each parameter, nothing else."""
    readme = catalogue.README.read_text(encoding="utf-8")
    assert catalogue.readme_text(readme) == readme
    schema = catalogue.catalogue_schema()
    for kind in ("sdtm", "adam", "adam_builders"):
        for name, entry in schema["catalogues"][kind]["entries"].items():
            row = re.search(rf"^\| `{name}` \| (.*?) \|", readme, re.MULTILINE)
            assert row, name
            listed = re.findall(r"`(\w+)`", row.group(1))
            assert listed == [p for p in entry["properties"] if p not in ("algorithm", "builder", "when")], name
    for name in ("count", "lookup", "replace", "visit_name", "derive_var_extreme_flag", "tte_records"):
        assert f"| `{name}` |" in readme


def test_every_entry_says_what_it_does():
    for kind, spec in catalogue.catalogue_schema()["catalogues"].items():
        for name, entry in spec["entries"].items():
            assert len(entry["description"]) > 20, (kind, name)


@pytest.mark.parametrize("mapping, where, message", [
    ("{sources: [{form: ae}], distinct: true}", None, None),
    ("{sources: [{fomr: ae}]}", "mapping.sources[0]", "unknown key 'fomr' (did you mean 'form'?)"),
    ("{sources: [{form: ae, where: {column: X, equal: Y}}]}", "mapping.sources[0].where",
     "unknown key 'equal' (did you mean 'equals'?)"),
    ("{sources: [{form: ae}], distinct: yes please}", "mapping.distinct", "'yes please' must be of type boolean"),
    ("{sources: [{form: ae, set: {AESEQ: {algorithm: sq}}}]}", "mapping.sources[0].set.AESEQ.algorithm",
     "unknown algorithm 'sq' (did you mean 'seq'?)"),
])
def test_sdtm_dataset_mappings_are_checked_when_loaded(mini_study, mapping, where, message):
    file = mini_study / "sdtm" / "AE.yaml"
    file.write_text(file.read_text(encoding="utf-8") + f"mapping: {mapping}\n", encoding="utf-8")
    if message is None:
        assert load_study(mini_study).datasets["AE"].mapping["distinct"] is True
        return
    assert problems(mini_study) == [f"{file}: {where}: {message}"]
