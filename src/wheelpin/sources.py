"""Requirement sources beyond pip's files: Pipfiles, PEP 735 dependency groups, Poetry's tables and
``[tool.uv]``'s constraints and overrides.  [pure: reads files, no network]

Each format is read as its own documentation defines it:

- Dependency groups: PEP 735 (packaging.python.org/en/latest/specifications/dependency-groups/).  Group names
  are compared normalized, ``{include-group = "name"}`` expands in place, and includes "MUST NOT include
  cycles, and tools SHOULD report an error if they detect a cycle".
- Poetry: python-poetry.org/docs/dependency-specification/.  Caret (``^1.2.3`` is ``>=1.2.3,<2.0.0``, ``^0.2.3``
  is ``>=0.2.3,<0.3.0``), tilde (``~1.2`` is ``>=1.2.0,<1.3.0``, ``~1`` is ``>=1.0.0,<2.0.0``), wildcards, exact
  versions, inline tables with ``version``/``extras``/``markers``/``python``/``optional`` and git/path/url
  sources, multiple-constraint lists.  Before Poetry 2 the dependencies lived only in
  ``[tool.poetry.dependencies]``; since 2.0 ``[project].dependencies`` is the source of truth when both are
  given and ``tool.poetry.dependencies`` "is only used to enrich" it, unless ``dependencies`` is dynamic.
- Pipfile: pipenv.pypa.io/en/latest/pipfile.html and /specifiers.html: ``[packages]``, ``[dev-packages]``,
  ``"*"`` (or ``"==*"``) for any version, PEP 440 specifiers, tables with ``version``, ``extras``, ``markers``
  or a marker variable as key (``sys_platform = "== 'win32'"``), ``git``/``path``/``file`` sources, and
  ``[requires] python_version``.
- uv: docs.astral.sh/uv/concepts/resolution/ ("Dependency constraints", "Dependency overrides"): constraints
  only narrow; overrides replace every requirement on their package, direct or transitive.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin.errors import InputError
from wheelpin.inputs import (
    InputRequirement,
    Inputs,
    UncheckedRequirement,
    _Collector,
    _display,
    _line_of,
    _parse_requirement,
    _read_requirement,
    _read_text,
    _string_list,
    _where,
    format_source,
    toml_document,
)

# One clause of a Poetry constraint, and where a constraint splits into clauses: at commas, or at a space
# before an operator (poetry-core accepts ">=1.2 <2.0" as well as ">=1.2,<2.0").
_POETRY_CLAUSE = re.compile(r"^(?P<op>\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*(?P<version>[^\s,]+)$")
_POETRY_SPLIT = re.compile(r"\s*,\s*|(?<=[\w*.])\s+(?=[<>=!~^])")
_POETRY_EXAMPLE = "Poetry's dependency specification, e.g. `\"^1.2\"` or `{version = \"^1.2\", extras = [\"x\"]}`"
_PIPFILE_EXAMPLE = "pipenv's Pipfile format, e.g. `\">=1.0\"` or `{version = \"*\", markers = \"os_name == 'nt'\"}`"
_REFERENCE_KEYS = ("git", "path", "url", "file")  # an entry with one of these names no index release
# PEP 508 marker variables, which a Pipfile entry may use as keys: {version = "*", sys_platform = "== 'win32'"}.
_MARKER_KEYS = (
    "os_name", "sys_platform", "platform_machine", "platform_python_implementation", "platform_release",
    "platform_system", "platform_version", "python_version", "python_full_version", "implementation_name",
    "implementation_version",
)  # fmt: skip


def poetry_specifier(constraint: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier ("" for any version); ValueError if it has none."""
    text = constraint.strip()
    if "|" in text:
        raise ValueError("alternatives (`||`) have no PEP 440 equivalent; write one range, or a list of "
                         "tables keyed on `python` or `markers`")
    clauses: list[str] = []
    for part in filter(None, _POETRY_SPLIT.split(text)):
        if re.fullmatch(r"(?i)v?[x*](\.[x*])*", part):  # "*", "x", "*.*": any version, as in poetry-core
            continue
        part = re.sub(r"(?i)\.x$", ".*", part)  # poetry-core's "1.2.x" is PEP 440's "1.2.*"
        match = _POETRY_CLAUSE.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not a version constraint")
        op, version = match["op"] or "==", match["version"]
        clauses += _semver_range(op, version) if op in ("^", "~") else [f"{'==' if op == '=' else op}{version}"]
    specifier = ",".join(clauses)
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        raise ValueError(f"{constraint!r} is not a valid version constraint") from None
    return specifier


