"""The report: the Python-version matrix (:mod:`.matrix`) and the fix search (:mod:`.fixes`)."""

from wheelpin.report.fixes import FixSearch, apply_fixes
from wheelpin.report.matrix import PythonVerdict, Report, VerdictStatus, build_report, python_verdict

__all__ = ["FixSearch", "PythonVerdict", "Report", "VerdictStatus", "apply_fixes", "build_report", "python_verdict"]
