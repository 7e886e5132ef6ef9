"""Dictionary rules of the SDTMIG catalogue against a tiny dictionary written for the test:
a value the dictionary holds passes, one it lacks (or writes in another case, or pairs with
another name) is a finding, and without the dictionary the rule does not run and says why."""

import pandas as pd
import pytest

from cdisckit.checks import check_tables, from_frame
from cdisckit.checks import rule as rules_module
from cdisckit.checks.dictionaries import parse_dictionaries
from specs.errors import InputError

RULES = [r for r in rules_module.catalogue() if r.kind == "dictionary"]
SEPARATORS = {"dollar": "$", "tab": "\t", "tab-header": "\t", "csv-header": ","}


def _write_dictionary(folder, params, code="10019211", name="Headache"):
    """One-record dictionary file: ``code`` in the rule's field, ``name`` in the name field."""
    fields = {params["field"]: code if params["mode"] == "pair" else name}
    if params.get("name_field") is not None:
        fields[params["name_field"]] = name
    sep = SEPARATORS[params["format"]]
    if params["format"] in ("dollar", "tab"):
        width = max(k for k in fields if isinstance(k, int)) + 1
        line = sep.join(fields.get(i, "x") for i in range(1, width + 1))
        text = line + "\n"
    else:
        names = list(fields) + ["OTHER"]
        text = sep.join(names) + "\n" + sep.join(fields.get(n, "x") for n in names) + "\n"
    (folder / params["file"]).write_text(text, encoding="utf-8")


def _table(rule, value, name="Headache"):
    params = rule.params
    domain = next(d for d in rule.scope.domains) if rule.scope.domains else "AE"
    variable = params["variable"].replace("--", domain)
    row = {"STUDYID": "S", "DOMAIN": domain, "USUBJID": "1", variable: value}
    for part in (params.get("when") or "").split(" and "):      # TSPARMCD == 'X' conditions
        if " == '" in part:
            left, right = part.split(" == ")
            row[left.strip()] = right.strip().strip("'")
    if "TSVAL" in (params.get("when") or "") and "TSVAL" not in row:
        row["TSVAL"] = name
    if params.get("name_variable"):
        row[params["name_variable"]] = name
    return from_frame(domain, pd.DataFrame([row]))


def _found(rule, table, dictionaries):
    return check_tables([table], rules=[rule], dictionaries=dictionaries)


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.id}-{r.p21_id}" for r in RULES])
def test_dictionary_rule(rule, tmp_path):
    _write_dictionary(tmp_path, rule.params)
    given = {rule.params["dictionary"]: str(tmp_path)}
    mode = rule.params["mode"]
    good = "10019211" if mode == "pair" else "Headache"
    bad = {"present": "Migraine", "case": "HEADACHE", "pair": "10019211"}[mode]
    bad_name = "Migraine" if mode == "pair" else "Headache"
    assert len(_found(rule, _table(rule, good), given).frame) == 0
    assert len(_found(rule, _table(rule, bad, bad_name), given).frame) == 1
    skipped = _found(rule, _table(rule, bad, bad_name), {})
    assert skipped.frame.empty
    assert skipped.not_run.values.tolist() == [[rule.id, f"no {rule.params['dictionary']} dictionary given "
                                                          f"(--dictionary {rule.params['dictionary']}=PATH)"]]


def test_dictionary_option_names_a_known_dictionary(tmp_path):
    assert parse_dictionaries([f"MedDRA={tmp_path}"]) == {"meddra": str(tmp_path)}
    with pytest.raises(InputError, match="NAME one of meddra"):
        parse_dictionaries([f"icd10={tmp_path}"])
    with pytest.raises(InputError, match="no such file or folder"):
        parse_dictionaries([f"meddra={tmp_path / 'missing'}"])
