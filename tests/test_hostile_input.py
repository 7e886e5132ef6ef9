"""Hostile input found by fuzzing: each is a clear one-line input error, never
a traceback or a silently wrong result."""

import datetime as dt
import struct

import pandas as pd
import pytest

from cdisckit.cli import main
from cdisckit.raw import read_raw
from cdisckit.xpt import read_xpt, write_xpt
from define.reader import read_define
from specs import load_study
from specs.errors import InputError, SpecError

NAMESTR = 8 * 80          # first NAMESTR record of a one-dataset file with 140-byte NAMESTRs
NAME, LENGTH, POSITION = 8, 4, 84     # offsets inside a NAMESTR (SAS TS-140)


def _xpt(tmp_path):
    frame = pd.DataFrame({"AA": ["x", "yy"], "BB": [1.0, 2.0], "CC": ["abc", "d"]})
    path = write_xpt(frame, tmp_path / "t.xpt", name="T", label="T", created=dt.datetime(2024, 1, 1))
    return path, bytearray(path.read_bytes())


def _patch(path, data, variable, offset, value):
    at = NAMESTR + 140 * variable + offset
    data[at:at + len(value)] = value
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("variable, offset, value, message", [
    (1, NAME, b"AA      ", "variable AA appears twice"),
    (1, POSITION, struct.pack(">i", 0), "overlapping or gapped NAMESTR records"),
    (0, LENGTH, struct.pack(">h", 3), "overlapping or gapped NAMESTR records"),
    (2, POSITION, struct.pack(">i", 12), "overlapping or gapped NAMESTR records"),
    (1, LENGTH, struct.pack(">h", 9), "numeric variable BB has length 9"),
], ids=["duplicate name", "overlap", "length no longer adds up", "gap", "numeric length"])
def test_inconsistent_namestr_records_are_refused(tmp_path, capsys, variable, offset, value, message):
    path, data = _xpt(tmp_path)
    assert read_xpt(path)[0]["CC"].tolist() == ["abc", "d"]
    _patch(path, data, variable, offset, value)
    with pytest.raises(InputError, match=message):
        read_xpt(path)
    assert main(["xpt", "dump", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(path) in err


def _spec_problem(mini_study, text):
    (mini_study / "methods.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_study(mini_study)
    assert all("\n" not in problem for problem in caught.value.problems)
    return caught.value.problems[0]


def test_deep_yaml_nesting_is_bounded(mini_study):
    problem = _spec_problem(mini_study, "a: " + "[" * 300 + "]" * 300 + "\n")
    assert problem == f"{mini_study / 'methods.yaml'}: line 1, column 103: invalid YAML: nesting deeper than " \
                      "100 levels"


def test_huge_yaml_integers_are_bounded(mini_study):
    problem = _spec_problem(mini_study, "- id: M\n  order: " + "9" * 5000 + "\n")
    assert problem == f"{mini_study / 'methods.yaml'}: line 2, column 10: invalid YAML: integer of more than " \
                      "100 digits"


def test_yaml_control_characters_give_one_line(mini_study):
    problem = _spec_problem(mini_study, "- id: M\x07\n")
    # the wording is the parser's: libyaml says "control", pure-Python PyYAML "special"
    assert problem in [f"{mini_study / 'methods.yaml'}: character 8: invalid YAML: {kind} characters are not allowed"
                       for kind in ("control", "special")]


def _raw(tmp_path, dictionary):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "ae.csv").write_text("SUBJ,TERM\n001,Headache\n", encoding="utf-8")
    (folder / "forms.yaml").write_bytes(dictionary)
    return folder


@pytest.mark.parametrize("content, message", [
    (b"forms: [a, b\n", r"forms.yaml: line 2, column 1: invalid YAML: (did not find )?expected ',' or ']'"),
    (b"forms: \xff\xfe\n", r"forms.yaml: not UTF-8 text \(invalid start byte at byte 7\)"),
    (b"- a\n- b\n", r"forms.yaml: must be a mapping of form names to their columns, not a list"),
    (b"a: " + b"[" * 300 + b"]" * 300, r"forms.yaml: line 1, column 103: invalid YAML: nesting deeper than 100"),
])
def test_a_bad_forms_yaml_is_an_input_error(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_raw(_raw(tmp_path, content))


def test_a_good_forms_yaml_is_read(tmp_path):
    forms, meta = read_raw(_raw(tmp_path, b"ae: {TERM: Reported term}\n"))
    assert meta == {"ae": {"TERM": "Reported term"}} and forms["ae"]["TERM"].tolist() == ["Headache"]


def test_an_entity_reference_in_define_xml_is_an_error_naming_the_element():
    xml = (b'<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY foo "x">]>\n'
           b'<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3">\n<Study><GlobalVariables>\n'
           b'<StudyName>Label &foo; end</StudyName></GlobalVariables></Study></ODM>')
    with pytest.raises(InputError) as caught:
        read_define(xml)
    assert str(caught.value) == "define.xml: line 5: StudyName holds the entity reference &foo; " \
                                "(write the character itself)"


@pytest.mark.parametrize("xml, start", [
    (b'<ODM a="' + b"x" * 10_000_001 + b'"/>', "define.xml: not a Define-XML 2.0 or 2.1 file"),
    (b"<ODM>\n<Study>\n</ODM>", "define.xml: line 3: not well-formed XML: "),
    (b"<ODM a='1' a='2'/>", "define.xml: line 1: not well-formed XML: "),
], ids=["huge attribute", "unclosed element", "repeated attribute"])
def test_libxml_messages_are_one_line(xml, start):
    with pytest.raises(InputError) as caught:
        read_define(xml)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(start), message


@pytest.mark.parametrize("rank", ["2[", "nan", "inf"])
def test_a_rank_that_is_no_number_is_an_error_naming_its_line(rank):
    from fuzzing import define_seed
    text = define_seed().replace('Rank="2.5"', f'Rank="{rank}"')
    line = text[:text.index(f'Rank="{rank}"')].count("\n") + 1
    with pytest.raises(InputError) as caught:
        read_define(text.encode())
    assert str(caught.value) == f"define.xml: line {line}: Rank={rank!r} is not a number"
    assert read_define(define_seed().encode()).codelists   # the unchanged file reads


@pytest.mark.parametrize("element, name", [("ItemDef", "VSORRES"), ("ItemGroupDef", "VS")])
def test_a_definition_without_its_name_is_an_error_naming_its_line(element, name):
    from fuzzing import define_seed
    text = define_seed()
    start = text.index(f"<{element} ", text.index(f'Name="{name}"') - 200)
    line = text[:start].count("\n") + 1
    cut = text[:start] + text[start:].replace(f' Name="{name}"', "", 1)
    with pytest.raises(InputError) as caught:
        read_define(cut.encode())
    assert str(caught.value) == f"define.xml: line {line}: {element} has no Name"