def _semver_range(op: str, version: str) -> list[str]:
    """``^`` and ``~`` bounded as poetry-core bounds them: caret up to the next change of the left-most
    non-zero part of those written (``next_breaking``), tilde up to the next minor (next major for ``~1``)."""
    try:
        release = Version(version).release
    except InvalidVersion:
        raise ValueError(f"{version!r} is not a version") from None
    major, minor, patch = (*release, 0, 0)[:3]
    if op == "~":
        upper = f"{major + 1}.0.0" if len(release) == 1 else f"{major}.{minor + 1}.0"
    elif major > 0 or len(release) == 1:
        upper = f"{major + 1}.0.0"
    elif minor > 0 or len(release) == 2:
        upper = f"0.{minor + 1}.0"
    else:
        upper = f"0.0.{patch + 1}"
    return [f">={version}", f"<{upper}"]


def poetry_python_marker(constraint: str) -> str:
    """A Poetry ``python`` restriction as a marker: ``<3.11`` → ``python_version < '3.11'``."""
    clauses = []
    for spec in sorted(SpecifierSet(poetry_specifier(constraint)), key=str):
        # X.Y compares with python_version (so "3.8" means every 3.8.z), X.Y.Z with python_full_version.
        precise = len(spec.version.removesuffix(".*").split(".")) > 2
        clauses.append(f"{'python_full_version' if precise else 'python_version'} {spec.operator} '{spec.version}'")
    return " and ".join(clauses)


@dataclass(frozen=True, slots=True)
class Entry:
    """One dependency a table names: a PEP 508 requirement, or (``reference``) something off the index."""

    name: NormalizedName
    text: str
    reference: bool = False
    optional: bool = False


def _reference(name: str, value: dict[str, Any]) -> Entry | None:
    for key in _REFERENCE_KEYS:
        if isinstance(value.get(key), str):
            location = value[key]
            if key == "git":
                location = "git+" + location if not location.startswith("git+") else location
                ref = next((value[k] for k in ("rev", "tag", "branch", "ref") if isinstance(value.get(k), str)), None)
                location += f"@{ref}" if ref else ""
            return Entry(canonicalize_name(name), f"{name} @ {location}", reference=True,
                         optional=value.get("optional") is True)
    return None


def _pep508(name: str, version: str, extras: object, markers: Sequence[str]) -> str:
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise ValueError("`extras` must be a list of strings")
    text = name + (f"[{','.join(extras)}]" if extras else "") + version
    return text + (" ; " + " and ".join(f"({m})" for m in markers) if markers else "")


def poetry_entries(name: str, value: object) -> list[Entry]:
    """The dependencies one ``[tool.poetry.dependencies]`` key declares; ValueError when it is malformed."""
    if isinstance(value, list):  # multiple constraints: one table per Python or platform
        return [entry for item in value for entry in poetry_entries(name, item)]
    if isinstance(value, str):
        return [Entry(canonicalize_name(name), name + poetry_specifier(value))]
    if not isinstance(value, dict):
        raise ValueError("must be a version string, an inline table or a list of tables")
    reference = _reference(name, value)
    if reference is not None:
        return [reference]
    version = value.get("version", "*")
    if not isinstance(version, str):
        raise ValueError("`version` must be a string")
    markers = [m for m in (value.get("markers"),) if isinstance(m, str)]
    if isinstance(value.get("python"), str):
        markers.append(poetry_python_marker(value["python"]))
    if isinstance(value.get("platform"), str):
        markers.append(f"sys_platform == '{value['platform']}'")
    text = _pep508(name, poetry_specifier(version), value.get("extras", []), [m for m in markers if m])
    return [Entry(canonicalize_name(name), text, optional=value.get("optional") is True)]


def _pipfile_version(version: str) -> str:
    text = version.strip()
    if text in ("", "*", "==*"):
        return ""
    return text if text[0] in "<>=!~" else f"=={text}"  # a bare version pins it


