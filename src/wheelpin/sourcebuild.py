"""What building an sdist would take, read from its files alone: nothing in the archive is ever run.  [pure]

The index layer streams an sdist (``wheelpin.index.sdist_probe``) into an :class:`SdistContents` — the
top-level build configuration files, and the paths of the members that say "this compiles something" — and
asks :func:`settled` after each such member whether reading on could still change the verdict.
:func:`classify` turns what was read into a :class:`~wheelpin.models.SourceBuild` with its evidence.

The kinds rank rust > fortran > c++ > c > pure: a project with a Rust core and C helpers needs cargo whatever
else it needs, and the report names the most demanding toolchain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wheelpin._toml import loads_toml
from wheelpin.models import BuildKind, SourceBuild

# Read whole when they sit at the sdist's top: the build configuration.  Nested ones only count as paths.
CONFIG_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "Cargo.toml")
# A config file bigger than this is no config file anyone wrote by hand; its path still counts.
MAX_CONFIG_BYTES = 1024 * 1024
CARGO_EVIDENCE = " in the sdist"
RANK = (BuildKind.UNKNOWN, BuildKind.PURE, BuildKind.C, BuildKind.CXX, BuildKind.FORTRAN, BuildKind.RUST)

SOURCE_SUFFIXES = {
    ".c": BuildKind.C, ".pyx": BuildKind.C,
    ".cpp": BuildKind.CXX, ".cc": BuildKind.CXX, ".cxx": BuildKind.CXX, ".c++": BuildKind.CXX,
    ".f": BuildKind.FORTRAN, ".f90": BuildKind.FORTRAN, ".f95": BuildKind.FORTRAN, ".f03": BuildKind.FORTRAN,
    ".f08": BuildKind.FORTRAN, ".for": BuildKind.FORTRAN,
}
# Directories whose sources are test fixtures, documentation or benchmarks rather than the package's own
# extensions: a pure package that ships a C snippet in its docs builds anywhere.
NOT_BUILT = {"test", "tests", "testing", "doc", "docs", "example", "examples", "bench", "benchmarks"}

BUILD_REQUIRES = {
    "maturin": BuildKind.RUST, "setuptools-rust": BuildKind.RUST,
    "pybind11": BuildKind.CXX, "nanobind": BuildKind.CXX,
    "cython": BuildKind.C, "cffi": BuildKind.C, "scikit-build-core": BuildKind.C, "scikit-build": BuildKind.C,
    "meson-python": BuildKind.C, "cmake": BuildKind.C, "oldest-supported-numpy": BuildKind.C,
}
BACKENDS = {"maturin": BuildKind.RUST, "scikit_build_core.build": BuildKind.C, "mesonpy": BuildKind.C}
# Backends that build pure-Python wheels unless something tells them to compile (setuptools may, via setup.py).
PURE_BACKENDS = {
    "setuptools.build_meta", "setuptools.build_meta:__legacy__", "flit_core.buildapi", "flit.buildapi",
    "hatchling.build", "poetry.core.masonry.api", "poetry.masonry.api", "pdm.backend", "pdm.pep517.api",
    "uv_build", "whey", "sipbuild.api",
}
SETUPTOOLS = ("setuptools.build_meta", "setuptools.build_meta:__legacy__")
SETUP_PY_SIGNS = (
    (re.compile(rb"setuptools_rust|RustExtension"), BuildKind.RUST, "setup.py uses setuptools_rust"),
    (re.compile(rb"\bext_modules\b|\bExtension\s*\("), BuildKind.C, "setup.py declares ext_modules"),
    (re.compile(rb"\bcffi_modules\b"), BuildKind.C, "setup.py declares cffi_modules"),
    (re.compile(rb"\bcythonize\s*\("), BuildKind.C, "setup.py calls cythonize"),
)


@dataclass
class SdistContents:
    """What has been read of an sdist so far; paths are relative to its top directory."""

    files: dict[str, bytes] = field(default_factory=dict)  # top-level CONFIG_FILES, whole
    sources: list[str] = field(default_factory=list)  # members that compile: extension sources, Cargo.toml
    members: int = 0
    complete: bool = False  # every member was seen
    problem: str = ""  # why reading stopped short, or why nothing could be read

    def add(self, path: str, data: bytes | None = None) -> bool:
        """Note a member (``data`` for a top-level config file); True when it may change the verdict."""
        self.members += 1
        noteworthy = False
        if data is not None and path in CONFIG_FILES:
            self.files[path] = data
            noteworthy = True
        if compiles(path):
            self.sources.append(path)
            noteworthy = True
        return noteworthy


def wants_content(path: str, size: int) -> bool:
    """Whether the streamer should read this member's bytes (a top-level config file of sane size)."""
    return path in CONFIG_FILES and size <= MAX_CONFIG_BYTES


