"""Every rule of the catalogue on a minimal failing input and a passing one.

A case gives the tables of a failing submission with the exact findings the
rule must report - (dataset, record, variables) - and the tables of a passing
one, on which the rule must be evaluated and report nothing.
"""

import dataclasses
import tempfile
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from cdisckit.checks import rule as rules_module
from cdisckit.checks.engine import check_tables
from cdisckit.checks.table import Column, Unreadable, from_frame
from cdisckit.coverage import COLUMNS as COVERAGE_COLUMNS, SPELLINGS, Coverage
from specs.model import Codelist, Condition, Dataset, Origin, Standard, Study, Term, ValueLevel, Variable

NA = None


def series(values):
    """Numbers (and None) as float64, anything else as text."""
    numbers = [v for v in values if v is not None]
    if numbers and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(values, dtype="str")


def T(name, *, label=NA, path=NA, columns=(), **data):
    """A table from column lists (label defaults to "<name> data")."""
    frame = pd.DataFrame({k: series(v) for k, v in data.items()}) if data else pd.DataFrame()
    return from_frame(name, frame, label=label if label is not NA else f"{name} data", columns=list(columns),
                      path=path)


def dm(n=1, **over):
    data = dict(STUDYID=["S1"] * n, DOMAIN=["DM"] * n, USUBJID=[str(i + 1) for i in range(n)],
                RFSTDTC=["2021-01-10"] * n, RFXSTDTC=["2021-01-10"] * n, RFXENDTC=["2021-02-28"] * n,
                DTHFL=[""] * n, DTHDTC=[""] * n)
    data.update(over)
    return T("DM", **data)


def ae(**data):
    base = dict(STUDYID=["S1"], DOMAIN=["AE"], USUBJID=["1"], AESEQ=[1.0])
    n = len(next(iter(data.values()))) if data else 1
    base = {k: (v * n if n != 1 else v) for k, v in base.items()}
    if n > 1:
        base["AESEQ"] = [float(i + 1) for i in range(n)]
    base.update(data)
    return T("AE", **base)


def lb(**data):
    n = len(next(iter(data.values())))
    base = dict(STUDYID=["S1"] * n, DOMAIN=["LB"] * n, USUBJID=["1"] * n, LBSEQ=[float(i + 1) for i in range(n)])
    base.update(data)
    return T("LB", **base)


def adsl(n=1, drop=(), **over):
    data = dict(STUDYID=["S1"] * n, USUBJID=[str(i + 1) for i in range(n)], SUBJID=[str(i + 1) for i in range(n)],
                SITEID=["01"] * n, AGE=[40] * n, AGEU=["YEARS"] * n, SEX=["F"] * n, RACE=["ASIAN"] * n,
                ARM=["A"] * n, TRT01P=["A"] * n)
    data.update(over)
    return T("ADSL", **{k: v for k, v in data.items() if k not in drop})


def supp(name="SUPPAE", **over):
    data = dict(STUDYID=["S1"], RDOMAIN=["AE"], USUBJID=["1"], IDVAR=["AESEQ"], IDVARVAL=["1"],
                QNAM=["AETRTEM"], QLABEL=["Treatment Emergent Flag"], QVAL=["Y"], QORIG=["Derived"])
    n = max(len(v) for v in over.values()) if over else 1
    data = {k: v * n for k, v in data.items()}
    data.update(over)
    return T(name, **data)


def date_col(name, fmt="DATE9."):
    return Column(name, "num", 8, name, fmt)


def study(*datasets, codelists=()):
    return Study(studyid="S1", title="t", protocol="p", datasets={d.name: d for d in datasets},
                 codelists={c.id: c for c in codelists})


SDTMIG_33 = Study(studyid="S1", title="t", protocol="p", standards=[Standard(id="IG", name="SDTMIG", version="3.3")])
AE_EXP = ["AELLT", "AELLTCD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBODSYS", "AEBDSYCD", "AESOC",
          "AESOCCD", "AESER", "AEACN", "AEREL", "AESTDTC", "AEENDTC"]


def spec(name, *variables, model="SDTM", label=None, **kw):
    return Dataset(name=name, label=label or f"{name} data", model=model,
                   variables=[v if isinstance(v, Variable) else Variable(name=v, label=v) for v in variables], **kw)


def var(name, label=None, **kw):
    return Variable(name=name, label=label or name, **kw)


def vlm(variable, testcd, **kw):
    """Value-level metadata of ``variable`` for records with LBTESTCD ``testcd``."""
    return ValueLevel(variable=variable, where=[Condition(variable="LBTESTCD", values=[testcd])], **kw)


TS_EXPECTED = rules_module.catalogue()[[r.id for r in rules_module.catalogue()].index("CK0109")].params["parameters"]


def ts(params, **over):
    n = len(params)
    data = dict(STUDYID=["S1"] * n, DOMAIN=["TS"] * n, TSSEQ=[1.0] * n, TSPARMCD=list(params),
                TSPARM=[p.title() for p in params], TSVAL=["x"] * n)
    data.update(over)
    return T("TS", **data)


def tte(**over):
    data = dict(STUDYID=["S1"], USUBJID=["1"], PARAMCD=["PFS"], PARAM=["Progression-free survival"],
                AVAL=[100.0], STARTDT=[22000.0], ADT=[22100.0], CNSR=[0.0])
    data.update(over)
    return T("ADTTE", **data)


@dataclass
class Case:
    fail: list
    expect: list                    # (dataset, record or None, variables) of every finding
    ok: list
    study: Study | None = None
    ok_study: Study | None = None
    unreadable: list = field(default_factory=list)
    broken: bool = False            # add a rule that raises (for CK0002)
    params: dict | None = None      # parameters that replace the catalogue's (e.g. a small size limit)
    coverage: Coverage | None = None      # the run's mapping coverage (CK0003, CK0004)
    ok_coverage: Coverage | None = None


SIZED = Path(tempfile.mkdtemp()) / "big.xpt"        # files of 200 and 10 bytes for the size limit
SIZED.write_bytes(b"x" * 200)
SIZED.with_name("small.xpt").write_bytes(b"x" * 10)

AE_SEV = Codelist(id="AESEV", name="Severity", terms=[Term(value=v) for v in ("MILD", "MODERATE", "SEVERE")])
AE_OUT = Codelist(id="OUT", name="Outcome", extensible=True,
                  terms=[Term(value=v) for v in ("RECOVERED/RESOLVED", "FATAL")])
