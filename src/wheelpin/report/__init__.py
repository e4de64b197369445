"""The report: the Python-version matrix (:mod:`.matrix`) and the fix search (:mod:`.fixes`)."""

from wheelpin.report.fixes import FixSearch, apply_fixes
from wheelpin.report.matrix import NOT_OFFERED, PythonVerdict, Report, build_report, python_verdict

__all__ = ["NOT_OFFERED", "FixSearch", "PythonVerdict", "Report", "apply_fixes", "build_report", "python_verdict"]
