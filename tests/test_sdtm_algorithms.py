"""Single mapping algorithms on tiny hand-built studies: exact expected values."""

import textwrap

import pandas as pd
import pytest

from sdtm.engine import map_study
from specs import load_study
from specs.errors import InputError

LOOKUP_STUDY = {
    "study.yaml": """\
        studyid: TINY
        title: Tiny
        protocol: TINY-1
        standards: [{id: IG, name: SDTMIG, version: "3.4"}]
        """,
    "codelists.yaml": """\
        - id: IECAT
          name: Category of Inclusion/Exclusion
          terms: [{value: INCLUSION}, {value: EXCLUSION}]
        """,
    "sdtm/TI.yaml": """\
        name: TI
        label: Trial Inclusion/Exclusion Criteria
        keys: [IETESTCD]
        mapping:
          sources:
            - records:
                - {IETESTCD: IN01, IETEST: Adults, IECAT: INCLUSION}
                - {IETESTCD: EX01, IETEST: Pregnant, IECAT: EXCLUSION}
        variables:
          - {name: IETESTCD, label: Incl/Excl Criterion Short Name}
          - {name: IETEST, label: Inclusion/Exclusion Criterion}
          - {name: IECAT, label: Inclusion/Exclusion Category, codelist: IECAT}
        """,
    "sdtm/IE.yaml": """\
        name: IE
        label: Inclusion/Exclusion Criteria Not Met
        keys: [USUBJID, IETESTCD]
        mapping:
          sources:
            - form: enrol
              where: {all: [{column: ELIG, equals: "No"}, {column: NOTMET, not_empty: true}]}
        variables:
          - {name: USUBJID, label: Unique Subject Identifier, mapping: {algorithm: assign, column: SUBJ}}
          - {name: IETESTCD, label: Inclusion/Exclusion Criterion Short Name,
             mapping: {algorithm: assign, column: NOTMET}}
          - {name: IETEST, label: Inclusion/Exclusion Criterion,
             mapping: {algorithm: lookup, dataset: TI, variable: IETEST, by: [IETESTCD]}}
          - {name: IECAT, label: Inclusion/Exclusion Category, codelist: IECAT,
             mapping: {algorithm: lookup, dataset: TI, variable: IECAT, by: IETESTCD}}
        """,
}


def _enrol(**columns):
    frame = pd.DataFrame(columns, index=range(2, 2 + len(next(iter(columns.values())))))
    frame.attrs["source"] = "raw/enrol.csv"
    return frame


ENROL = _enrol(SUBJ=["S1", "S2", "S3", "S4"], ELIG=["No", "Yes", "No", "No"], NOTMET=["EX01", "", "", "IN01"])


@pytest.fixture
def lookup_study(tmp_path):
    for name, text in LOOKUP_STUDY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_lookup_takes_values_from_the_matching_record_and_all_filters_the_source(lookup_study):
    ie = map_study(load_study(lookup_study), {"enrol": ENROL}, ["IE"])["IE"]
    assert ie.to_dict("records") == [
        {"USUBJID": "S1", "IETESTCD": "EX01", "IETEST": "Pregnant", "IECAT": "EXCLUSION"},
        {"USUBJID": "S4", "IETESTCD": "IN01", "IETEST": "Adults", "IECAT": "INCLUSION"},
    ]


def test_lookup_of_a_key_the_other_dataset_lacks_names_the_row(lookup_study):
    raw = {"enrol": _enrol(SUBJ=["S1", "S2"], ELIG=["No", "No"], NOTMET=["EX01", "EX07"])}
    with pytest.raises(InputError, match=r"raw/enrol.csv: row 3: IETESTCD 'EX07' is not in TI "
                                         r"\[spec .*IE.yaml: variables\[2\].mapping\]"):
        map_study(load_study(lookup_study), raw, ["IE"])


def test_lookup_refuses_a_key_with_two_values(lookup_study):
    ti = lookup_study / "sdtm" / "TI.yaml"
    ti.write_text(ti.read_text(encoding="utf-8").replace("IETESTCD: EX01, IETEST: Pregnant",
                                                         "IETESTCD: IN01, IETEST: Pregnant"), encoding="utf-8")
    with pytest.raises(InputError, match=r"TI has more than one IETEST for IETESTCD 'IN01'"):
        map_study(load_study(lookup_study), {"enrol": ENROL}, ["IE"])
