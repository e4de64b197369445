"""Rewriting requirements in a pyproject.toml's ``[project].dependencies`` or optional-dependencies group, with
tomlkit, which keeps the file's formatting: comments, indentation, quoting, trailing commas, line endings.
[pure]"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, String, StringType

from wheelpin.edit.plan import Edit
from wheelpin.edit.text import rewrite_requirement
from wheelpin.errors import InputError


def edit_pyproject_text(text: str, path: str, edits: Sequence[Edit]) -> str:
    """``text`` with each edit's requirement rewritten in the array it was read from."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise InputError(f"{path}: tomlkit cannot read the file ({exc}); fix its syntax and rerun.") from None
    for edit in edits:
        array = _array(document, path, edit.extra)
        hits = [i for i, item in enumerate(array) if isinstance(item, String) and edit.matches(str(item))]
        if not hits:
            raise InputError(f"{path}: {edit.item.requirement} is no longer in {_table(edit.extra)} (the file "
                             "changed since it was read); run wheelpin fix again.")
        for index in hits:
            old = array[index]
            new = rewrite_requirement(str(old), edit.specifier)
            # The same quotes as before: a literal string stays literal.
            array[index] = tomlkit.string(new, literal=old.type in (StringType.SLL, StringType.MLL))
    return tomlkit.dumps(document)


def _array(document: Any, path: str, extra: str | None) -> Array:
    project = document.get("project")
    table = project.get("optional-dependencies", {}) if extra is not None else project
    array = table.get(extra if extra is not None else "dependencies") if hasattr(table, "get") else None
    if not isinstance(array, Array):
        raise InputError(f"{path}: {_table(extra)} is not an array of requirement strings any more; run wheelpin "
                         "fix again.")
    return array


def _table(extra: str | None) -> str:
    return "[project].dependencies" if extra is None else f"[project.optional-dependencies].{extra}"