def pipfile_entry(name: str, value: object) -> Entry:
    """The dependency one ``[packages]`` key declares; ValueError when it is malformed."""
    if isinstance(value, str):
        return Entry(canonicalize_name(name), name + _pipfile_version(value))
    if not isinstance(value, dict):
        raise ValueError("must be a version string or an inline table")
    reference = _reference(name, value)
    if reference is not None:
        return reference
    version = value.get("version", "*")
    if not isinstance(version, str):
        raise ValueError("`version` must be a string")
    markers = [value["markers"]] if isinstance(value.get("markers"), str) else []
    markers += [f"{key} {value[key]}" for key in _MARKER_KEYS if isinstance(value.get(key), str)]
    return Entry(canonicalize_name(name), _pep508(name, _pipfile_version(version), value.get("extras", []), markers))


def key_line(text: str, header: str, key: str) -> int | None:
    """The line of ``key = ...`` inside the TOML table ``header`` (or of its own ``[header.key]`` table)."""
    assignment = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("["):
            inside = stripped == header
            if stripped in (f"{header[:-1]}.{key}]", f'{header[:-1]}."{key}"]'):
                return number
        elif inside and assignment.match(line):
            return number
    return _line_of(text, key)


@dataclass(slots=True)
class _Reader:
    """What one file's tables add, with every entry's file and line."""

    path: str
    text: str
    found: _Collector = field(default_factory=_Collector)

    @property
    def shown(self) -> str:
        return _display(self.path)

    def located(self, line: int | None, label: str) -> tuple[str, str]:
        """``(where, for errors; source, for the lock)``."""
        return _where(self.shown, line), format_source(self.path, line) if line else f"{self.shown} {label}"

    def table(self, header: str, table: object, convert: Callable[[str, object], list[Entry]],
              keep: Callable[[Entry], bool] = lambda entry: True) -> None:
        """Add a table of ``name = spec`` entries (a Pipfile section, a Poetry dependency table)."""
        if not isinstance(table, dict):
            raise InputError(f"{self.shown}: {header} must be a table of `name = version` entries; fix it.")
        for name, value in table.items():
            if header.startswith("[tool.poetry") and canonicalize_name(name) == "python":
                continue  # the project's own Python range, not a package
            where, source = self.located(key_line(self.text, header, name), header)
            try:
                entries = [entry for entry in convert(name, value) if keep(entry)]
            except ValueError as exc:
                example = _POETRY_EXAMPLE if header.startswith("[tool.poetry") else _PIPFILE_EXAMPLE
                raise InputError(f"{where}: {header} {name!r}: {exc}; write it as in {example}.") from None
            for entry in entries:
                self.add(entry.text, where, source, reference=entry.reference)

    def add(self, text: str, where: str, source: str, *, reference: bool = False) -> None:
        read = UncheckedRequirement(text=text, source=source, name=canonicalize_name(text.split("@")[0].strip())) \
            if reference else _read_requirement(text, where, source)
        if isinstance(read, UncheckedRequirement):
            self.found.unchecked.append(read)
        else:
            self.found.requirements.append(InputRequirement(requirement=read, source=source))

    def specifier(self, value: object, header: str, key: str, convert: Callable[[str], str]) -> str:
        where = _where(self.shown, key_line(self.text, header, key))
        try:
            if not isinstance(value, str):
                raise ValueError("it must be a string")
            specifier = convert(value)
            SpecifierSet(specifier)
        except (ValueError, InvalidSpecifier) as exc:
            raise InputError(f"{where}: {header} {key} = {value!r} is not a Python version range ({exc}); "
                             "write it like `3.11` or `>=3.10,<3.13`.") from None
        return specifier


