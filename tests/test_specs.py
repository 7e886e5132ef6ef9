"""Spec loading: the model built from YAML, and every kind of spec error."""

import pytest

from specs import SpecError, load_study, write_study
from specs.errors import InputError


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _problems(root):
    with pytest.raises(SpecError) as info:
        load_study(root)
    return info.value.problems


def test_mini_study_loads_into_the_model(mini_study):
    study = load_study(mini_study)
    assert study.studyid == "MINI01"
    ae = study.datasets["AE"]
    assert ae.model == "SDTM" and ae.purpose == "Tabulation" and ae.class_ == "EVENTS"
    assert ae.variable_names == ["STUDYID", "USUBJID", "AESEQ", "AETERM", "AESEV", "AESTDTC"]
    assert [v.order for v in ae.variables] == [1, 2, 3, 4, 5, 6]
    aeseq = ae.variable("AESEQ")
    assert aeseq.numeric and aeseq.mandatory and aeseq.method == "MT.AESEQ"
    assert ae.variable("AETERM").origin.pages == [3]
    assert ae.variable("USUBJID").length is None  # from the data
    aesev = study.codelists["AESEV"]
    assert aesev.values() == ["MILD", "MODERATE", "SEVERE"]
    assert aesev.term("SEVERE").nci_code == "C41340" and aesev.extensible is False
    assert study.standard("STD.CT").type == "CT"


def test_write_then_load_gives_equal_objects(mini_study, tmp_path):
    (mini_study / "explanations.yaml").write_text(
        "- {rule: SD1149, dataset: AE, explanation: AESER is not collected in this study.}\n", encoding="utf-8")
    study = load_study(mini_study)
    out = write_study(study, tmp_path / "copy")
    again = load_study(out)
    assert again.datasets["AE"].variables == study.datasets["AE"].variables
    assert again.codelists == study.codelists and again.methods == study.methods
    assert again.comments == study.comments and again.standards == study.standards
    assert [(e.rule, e.dataset, e.explanation) for e in again.explanations] == [
        ("SD1149", "AE", "AESER is not collected in this study.")]


def test_explanations_follow_their_schema(mini_study):
    (mini_study / "explanations.yaml").write_text("- {rule: SD1149, dataset: ae, explanation: x}\n",
                                                  encoding="utf-8")
    with pytest.raises(SpecError, match=r"explanations.yaml: \[0\].dataset"):
        load_study(mini_study)


def test_yaml_1_1_words_stay_strings(mini_study):
    _edit(mini_study / "codelists.yaml", "{value: MILD,", "{value: NO,")
    _edit(mini_study / "sdtm/AE.yaml", "label: Adverse Events", "label: Adverse Events\ndescription: 2021-03-04")
    study = load_study(mini_study)
    assert study.codelists["AESEV"].values()[0] == "NO"
    assert study.datasets["AE"].description == "2021-03-04"


def test_schema_error_names_file_and_path(mini_study):
    _edit(mini_study / "sdtm/AE.yaml", "data_type: datetime", "data_type: timestamp")
    _edit(mini_study / "sdtm/AE.yaml", "core: Perm}", "core: Perm, lenght: 3}")
    problems = _problems(mini_study)
    file = mini_study / "sdtm" / "AE.yaml"
    assert f"{file}: variables[4]: unknown key 'lenght' (did you mean 'length'?)" in problems
    assert any(p.startswith(f"{file}: variables[5].data_type: 'timestamp' must be one of integer") for p in problems)


def test_missing_required_key(mini_study):
    _edit(mini_study / "study.yaml", "protocol: MINI-01\n", "")
    assert _problems(mini_study) == [f"{mini_study / 'study.yaml'}: (top): missing required key 'protocol'"]


