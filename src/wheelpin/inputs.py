"""Read the user's requirement inputs: requirements files, command-line strings and pyproject.toml.

Pure: no network and no build backends.  Requirements files follow pip's format: a file pip accepts is
either read the way pip reads it or rejected with a one-paragraph :class:`InputError` naming file and line.
Lines that name no index release (VCS, URL and local path references) are kept aside as ``unchecked``; an
editable install of a directory with a pyproject.toml (``-e .``) stands for that project's dependencies.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from wheelpin._toml import TOMLDecodeError, loads_toml
from wheelpin.errors import InputError

# The same patterns pip uses, so comments, URL fragments and ${VAR}s are read the way pip reads them.
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_OPTION_START_RE = re.compile(r"(?:^|\s)-")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
_SHORT_OPTIONS = {
    "-r": "--requirement", "-c": "--constraint", "-i": "--index-url", "-e": "--editable",
    "-f": "--find-links", "-C": "--config-settings",
}  # fmt: skip
# Options that take a value; every other option is a flag.  Unknown options are ignored like pip-tools do.
_VALUE_OPTIONS = frozenset(
    {
        "--requirement", "--constraint", "--index-url", "--extra-index-url", "--editable", "--find-links",
        "--no-binary", "--only-binary", "--trusted-host", "--use-feature", "--hash", "--global-option",
        "--config-settings", "--install-option",
    }
)  # fmt: skip
_PEP508_HINT = "write it as PEP 508, e.g. `requests>=2.31`"
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRAS_RE = re.compile(r"^(?P<path>.*?)(?P<extras>\[[^\]]*\])?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRequirement:
    """One requirement and where the user wrote it (``"requirements.txt:3"``, ``"command line"``...)."""

    requirement: Requirement
    source: str
    hashes: tuple[str, ...] = ()  # sha256 digests from --hash options on the line, for ``check``


@dataclass(frozen=True, slots=True, kw_only=True)
class UncheckedRequirement:
    """A requirement that names no release on an index — a VCS, URL or local path reference, which the
    installer builds from source or installs from a file — so wheelpin cannot pin or check it."""

    text: str  # as the user wrote it: "-e git+https://git.example/repo.git#egg=repo", "./libs/foo"
    source: str  # "requirements.txt:3"
    name: NormalizedName | None = None  # when the text says it (``name @ URL``, ``#egg=name``, a file name)

    @property
    def is_wheel(self) -> bool:
        """A wheel file from outside the index (nothing is built, but it is no index release either)."""
        return self.text.split(";", 1)[0].split("#", 1)[0].strip().lower().endswith(".whl")

    @property
    def wheel_filename(self) -> str | None:
        """The wheel's file name, when the line is a wheel (its tags say where it installs)."""
        if not self.is_wheel:
            return None
        head = self.text.split(";", 1)[0].split("#", 1)[0].split("?", 1)[0].strip()
        return re.split(r"[/\\]", head.split("@", 1)[-1].strip())[-1]

    @property
    def is_project(self) -> bool:
        """``-e .`` (or ``--editable=.``): the project itself, whose dependencies its pyproject gives."""
        head = re.sub(r"^(-e|--editable)(\s+|=)", "", self.text.strip())
        path = match.group("path") if (match := _EXTRAS_RE.match(head)) else head
        return head != self.text.strip() and path.rstrip("/\\") in ("", ".")

    @property
    def builds_from_source(self) -> bool:
        """Whether installing the line builds something from source (a VCS checkout, a directory, an sdist);
        the project itself (``-e .``) is not counted: building it is the point."""
        return not self.is_wheel and not self.is_project


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """Everything read from the user's inputs; constraints limit versions but never add packages."""

    requirements: tuple[InputRequirement, ...]
    constraints: tuple[InputRequirement, ...]
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    pre: bool = False
    unchecked: tuple[UncheckedRequirement, ...] = ()
    requires_python: str | None = None  # [project].requires-python of a pyproject.toml read (or ``-e .``)
    requires_python_source: str = ""  # the pyproject.toml it came from, as the user named it
    # [tool.uv] override-dependencies: each replaces every requirement on its package, direct or transitive.
    overrides: tuple[InputRequirement, ...] = ()


def format_source(path: str | os.PathLike[str], line: int) -> str:
    """``"requirements.txt:3"``: the path as the user gave it (relative to the cwd when inside it)."""
    return f"{_display(path)}:{line}"