def parse_pipfile(path: str | os.PathLike[str], *, dev: bool = False) -> Inputs:
    """A Pipfile's ``[packages]`` (and ``[dev-packages]`` with ``dev``), its ``[requires]`` Python as
    requires-python and ``[pipenv] allow_prereleases``; git and path entries are kept aside as unchecked."""
    reader = _Reader(os.fspath(path), "")
    reader.text = _read_text(reader.path, f"{reader.shown}: file", "check the path to the Pipfile.")
    data = toml_document(reader.shown, reader.text)
    for section in ("packages", "dev-packages") if dev else ("packages",):
        reader.table(f"[{section}]", data.get(section, {}), lambda name, value: [pipfile_entry(name, value)])
    requires = data.get("requires", {})
    if isinstance(requires, dict):
        if "python_full_version" in requires:
            reader.found.requires_python = reader.specifier(requires["python_full_version"], "[requires]",
                                                            "python_full_version", lambda v: f"=={v}")
        elif "python_version" in requires:  # "3.11": any 3.11.z
            reader.found.requires_python = reader.specifier(requires["python_version"], "[requires]",
                                                            "python_version", lambda v: f"=={v}.*")
    reader.found.requires_python_source = reader.shown if reader.found.requires_python else ""
    pipenv = data.get("pipenv", {})
    reader.found.pre = isinstance(pipenv, dict) and pipenv.get("allow_prereleases") is True
    return reader.found.freeze()


def _poetry(data: dict[str, Any]) -> dict[str, Any]:
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    return poetry if isinstance(poetry, dict) else {}


def poetry_holds_dependencies(data: dict[str, Any]) -> bool:
    """Whether ``[tool.poetry.dependencies]`` is the main list: Poetry 1 (no ``[project]``), or Poetry 2 with
    ``dependencies`` in ``project.dynamic``."""
    if not isinstance(_poetry(data).get("dependencies"), dict):
        return False
    project = data.get("project")
    if not isinstance(project, dict):
        return True
    dynamic = project.get("dynamic", [])
    return isinstance(dynamic, list) and "dependencies" in dynamic


def pyproject_sources(path: str | os.PathLike[str], text: str, data: dict[str, Any], *, project: Inputs | None,
                      poetry_main: bool, extras: Sequence[str], groups: Sequence[str]) -> Inputs:
    """What a pyproject.toml adds to ``project`` (its [project] table as read, if any): Poetry's
    dependencies (the main list with ``poetry_main``, else only entries enriching those [project] lists),
    the requested ``extras`` from ``[tool.poetry.extras]``, the requested dependency ``groups``, and
    ``[tool.uv]`` constraints and overrides."""
    reader = _Reader(os.fspath(path), text)
    poetry = _poetry(data)
    dependencies = poetry.get("dependencies", {})
    header = "[tool.poetry.dependencies]"
    if isinstance(dependencies, dict):
        if "python" in dependencies:
            reader.found.requires_python = reader.specifier(dependencies["python"], header, "python",
                                                            poetry_specifier)
            reader.found.requires_python_source = reader.shown
        if poetry_main:
            optional = _poetry_extras(reader, poetry, extras)
            reader.table(header, dependencies, poetry_entries, lambda e: not e.optional or e.name in optional)
        elif project is not None:
            listed = {canonicalize_name(r.requirement.name) for r in project.requirements}
            reader.table(header, dependencies, poetry_entries, lambda e: e.name in listed)
    for group in groups:
        _add_group(reader, data, poetry, group)
    _uv_settings(reader, data)
    return reader.found.freeze()


def _poetry_extras(reader: _Reader, poetry: dict[str, Any], extras: Sequence[str]) -> set[NormalizedName]:
    """The optional dependencies the requested extras of ``[tool.poetry.extras]`` turn on."""
    table = poetry.get("extras", {})
    table = table if isinstance(table, dict) else {}
    defined = {canonicalize_name(name): (name, names) for name, names in table.items()}
    wanted: set[NormalizedName] = set()
    for extra in extras:
        if canonicalize_name(extra) not in defined:
            available = ", ".join(sorted(name for name, _ in defined.values())) or "none"
            raise InputError(
                f"{_where(reader.shown, _line_of(reader.text, '[tool.poetry.extras]'))}: extra {extra!r} is not "
                f"defined in [tool.poetry.extras] (available: {available}); use one of those or add it."
            )
        name, names = defined[canonicalize_name(extra)]
        wanted |= {canonicalize_name(n) for n in _string_list(names, f"{reader.shown}, [tool.poetry.extras]", name)}
    return wanted


