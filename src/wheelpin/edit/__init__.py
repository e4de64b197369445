"""Applying a verified fix to the files it was read from: plan the edits, rewrite the text, show the diff.
[pure: text in, text out; the CLI reads and writes the files]"""

from wheelpin.edit.plan import Edit, edited_inputs, locate, pinned, plan_edits
from wheelpin.edit.pyproject import edit_pyproject_text
from wheelpin.edit.text import edit_requirements_text, rewrite_requirement, unified_diff

__all__ = ["Edit", "edit_pyproject_text", "edit_requirements_text", "edited_inputs", "locate", "pinned",
           "plan_edits", "rewrite_requirement", "unified_diff"]