STDIN = "-"  # ``-r -``: the requirements come on standard input, as uv reads it


def _display(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if text == STDIN:
        return "<stdin>"
    if not os.path.isabs(text):
        return os.path.normpath(text)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive on Windows
        return text
    return text if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def _where(shown: str, line: int | None) -> str:
    return shown if line is None else f"{shown}, line {line}"


def _unpinnable(where: str, text: str, what: str, name: str | None = None) -> InputError:
    example = f"`{name}==VERSION`" if name else "`name==version` (e.g. `requests==2.32.3`)"
    return InputError(
        f"{where}: {text!r} is {what}, which wheelpin cannot pin because it resolves only from a package "
        f"index; replace it with {example} for a release published on the index."
    )


def _reference(text: str) -> tuple[str, NormalizedName | None] | None:
    """``(what it is, its project name if the text says)`` for a bare URL or local path; None otherwise."""
    head = text.split(";", 1)[0].strip()
    if _URL_RE.match(text) or text.lower().startswith("file:"):
        return "a direct URL", _name_in(head)
    looks_like_path = head.startswith((".", "/", "~")) or "/" in head or "\\" in head
    if "@" not in head and (looks_like_path or head.lower().endswith(_ARCHIVE_SUFFIXES)):
        return "a local path", _name_in(head)
    return None


def _name_in(reference: str) -> NormalizedName | None:
    """The project a URL or path names: its ``#egg=`` fragment, or its wheel or sdist file name."""
    if egg := _EGG_RE.search(reference):
        return canonicalize_name(egg.group(1))
    filename = re.split(r"[/\\]", reference.split("#", 1)[0].split("?", 1)[0].rstrip("/\\"))[-1]
    try:
        if filename.lower().endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        return parse_sdist_filename(filename)[0]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _parse_pep508(text: str, where: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]  # packaging appends a multi-line caret diagram
        raise InputError(
            f"{where}: {text!r} is not a valid requirement ({reason}); {_PEP508_HINT}."
        ) from None


def _parse_requirement(text: str, where: str, *, constraint: bool = False) -> Requirement:
    """Parse one PEP 508 requirement, rejecting anything that is not a plain name from an index."""
    reference = _reference(text)
    if reference is not None:
        raise _unpinnable(where, text, reference[0], reference[1])
    requirement = _parse_pep508(text, where)
    if requirement.url:
        raise _unpinnable(where, text, "a direct reference", requirement.name)
    return _check_constraint(requirement, text, where) if constraint else requirement


def _read_requirement(text: str, where: str, source: str) -> Requirement | UncheckedRequirement:
    """A plain requirement, or a reference to something off the index kept aside (never sent to the index:
    ``foo @ git+https://...`` must not pin whatever release of ``foo`` the index has)."""
    reference = _reference(text)
    if reference is not None:
        return UncheckedRequirement(text=text, source=source, name=reference[1])
    requirement = _parse_pep508(text, where)
    if requirement.url:
        return UncheckedRequirement(text=text, source=source, name=canonicalize_name(requirement.name))
    return requirement


def _check_constraint(requirement: Requirement, text: str, where: str) -> Requirement:
    if requirement.extras:
        bare = Requirement(text)
        bare.extras = set()
        raise InputError(
            f"{where}: constraint {text!r} names extras, which pip does not allow in constraints either; "
            f"write it as `{bare}` (put the extras on the requirement instead)."
        )
    return requirement


# pip's order (pip._internal.utils.encoding.BOMS): the UTF-32 marks first, since UTF-32-LE's starts with
# UTF-16-LE's.  PowerShell 5's `pip freeze > requirements.txt` writes UTF-16-LE with a BOM, and pip reads it.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)  # fmt: skip


def _read_bytes(path: str) -> bytes:
    if path == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    with open(path, "rb") as handle:
        return handle.read()


def _read_text(path: str, subject: str, hint: str) -> str:
    """Read a file as pip does: the encoding its BOM names (UTF-8, UTF-16, UTF-32), else UTF-8; ``-`` is
    standard input.  ``subject`` names the file in errors, ``hint`` says what to do."""
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise InputError(f"{subject} not found; {hint}") from None
    except OSError as exc:
        raise InputError(f"{subject} cannot be read ({exc.strerror or exc}); {hint}") from None
    return decode_text(data, path)


def decode_text(data: bytes, path: str) -> str:
    """A file's bytes as text the way pip reads a requirements file: the encoding its BOM names (UTF-8,
    UTF-16, UTF-32), else UTF-8.  Every reader of user files uses it, so a lock ``pip freeze`` wrote from
    PowerShell (UTF-16 with a BOM) is read by ``check`` as it is by ``resolve -r``."""
    bom, encoding = next(((b, e) for b, e in _BOMS if data.startswith(b)), (b"", "utf-8"))
    try:
        return data[len(bom):].decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[len(bom): len(bom) + exc.start].decode(encoding, errors="replace")
        raise InputError(
            f"{_display(path)}, line {before.count(chr(10)) + 1}: the file is not valid {encoding.upper()} "
            f"(byte {data[len(bom) + exc.start]:#04x}); save it with UTF-8 encoding."
        ) from None


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join backslash continuations like pip: a comment line ends a continuation instead of extending it."""
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        is_comment = _COMMENT_RE.match(raw) is not None
        if raw.endswith("\\") and not is_comment:
            first = first if pending else number
            pending.append(raw[:-1])
            continue
        line = " " + raw if is_comment else raw  # the space keeps a joined comment recognisable
        if pending:
            line, number, pending = "".join(pending) + line, first, []
        yield number, line
    if pending:
        yield first, "".join(pending)


def _expand_env(line: str, where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:  # pip would keep "${NAME}" literally and fail later in a confusing way
            raise InputError(
                f"{where}: environment variable {match.group(1)} is not set; export it before running "
                "wheelpin or write the value into the file."
            )
        return value

    return _ENV_VAR_RE.sub(substitute, line)


def _options(text: str, where: str) -> Iterator[tuple[str, str]]:
    """Yield ``(long option name, value)`` pairs; flags get an empty value."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InputError(f"{where}: cannot split {text!r} into options ({exc}); check the quoting.") from None
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if not token.startswith("-"):
            continue  # pip ignores stray words on an option line
        if token.startswith("--"):
            name, equals, attached = token.partition("=")
            value: str | None = attached if equals else None
        else:
            name, value = _SHORT_OPTIONS.get(token[:2], token[:2]), token[2:] or None
        if name not in _VALUE_OPTIONS:
            yield name, ""
            continue
        if value is None:
            if position >= len(tokens):
                raise InputError(f"{where}: option {token} needs a value; write it as `{token} VALUE`.")
            value = tokens[position]
            position += 1
        yield name, value


@dataclass(slots=True)
class _Collector:
    requirements: list[InputRequirement] = field(default_factory=list)
    constraints: list[InputRequirement] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    pre: bool = False
    unchecked: list[UncheckedRequirement] = field(default_factory=list)
    requires_python: str | None = None
    requires_python_source: str = ""
    overrides: list[InputRequirement] = field(default_factory=list)
    # False for a lock that `check` reads: a line off the index is refused there, since nothing vouches for it.
    references: bool = True
    # (real path, display path) of the files being read, innermost last, to report -r/-c cycles.
    stack: list[tuple[str, str]] = field(default_factory=list)

    def freeze(self) -> Inputs:
        return Inputs(
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            index_url=self.index_url,
            extra_index_urls=tuple(dict.fromkeys(self.extra_index_urls)),
            pre=self.pre,
            unchecked=tuple(self.unchecked),
            requires_python=self.requires_python,
            requires_python_source=self.requires_python_source,
            overrides=tuple(self.overrides),
        )

    def absorb(self, part: Inputs) -> None:
        """Add ``part`` after what was read so far: a later index URL or requires-python wins."""
        self.requirements += part.requirements
        self.constraints += part.constraints
        self.index_url = part.index_url if part.index_url is not None else self.index_url
        self.extra_index_urls += part.extra_index_urls
        self.pre = self.pre or part.pre
        self.unchecked += part.unchecked
        if part.requires_python is not None:
            self.requires_python, self.requires_python_source = part.requires_python, part.requires_python_source
        self.overrides += part.overrides


def _project_pyproject(value: str, *, editable: bool) -> tuple[str, list[str]] | None:
    """``(pyproject.toml, extras)`` when ``value`` stands for a project whose dependencies can be read
    statically: ``.`` (editable or not, the project itself) or an editable directory with a pyproject.toml.
    Relative to the working directory, as pip and uv read such lines (unlike -r and -c)."""
    match = _EXTRAS_RE.match(value.strip())
    if match is None:
        return None
    path, extras = match["path"].strip(), match["extras"]
    if not (editable or os.path.normpath(path) == ".") or _URL_RE.match(path) or path.startswith("file:"):
        return None
    pyproject = os.path.join(path, "pyproject.toml")
    if not os.path.isfile(pyproject) or not _static_dependencies(pyproject):
        return None  # a setup.py project, or dynamic dependencies: only a build backend could say
    return pyproject, [e.strip() for e in extras[1:-1].split(",") if e.strip()] if extras else []


def _static_dependencies(pyproject: str) -> bool:
    """Whether [project] (or Poetry's table standing in for it) lists the dependencies; a file that does not
    parse counts, so its error is shown."""
    from wheelpin import sources  # sources builds on this module's readers, so it is imported on use

    try:
        data = loads_toml(_read_text(pyproject, pyproject, ""))
    except (InputError, TOMLDecodeError):
        return True
    if sources.poetry_holds_dependencies(data):
        return True
    project = data.get("project")
    dynamic = project.get("dynamic", []) if isinstance(project, dict) else []
    return isinstance(project, dict) and not (isinstance(dynamic, list) and "dependencies" in dynamic)


def _requirement_line(text: str, options: str, where: str, source: str, *, constraint: bool,
                      found: _Collector) -> None:
    strict = constraint or not found.references  # constraints and locks name index releases only
    project = None if strict else _project_pyproject(text, editable=False)
    if project is not None:
        found.absorb(parse_pyproject(project[0], extras=project[1]))
        return
    entry = _parse_requirement(text, where, constraint=constraint) if strict else _read_requirement(text, where,
                                                                                                      source)
    if isinstance(entry, UncheckedRequirement):
        found.unchecked.append(entry)
        return
    # Trailing per-requirement options (--hash, ...) do not affect resolution; check reads the hashes.
    hashes = tuple(value.split(":", 1)[1].lower() for name, value in _options(options, where)
                   if name == "--hash" and value.startswith("sha256:"))
    (found.constraints if constraint else found.requirements).append(
        InputRequirement(requirement=entry, source=source, hashes=hashes))


def _editable(value: str, where: str, source: str, *, constraint: bool, found: _Collector) -> None:
    text = f"-e {value}"
    if constraint or not found.references:
        raise _unpinnable(where, text, "an editable install")
    project = _project_pyproject(value, editable=True)
    if project is None:
        found.unchecked.append(UncheckedRequirement(text=text, source=source, name=_name_in(value)))
    else:
        found.absorb(parse_pyproject(project[0], extras=project[1]))


def _parse_file(path: str, subject: str, hint: str, *, constraint: bool, found: _Collector) -> None:
    text = _read_text(path, subject, hint)
    shown = _display(path)
    found.stack.append((os.path.realpath(path), shown))
    for number, raw in _logical_lines(text):
        line = _COMMENT_RE.sub("", raw).strip()
        if not line:
            continue
        where = f"{shown}, line {number}"
        line = _expand_env(line, where)
        option_start = _OPTION_START_RE.search(line)
        requirement_text = (line[: option_start.start()] if option_start else line).strip()
        source = format_source(path, number)
        if requirement_text:
            options = line[option_start.start():] if option_start else ""
            _requirement_line(requirement_text, options, where, source, constraint=constraint, found=found)
            continue
        for name, value in _options(line, where):
            if name in ("--requirement", "--constraint"):
                # Unlike pip, -r inside a constraints file stays a constraint: it cannot add packages.
                _include(value, path, where, constraint=constraint or name == "--constraint", found=found)
            elif name == "--index-url":
                found.index_url = value
            elif name == "--extra-index-url":
                found.extra_index_urls.append(value)
            elif name == "--pre":
                found.pre = True
            elif name == "--editable":
                _editable(value, where, source, constraint=constraint, found=found)
    found.stack.pop()


def _include(value: str, parent: str, where: str, *, constraint: bool, found: _Collector) -> None:
    if _URL_RE.match(value):
        raise InputError(
            f"{where}: cannot include {value!r} because wheelpin reads only local files and never downloads "
            "requirement files; save a local copy and include that instead."
        )
    path = value if os.path.isabs(value) else os.path.join(os.path.dirname(parent), value)
    real = os.path.realpath(path)
    if any(real == seen for seen, _ in found.stack):
        chain = " -> ".join([shown for _, shown in found.stack] + [_display(path)])
        raise InputError(
            f"{where}: including {value!r} creates a cycle ({chain}); remove one of the -r/-c lines."
        )
    subject = f"{where}: included file {_display(path)}"
    hint = f"check the path (it is relative to the directory of {found.stack[-1][1]})."
    _parse_file(path, subject, hint, constraint=constraint, found=found)


def parse_requirements_file(path: str | os.PathLike[str], *, constraint: bool = False,
                            references: bool = True) -> Inputs:
    """Read a pip requirements file and everything it includes with -r / -c.

    VCS, URL and path lines go to ``unchecked``, and ``-e .`` brings that project's dependencies; with
    ``references=False`` (a lock) they are refused, as in a constraints file.
    """
    found = _Collector(references=references)
    text_path = os.fspath(path)
    _parse_file(
        text_path, f"{_display(text_path)}: file", "check the path.", constraint=constraint, found=found
    )
    return found.freeze()


def parse_requirement_strings(items: Iterable[str], *, source: str = "command line") -> Inputs:
    """Parse requirement strings given directly, e.g. as command-line arguments."""
    found = _Collector()
    for position, item in enumerate(items, start=1):
        where = f"{source}, argument {position}"
        if not item.strip():
            raise InputError(f"{where}: the requirement is empty; {_PEP508_HINT}.")
        entry = _read_requirement(item.strip(), where, source)
        if isinstance(entry, UncheckedRequirement):
            found.unchecked.append(entry)
        else:
            found.requirements.append(InputRequirement(requirement=entry, source=source))
    return found.freeze()


def _line_of(text: str, needle: str) -> int | None:
    """First line mentioning ``needle`` (tomllib keeps no positions); quoted matches are preferred."""
    lines = text.splitlines()
    for candidate in (f'"{needle}"', f"'{needle}'", needle):
        for number, line in enumerate(lines, start=1):
            if candidate in line:
                return number
    return None


def _toml_error(shown: str, text: str, exc: TOMLDecodeError) -> InputError:
    message = str(exc)
    located = re.search(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$", message)
    line = getattr(exc, "lineno", None)
    if located:
        message = message[: located.start()]
        line = line or (int(located.group(1)) if located.group(1) else len(text.splitlines()) or 1)
    return InputError(f"{_where(shown, line)}: not valid TOML ({message}); fix the syntax there and rerun.")


def _string_list(value: object, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{where}: {key} must be a list of requirement strings; {_PEP508_HINT}.")
    return value


def toml_document(shown: str, text: str) -> dict[str, Any]:
    """Parse a TOML file's text; a syntax error names the file and line."""
    try:
        return loads_toml(text)
    except TOMLDecodeError as exc:
        raise _toml_error(shown, text, exc) from None


def _project_table(shown: str, text: str, data: dict[str, Any], extras: Sequence[str], *,
                   poetry: bool) -> dict[str, Any] | None:
    """The ``[project]`` table, refused when the dependencies asked for are dynamic — unless ``poetry``:
    Poetry's tables then hold what [project] leaves out (no [project] at all, or dynamic dependencies)."""
    project = data.get("project")
    if not isinstance(project, dict):
        if poetry:
            return None
        raise InputError(
            f"{shown}: there is no [project] table, so there are no dependencies to read; add one with a "
            "`dependencies` list (PEP 621) or [tool.poetry.dependencies], or pass a requirements file instead."
        )
    for key in ("dependencies", "optional-dependencies"):
        if key in dynamic_keys(project) and (key == "dependencies" or extras) and not poetry:
            raise InputError(
                f"{_where(shown, _line_of(text, 'dynamic'))}: {key} are listed in project.dynamic, and "
                "wheelpin cannot read dynamic dependencies without running a build backend, which it never "
                f"does; list them statically in [project] or pass a requirements file instead."
            )
    return project


def dynamic_keys(project: dict[str, Any]) -> list[str]:
    dynamic = project.get("dynamic", [])
    return dynamic if isinstance(dynamic, list) else []


def parse_pyproject(path: str | os.PathLike[str], *, extras: Sequence[str] = (),
                    groups: Sequence[str] = ()) -> Inputs:
    """Read ``[project].dependencies`` plus the requested ``[project.optional-dependencies]``, or Poetry's
    tables where they hold the dependencies, the requested dependency groups, and ``[tool.uv]``'s
    constraints and overrides (:mod:`wheelpin.sources`)."""
    from wheelpin import sources  # sources builds on this module's readers, so it is imported on use

    shown = _display(path)
    text = _read_text(os.fspath(path), f"{shown}: file", "check the path to pyproject.toml.")
    data = toml_document(shown, text)
    poetry = sources.poetry_holds_dependencies(data)
    project = _project_table(shown, text, data, extras, poetry=poetry)
    # Poetry 1 keeps extras in [tool.poetry.extras]; so does Poetry 2 when optional-dependencies are dynamic.
    poetry_extras = poetry and (project is None or "optional-dependencies" in dynamic_keys(project))
    own = _project_inputs(path, shown, text, project, () if poetry_extras else extras) if project else None
    more = sources.pyproject_sources(path, text, data, project=own, poetry_main=poetry,
                                     extras=extras if poetry_extras else (), groups=groups)
    if own is None:
        return more
    off_index = {item.name for item in more.unchecked if item.name}  # Poetry 2: a git/path source enriches
    kept = tuple(r for r in own.requirements if canonicalize_name(r.requirement.name) not in off_index)
    requires_python = ",".join(p for p in (own.requires_python, more.requires_python) if p) or None
    return merge_inputs([dataclasses.replace(own, requirements=kept), dataclasses.replace(
        more, requires_python=requires_python, requires_python_source=shown if requires_python else "")])


def _project_inputs(path: str | os.PathLike[str], shown: str, text: str, project: dict[str, Any],
                    extras: Sequence[str]) -> Inputs:
    """``[project].dependencies`` plus the requested ``[project.optional-dependencies]``."""
    dependencies = _string_list(project.get("dependencies", []), f"{shown}, [project]", "dependencies")
    optional_table = project.get("optional-dependencies", {})
    if not isinstance(optional_table, dict):
        raise InputError(f"{shown}: [project.optional-dependencies] must be a table of lists; fix it.")
    optional = {canonicalize_name(name): (name, value) for name, value in optional_table.items()}
    own_name = project.get("name")
    own = canonicalize_name(own_name) if isinstance(own_name, str) else None
    requires_python = project.get("requires-python")
    found = _Collector(requires_python=requires_python if isinstance(requires_python, str) else None,
                       requires_python_source=shown)

    def add(items: list[str], source: str, marker: Marker | None, seen: frozenset[str]) -> None:
        for item in items:
            line = _line_of(text, item)
            requirement = _read_requirement(item, _where(shown, line), format_source(path, line) if line else shown)
            if isinstance(requirement, UncheckedRequirement):  # "foo @ git+https://...": PEP 621 allows it
                found.unchecked.append(requirement)
                continue
            if marker is not None:
                combined = f"({requirement.marker}) and ({marker})" if requirement.marker else str(marker)
                requirement.marker = Marker(combined)
            if own is not None and canonicalize_name(requirement.name) == own:
                # "all = ['me[dev,test]']" points back into this file, not at a release on the index.
                for extra in sorted(requirement.extras):
                    if canonicalize_name(extra) not in seen:
                        add(*_extra(extra), requirement.marker, seen | {canonicalize_name(extra)})
                continue
            found.requirements.append(InputRequirement(requirement=requirement, source=source))

    def _extra(extra: str) -> tuple[list[str], str]:
        key = canonicalize_name(extra)
        if key not in optional:
            available = ", ".join(sorted(name for name, _ in optional.values())) or "none"
            raise InputError(
                f"{_where(shown, _line_of(text, 'optional-dependencies'))}: extra {extra!r} is not defined "
                f"in [project.optional-dependencies] (available: {available}); use one of those or add it."
            )
        name, items = optional[key]
        where = f"{shown}, [project.optional-dependencies]"
        return _string_list(items, where, name), f"{shown} (extra {name})"

    add(dependencies, shown, None, frozenset())
    for extra in extras:
        add(*_extra(extra), None, frozenset({canonicalize_name(extra)}))
    return found.freeze()


def merge_inputs(parts: Iterable[Inputs]) -> Inputs:
    """Concatenate in order; the last index URL and requires-python win, extra index URLs are deduplicated,
    ``pre`` is any."""
    found = _Collector()
    for part in parts:
        found.absorb(part)
    return found.freeze()


def load_inputs(
    *,
    requirement_files: Iterable[str | os.PathLike[str]] = (),
    constraint_files: Iterable[str | os.PathLike[str]] = (),
    requirement_args: Iterable[str] = (),
    pyproject: str | os.PathLike[str] | None = None,
    extras: Sequence[str] = (),
    groups: Sequence[str] = (),
    pipfiles: Iterable[str | os.PathLike[str]] = (),
    dev: bool = False,
) -> Inputs:
    """Read every input the user gave, in order, and require at least one requirement."""
    from wheelpin import sources  # sources builds on this module's readers, so it is imported on use

    pipfiles = list(pipfiles)
    for chosen, wanted, what in ((extras, pyproject, "extras"), (groups, pyproject, "dependency groups")):
        if chosen and wanted is None:
            raise InputError(
                f"{what} were requested ({', '.join(chosen)}) but no pyproject.toml was given; pass the "
                f"pyproject.toml that defines them or drop the {what}."
            )
    if dev and not pipfiles:
        raise InputError("--dev adds a Pipfile's [dev-packages], but no Pipfile was given; pass the Pipfile, or "
                         "use --group NAME for a pyproject.toml's dependency group.")
    requirement_files = list(requirement_files)  # read twice: parsed here, named below when they hold nothing
    parts: list[Inputs] = [parse_requirements_file(path) for path in requirement_files]
    parts += [parse_requirements_file(path, constraint=True) for path in constraint_files]
    parts.append(parse_requirement_strings(requirement_args))
    if pyproject is not None:
        parts.append(parse_pyproject(pyproject, extras=extras, groups=groups))
    parts += [sources.parse_pipfile(path, dev=dev) for path in pipfiles]
    merged = merge_inputs(parts)
    if not merged.requirements and merged.unchecked:
        first = merged.unchecked[0]
        raise InputError(
            f"{first.source}: {first.text!r} and every other requirement given names no release on a package "
            "index (VCS, URL or local path references build from source), so there is nothing to pin; give "
            "requirements on the index, e.g. `name==version`, or the project's pyproject.toml."
        )
    if not merged.requirements:
        given = [*requirement_files, *([os.fspath(pyproject)] if pyproject is not None else []), *pipfiles]
        # "pass -r FILE" to someone who did would send them looking for the wrong mistake.
        where = f" ({', '.join(_display(g) for g in given)} holds none)" if given else ""
        raise InputError(
            f"no requirements given{where}: pass -r FILE, a pyproject.toml path, a Pipfile, or requirement arguments"
        )
    return merged


# A positional argument with one of these endings names a file, never a project on the index: a project may
# well be called "requirements.txt" there, and whoever registers it would be installed (dependency confusion).
_REQUIREMENTS_SUFFIXES = (".txt", ".in")
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def _lock_hint(path: str) -> str:
    """What to do with a lock given where requirements are read (resolve, fix, report -r): the commands
    that read locks, and the inputs a lock is made from."""
    return (f"{path}: this is a lock file, not requirements; check it as it is with `wheelpin check {path}`, or "
            f"see which Pythons it installs on with `wheelpin report --lock {path}`; to resolve or fix, pass the "
            "requirements the lock was made from (-r FILE, or the project's pyproject.toml).")


def input_file(item: str, *, positional: bool) -> tuple[str, str] | None:
    """How to read an input naming a file: ``("requirements", path)``, ``("pyproject", path)`` or
    ``("pipfile", path)``; None for a
    positional argument that is a requirement.  A file wheelpin cannot read is an InputError, and a positional
    argument that looks like a file name is never taken for a project name."""
    text = item.strip()
    if positional and _is_reference_requirement(text):
        return None  # "foo @ https://..." or a bare URL: a requirement (kept aside as unchecked)
    head = text.split(";", 1)[0]  # a marker may hold any string
    looks_like_path = "/" in head or "\\" in head or head.startswith(".")
    if positional and looks_like_path and os.path.isdir(text):
        pyproject = os.path.join(text, "pyproject.toml")
        if os.path.isfile(pyproject):
            return "pyproject", pyproject  # "wheelpin resolve ." means this project
        raise InputError(f"{text}: the directory has no pyproject.toml, so there are no dependencies to read; "
                         "pass the project's pyproject.toml or a requirements file with -r FILE.")
    base = os.path.basename(text.rstrip("/\\")).lower()
    if base.endswith(".toml"):
        if base.startswith("pylock."):
            raise InputError(_lock_hint(text))
        return "pyproject", text
    if base == "pipfile":
        return "pipfile", text
    if base.endswith(".lock"):
        raise InputError(_lock_hint(text))
    if not positional or base.endswith(_REQUIREMENTS_SUFFIXES):
        return "requirements", text
    if os.path.isdir(text) and any(os.path.isfile(os.path.join(text, f)) for f in _PROJECT_FILES):
        # pip would take a bare "myapp" for the index's project even with a project directory ./myapp here;
        # pinning whoever registered that name is the very confusion to avoid.
        raise InputError(
            f"{text}: this is both a project directory here and a name that could be looked up on the index; "
            f"write ./{text} to read its pyproject.toml, or add a version specifier (e.g. `{text}>=0`) to mean "
            "the project on the index."
        )
    if looks_like_path or os.path.isfile(text):
        raise InputError(
            f"{text}: {'this is a file' if os.path.exists(text) else 'this looks like a file path'}, not a "
            "requirement, so wheelpin does not look it up on the index; pass a requirements file with -r FILE, "
            "a pyproject.toml (or the directory holding one), or write the requirement as `name==version`."
        )
    _refuse_file_name(text)  # only a bare name: a specifier, extras or marker make it a requirement
    return None


# A bare positional argument that names a file wheelpin reads for something else, or a file of another tool,
# is refused before any index request: `resolve Dockerfile` pinned the index's "dockerfile" project before.
# Deploy files give the target (`wheelpin target`, --project DIR), never requirements.
_DEPLOY_FILES = ("dockerfile", "containerfile", "render.yaml", "app.yaml", "app.json", "template.yaml",
                 "serverless.yml", "heroku.yml")
_OTHER_FILES = {
    "environment.yml": "a conda environment file is not one wheelpin reads: put its pip requirements in a "
                       "requirements file and pass that with -r FILE",
    "setup.py": "a setup.py is not one wheelpin runs: pass the project's pyproject.toml, or its requirements "
                "with -r FILE",
    **dict.fromkeys(("procfile", "makefile", "gnumakefile", "justfile", "vagrantfile", "jenkinsfile",
                     "docker-compose.yml", "compose.yml", "tox.ini", "setup.cfg", "manage.py", "noxfile.py"), ""),
}
# Endings no project name is plausibly given with as a requirement (.txt, .in, .toml and .lock are read or
# refused above)...
_FILE_ENDINGS = (".yml", ".json", ".cfg", ".ini", ".sh", ".env")
# ...and endings some real projects do have: such a name is a project only when it is one of these known
# projects (compared as canonical names), else it is refused as a likely file, naming `NAME>=0` as the way to
# mean the project on the index.  A refusal costs the user ">=0"; a wrong guess would install whoever
# registered "environment-yaml".
_AMBIGUOUS_ENDINGS = (".yaml", ".py")
_DOTTED_PROJECTS = frozenset({"ruamel-yaml", "discord-py"})
_BARE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _refuse_file_name(text: str) -> None:
    """Raise for a bare name (no specifier, extras or marker) that names a file rather than a project."""
    if not _BARE_NAME_RE.match(text):
        return  # "dockerfile==3.4.0" or "ruamel.yaml>=0.18" is a requirement, as written
    what = _file_kind(text)
    if what is not None:
        raise InputError(
            f"{text}: there is no such file here, and {what}. wheelpin never looks a file name up on the index "
            f"(whoever registered the name would be installed); write `{text}>=0` to mean the project of that name."
        )


def _file_kind(name: str) -> str | None:
    """What kind of file ``name`` names, or None when it is taken for a project name."""
    base = name.lower()
    yml = base.removesuffix(".yaml") + ".yml" if base.endswith(".yaml") else base  # the two spellings
    if base in _DEPLOY_FILES or base.startswith(("dockerfile.", "containerfile.")) or base.endswith(".dockerfile"):
        return ("a deploy file gives the target, not requirements: `wheelpin target DIR` shows what it says, "
                "--project DIR has resolve, report and check read it, and requirements go in with -r FILE")
    if yml in _OTHER_FILES:
        return _OTHER_FILES[yml] or f"{name} is a file of another tool: pass requirements with -r FILE"
    ending = os.path.splitext(base)[1]
    if ending in _FILE_ENDINGS or (ending in _AMBIGUOUS_ENDINGS and canonicalize_name(name) not in _DOTTED_PROJECTS):
        return f"a {ending} name is a file's, not a project's: pass requirements with -r FILE"
    return None


def _is_reference_requirement(text: str) -> bool:
    if _URL_RE.match(text) or text.lower().startswith("file:"):
        return True
    try:
        return "@" in text and Requirement(text).url is not None
    except InvalidRequirement:
        return False