def _add_group(reader: _Reader, data: dict[str, Any], poetry: dict[str, Any], wanted: str) -> None:
    """``--group NAME``: the PEP 735 group and/or Poetry's group of that name (Poetry 2 merges the two)."""
    key = canonicalize_name(wanted)
    pep735 = data.get("dependency-groups", {})
    names = _group_names(reader, pep735) if isinstance(pep735, dict) else {}
    poetry_groups = poetry.get("group", {}) if isinstance(poetry.get("group"), dict) else {}
    legacy = {"dev": poetry["dev-dependencies"]} if isinstance(poetry.get("dev-dependencies"), dict) else {}
    poetry_names = {canonicalize_name(n): n for n in [*poetry_groups, *legacy]}
    if key not in names and key not in poetry_names:
        available = ", ".join(sorted({*names.values(), *poetry_names.values()})) or "none"
        raise InputError(
            f"{reader.shown}: dependency group {wanted!r} is not defined in [dependency-groups] or "
            f"[tool.poetry.group] (available: {available}); use one of those or add it."
        )
    if key in names:
        for item, group in _expand_group(reader, pep735, names, names[key], ()):
            line = _line_of(reader.text, item)
            where, _ = reader.located(line, "[dependency-groups]")
            reader.add(item, where, f"{reader.shown} (group {group})")
    if key in poetry_names:
        name = poetry_names[key]
        if name in legacy:
            reader.table("[tool.poetry.dev-dependencies]", legacy[name], poetry_entries)
        else:
            table = poetry_groups[name].get("dependencies", {}) if isinstance(poetry_groups[name], dict) else None
            reader.table(f"[tool.poetry.group.{name}.dependencies]", table, poetry_entries)


def _group_names(reader: _Reader, table: dict[str, Any]) -> dict[NormalizedName, str]:
    """Normalized group name → the name as written; two names that normalize alike are an error (PEP 735)."""
    names: dict[NormalizedName, str] = {}
    for name in table:
        key = canonicalize_name(name)
        if key in names:
            raise InputError(
                f"{_where(reader.shown, key_line(reader.text, '[dependency-groups]', name))}: dependency groups "
                f"{names[key]!r} and {name!r} have the same normalized name; merge them into one."
            )
        names[key] = name
    return names


def _expand_group(reader: _Reader, table: dict[str, Any], names: dict[NormalizedName, str], name: str,
                  trail: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """The requirement strings of group ``name``, includes expanded in place, each with its own group."""
    where = _where(reader.shown, key_line(reader.text, "[dependency-groups]", name))
    items = table[name]
    if not isinstance(items, list):
        raise InputError(f"{where}: dependency group {name!r} must be a list of requirement strings and "
                         '{include-group = "..."} tables (PEP 735); fix it.')
    for item in items:
        if isinstance(item, str):
            yield item, name
            continue
        included = item.get("include-group") if isinstance(item, dict) and len(item) == 1 else None
        if not isinstance(included, str):
            raise InputError(f"{where}: dependency group {name!r} holds {item!r}, which is neither a requirement "
                             'string nor an {include-group = "..."} table (PEP 735); fix it.')
        if canonicalize_name(included) not in names:
            raise InputError(f"{where}: dependency group {name!r} includes {included!r}, which is not defined in "
                             "[dependency-groups]; define it or remove the include.")
        target = names[canonicalize_name(included)]
        if target in (*trail, name):
            chain = " -> ".join((*trail, name, target))
            raise InputError(f"{where}: dependency group includes form a cycle ({chain}), which PEP 735 forbids; "
                             "remove one of the include-group entries.")
        yield from _expand_group(reader, table, names, target, (*trail, name))


def _uv_settings(reader: _Reader, data: dict[str, Any]) -> None:
    """``[tool.uv] constraint-dependencies`` (constraints) and ``override-dependencies`` (overrides)."""
    tool = data.get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
    if not isinstance(uv, dict):
        return
    for key, bucket in (("constraint-dependencies", reader.found.constraints),
                        ("override-dependencies", reader.found.overrides)):
        for item in _string_list(uv.get(key, []), f"{reader.shown}, [tool.uv]", key):
            where, source = reader.located(_line_of(reader.text, item), "[tool.uv]")
            requirement = _parse_requirement(item, where, constraint=key == "constraint-dependencies")
            bucket.append(InputRequirement(requirement=requirement, source=source))
