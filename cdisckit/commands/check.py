"""``cdisckit check``: run the conformance rules on folders of dataset files (XPT or Dataset-JSON) and write reports.

Exit 0 when no finding fails (Errors; Warnings too with ``--fail-on warning``;
only new ones with ``--baseline OLD.json --new-only``), 1 when some do, 2
when an input cannot be read.
"""

from specs.atomic import check_file
from specs.errors import InputError

from ..checks import compare, read_report, run_checks, write_reports
from ..checks.dictionaries import parse_dictionaries
from ..checks.report import issue_summary, report_format, summary


def register(subparsers):
    parser = subparsers.add_parser(
        "check", help="check SDTM/ADaM dataset files (XPT or Dataset-JSON) against the conformance rules",
        description="Run the conformance rules on one or more folders of dataset files and write reports "
                    "(.xlsx, .html, .json, .junit.xml). Exit 0: no failing finding; 1: failing findings; "
                    "2: unreadable input.")
    parser.add_argument("data", nargs="+", metavar="DIR", help="folder of dataset files (several allowed)")
    parser.add_argument("--define", metavar="FILE", action="append",
                        help="define.xml the data must agree with (repeatable: SDTM and ADaM)")
    parser.add_argument("--study", metavar="DIR", help="study spec folder (or bundled study name)")
    parser.add_argument("--sdtm", metavar="DIR",
                        help="folder of the SDTM datasets the ADaM traceability rules read (DM subjects, "
                             "source records); read, not checked")
    parser.add_argument("--standard", metavar="NAME-VERSION",
                        help="implementation guide to check against, e.g. sdtmig-3.3 (default: the one the "
                             "define.xml or specs declare, else sdtmig-3.4)")
    parser.add_argument("--ct", metavar="FILE", help="another CDISC CT release (NCI EVS .txt/.txt.xz or .json)")
    parser.add_argument("--dictionary", metavar="NAME=PATH", action="append", default=[],
                        help="dictionary files for the dictionary rules, NAME one of meddra, whodrug, unii, medrt, "
                             "snomed, loinc; PATH the folder of its files (repeatable; without it those rules do "
                             "not run and the reports say so)")
    parser.add_argument("--report", metavar="FILE", action="append", default=[],
                        help="report to write; format by suffix: .xlsx .html .json .junit.xml (repeatable)")
    parser.add_argument("--fail-on", choices=("error", "warning"), default="error",
                        help="lowest severity that makes the run fail (default: error)")
    parser.add_argument("--baseline", metavar="OLD.json",
                        help="earlier JSON report: mark findings new, persisting or resolved")
    parser.add_argument("--new-only", action="store_true",
                        help="fail only on new findings (needs --baseline)")
    parser.set_defaults(func=run)


def run(args):
    for path in args.report:
        report_format(path)
        check_file(path, "--report")
    if args.new_only and not args.baseline:
        raise InputError("--new-only needs --baseline OLD.json")
    old = read_report(args.baseline) if args.baseline else None
    findings = run_checks(args.data, study=args.study, define=args.define, standard=args.standard, ct=args.ct,
                          dictionaries=parse_dictionaries(args.dictionary), sdtm=args.sdtm, parallel=True)
    if old is not None:
        findings = compare(findings, old, baseline=args.baseline)
    write_reports(findings, args.report, fail_on=args.fail_on)
    print(_summary(findings))
    return findings.exit_code(args.fail_on, args.new_only)


def _summary(findings):
    """A few lines for the terminal or the CI log: totals, then one line per rule with findings."""
    totals = summary(findings)
    counts = ", ".join(f"{n} {s}" for s, n in totals["by_severity"].items())
    lines = [f"cdisckit check: {totals['datasets']} datasets, {totals['records']} records, "
             f"{totals['rules']} rules: {counts}" + (f" ({totals['explained']} explained)" if totals["explained"] else "")]
    adam = findings.inputs.get("adam_standard")
    lines.append(f"checked against {findings.inputs.get('standard')} with CT {findings.inputs.get('ct')}"
                 + (f" (ADaM: {adam})" if adam else "")
                 + f"; {len(findings.not_run)} rules not run (reasons in the reports)")
    if "by_status" in totals:
        lines.append("against the baseline: " + ", ".join(f"{n} {s}" for s, n in totals["by_status"].items()))
    for row in issue_summary(findings).itertuples(index=False):
        lines.append(f"  {row.severity:<7} {row.rule} {row.message} ({row.findings} in {row.datasets})")
    return "\n".join(lines)
