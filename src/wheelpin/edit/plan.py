"""Which written requirements a verified fix changes, and where each lives.  [pure]

A fix ("pydantic>=2.12.0") was verified (report.fixes.apply_fixes) with every direct requirement on the package
given the fix's specifier and every constraint on it dropped.  Editing the files must admit the same releases
while touching as few lines as possible, so an :class:`Edit` is planned for each line that bounds the package
(a requirement or a ``-c`` constraint, wherever ``InputRequirement.source`` says it was read); a line without
a specifier is left alone, since the fix's specifier on another line bounds it the same.  Lines whose marker
excludes the target are left alone too: they say nothing about this target, and another target may rely on
them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from wheelpin.errors import InputError
from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.target import Target

# InputRequirement.source forms: "requirements.txt:3" (a requirements file) and "pyproject.toml" or
# "pyproject.toml (extra dev)" (inputs.parse_pyproject keeps no line numbers: tomllib has none).
_LINE_SOURCE_RE = re.compile(r"^(?P<path>.+):(?P<line>\d+)$")
_PLACED_SOURCE_RE = re.compile(r"^(?P<path>.+\.toml) \[[^\]]+\]$", re.IGNORECASE)  # "pyproject.toml [tool.uv]"
_TOML_SOURCE_RE = re.compile(r"^(?P<path>.+\.toml)(?: \(extra (?P<extra>.+)\))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """One written requirement to give a new specifier."""

    item: InputRequirement  # as read, with its source
    path: str  # the file that holds it
    line: int | None  # its line in a requirements file; None in a pyproject.toml
    extra: str | None  # in a pyproject.toml: the optional-dependencies group, None for [project].dependencies
    specifier: str  # the new specifier, e.g. ">=2.12.0"
    constraint: bool  # the line is in a -c constraints file

    @property
    def name(self) -> NormalizedName:
        return canonicalize_name(self.item.requirement.name)

    @property
    def requirement(self) -> Requirement:
        """The requirement as it will read: the same name, extras and marker, the new specifier."""
        changed = Requirement(str(self.item.requirement))
        changed.specifier = SpecifierSet(self.specifier)
        return changed

    @property
    def where(self) -> str:
        return self.item.source

    def matches(self, written: str) -> bool:
        """Whether ``written`` (a requirement as the file has it) is the one this edit changes."""
        try:
            requirement = Requirement(written)
        except InvalidRequirement:
            return False
        original = self.item.requirement
        # A pyproject extra reached through the project's own name carries that reference's marker as well.
        marker = requirement.marker is None or str(requirement.marker) in str(original.marker)
        return (canonicalize_name(requirement.name) == self.name and requirement.specifier == original.specifier
                and requirement.extras == original.extras and marker)


def plan_edits(inputs: Inputs, changes: Sequence[str], target: Target) -> list[Edit]:
    """The edits that apply ``changes`` (verified fixes, "name>=version" or "name==version") for ``target``.
    Raises InputError when a line to change was not read from a file (a command-line requirement)."""
    wanted = {canonicalize_name(Requirement(text).name): str(Requirement(text).specifier) for text in changes}
    environment = {**target.marker_environment(), "extra": ""}
    edits: list[Edit] = []
    for name, specifier in wanted.items():
        lines = [(item, False) for item in inputs.requirements if _concerns(item, name, environment)]
        lines += [(item, True) for item in inputs.constraints if _concerns(item, name, environment)]
        bounded = [(item, constraint) for item, constraint in lines if item.requirement.specifier]
        # Every line unbounded: the fix's specifier must go somewhere, and the direct requirement is where the
        # verification put it.
        chosen = bounded or [(item, constraint) for item, constraint in lines if not constraint]
        seen: set[str] = set()
        for item, constraint in chosen:
            if item.source in seen or str(item.requirement.specifier) == specifier:
                continue  # one file read twice, or a line that already says it
            seen.add(item.source)
            path, line, extra = locate(item)
            edits.append(Edit(item=item, path=path, line=line, extra=extra, specifier=specifier,
                              constraint=constraint))
    return edits


def _concerns(item: InputRequirement, name: NormalizedName, environment: dict[str, str]) -> bool:
    requirement = item.requirement
    return canonicalize_name(requirement.name) == name and (
        requirement.marker is None or requirement.marker.evaluate(environment))


def locate(item: InputRequirement) -> tuple[str, int | None, str | None]:
    """``(file, line, extra)`` of a requirement from its source; InputError for one no file holds."""
    source = item.source
    if toml := _TOML_SOURCE_RE.match(source):
        return toml["path"], None, toml["extra"]
    if (placed := _PLACED_SOURCE_RE.match(source)) and placed["path"].lower().endswith(".toml"):
        return placed["path"], 0, None  # a TOML table without a line wheelpin knows: found by name
    if lined := _LINE_SOURCE_RE.match(source):
        return lined["path"], int(lined["line"]), None
    raise InputError(
        f"{item.requirement} was given on the {source}, and wheelpin fix edits files only; put the requirement "
        "in a requirements file (-r FILE) or the pyproject.toml, or change it on the command line yourself."
    )


def edited_inputs(inputs: Inputs, edits: Sequence[Edit]) -> Inputs:
    """``inputs`` as they will read once ``edits`` are written: to verify a change before touching a file."""
    by_source = {(e.constraint, e.item.source, str(e.item.requirement)): e for e in edits}

    def changed(items: tuple[InputRequirement, ...], constraint: bool) -> tuple[InputRequirement, ...]:
        result = []
        for item in items:
            edit = by_source.get((constraint, item.source, str(item.requirement)))
            result.append(item if edit is None else replace(item, requirement=edit.requirement))
        return tuple(result)

    return replace(inputs, requirements=changed(inputs.requirements, False),
                   constraints=changed(inputs.constraints, True))


def pinned(changes: Sequence[str], versions: dict[NormalizedName, str]) -> tuple[str, ...]:
    """``changes`` with each range made an ``==`` pin: on the version ``versions`` names for the package, else
    on the range's lower bound (the release the fix search found)."""
    result = []
    for text in changes:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        bound = versions.get(name) or next((s.version for s in requirement.specifier
                                            if s.operator in (">=", "==", "===")), None)
        result.append(f"{requirement.name}=={bound}" if bound else text)
    return tuple(result)
