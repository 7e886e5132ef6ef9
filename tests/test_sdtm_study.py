"""Properties every SDTM dataset of the bundled study must have (issue's
done-criteria): unique --SEQ per subject, subjects in DM, valid ISO 8601,
no study day 0, only codelist values (value-level codelists included),
variables in spec order, VISIT and VISITNUM one-to-one."""

import pandas as pd
import pytest

from sdtm.iso8601 import is_valid_dtc

SEQ_BY = {"TS": "TSPARMCD"}   # TSSEQ counts within a parameter, not a subject


@pytest.fixture(scope="module")
def datasets(bundled_sdtm):
    study, frames = bundled_sdtm
    return [(study.datasets[name], frame) for name, frame in frames.items()]


def test_every_spec_dataset_is_built_in_spec_order(bundled_sdtm):
    study, frames = bundled_sdtm
    assert set(frames) == {d.name for d in study.model_datasets("SDTM")}
    for name, frame in frames.items():
        assert list(frame.columns) == study.datasets[name].variable_names, name
        assert len(frame) > 0, name


def test_seq_is_1_to_n_within_each_subject(datasets):
    for spec, frame in datasets:
        seq = next((v.name for v in spec.variables if v.name.endswith("SEQ")), None)
        if seq is None:
            continue
        groups = frame.groupby(frame[SEQ_BY.get(spec.name, "USUBJID")], sort=False)[seq]
        assert groups.apply(lambda s: sorted(s) == list(range(1, len(s) + 1))).all(), spec.name


def test_subjects_are_in_dm(bundled_sdtm, datasets):
    subjects = set(bundled_sdtm[1]["DM"]["USUBJID"])
    for spec, frame in datasets:
        if "USUBJID" in frame:
            # Blank only on RELREC's dataset-level relationships.
            assert set(frame["USUBJID"]) - ({""} if spec.name == "RELREC" else set()) <= subjects, spec.name


def test_dates_are_iso_8601_and_no_study_day_is_zero(datasets):
    for spec, frame in datasets:
        for column in frame.columns:
            if column.endswith("DTC"):
                assert is_valid_dtc(frame[column]).all(), f"{spec.name}.{column}"
            if column.endswith("DY") and pd.api.types.is_numeric_dtype(frame[column]):
                assert not (frame[column] == 0).any(), f"{spec.name}.{column}"


def test_only_codelist_values_also_by_value_level(bundled_sdtm, datasets):
    study = bundled_sdtm[0]
    checked = 0
    for spec, frame in datasets:
        for var in spec.variables:
            codelist = study.codelists.get(var.codelist) if var.codelist else None
            if codelist is not None and codelist.terms:
                extra = set(frame[var.name]) - set(codelist.values()) - {""}
                assert not extra, f"{spec.name}.{var.name}: {extra}"
                checked += 1
        for vlm in spec.value_level:
            codelist = study.codelists.get(vlm.codelist) if vlm.codelist else None
            if codelist is None or not codelist.terms:
                continue
            mask = pd.Series(True, index=frame.index)
            for cond in vlm.where:
                inside = frame[cond.variable].isin(cond.values)
                mask &= inside if cond.comparator in ("EQ", "IN") else ~inside
            extra = set(frame.loc[mask, vlm.variable]) - set(codelist.values()) - {""}
            assert not extra, f"{spec.name}.{vlm.variable} where {vlm.where}: {extra}"
            checked += 1
    assert checked >= 60


def test_visit_and_visitnum_are_one_to_one(datasets):
    for spec, frame in datasets:
        if {"VISIT", "VISITNUM"} <= set(frame.columns):
            pairs = frame[["VISIT", "VISITNUM"]].drop_duplicates()
            assert not pairs["VISIT"].duplicated().any() and not pairs["VISITNUM"].duplicated().any(), spec.name