AE_SPEC = spec("AE", var("USUBJID"), var("AESEV", codelist="AESEV"), var("AEOUT", codelist="OUT"))
LONG = "x" * 41

def _recist(recorded):
    """TU, TR and RS of one subject: a 30 mm target lesion measured 15 mm at week 9."""
    tu = T("TU", USUBJID=["1"], TULNKID=["T1"], TUSTRESC=["TARGET"], TULOC=["LUNG"])
    tr = T("TR", USUBJID=["1", "1"], TRLNKGRP=["SCR", "TA01"], TRLNKID=["T1", "T1"], TRTESTCD=["LDIAM", "LDIAM"],
           TRSTRESC=["30", "15"], TRSTRESN=[30, 15], TRLOBXFL=["Y", ""])
    rs = T("RS", USUBJID=["1"], RSCAT=["RECIST 1.1"], RSTESTCD=["OVRLRESP"], RSSTRESC=[recorded],
           RSLNKGRP=["TA01"], RSDTC=["2021-03-14"])
    return tu, tr, rs


def _tumour_sums(recorded):
    return T("TR", USUBJID=["1"] * 3, TRLNKGRP=["SCR"] * 3, TRTESTCD=["LDIAM", "LDIAM", "SUMDIAM"],
             TRSTRESN=[30, 20, recorded])


def coverage(columns=(), spellings=()):
    """A run's mapping coverage with the given raw-column and spelling rows."""
    return Coverage(pd.DataFrame(list(columns), columns=COVERAGE_COLUMNS), pd.DataFrame(),
                    pd.DataFrame(list(spellings), columns=SPELLINGS), pd.DataFrame())


DECLARED = ("ae", "ae.csv", "SITE", "not submitted", "", 5, 0, 0.0, "EDC system field")
UNUSED = ("ae", "ae.csv", "AEXTRA", "not submitted", "", 3, 0, 0.0, "")
MAPPED = ("AE", "AESEV", "", "AESEV", "ae", "AESEV", "Mild", 4, "MILD", "yes")
UNMAPPED = ("AE", "AEOUT", "", "OUT", "ae", "AEOUT", "Unknown", 1, "Unknown", "no")


