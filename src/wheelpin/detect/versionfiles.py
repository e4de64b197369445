"""The version files (runtime.txt, .python-version, .tool-versions) and the files that bound the Pythons a
project supports (pyproject.toml's requires-python, a Pipfile's [requires]).  [pure: reads files]

Formats, per the tools that read them (docs/targets.md, "Where the target is read from"): Heroku's runtime.txt
holds ``python-3.X.Y``; a .python-version holds ``3.X`` or ``3.X.Y`` on its first line that is not a comment
(pyenv, uv and Heroku read it); asdf's .tool-versions has ``python 3.X.Y [fallbacks…]`` lines, ``#`` comments.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from wheelpin.detect.sources import VERSION_RE, Finding, Findings, read_text, shown
from wheelpin.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Versions other tools accept in these files but that name no CPython wheelpin can lock for: PyPy, GraalPy,
# the system interpreter, a free-threaded build, a virtualenv name.  They are skipped with a warning.
# Anything version-like that is no plain release (3.13t, 3.14.0rc1, 3) is one of those too.
_OTHER_PYTHON_RE = re.compile(r"(pypy|graalpy|system|(cpython-)?\d+(\.\d+)*\S*|.*/).*", re.IGNORECASE)
_PREFIX_RE = re.compile(r"^(?:cpython-|cpython@|python-)", re.IGNORECASE)


def version_files(project: Path) -> Findings:
    """Each version file's Python, in Heroku's order (runtime.txt first, then .python-version), then asdf's."""
    found = Findings()
    for name, reader in (("runtime.txt", _runtime_txt), (".python-version", _python_version),
                         (".tool-versions", _tool_versions)):
        text = read_text(project / name, shown(project, project / name))
        if text is not None:
            found.extend(reader(shown(project, project / name), text))
    return found


def _runtime_txt(name: str, text: str) -> Findings:
    for number, line in _lines(text):
        match = re.fullmatch(r"python-(" + VERSION_RE.pattern + ")", line)
        if match is None:
            raise InputError(f"{name}, line {number}: {line!r} is not a Python version as runtime.txt spells it; "
                             "write python-3.X.Y (e.g. python-3.12.8), or move to a .python-version file.")
        return Findings(pythons=[Finding(value=match[1], file=name, line=number, text=line)])
    return Findings()


def _python_version(name: str, text: str) -> Findings:
    for number, line in _lines(text):
        return _version_value(name, number, line, line)
    return Findings()


def _tool_versions(name: str, text: str) -> Findings:
    for number, line in _lines(text):
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == "python":
            # asdf tries the versions in order; the first is the one a deploy installs.
            return _version_value(name, number, words[1], line)
    return Findings()


def _version_value(name: str, number: int, value: str, line: str) -> Findings:
    bare = _PREFIX_RE.sub("", value)
    if VERSION_RE.fullmatch(bare):
        return Findings(pythons=[Finding(value=bare, file=name, line=number, text=line)])
    if _OTHER_PYTHON_RE.fullmatch(value):
        return Findings(warnings=[f"{name}:{number}: {value!r} is not a CPython release wheelpin can lock for "
                                  "(PyPy, free-threaded builds, pre-releases and the system Python are not "
                                  "supported); ignored"])
    raise InputError(f"{name}, line {number}: {value!r} is not a Python version; write 3.X or 3.X.Y (e.g. 3.12), "
                     "the form pyenv, uv and Heroku read.")


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines that are not comments, stripped, with their numbers."""
    return [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)
            if line.strip() and not line.strip().startswith("#")]


def python_bounds(project: Path) -> list[Finding]:
    """The Pythons the project says it supports: pyproject.toml's requires-python, a Pipfile's
    [requires] python_version (read as a lower bound: a Pipfile names one version and cannot say more)."""
    bounds: list[Finding] = []
    pyproject = _toml(project, "pyproject.toml")
    if pyproject is not None:
        table, text, name = pyproject
        project_table = table.get("project")
        value = project_table.get("requires-python") if isinstance(project_table, dict) else None
        if isinstance(value, str):
            bounds.append(_bound(name, text, "requires-python", value, value))
    pipfile = _toml(project, "Pipfile")
    if pipfile is not None:
        table, text, name = pipfile
        requires = table.get("requires")
        for key in ("python_full_version", "python_version"):
            value = requires.get(key) if isinstance(requires, dict) else None
            if isinstance(value, str):
                bounds.append(_bound(name, text, key, f">={value}", value))
                break
    return bounds


def _toml(project: Path, filename: str) -> tuple[dict[str, Any], str, str] | None:
    name = shown(project, project / filename)
    text = read_text(project / filename, name)
    if text is None:
        return None
    try:
        return tomllib.loads(text), text, name
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or 1
        raise InputError(f"{name}, line {line}: not valid TOML ({str(exc).split(' (at ')[0]}); fix the syntax "
                         "there and rerun.") from None


def _bound(name: str, text: str, key: str, specifier: str, written: str) -> Finding:
    line = next((n for n, row in enumerate(text.split("\n"), start=1) if row.strip().startswith(key)), 1)
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        raise InputError(f"{name}, line {line}: {key} = {written!r} is not a version specifier; write e.g. "
                         f"{key} = \">=3.10\".") from None
    return Finding(value=specifier, file=name, line=line, text=f"{key} = {written!r}")
