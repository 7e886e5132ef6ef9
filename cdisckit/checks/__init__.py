"""Conformance checks: a catalogue of rules over SDTM/ADaM XPT datasets, and their reports.

``run_checks(folder, study=..., define=...)`` returns ``Findings``;
``write_reports(findings, paths)`` writes them as .xlsx, .html, .json or
.junit.xml by file suffix; ``compare(findings, old_report)`` marks findings
new, persisting or resolved against an earlier JSON report.
"""

from .baseline import compare, read_report
from .engine import check_tables, run_checks
from .finding import Findings
from .report import write_reports
from .rule import catalogue
from .table import from_frame

__all__ = ["Findings", "catalogue", "check_tables", "compare", "from_frame", "read_report",
           "run_checks", "write_reports"]
