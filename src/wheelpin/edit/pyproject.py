"""Rewriting requirements in a pyproject.toml's ``[project].dependencies`` or optional-dependencies group, with
tomlkit, which keeps the file's formatting: comments, indentation, quoting, trailing commas, line endings.
[pure]"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name
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
        if edit.line is not None:  # a table besides [project]'s: [tool.uv], [dependency-groups], Poetry's
            _edit_elsewhere(document, path, edit)
            continue
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


def _edit_elsewhere(document: Any, path: str, edit: Edit) -> None:
    """Rewrite the requirement in whichever array holds it (``[tool.uv] constraint-dependencies``, a
    ``[dependency-groups]`` group), or the Poetry dependency of its name; refuse what cannot be edited so."""
    changed = False
    for array in (found for key, value in document.items() if key != "project" for found in _arrays(value)):
        for index, item in enumerate(array):
            if isinstance(item, String) and edit.matches(str(item)):
                new = rewrite_requirement(str(item), edit.specifier)
                array[index] = tomlkit.string(new, literal=item.type in (StringType.SLL, StringType.MLL))
                changed = True
    if not changed and not _edit_poetry(document, path, edit):
        raise InputError(f"{path}, line {edit.line}: wheelpin fix cannot rewrite {edit.item.requirement} there; "
                         f"edit it by hand to {edit.requirement}.")


def _arrays(node: Any) -> Iterator[Array]:
    """Every array under ``node``, depth first."""
    if isinstance(node, Array):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _arrays(value)


def _edit_poetry(document: Any, path: str, edit: Edit) -> bool:
    """``pydantic = "~2.9"`` (or ``{ version = "~2.9", ... }``) in ``[tool.poetry.dependencies]`` or a Poetry
    group, rewritten to the fix's specifier, which Poetry reads as PEP 440 (``">=2.12.0"``)."""
    poetry = document.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), *(group.get("dependencies", {})
                                                for group in poetry.get("group", {}).values()
                                                if hasattr(group, "get"))]
    found = False
    for table in tables:
        for key in list(table.keys()) if hasattr(table, "keys") else ():
            if canonicalize_name(key) != edit.name:
                continue
            value = table[key]
            if isinstance(value, String):
                table[key] = edit.specifier
            elif hasattr(value, "get") and isinstance(value.get("version"), String):
                value["version"] = edit.specifier
            else:  # a list of constraints (one per Python or platform), a git or path source
                raise InputError(
                    f"{path}, line {edit.line}: [tool.poetry] {key} is not one version string, so wheelpin fix "
                    f"does not rewrite it; change its version to {edit.specifier!r} by hand (for this target).")
            found = True
    return found


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

