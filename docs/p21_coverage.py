"""Write docs/p21-coverage.md and docs/p21-coverage-adam.md: every rule of the Pinnacle 21
SDTMIG 3.4 (FDA) and ADaM-IG 1.3 (FDA) catalogues, and the cdisckit rule that implements it or
why none does.

    PYTHONPATH=. python docs/p21_coverage.py [P21_XML [P21_ADAM_HTML]]

Reads the P21 configurations (default ../shared/reference/p21-config/SDTM-IG 3.4 (FDA).xml and
ADaM-IG 1.3 (FDA).html) for the list of rule ids, kinds and messages, and the catalogue for the
p21_id each rule carries. Run by hand when the catalogue changes; nothing reads the P21 files at
run time.
"""

import re
import sys
from pathlib import Path

from lxml import etree

from cdisckit.checks.rule import catalogue

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT.parent / "shared" / "reference" / "p21-config"
DEFAULT = CONFIG / "SDTM-IG 3.4 (FDA).xml"
DEFAULT_ADAM = CONFIG / "ADaM-IG 1.3 (FDA).html"
VAL = "http://www.opencdisc.org/schema/validator"
OUT = ROOT / "docs" / "p21-coverage.md"
OUT_ADAM = ROOT / "docs" / "p21-coverage-adam.md"


REASONS = {
    "DD0101": "a missing define.xml is reported in the run's inputs instead: `check` is meant to run on folders "
              "without one (the IG and CT shipped with the package stand in)",
    "SD1073": "needs the SDTM model's Core values (Prohibited), which the IG metadata workbooks do not carry",
    "SD1074": "needs the SDTM model's Core values (SEND only), which the IG metadata workbooks do not carry",
    "SD1075": "needs the SDTM model's Core values (Not Recommended), which the IG metadata workbooks do not carry",
    "SD1367": "P21 groups --SEQ for consistency here, which every dataset fails; its intent (one disposition event "
              "per DSSCAT and EPOCH) is not implemented yet",
    "SD1096": "lookup into SUPP-- of the same domain (--TERM1 for truncated terms): not implemented yet",
    "SD0006": "lookup into each of EG, LB, MB, MS, PC, VS for a baseline flag: not implemented yet",
}


def reason(kind, attrs):
    """Why a catalogue rule has no implementation, from what it needs."""
    if attrs.get("ID") in REASONS:
        return REASONS[attrs["ID"]]
    if attrs.get("From", "").startswith("FILE:") or "Dictionary" in attrs.get("Terms", ""):
        return "dictionary rule (MedDRA, WHODrug, UNII, LOINC, ...): dictionary lookups are not implemented yet"
    if attrs.get("Target") == "Metadata" or kind in ("Varlength", "Varorder", "Property", "Metadata", "Schematron"):
        return "dataset or define.xml metadata rule: not implemented as a generic rule yet"
    if "%Variable" in " ".join(attrs.values()) or "Config." in " ".join(attrs.values()):
        return "rule over variables chosen by metadata (value-level, codelist pairs): not implemented yet"
    return "no implementation with a verified example yet"


def implemented_ids():
    """P21 id -> the cdisckit rules that carry it."""
    found = {}
    for rule in catalogue():
        if rule.p21_id:
            found.setdefault(rule.p21_id, []).append(rule.id)
    return found


def sdtm_rules(xml):
    """(id, kind, message, reason if not implemented) of every rule definition of the SDTMIG XML."""
    rules = etree.parse(str(xml)).getroot().iter(f"{{{VAL}}}*")
    for item in rules:
        if item.get("ID") and item.getparent().tag == f"{{{VAL}}}ValidationRules":
            kind = etree.QName(item).localname
            yield item.get("ID"), kind, item.get("Message", ""), reason(kind, dict(item.attrib))


def adam_rules(page):
    """(id, kind, message, reason) of every rule of the ADaM-IG HTML page: its AD rules, then the
    SD and CT rules it shares with SDTM (each id once; the page repeats a rule in every section
    it applies to)."""
    seen, rows = set(), []
    for row in etree.parse(str(page), etree.HTMLParser()).iter("tr"):
        cells = ["".join(td.itertext()).strip() for td in row.findall("td")]
        if len(cells) == 4 and re.fullmatch(r"(AD|SD|CT)\d{4}[A-Z]?", cells[0]) and cells[0] not in seen:
            seen.add(cells[0])
            why = "rule over variables chosen by metadata (value-level CT, codelist pairs)" \
                if "%Variable" in cells[3] else "no implementation yet"
            rows.append((cells[0], cells[2], cells[3], why))
    return sorted(rows, key=lambda row: (not row[0].startswith("AD"), row[0]))


def write_table(title, source, rules, out):
    """The coverage table of ``rules`` written to ``out``; returns (implemented, total)."""
    implemented = implemented_ids()
    rows, done = [], 0
    for rule_id, kind, message, why in rules:
        ids = implemented.get(rule_id)
        done += bool(ids)
        status = f"implemented by {', '.join(ids)}" if ids else f"not implemented: {why}"
        message = message.replace("|", "/").replace("%Domain%", "--")
        rows.append(f"| {rule_id} | {kind} | {message} | {status} |")
    total = len(rows)
    by_prefix = []
    for prefix in sorted({rule_id[:2] for rule_id, *_ in rules}):
        ids = [rule_id for rule_id, *_ in rules if rule_id.startswith(prefix)]
        by_prefix.append(f"{prefix}: {sum(i in implemented for i in ids)} of {len(ids)}")
    text = [f"# {title}: coverage", "",
            f"Generated by `docs/p21_coverage.py` from `{source}` and cdisckit's rule catalogue.", "",
            f"**{done} of {total} rule definitions implemented ({100 * done / total:.1f}%)** "
            f"({'; '.join(by_prefix)}).", "",
            "| P21 id | kind | message | cdisckit |", "|---|---|---|---|", *rows, ""]
    out.write_text("\n".join(text), encoding="utf-8")
    print(f"{out}: {done} of {total} implemented")
    return done, total


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    xml = Path(argv[0]) if argv else DEFAULT
    page = Path(argv[1]) if len(argv) > 1 else DEFAULT_ADAM
    for path in (xml, page):
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 2
    write_table("Pinnacle 21 SDTMIG 3.4 (FDA) catalogue", xml.name, list(sdtm_rules(xml)), OUT)
    write_table("Pinnacle 21 ADaM-IG 1.3 (FDA) catalogue", page.name, adam_rules(page), OUT_ADAM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