def compiles(path: str) -> bool:
    """An extension source or a Cargo.toml outside tests, docs and examples."""
    pure = PurePosixPath(path)
    if any(part.lower() in NOT_BUILT for part in pure.parts[:-1]):
        return False
    return pure.name == "Cargo.toml" or pure.suffix.lower() in SOURCE_SUFFIXES


def settled(contents: SdistContents) -> bool:
    """Whether reading more members could no longer change :func:`classify`'s kind, within reason.

    Rust is the top of the ranking, so its first sign settles it; a Cargo.toml only once pyproject.toml has
    been read too, whose build-system says more (maturin) than the crate's presence.  Otherwise the build
    configuration must have been read (pyproject.toml, and setup.py too when setuptools builds) and an
    extension source seen: a Rust build would have said so in that configuration, and the exact mix of C, C++
    and Fortran among the remaining sources matters less than not downloading a 20 MB archive whole.
    """
    pyproject = _pyproject(contents)
    rust = [why for kind, why in _findings(contents) if kind is BuildKind.RUST]
    if rust and (pyproject is not None or not rust[0].endswith(CARGO_EVIDENCE)):
        return True
    if pyproject is None:
        return False
    if _backend(pyproject) in SETUPTOOLS and "setup.py" not in contents.files:
        return False
    return bool(contents.sources)


def classify(contents: SdistContents) -> SourceBuild:
    findings = _findings(contents)
    if findings:
        kind = max((k for k, _ in findings), key=RANK.index)
        return SourceBuild(kind=kind, evidence=next(e for k, e in findings if k is kind))
    if not contents.complete:
        return SourceBuild(kind=BuildKind.UNKNOWN, evidence=contents.problem or "the sdist was not read to its end")
    pyproject = _pyproject(contents)
    backend = _backend(pyproject) if pyproject is not None else None
    if backend is not None and backend not in PURE_BACKENDS:
        return SourceBuild(kind=BuildKind.UNKNOWN, evidence=f"build-backend {backend}, which wheelpin does not know")
    if backend is None and "setup.py" not in contents.files and "pyproject.toml" not in contents.files:
        return SourceBuild(kind=BuildKind.UNKNOWN, evidence="no pyproject.toml or setup.py at the sdist's top")
    how = f"build-backend {backend}" if backend else "setup.py"
    return SourceBuild(kind=BuildKind.PURE, evidence=f"{how}, no extension sources")


def _findings(contents: SdistContents) -> list[tuple[BuildKind, str]]:
    """Every sign of a compiled build, in the order a reader would look: build-system, setup.py, sources."""
    found: list[tuple[BuildKind, str]] = []
    pyproject = _pyproject(contents)
    if pyproject is not None:
        found += _pyproject_findings(pyproject)
    setup_py = contents.files.get("setup.py")
    if setup_py is not None:
        found += [(kind, why) for pattern, kind, why in SETUP_PY_SIGNS if pattern.search(setup_py)]
    cargo = [p for p in contents.sources if PurePosixPath(p).name == "Cargo.toml"]
    if cargo:
        found.append((BuildKind.RUST, f"{cargo[0]}{CARGO_EVIDENCE}"))
    by_kind: dict[BuildKind, list[str]] = {}
    for path in contents.sources:
        kind = SOURCE_SUFFIXES.get(PurePosixPath(path).suffix.lower())
        if kind is not None:
            by_kind.setdefault(kind, []).append(path)
    for kind, paths in by_kind.items():
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        found.append((kind, f"extension sources ({paths[0]}{more})"))
    return found


def _pyproject_findings(pyproject: dict[str, Any]) -> list[tuple[BuildKind, str]]:
    found: list[tuple[BuildKind, str]] = []
    system = pyproject.get("build-system")
    requires = system.get("requires", []) if isinstance(system, dict) else []
    for text in requires if isinstance(requires, list) else []:
        try:
            name = canonicalize_name(Requirement(str(text)).name)
        except InvalidRequirement:
            continue
        if name in BUILD_REQUIRES:
            found.append((BUILD_REQUIRES[name], f"{text} in build-system.requires"))
    backend = _backend(pyproject)
    if backend in BACKENDS:
        found.append((BACKENDS[backend], f"build-backend {backend}"))
    tool = pyproject.get("tool")
    if isinstance(tool, dict):
        for section in ("maturin", "setuptools-rust"):
            if section in tool:
                found.append((BuildKind.RUST, f"[tool.{section}] in pyproject.toml"))
    return found


def _pyproject(contents: SdistContents) -> dict[str, Any] | None:
    raw = contents.files.get("pyproject.toml")
    if raw is None:
        return None
    try:
        return loads_toml(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}


def _backend(pyproject: dict[str, Any]) -> str | None:
    """The build backend, PEP 517's default (setuptools' legacy one) when pyproject.toml names none."""
    system = pyproject.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    return str(backend) if backend else "setuptools.build_meta:__legacy__"