def test_xpt_constraints_name_file_and_path(mini_study):
    _edit(mini_study / "sdtm/AE.yaml", "core: Req, length: 6}", "core: Req, length: 201}")
    _edit(mini_study / "sdtm/AE.yaml", "name: AETERM,", "name: AETERMVERB,")
    _edit(mini_study / "sdtm/AE.yaml", "label: Severity/Intensity,",
          "label: Severity or Intensity of the Adverse Event As Graded,")
    file = mini_study / "sdtm" / "AE.yaml"
    problems = _problems(mini_study)
    assert f"{file}: variables[0].length: length 201 must be <= 200 and >= 1" in problems
    assert any(p.startswith(f"{file}: variables[3].name: name 'AETERMVERB' must be 1-8 characters") for p in problems)
    assert (f"{file}: variables[4].label: label 'Severity or Intensity of the Adverse Event As Graded' "
            "has 52 characters, must be <= 40") in problems
    assert any("keys[2]: key variable 'AETERM' is not a variable of AE" in p for p in problems)


def test_non_ascii_label_is_refused(mini_study):
    _edit(mini_study / "sdtm/AE.yaml", "label: Severity/Intensity,", "label: Sévérité,")
    assert _problems(mini_study) == [f"{mini_study / 'sdtm/AE.yaml'}: variables[4].label: label 'Sévérité' must be ASCII"]


def test_cross_reference_errors(mini_study):
    _edit(mini_study / "sdtm/AE.yaml", "codelist: AESEV", "codelist: AESEVX")
    _edit(mini_study / "sdtm/AE.yaml", "method: MT.AESEQ", "method: MT.NOPE")
    _edit(mini_study / "sdtm/AE.yaml", "document: ACRF", "document: CRF2")
    _edit(mini_study / "sdtm/AE.yaml", "comment: COM.AE", "comment: COM.X")
    file = mini_study / "sdtm" / "AE.yaml"
    assert sorted(_problems(mini_study)) == sorted([
        f"{file}: (top).comment: comment 'COM.X' is not defined in comments.yaml",
        f"{file}: variables[2].method: method 'MT.NOPE' is not defined in methods.yaml",
        f"{file}: variables[3].origin.document: document 'CRF2' is not defined in study.yaml documents",
        f"{file}: variables[4].codelist: codelist 'AESEVX' is not defined in codelists.yaml",
    ])


def test_duplicates_and_file_name(mini_study):
    _edit(mini_study / "codelists.yaml", "{value: MODERATE,", "{value: MILD,")
    (mini_study / "sdtm/AE.yaml").rename(mini_study / "sdtm/XX.yaml")
    problems = _problems(mini_study)
    assert f"{mini_study / 'codelists.yaml'}: [0].terms[1].value: 'MILD' is defined twice" in problems
    assert f"{mini_study / 'sdtm/XX.yaml'}: name: dataset 'AE' must be in a file named AE.yaml" in problems


def test_invalid_yaml_names_line(mini_study):
    (mini_study / "methods.yaml").write_text("- id: X\n  name: [unclosed\n", encoding="utf-8")
    problems = _problems(mini_study)
    assert problems[0].startswith(f"{mini_study / 'methods.yaml'}: line 3, column 1: invalid YAML")


def test_unknown_study_folder(tmp_path):
    with pytest.raises(InputError, match="no such spec folder, nor a bundled study"):
        load_study(tmp_path / "nowhere")
    with pytest.raises(InputError, match="not a spec folder"):
        load_study(tmp_path)


def test_text_length_is_the_longest_value_in_bytes():
    """XPT character length: the longest value without trailing blanks, in UTF-8
    bytes, missing values (None, NaN, pd.NA) ignored, at least 1."""
    import numpy as np
    import pandas as pd

    from specs.transport import text_length

    assert text_length(pd.Series(["AB", "ABC   ", None, np.nan, "AB"], dtype=object)) == 3
    assert text_length(pd.Series(["é", "a"], dtype=object)) == 2
    assert text_length(pd.Series(["x", pd.NA, "yy"], dtype="string")) == 2
    assert text_length(pd.Series([None, np.nan], dtype=object)) == 1
    assert text_length([]) == 1
    assert text_length(pd.Series(["1", "12345"], dtype=str)) == 5