CASES = {
    # the run
    "CK0001": Case([dm()], [("AE", None, "")], [dm()], unreadable=[Unreadable("d/ae.xpt", "AE", "not an XPT file")]),
    "CK0002": Case([ae(AETERM=["x"])], [("AE", None, "")], [ae(AETERM=["x"])], broken=True),
    "CK0003": Case([dm()], [("", None, "")], [dm()], coverage=coverage([DECLARED, UNUSED]),
                   ok_coverage=coverage([DECLARED])),
    "CK0004": Case([dm()], [("AE", None, "AEOUT")], [dm()], coverage=coverage(spellings=[MAPPED, UNMAPPED]),
                   ok_coverage=coverage(spellings=[MAPPED])),
    # presence
    "CK0101": Case([ae(AEDECOD=["HEADACHE"])], [("AE", None, "AETERM")],
                   [ae(AETERM=["Headache"], AEDECOD=["HEADACHE"])]),
    # without specs, the Exp variables of AE in SDTMIG 3.4 (the MedDRA hierarchy, AESER, AEACN, AEREL, dates)
    "CK0102": Case([ae(AETERM=["x"], **{v: [""] for v in AE_EXP if v != "AESER"})], [("AE", None, "AESER")],
                   [ae(AETERM=["x"], **{v: [""] for v in AE_EXP})]),
    "CK0103": Case([ae(AETERM=["Headache", " "], AEDECOD=["H", "H"])], [("AE", 2, "AETERM")],
                   [ae(AETERM=["Headache", "Nausea"], AEDECOD=["H", "N"])]),
    "CK0104": Case([T("AE", USUBJID=[])], [("AE", None, "")], [ae()]),
    "CK0105": Case([ae()], [("DM", None, "")], [ae(), dm()]),
    "CK0106": Case([T("ADAE", USUBJID=["1"])], [("ADSL", None, "")], [T("ADAE", USUBJID=["1"]), adsl()]),
    "CK0107": Case([dm()], [("TS", None, "")], [dm(), ts(["SSTDTC"])]),
    "CK0108": Case([ts(["TITLE"])], [("TS", None, "TSPARMCD")], [ts(["SSTDTC"])]),
    "CK0109": Case([ts([p for p in TS_EXPECTED if p != "TITLE"])], [("TS", None, "TSPARMCD")], [ts(TS_EXPECTED)]),
    "CK0110": Case([adsl(drop=("AGEU",))], [("ADSL", None, "AGEU")], [adsl()]),
    # format
    "CK0201": Case([ae(AESTDTC=["2021-01-05", "2021-13-01", "2021-02-30", "2021-01-05 10:00"])],
                   [("AE", 2, "AESTDTC"), ("AE", 3, "AESTDTC"), ("AE", 4, "AESTDTC")],
                   [ae(AESTDTC=["2021-01-05", "2021-01", "2021---05", "2021-01-05T10:00", ""])]),
    "CK0202": Case([ae(AEDUR=["P2D", "2 days"])], [("AE", 2, "AEDUR")], [ae(AEDUR=["P2D", "PT30M"])]),
    "CK0203": Case([lb(LBTESTCD=["GLUC", "1ABC", "TOOLONGCD"])], [("LB", 2, "LBTESTCD"), ("LB", 3, "LBTESTCD")],
                   [lb(LBTESTCD=["GLUC", "ALT_2"])]),
    "CK0204": Case([lb(LBTEST=["Glucose", LONG])], [("LB", 2, "LBTEST")], [lb(LBTEST=["Glucose", LONG[:40]])]),
    "CK0205": Case([supp(QNAM=["AETRTEM", "1QNAM"])], [("SUPPAE", 2, "QNAM")], [supp(QNAM=["AETRTEM", "AEX"])]),
    "CK0206": Case([supp(QLABEL=[LONG])], [("SUPPAE", 1, "QLABEL")], [supp(QLABEL=[LONG[:40]])]),
    "CK0207": Case([ae(AETERM=[" Headache", ".", "Nausea"])], [("AE", 1, "AETERM"), ("AE", 2, "AETERM")],
                   [ae(AETERM=["Headache", "Nausea."]), T("CO", COVAL=[" continued"])]),
    "CK0208": Case([ae(AESEQ=[1.0, 1.5, 0.0])], [("AE", 2, "AESEQ"), ("AE", 3, "AESEQ")], [ae(AESEQ=[1.0, 2.0])]),
    "CK0209": Case([T("EX", EXDOSE=[200, -1])], [("EX", 2, "EXDOSE")], [T("EX", EXDOSE=[200, 0])]),
    "CK0210": Case([ae(AEDUR=["P1D", "-P1D"])], [("AE", 2, "AEDUR")], [ae(AEDUR=["P1D", "PT1H"])]),
    "CK0211": Case([dm(AGE=[-1])], [("DM", 1, "AGE")], [dm(AGE=[0])]),
    "CK0212": Case([ae(AESTDY=[1, 0])], [("AE", 2, "AESTDY")], [ae(AESTDY=[1, -1])]),
    # terminology
    "CK0301": Case([ae(AESEV=["MILD", "Mild"], AEOUT=["FATAL", "FATAL"])], [("AE", 2, "AESEV")],
                   [ae(AESEV=["MILD", ""], AEOUT=["FATAL", "FATAL"])], study=study(AE_SPEC, codelists=[AE_SEV, AE_OUT])),
    "CK0302": Case([ae(AESEV=["MILD"], AEOUT=["DEAD"])], [("AE", 1, "AEOUT")],
                   [ae(AESEV=["MILD"], AEOUT=["FATAL"])], study=study(AE_SPEC, codelists=[AE_SEV, AE_OUT])),
    "CK0303": Case([ae(AETOXGR=["3", "6"])], [("AE", 2, "AETOXGR")], [ae(AETOXGR=["3", ""])]),
    "CK0304": Case([lb(LBBLFL=["Y", "N"])], [("LB", 2, "LBBLFL")], [lb(LBBLFL=["Y", ""])]),
    # consistency
    "CK0401": Case([ae(DOMAIN=["AE", "CM"])], [("AE", 2, "DOMAIN")], [ae(DOMAIN=["AE", "AE"])]),
    "CK0402": Case([ae(AESEQ=[1.0, 1.0])], [("AE", 1, "USUBJID, AESEQ"), ("AE", 2, "USUBJID, AESEQ")],
                   [ae(AESEQ=[1.0, 2.0])]),
    "CK0403": Case([dm(2, USUBJID=["1", "1"])],
                   [("DM", 1, "USUBJID"), ("DM", 2, "USUBJID")], [dm(2)]),
    "CK0404": Case([supp(IDVARVAL=["1", "1"])], [("SUPPAE", 1, "STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM"),
                                                 ("SUPPAE", 2, "STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM")],
                   [supp(IDVARVAL=["1", "2"])]),
    "CK0405": Case([T("TS", TSPARMCD=["AGEMIN", "AGEMIN"], TSSEQ=[1, 1])],
                   [("TS", 1, "TSPARMCD, TSSEQ"), ("TS", 2, "TSPARMCD, TSSEQ")],
                   [T("TS", TSPARMCD=["AGEMIN", "AGEMIN"], TSSEQ=[1, 2])]),
    "CK0406": Case([T("TA", ARMCD=["A", "A"], TAETORD=[1, 1])], [("TA", 1, "ARMCD, TAETORD"), ("TA", 2, "ARMCD, TAETORD")],
                   [T("TA", ARMCD=["A", "A"], TAETORD=[1, 2])]),
    "CK0407": Case([T("TE", ETCD=["SCRN", "SCRN"])], [("TE", 1, "ETCD"), ("TE", 2, "ETCD")], [T("TE", ETCD=["SCRN", "TRT"])]),
    "CK0408": Case([T("SV", USUBJID=["1", "1"], VISITNUM=[1, 1])],
                   [("SV", 1, "USUBJID, VISITNUM"), ("SV", 2, "USUBJID, VISITNUM")],
                   [T("SV", USUBJID=["1", "1"], VISITNUM=[1, 2])]),
    "CK0411": Case([ae(AESTDTC=["2021-01-05", "2021-01", "2021-02-01T10:00"],
                       AEENDTC=["2021-01-04", "2021-01-03", "2021-02-01T09:00"])],
                   [("AE", 1, "AESTDTC, AEENDTC"), ("AE", 3, "AESTDTC, AEENDTC")],
                   [ae(AESTDTC=["2021-01-05", "2021-01"], AEENDTC=["2021-01-05", "2021-01-03"])]),
    "CK0412": Case([lb(LBDTC=["2021-01-05"], LBENDTC=["2021-01-04"])], [("LB", 1, "LBDTC, LBENDTC")],
                   [lb(LBDTC=["2021-01-05"], LBENDTC=["2021-01-06"])]),
    "CK0413": Case([dm(RFENDTC=["2021-01-09"])], [("DM", 1, "RFSTDTC, RFENDTC")], [dm(RFENDTC=["2021-03-01"])]),
    "CK0414": Case([dm(RFXENDTC=["2021-01-01"])], [("DM", 1, "RFXSTDTC, RFXENDTC")], [dm()]),
    "CK0415": Case([ae(AESTDY=[5], AEENDY=[3])], [("AE", 1, "AESTDY, AEENDY")], [ae(AESTDY=[5], AEENDY=[5])]),
    "CK0416": Case([dm(RFICDTC=["2021-01-11"])], [("DM", 1, "RFICDTC, RFSTDTC")], [dm(RFICDTC=["2021-01-02"])]),
    "CK0421": Case([lb(LBTESTCD=["GLUC"] * 3, LBTEST=["Glucose", "Glucose", "Glucos"])], [("LB", 3, "LBTEST, LBTESTCD")],
                   [lb(LBTESTCD=["GLUC", "ALT"], LBTEST=["Glucose", "ALT"])]),
    "CK0422": Case([lb(LBTEST=["Glucose"] * 3, LBTESTCD=["GLUC", "GLUC", "GLU"])], [("LB", 3, "LBTESTCD, LBTEST")],
                   [lb(LBTEST=["Glucose"] * 2, LBTESTCD=["GLUC"] * 2)]),
    "CK0423": Case([lb(LBTESTCD=["GLUC"] * 3, LBSTRESU=["mmol/L", "mmol/L", "mg/dL"])],
                   [("LB", 3, "LBSTRESU, LBTESTCD")],
                   [lb(LBTESTCD=["GLUC", "GLUC", "ALT"], LBSTRESU=["mmol/L", "mmol/L", "U/L"])]),
    "CK0424": Case([supp(QNAM=["A"] * 3, QLABEL=["a", "a", "b"])], [("SUPPAE", 3, "QLABEL, QNAM")],
                   [supp(QNAM=["A", "B"], QLABEL=["a", "b"])]),
    "CK0425": Case([supp(QLABEL=["a"] * 3, QNAM=["A", "A", "B"])], [("SUPPAE", 3, "QNAM, QLABEL")],
                   [supp(QLABEL=["a", "a"], QNAM=["A", "A"])]),
    "CK0426": Case([lb(VISIT=["WEEK 1"] * 3, VISITNUM=[1, 1, 2])], [("LB", 3, "VISITNUM, VISIT")],
                   [lb(VISIT=["WEEK 1", "WEEK 2"], VISITNUM=[1, 2])]),
    "CK0427": Case([lb(VISITNUM=[1, 1, 1], VISIT=["WEEK 1", "WEEK 1", "WEEK 2"])], [("LB", 3, "VISIT, VISITNUM")],
                   [lb(VISITNUM=[1, 2], VISIT=["WEEK 1", "WEEK 2"])]),
    "CK0428": Case([dm(3, ARMCD=["A"] * 3, ARM=["Drug", "Drug", "Placebo"])], [("DM", 3, "ARM, ARMCD")],
                   [dm(2, ARMCD=["A", "P"], ARM=["Drug", "Placebo"])]),
    "CK0429": Case([dm(3, ACTARMCD=["A"] * 3, ACTARM=["Drug", "Drug", "Placebo"])], [("DM", 3, "ACTARM, ACTARMCD")],
                   [dm(2, ACTARMCD=["A", "P"], ACTARM=["Drug", "Placebo"])]),
    "CK0430": Case([ts(["AGEMIN"] * 3, TSPARM=["Minimum Age"] * 2 + ["Min Age"])], [("TS", 3, "TSPARM, TSPARMCD")],
                   [ts(["AGEMIN", "AGEMAX"])]),
    "CK0431": Case([ts(["AGEMIN", "AGEMIN", "AGEMN"], TSPARM=["Minimum Age"] * 3)], [("TS", 3, "TSPARMCD, TSPARM")],
                   [ts(["AGEMIN", "AGEMIN"], TSPARM=["Minimum Age"] * 2)]),
    "CK0432": Case([lb(LBSTRESC=["5.5", "abc", "7", "<1"], LBSTRESN=[5.5, 3, None, None])],
                   [("LB", 2, "LBSTRESC, LBSTRESN"), ("LB", 3, "LBSTRESC, LBSTRESN")],
                   [lb(LBSTRESC=["5.50", "NEGATIVE", ""], LBSTRESN=[5.5, None, None])]),
    "CK0433": Case([lb(LBTESTCD=["GLUC", "GLUC", "ALT"], LBBLFL=["Y", "Y", "Y"])],
                   [("LB", 1, "LBBLFL, USUBJID, LBTESTCD"), ("LB", 2, "LBBLFL, USUBJID, LBTESTCD")],
                   [lb(LBTESTCD=["GLUC", "GLUC", "ALT"], LBBLFL=["Y", "", "Y"])],
                   study=SDTMIG_33, ok_study=SDTMIG_33),
    "CK0434": Case([lb(LBTESTCD=["GLUC", "GLUC"], LBLOBXFL=["Y", "Y"])],
                   [("LB", 1, "LBLOBXFL, USUBJID, LBTESTCD"), ("LB", 2, "LBLOBXFL, USUBJID, LBTESTCD")],
                   [lb(LBTESTCD=["GLUC", "GLUC"], LBLOBXFL=["Y", ""])]),
    "CK0435": Case([ae(AEBODSYS=["Cardiac"] * 3, AEBDSYCD=[1, 1, 2])], [("AE", 3, "AEBDSYCD, AEBODSYS")],
                   [ae(AEBODSYS=["Cardiac", "Eye"], AEBDSYCD=[1, 2])]),
    "CK0441": Case([ae(AESER=["Y", "Y", "N"], AESHOSP=["Y", "N", "N"])], [("AE", 2, "AESER, AESHOSP")],
                   [ae(AESER=["Y", "N"], AESHOSP=["Y", "N"])]),
    "CK0442": Case([ae(AESHOSP=["Y", "N"], AESER=["N", "N"])], [("AE", 1, "AESHOSP, AESER")],
                   [ae(AESHOSP=["Y", "N"], AESER=["Y", "N"])]),
    "CK0443": Case([ae(AEENDTC=["", ""], AEOUT=["RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED"])],
                   [("AE", 1, "AEENDTC, AEOUT")],
                   [ae(AEENDTC=["2021-01-05", ""], AEOUT=["RECOVERED/RESOLVED", "RECOVERING/RESOLVING"])]),
    "CK0444": Case([ae(AEOUT=["FATAL"], AESDTH=["N"])], [("AE", 1, "AEOUT, AESDTH")], [ae(AEOUT=["FATAL"], AESDTH=["Y"])]),
    "CK0445": Case([dm(DTHFL=["Y"])], [("DM", 1, "DTHFL, DTHDTC")], [dm(DTHFL=["Y"], DTHDTC=["2021-02-01"])]),
    "CK0446": Case([dm(DTHDTC=["2021-02-01"])], [("DM", 1, "DTHDTC, DTHFL")], [dm(DTHFL=["Y"], DTHDTC=["2021-02-01"])]),
    "CK0447": Case([dm(RFXENDTC=[""])], [("DM", 1, "RFXSTDTC, RFXENDTC")], [dm()]),
    "CK0448": Case([lb(LBORRESU=["mg/dL"], LBORRES=[""])], [("LB", 1, "LBORRESU, LBORRES")],
                   [lb(LBORRESU=["mg/dL", ""], LBORRES=["5", ""])]),
    "CK0449": Case([lb(LBSTRESU=["mg/dL"], LBSTRESC=[""])], [("LB", 1, "LBSTRESU, LBSTRESC")],
                   [lb(LBSTRESU=["mg/dL"], LBSTRESC=["5"])]),
    "CK0450": Case([lb(LBSTAT=["NOT DONE"], LBORRES=["5"])], [("LB", 1, "LBSTAT, LBORRES")],
                   [lb(LBSTAT=["NOT DONE", ""], LBORRES=["", "5"])]),
    "CK0451": Case([dm(AGE=[30], AGETXT=["20-30"])], [("DM", 1, "AGE, AGETXT")], [dm(AGE=[30], AGETXT=[""])]),
    "CK0452": Case([dm(AGE=[None], AGETXT=[""])], [("DM", 1, "AGE, AGETXT")], [dm(AGE=[None], AGETXT=["20-30"])]),
    "CK0453": Case([dm(AGE=[30], AGEU=[""])], [("DM", 1, "AGE, AGEU")], [dm(AGE=[30], AGEU=["YEARS"])]),
    "CK0454": Case([lb(LBORRES=["5"], LBSTRESC=[""])], [("LB", 1, "LBORRES, LBSTRESC")],
                   [lb(LBORRES=["5"], LBSTRESC=["5"])]),
    "CK0461": Case([ae(AETERM=["Headache", "Headache", "Nausea"])], [("AE", 2, "AESEQ")],
                   [ae(AETERM=["Headache", "Nausea"])]),
    "CK0462": Case([dm(ACTARM=["Placebo"], ARM=["Drug"])], [("DM", 1, "ACTARM, ARM")], [dm(ACTARM=["Drug"], ARM=["Drug"])]),
    # cross-reference
    "CK0501": Case([dm(), ae(USUBJID=["1", "2"])], [("AE", 2, "USUBJID")], [dm(), ae(USUBJID=["1"])]),
    "CK0502": Case([adsl(), T("ADAE", USUBJID=["1", "9"])], [("ADAE", 2, "USUBJID")], [adsl(), T("ADAE", USUBJID=["1"])]),
    "CK0503": Case([ae(), supp(IDVARVAL=["1", "2"])],
                   [("SUPPAE", 2, "RDOMAIN, USUBJID, IDVAR, IDVARVAL")],
                   [ae(), supp(IDVARVAL=[" 1"]), dm(), supp("SUPPDM", RDOMAIN=["DM"], IDVAR=[""], IDVARVAL=[""])]),
    "CK0504": Case([ae(), T("RELREC", RDOMAIN=["AE"], USUBJID=["1"], IDVAR=["AESEQ"], IDVARVAL=["5"], RELID=["1"])],
                   [("RELREC", 1, "RDOMAIN, USUBJID, IDVAR, IDVARVAL")],
                   [ae(), T("RELREC", RDOMAIN=["AE"], USUBJID=["1"], IDVAR=["AESEQ"], IDVARVAL=["1"], RELID=["1"])]),
    "CK0505": Case([dm(), T("EX", USUBJID=["1"], EXSTDTC=["2021-01-09"], EXENDTC=["2021-01-10"])], [("EX", 1, "EXSTDTC")],
                   [dm(), T("EX", USUBJID=["1"], EXSTDTC=["2021-01-10"], EXENDTC=["2021-01-10"])]),
    "CK0506": Case([dm(), T("EX", USUBJID=["1"], EXSTDTC=["2021-03-01"])], [("EX", 1, "EXSTDTC")],
                   [dm(), T("EX", USUBJID=["1"], EXSTDTC=["2021-02-28"])]),
    "CK0507": Case([dm(), T("EX", USUBJID=["1"], EXENDTC=["2021-03-01"])], [("EX", 1, "EXENDTC")],
                   [dm(), T("EX", USUBJID=["1"], EXENDTC=["2021-02"])]),
    "CK0508": Case([dm(), T("DS", USUBJID=["1"], DSDECOD=["DEATH"])], [("DS", 1, "DSDECOD")],
                   [dm(DTHFL=["Y"]), T("DS", USUBJID=["1"], DSDECOD=["DEATH"])]),
    "CK0509": Case([dm(DTHFL=["Y"]), T("DS", USUBJID=["1"], DSDECOD=["COMPLETED"])], [("DM", 1, "USUBJID, DTHFL")],
                   [dm(DTHFL=["Y"]), T("DS", USUBJID=["1", "1"], DSDECOD=["COMPLETED", "DEATH"])]),
    "CK0510": Case([dm(), ae(AEOUT=["FATAL"])], [("AE", 1, "AEOUT")], [dm(DTHFL=["Y"]), ae(AEOUT=["FATAL"])]),
    "CK0511": Case([dm(2), T("DS", USUBJID=["1"], DSDECOD=["COMPLETED"])], [("DM", 2, "USUBJID")],
                   [dm(2), T("DS", USUBJID=["1", "2"], DSDECOD=["COMPLETED"] * 2)]),
    "CK0512": Case([dm(DTHDTC=["2021-02-02"]), T("DS", USUBJID=["1"], DSDECOD=["DEATH"], DSSTDTC=["2021-02-01"])],
                   [("DS", 1, "DSDECOD, DSSTDTC")],
                   [dm(DTHDTC=["2021-02-01"]), T("DS", USUBJID=["1"], DSDECOD=["DEATH"], DSSTDTC=["2021-02"])]),
    "CK0513": Case([dm(), lb(LBDTC=["2021-01-10", "2021-01-09", "2021-01-12"], LBDY=[1, -1, 2])],
                   [("LB", 3, "LBDY, LBDTC")],
                   [dm(), lb(LBDTC=["2021-01-10", "2021-01-09", "2021-01"], LBDY=[1, -1, 2])]),
    "CK0514": Case([dm(), ae(AESTDTC=["2021-01-11"], AESTDY=[3])], [("AE", 1, "AESTDY, AESTDTC")],
                   [dm(), ae(AESTDTC=["2021-01-11"], AESTDY=[2])]),
    "CK0515": Case([dm(), ae(AEENDTC=["2020-12-31"], AEENDY=[-9])], [("AE", 1, "AEENDY, AEENDTC")],
                   [dm(), ae(AEENDTC=["2020-12-31"], AEENDY=[-10])]),
    "CK0516": Case([dm(), ae(AESTDTC=["2021-01"], AESTDY=[5])], [("AE", 1, "AESTDY, AESTDTC")],
                   [dm(), ae(AESTDTC=["2021-01", "2021-01-10"], AESTDY=[None, 1])]),
    "CK0517": Case([T("SV", USUBJID=["1"], VISITNUM=[1], VISIT=["WEEK 1"]), lb(VISITNUM=[1, 2], VISIT=["WEEK 1", "WEEK 2"])],
                   [("LB", 2, "USUBJID, VISITNUM, VISIT")],
                   [T("SV", USUBJID=["1"], VISITNUM=[1], VISIT=["WEEK 1"]), lb(VISITNUM=[1], VISIT=["WEEK 1"])]),
    "CK0518": Case([T("TE", ETCD=["SCRN"]), T("SE", USUBJID=["1", "1"], ETCD=["SCRN", "TRT"])], [("SE", 2, "ETCD")],
                   [T("TE", ETCD=["SCRN"]), T("SE", USUBJID=["1", "1"], ETCD=["SCRN", "UNPLAN"])]),
    "CK0519": Case([T("TA", ARMCD=["A"]), dm(2, ARMCD=["A", "B"])], [("DM", 2, "ARMCD")],
                   [T("TA", ARMCD=["A"]), dm(2, ARMCD=["A", "SCRNFAIL"])]),
    "CK0520": Case([T("TI", IETESTCD=["IN01"]), T("IE", USUBJID=["1"], IETESTCD=["IN02"])], [("IE", 1, "IETESTCD")],
                   [T("TI", IETESTCD=["IN01"]), T("IE", USUBJID=["1"], IETESTCD=["IN01"])]),
    "CK0521": Case([dm(2), ae(STUDYID=["S2"])], [("AE", 1, "STUDYID")], [dm(2), ae()]),
    "CK0522": Case([T("TA", ARMCD=["A"]), dm(2, ACTARMCD=["A", "B"])], [("DM", 2, "ACTARMCD")],
                   [T("TA", ARMCD=["A"]), dm(2, ACTARMCD=["A", "NOTTRT"])]),
    # RECIST 1.1: a 50% decrease recorded as SD; the site's sum 1 mm short.
    "CK0523": Case([*_recist("SD")], [("RS", 1, "RSLNKGRP, RSSTRESC")], [*_recist("PR")]),
    "CK0524": Case([_tumour_sums(49)], [("TR", 3, "TRLNKGRP, TRSTRESN")], [_tumour_sums(50)]),
    # ADaM
    "CK0601": Case([adsl(2, USUBJID=["1", "1"])], [("ADSL", 1, "USUBJID"), ("ADSL", 2, "USUBJID")], [adsl(2)]),
    "CK0602": Case([adsl(), T("ADAE", USUBJID=["1", "1", "1"], AGE=[40, 41, 40], SEX=["F", "F", "M"])],
                   [("ADAE", 2, "AGE"), ("ADAE", 3, "SEX")],
                   [adsl(), T("ADAE", USUBJID=["1", "9"], AGE=[40, 41], SEX=[" F", "M"])]),
    "CK0603": Case([T("ADLB", PARAMCD=["ALT", "ALT_TOO_LONG"])], [("ADLB", 2, "PARAMCD")], [T("ADLB", PARAMCD=["ALT", "AST"])]),
    "CK0604": Case([T("ADLB", PARAMCD=["ALT"] * 3, PARAM=["ALT (U/L)"] * 2 + ["ALT"])], [("ADLB", 3, "PARAM, PARAMCD")],
                   [T("ADLB", PARAMCD=["ALT", "AST"], PARAM=["ALT (U/L)", "AST (U/L)"])]),
    "CK0605": Case([T("ADLB", PARAM=["ALT (U/L)"] * 3, PARAMCD=["ALT", "ALT", "ALAT"])], [("ADLB", 3, "PARAMCD, PARAM")],
                   [T("ADLB", PARAM=["ALT (U/L)"] * 2, PARAMCD=["ALT"] * 2)]),
    "CK0606": Case([tte(CNSR=[0, 1, -1, 1.5], USUBJID=["1"] * 4)], [("ADTTE", 3, "CNSR"), ("ADTTE", 4, "CNSR")],
                   [tte(CNSR=[0, 2, None], USUBJID=["1"] * 3)]),
    "CK0607": Case([T("ADSL", USUBJID=["1"], CNSR=[0])], [("ADSL", None, "CNSR")], [tte()]),
    "CK0608": Case([tte(AVAL=[None])], [("ADTTE", 1, "AVAL")], [tte()]),
    "CK0609": Case([tte(STARTDT=[22000.0], ADT=[21999.0])], [("ADTTE", 1, "STARTDT, ADT")], [tte()]),
    "CK0610": Case([T("ADLB", ANL01FL=["Y", "X"])], [("ADLB", 2, "ANL01FL")], [T("ADLB", ANL01FL=["Y", "N", ""])]),
    "CK0611": Case([adsl(2, SAFFL=["Y", ""])], [("ADSL", 2, "SAFFL")], [adsl(2, SAFFL=["Y", "N"])]),
    "CK0612": Case([adsl(2, SAFFN=[1, 2])], [("ADSL", 2, "SAFFN")], [adsl(2, SAFFN=[1, 0])]),
    "CK0613": Case([adsl(TRTSDT=["2021-01-10"], TRTEDT=[22000.0], columns=[date_col("TRTEDT")])],
                   [("ADSL", None, "TRTSDT")], [adsl(TRTSDT=[22000.0], columns=[date_col("TRTSDT", "DATE9.")])]),
    "CK0614": Case([T("ADAE", ASTDTM=[1.9e9], columns=[date_col("ASTDTM", None)])], [("ADAE", None, "ASTDTM")],
                   [T("ADAE", ASTDTM=[1.9e9], columns=[date_col("ASTDTM", "DATETIME20.")])]),
    "CK0615": Case([T("ADAE", ASTTM=[3600.0], ASTDTM=[1.9e9], columns=[date_col("ASTTM", "DATE9.")])],
                   [("ADAE", None, "ASTTM")],
                   [T("ADAE", ASTTM=[3600.0], ASTDTM=[1.9e9], columns=[date_col("ASTTM", "TIME8.")])]),
    "CK0616": Case([adsl(TRTSDT=[22001.0], TRTEDT=[22000.0])], [("ADSL", 1, "TRTSDT, TRTEDT")],
                   [adsl(TRTSDT=[22000.0], TRTEDT=[22000.0])]),
    "CK0617": Case([T("ADAE", ASTDT=[22001.0], AENDT=[22000.0])], [("ADAE", 1, "ASTDT, AENDT")],
                   [T("ADAE", ASTDT=[22000.0, None], AENDT=[22001.0, 22000.0])]),
    "CK0618": Case([T("ADLB", USUBJID=["1", "1"], PARAMCD=["ALT", "ALT"], ABLFL=["Y", "Y"])],
                   [("ADLB", 1, "ABLFL, USUBJID, PARAMCD"), ("ADLB", 2, "ABLFL, USUBJID, PARAMCD")],
                   [T("ADLB", USUBJID=["1", "1"], PARAMCD=["ALT", "AST"], ABLFL=["Y", "Y"])]),
    "CK0619": Case([T("ADLB", PARAMCD=["ALT", "ALT"], AVAL=[5, None], AVALC=["5", ""])], [("ADLB", 2, "AVAL, AVALC")],
                   [T("ADLB", PARAMCD=["ALT", "ALT"], AVAL=[5, None], AVALC=["5", "POS"])]),
    "CK0621": Case([T("ADLB", PARAMCD=["ALT"] * 3, PARAMN=[1, 1, 2])], [("ADLB", 3, "PARAMN, PARAMCD")],
                   [T("ADLB", PARAMCD=["ALT", "AST"], PARAMN=[1, 2])]),
    # transport
    "CK0701": Case([T("AE_LONGER", USUBJID=["1"])], [("AE_LONGER", None, "")], [T("AE", USUBJID=["1"])]),
    "CK0702": Case([T("AE", aeterm=["x"])], [("AE", None, "aeterm")], [T("AE", AETERM=["x"])]),
    "CK0703": Case([T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 1, LONG)])], [("AE", None, "AETERM")],
                   [T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 1, LONG[:40])])]),
    "CK0704": Case([T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 1, None)])], [("AE", None, "AETERM")],
                   [T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 1, "Reported Term")])]),
    "CK0705": Case([T("AE", label="", USUBJID=["1"])], [("AE", None, "")], [T("AE", label="Adverse Events", USUBJID=["1"])]),
    "CK0706": Case([T("AE", label=LONG, USUBJID=["1"])], [("AE", None, "")], [T("AE", label=LONG[:40], USUBJID=["1"])]),
    "CK0707": Case([T("AE", path="data/adverse.xpt", USUBJID=["1"])], [("AE", None, "")],
                   [T("AE", path="data/ae.xpt", USUBJID=["1"])]),
    "CK0708": Case([ae(AETERM=["x" * 201])], [("AE", 1, "AETERM")], [ae(AETERM=["x" * 200])]),
    "CK0709": Case([ae(AETERM=["Kopfschmerz", "Übelkeit"])], [("AE", 2, "AETERM")], [ae(AETERM=["Kopfschmerz", "Ubelkeit"])]),
    "CK0710": Case([T("AE", AETERM=["Headache"], columns=[Column("AETERM", "char", 20, "Term")])], [("AE", None, "AETERM")],
                   [T("AE", AETERM=["Headache"], columns=[Column("AETERM", "char", 8, "Term")])]),
    "CK0711": Case([T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 300, "Term")])], [("AE", None, "AETERM")],
                   [T("AE", AETERM=["x"], columns=[Column("AETERM", "char", 1, "Term")])]),
    "CK0712": Case([T("AE", AESEQ=[1], columns=[Column("AESEQ", "num", 4, "Seq")])], [("AE", None, "AESEQ")],
                   [T("AE", AESEQ=[1], columns=[Column("AESEQ", "num", 8, "Seq")])]),
    "CK0713": Case([T("XSL", USUBJID=["1"])], [("XSL", None, "")], [T("ADXSL", USUBJID=["1"])],
                   study=study(spec("XSL", "USUBJID", model="ADaM")), ok_study=study(spec("ADXSL", "USUBJID", model="ADaM"))),
    # define (or specs) vs data
    "CK0801": Case([dm(), T("CM", USUBJID=["1"])], [("CM", None, "")], [dm()],
                   study=study(spec("DM", *dm().frame.columns))),
    "CK0802": Case([dm()], [("CM", None, "")], [dm(), T("CM", USUBJID=["1"])],
                   study=study(spec("DM", *dm().frame.columns), spec("CM", "USUBJID"))),
    "CK0803": Case([T("CM", USUBJID=["1"], CMX=["x"])], [("CM", None, "CMX")], [T("CM", USUBJID=["1"])],
                   study=study(spec("CM", "USUBJID"))),
    "CK0804": Case([T("CM", USUBJID=["1"])], [("CM", None, "CMTRT")], [T("CM", USUBJID=["1"], CMTRT=["x"])],
                   study=study(spec("CM", "USUBJID", "CMTRT"))),
    "CK0805": Case([T("CM", CMSEQ=["1"])], [("CM", None, "CMSEQ")], [T("CM", CMSEQ=[1])],
                   study=study(spec("CM", var("CMSEQ", data_type="integer")))),
    "CK0806": Case([T("CM", CMTRT=["abc"])], [("CM", None, "CMTRT")], [T("CM", CMTRT=["abcd"])],
                   study=study(spec("CM", var("CMTRT", length=4)))),
    "CK0807": Case([T("CM", CMTRT=["a"], columns=[Column("CMTRT", "char", 1, "Treatment")])], [("CM", None, "CMTRT")],
                   [T("CM", CMTRT=["a"], columns=[Column("CMTRT", "char", 1, "Reported Name of Drug")])],
                   study=study(spec("CM", var("CMTRT", "Reported Name of Drug")))),
    "CK0808": Case([T("CM", label="Meds", USUBJID=["1"])], [("CM", None, "")],
                   [T("CM", label="Concomitant Medications", USUBJID=["1"])],
                   study=study(spec("CM", "USUBJID", label="Concomitant Medications"))),
    "CK0809": Case([T("CM", CMTRT=["a"], USUBJID=["1"])], [("CM", None, "CMTRT")], [T("CM", USUBJID=["1"], CMTRT=["a"])],
                   study=study(spec("CM", "USUBJID", "CMTRT"))),
    "CK0810": Case([T("ADSL", TRTSDT=[1.0], columns=[date_col("TRTSDT", "YYMMDD10.")])], [("ADSL", None, "TRTSDT")],
                   [T("ADSL", TRTSDT=[1.0], columns=[date_col("TRTSDT", "DATE9.")])],
                   study=study(spec("ADSL", var("TRTSDT", data_type="integer", display_format="DATE9."), model="ADaM"))),
    # value-level metadata and methods against the data
    "CK0811": Case([T("LB", LBTESTCD=["GLUC", "ALB"], LBORRES=["", "4"])], [("LB", 1, "LBORRES")],
                   [T("LB", LBTESTCD=["GLUC", "ALB"], LBORRES=["5", ""])], study=study(spec("LB", "LBTESTCD", "LBORRES",
                   value_level=[vlm("LBORRES", "GLUC", mandatory=True)]))),
    "CK0812": Case([T("LB", LBTESTCD=["GLUC"], LBORRES=["5.5"])], [("LB", 1, "LBORRES")],
                   [T("LB", LBTESTCD=["GLUC"], LBORRES=["5"])], study=study(spec("LB", "LBTESTCD", "LBORRES",
                   value_level=[vlm("LBORRES", "GLUC", data_type="integer")]))),
    "CK0813": Case([T("LB", LBTESTCD=["GLUC"], LBORRES=["123"])], [("LB", 1, "LBORRES")],
                   [T("LB", LBTESTCD=["GLUC"], LBORRES=["12"])], study=study(spec("LB", "LBTESTCD", "LBORRES",
                   value_level=[vlm("LBORRES", "GLUC", length=2)]))),
    "CK0814": Case([T("LB", LBTESTCD=["ALB"], LBORRES=["4"])], [("LB", None, "LBORRES")],
                   [T("LB", LBTESTCD=["GLUC"], LBORRES=["4"])], study=study(spec("LB", "LBTESTCD", "LBORRES",
                   value_level=[vlm("LBORRES", "GLUC")]))),
    "CK0815": Case([T("ADSL", AGEGR1=["<65"])], [("ADSL", None, "AGEGR1")], [T("ADSL", AGEGR1=["<65"])],
                   study=study(spec("ADSL", var("AGEGR1", origin=Origin(type="Derived")), model="ADaM")),
                   ok_study=study(spec("ADSL", var("AGEGR1", origin=Origin(type="Derived"), method="AGEGR1"),
                                       model="ADaM"))),
    # traceability of ADaM to its sources
    "CK0620": Case([T("ADTTE", USUBJID=["1", "1"], PARAMCD=["OS"] * 2, CNSR=[0, 1], SRCDOM=["AE", "AE"],
                      SRCVAR=["AESTDTC", "AEXX"], SRCSEQ=[9, 1]), ae()], [("ADTTE", 1, "USUBJID, SRCDOM, SRCVAR, SRCSEQ"),
                   ("ADTTE", 2, "USUBJID, SRCDOM, SRCVAR, SRCSEQ")],
                   [T("ADTTE", USUBJID=["1"], PARAMCD=["OS"], CNSR=[0], SRCDOM=["AE"], SRCVAR=["AESTDTC"],
                      SRCSEQ=[1]), ae(AESTDTC=["2021-01-01"])]),
    "CK0622": Case([T("ADAE", USUBJID=["1"], AESEQ=[1], AEDECOD=["HEADACHE"]), ae(AEDECOD=["Headache"])],
                   [("ADAE", 1, "AESEQ, AEDECOD")],
                   [T("ADAE", USUBJID=["1"], AESEQ=[1], AEDECOD=["Headache"]), ae(AEDECOD=["Headache"])]),
    # the SDTMIG 3.4 metadata shipped with the package (no specs given)
    "CK0901": Case([ae(AETERM=["x"], AEMETHOD=["x"])], [("AE", None, "AEMETHOD")], [ae(AETERM=["x"])]),
    "CK0902": Case([ae(AETERM=["x"], AEXYZ=["x"])], [("AE", None, "AEXYZ")], [ae(AETERM=["x"])]),
    "CK0903": Case([ae(AETERM=["x"], AESEV=[1.0])], [("AE", None, "AESEV")], [ae(AETERM=["x"], AESEV=["MILD"])]),
    "CK0904": Case([ae(AETERM=["x"], AESER=[""])], [("AE", None, "AESER")], [ae(AETERM=["x"], AESER=["N"])]),
    "CK0905": Case([ae(AETERM=["x"], AESEV=[""])], [("AE", None, "AESEV")], [ae(AETERM=["x"], AESEV=["MILD"])]),
    "CK0906": Case([T("XX", USUBJID=["1"])], [("XX", None, "")], [ae(AETERM=["x"])]),
    "CK0907": Case([T("AE", USUBJID=["1"], path=str(SIZED))], [("AE", None, "")],
                   [T("AE", USUBJID=["1"], path=str(SIZED.with_name("small.xpt")))], params={"limit": 100}),
    "CK0908": Case([lb(LBTESTCD=["GLUC"], LBTEST=["Alanine Aminotransferase"])], [("LB", 1, "LBTESTCD, LBTEST")],
                   [lb(LBTESTCD=["GLUC"], LBTEST=["Glucose"])]),
}


