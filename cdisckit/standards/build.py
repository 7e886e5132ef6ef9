"""Convert the CDISC reference files into the package's standards data.

``python -m cdisckit.standards.build [REFERENCE_DIR]`` reads the SDTMIG and
ADaMIG metadata workbooks (``igs/*.xlsx``) and the SDTM and ADaM controlled
terminology (``ct/``) of REFERENCE_DIR (default ``../shared/reference``) and
writes ``data/<name>.json.gz``: one file per implementation guide and one per
CT package. Output is deterministic (sorted keys, gzip without a time stamp),
so a rerun on the same sources gives the same bytes and the test can compare.
Only what a validator needs is kept: per dataset its class, label and
structure; per variable its order, label, type, codelist codes, role and Core;
per codelist its name, extensibility and terms (NCI code, submission value,
preferred term).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
import re
import sys
from pathlib import Path

import openpyxl

DATA = Path(__file__).with_name("data")
DEFAULT_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
IG_FILE = re.compile(r"^(SDTMIG|ADaMIG)_v(\d+\.\d+)\.xlsx$")
CT_COLUMNS = {"Code", "Codelist Code", "Codelist Extensible (Yes/No)", "Codelist Name", "CDISC Submission Value",
              "NCI Preferred Term"}
CT_FILE = re.compile(r"^(sdtm|adam)-terminology-(\d{4}-\d{2}-\d{2})\.(txt\.xz|txt|json)$")


def _rows(sheet):
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows)]
    for row in rows:
        if any(v is not None for v in row):
            yield {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row)}


def _codes(text):
    return [c for c in re.split(r"[;,\s]+", text) if c]


def convert_ig(path):
    """One IG workbook as {"standard", "version", "datasets", "variables"}."""
    name, version = IG_FILE.match(Path(path).name).groups()
    book = openpyxl.load_workbook(path, read_only=True)
    datasets, variables = {}, []
    if name == "SDTMIG":
        for row in _rows(book["Datasets"]):
            datasets[row["Dataset Name"]] = {"class": row["Class"].upper().replace("-", " "),
                                             "label": row["Dataset Label"], "structure": row["Structure"]}
        for row in _rows(book["Variables"]):
            variables.append({"dataset": row["Dataset Name"], "order": int(float(row["Variable Order"])),
                              "name": row["Variable Name"], "label": row["Variable Label"],
                              "type": row["Type"], "codelists": _codes(row["CDISC CT Codelist Code(s)"]),
                              "format": row["Described Value Domain(s)"], "values": row["Value List"],
                              "role": row["Role"], "core": row["Core"]})
    else:
        for row in _rows(book["Data Structures"]):
            datasets[row["Data Structure Name"]] = {"class": row["Class"], "label": row["Data Structure Description"],
                                                    "structure": row["CDISC Notes"]}
        names = {}
        for row in _rows(book["Data Structures"]):
            for key in (row["Data Structure Description"], row["Data Structure Description"].replace(" Structure", "")):
                names[key.lower()] = row["Data Structure Name"]
        order = {}
        for row in _rows(book["Variables"]):
            structure = names.get(row["Data Structure Name"].lower(), row["Data Structure Name"])
            order[structure] = order.get(structure, 0) + 1
            variables.append({"dataset": structure, "order": order[structure], "name": row["Variable Name"],
                              "label": row["Variable Label"], "type": row["Type"],
                              "codelists": _codes(row["CDISC CT Codelist Code(s)"]),
                              "format": row["Described Value Domain(s)"], "values": row["Value List"],
                              "role": row.get("Variable Set", ""), "core": row["Core"]})
    return {"standard": name, "version": version, "datasets": datasets, "variables": variables}


def _ct_text(path):
    raw = lzma.open(path, "rt", encoding="utf-8") if str(path).endswith(".xz") else open(path, encoding="utf-8")
    with raw:
        return raw.read()


def convert_ct_text(text, package):
    """An NCI EVS tab-delimited CT release ("SDTM Terminology.txt") as a CT dict."""
    codelists = {}
    terms = []
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    missing = CT_COLUMNS - {(name or "").strip() for name in reader.fieldnames or ()}
    if missing:
        raise ValueError(f"no column {', '.join(sorted(missing))}")
    for row in reader:
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("Codelist Code"):
            codelists[row["Code"]] = {"name": row["Codelist Name"], "value": row["CDISC Submission Value"],
                                      "extensible": row["Codelist Extensible (Yes/No)"] == "Yes", "terms": []}
        else:
            terms.append(row)
    for row in terms:
        codelist = codelists.get(row["Codelist Code"])
        if codelist is None:
            raise ValueError(f"term {row['Code']} names unknown codelist {row['Codelist Code']}")
        codelist["terms"].append([row["Code"], row["CDISC Submission Value"], row["NCI Preferred Term"]])
    return {"package": package, "codelists": codelists}


def convert_ct_json(path):
    """A CT package in the CDISC Library JSON layout as a CT dict."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {"package": data["package"],
            "codelists": {c["conceptId"]: {"name": c["name"], "value": c["submissionValue"],
                                           "extensible": bool(c["extensible"]),
                                           "terms": [[t["conceptId"], t["submissionValue"], t.get("preferredTerm", "")]
                                                     for t in c.get("terms", [])]}
                          for c in data["codelists"]}}


def convert_ct(path):
    """A CT file (NCI EVS .txt or .txt.xz, or CDISC Library .json) as a CT dict."""
    path = Path(path)
    if path.suffix == ".json":
        return convert_ct_json(path)
    match = CT_FILE.match(path.name)
    package = f"{match.group(1)}ct-{match.group(2)}" if match else path.name.split(".")[0]
    return convert_ct_text(_ct_text(path), package)


def encode(data):
    """Deterministic gzip-compressed JSON bytes."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def outputs(reference):
    """{file name: bytes} of every standards file made from ``reference``."""
    reference = Path(reference)
    out = {}
    for path in sorted((reference / "igs").glob("*.xlsx")):
        match = IG_FILE.match(path.name)
        if match:
            out[f"{match.group(1).lower()}-{match.group(2)}.json.gz"] = encode(convert_ig(path))
    for path in sorted((reference / "ct").iterdir()):
        match = CT_FILE.match(path.name)
        if match:
            out[f"{match.group(1)}ct-{match.group(2)}.json.gz"] = encode(convert_ct(path))
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    reference = Path(argv[0]) if argv else DEFAULT_REFERENCE
    made = outputs(reference)
    if not made:
        print(f"{reference}: no IG workbooks or CT files found", file=sys.stderr)
        return 2
    DATA.mkdir(exist_ok=True)
    for name, data in made.items():
        (DATA / name).write_bytes(data)
        print(f"{DATA / name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