def run(rule_id, tables, study=None, unreadable=(), broken=False, params=None, coverage=None):
    catalogue = {r.id: r for r in rules_module.catalogue()}
    rules = [catalogue[rule_id]]
    if params:
        rules = [dataclasses.replace(rules[0], params={**rules[0].params, **params})]
    if broken:
        rules = [dataclasses.replace(catalogue["CK0402"], params={}), catalogue[rule_id]]
    findings = check_tables(tables, study=study, unreadable=unreadable, rules=rules, coverage=coverage)
    frame = findings.frame[findings.frame["rule"].eq(rule_id)]
    found = [(d, None if pd.isna(r) else int(r), v) for d, r, v in frame[["dataset", "record", "variables"]]
             .itertuples(index=False, name=None)]
    return findings, found


def test_every_rule_has_a_case():
    assert set(CASES) == {r.id for r in rules_module.catalogue() if r.kind is None}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_on_minimal_input(rule_id):
    case = CASES[rule_id]
    _, found = run(rule_id, case.fail, case.study, case.unreadable, case.broken, case.params, case.coverage)
    assert sorted(found, key=str) == sorted(case.expect, key=str)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_on_conforming_input(rule_id):
    case = CASES[rule_id]
    findings, found = run(rule_id, case.ok, case.ok_study or case.study, params=case.params,
                          coverage=case.ok_coverage)
    assert found == []
    assert rule_id in set(findings.checks["rule"]), "the rule must be evaluated on the passing input"


def test_findings_say_why():
    """A finding carries the rule's condition with the dataset's variable names and the failing values."""
    findings, _ = run("CK0411", CASES["CK0411"].fail)
    first = findings.frame.iloc[0]
    assert first["message"] == "AESTDTC is after AEENDTC"
    assert first["condition"] == "AESTDTC <= AEENDTC (compared at the precision both have)"
    assert first["values"] == "AESTDTC=2021-01-05; AEENDTC=2021-01-04"
    assert (first["usubjid"], first["seq"]) == ("1", 1.0)


def test_study_day_finding_gives_the_expected_day():
    findings, _ = run("CK0514", CASES["CK0514"].fail)
    assert findings.frame.iloc[0]["detail"] == "expected 2 from AESTDTC and DM.RFSTDTC=2021-01-10"


def test_one_value_per_names_the_usual_value():
    findings, _ = run("CK0423", CASES["CK0423"].fail)
    assert findings.frame.iloc[0]["detail"] == "2 records with LBTESTCD=GLUC have LBSTRESU=mmol/L"
