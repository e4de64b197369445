"""Cross-checking wheelpin against ``uv pip compile``.  [runs a subprocess]

uv resolves for a foreign target with ``--python-version`` and ``--python-platform``; with
``--only-binary :all:`` it, too, may pick only versions that ship a wheel for that target, so on the same
index the two resolvers should agree on whether a solution exists and (both preferring the newest versions)
usually on the pins.  Nothing here prints; nothing here ever builds a package: uv is told to refuse sdists.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin.errors import InputError
from wheelpin.platforms import parse_platform
from wheelpin.pythons import find_uv

DEFAULT_TIMEOUT = 600.0

# uv's exit status when the requirements have no solution (other failures exit 2).
UV_NO_SOLUTION = 1

# glibc minors uv names as ``<arch>-manylinux_2_<minor>`` targets (plus ``<arch>-manylinux2014`` for 2.17).
_UV_MANYLINUX_MINORS = frozenset({17, 28, *range(31, 41)})
_UV_MANYLINUX_ARCHES = frozenset({"x86_64", "aarch64"})
_UV_MUSL_ARCHES = frozenset({"x86_64", "aarch64"})
_UV_MAC_ARCHES = {"arm64": "aarch64", "x86_64": "x86_64"}
_UV_WINDOWS = {"win_amd64": "x86_64-pc-windows-msvc", "win32": "i686-pc-windows-msvc",
               "win_arm64": "aarch64-pc-windows-msvc"}

# ``name==version`` or ``name[extra]==version``, optionally followed by a marker, a hash or a continuation.
_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;\\#]+)")


class UnsupportedPlatform(InputError):
    """A wheel platform tag that uv's ``--python-platform`` cannot express exactly."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UvResult:
    """What ``uv pip compile`` answered.

    ``ok`` is True when uv wrote a resolution; ``returncode`` tells a resolution failure (1) from other
    errors (2, or negative when uv could not be run / timed out); ``pins`` maps canonical names to versions.
    """

    ok: bool
    pins: dict[str, str] = field(default_factory=dict)
    stderr: str = ""
    returncode: int = 0
    seconds: float = 0.0

    @property
    def no_solution(self) -> bool:
        """uv ran and found the requirements unsatisfiable (as opposed to crashing or timing out)."""
        return not self.ok and self.returncode == UV_NO_SOLUTION


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """wheelpin's pins against uv's.  ``agree``: both found no solution, or both found the same pins."""

    agree: bool
    wheelpin_ok: bool
    uv_ok: bool
    only_wheelpin: dict[str, str] = field(default_factory=dict)
    only_uv: dict[str, str] = field(default_factory=dict)
    different: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (wheelpin's, uv's)

    def describe(self) -> str:
        """One line: what differs (empty when the two agree)."""
        if self.agree:
            return ""
        if self.wheelpin_ok != self.uv_ok:
            who = "uv" if self.wheelpin_ok else "wheelpin"
            return f"only {who} found no solution"
        parts = [f"{name}: wheelpin {wp} / uv {uv}" for name, (wp, uv) in sorted(self.different.items())]
        parts += [f"{name}=={v} only in wheelpin's" for name, v in sorted(self.only_wheelpin.items())]
        parts += [f"{name}=={v} only in uv's" for name, v in sorted(self.only_uv.items())]
        return "; ".join(parts)


# -- platform mapping ------------------------------------------------------------------------------------
def uv_platform(platform_tag: str) -> str:
    """A wheel platform tag (or a wheelpin preset) → the ``--python-platform`` value uv accepts for it.

    Only exact equivalents are returned: uv's ``*-unknown-linux-musl`` targets mean musl 1.2, its
    ``*-apple-darwin`` targets take the macOS version from ``MACOSX_DEPLOYMENT_TARGET`` (see
    :func:`uv_platform_env`).  Anything else raises :class:`UnsupportedPlatform`.
    """
    platform = parse_platform(platform_tag)  # normalises presets and legacy manylinux aliases
    arch, version = platform.arch, platform.version or (0, 0)
    if platform.family == "manylinux":
        if arch in _UV_MANYLINUX_ARCHES and version[1] in _UV_MANYLINUX_MINORS:
            if platform_tag.strip().lower().startswith("manylinux2014"):
                return f"{arch}-manylinux2014"
            return f"{arch}-manylinux_2_{version[1]}"
        raise _unsupported(platform_tag, "uv targets manylinux_2_17, 2_28 and 2_31 to 2_40, on x86_64 and "
                                         "aarch64 only")
    if platform.family == "musllinux":
        if version == (1, 2) and arch in _UV_MUSL_ARCHES:
            return f"{arch}-unknown-linux-musl"
        raise _unsupported(platform_tag, "uv's musl targets are musllinux_1_2 on x86_64 and aarch64 only")
    if platform.family == "macosx":
        if arch in _UV_MAC_ARCHES:
            return f"{_UV_MAC_ARCHES[arch]}-apple-darwin"
        raise _unsupported(platform_tag, "uv's macOS targets are arm64 and x86_64 only")
    if platform.tag in _UV_WINDOWS:
        return _UV_WINDOWS[platform.tag]
    raise _unsupported(platform_tag, "no uv target matches it")


def uv_platform_env(platform_tag: str) -> dict[str, str]:
    """Environment variables uv needs to target ``platform_tag`` exactly (the macOS version, if any)."""
    platform = parse_platform(platform_tag)
    if platform.family == "macosx" and platform.version is not None:
        return {"MACOSX_DEPLOYMENT_TARGET": f"{platform.version[0]}.{platform.version[1]}"}
    return {}


def _unsupported(platform_tag: str, why: str) -> UnsupportedPlatform:
    return UnsupportedPlatform(
        f"uv's --python-platform cannot express {platform_tag!r} ({why}): cross-check with a tag such as "
        "manylinux_2_28_x86_64, manylinux2014_aarch64, musllinux_1_2_x86_64, macosx_11_0_arm64 or win_amd64."
    )


# -- running uv -----------------------------------------------------------------------------------------
def uv_command(uv: str, requirement_files: Sequence[Path], *, python: str, platform_tag: str,
               index_url: str | None, output_file: Path, extra_args: Sequence[str] = ()) -> list[str]:
    """The ``uv pip compile`` command line for a wheels-only resolution of the files for the target."""
    command = [uv, "pip", "compile", *(str(f) for f in requirement_files),
               "--only-binary", ":all:",
               "--python-version", python,
               "--python-platform", uv_platform(platform_tag),
               "--no-header", "--no-annotate", "-q",
               "--output-file", str(output_file)]
    if index_url:
        command += ["--index-url", index_url]
    return command + list(extra_args)


def uv_compile(requirement_files: Sequence[Path], *, python: str, platform_tag: str, index_url: str | None,
               extra_args: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT, uv: str | None = None,
               env: Mapping[str, str] | None = None) -> UvResult:
    """Resolve ``requirement_files`` with ``uv pip compile`` for CPython ``python`` on ``platform_tag``.

    uv may use only wheels (``--only-binary :all:``) and never downloads an interpreter.  A missing uv
    binary, a timeout or a crash come back as ``ok=False`` with a negative or non-1 ``returncode``.
    """
    executable = uv or find_uv()
    if executable is None:
        return UvResult(ok=False, stderr="uv not found next to the interpreter nor on PATH", returncode=-1)
    run_env = {**(os.environ if env is None else env), "UV_PYTHON_DOWNLOADS": "never",
               **uv_platform_env(platform_tag)}
    with tempfile.TemporaryDirectory(prefix="wheelpin-uv-") as tmp:
        output = Path(tmp) / "uv-lock.txt"
        command = uv_command(executable, requirement_files, python=python, platform_tag=platform_tag,
                             index_url=index_url, output_file=output, extra_args=extra_args)
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=run_env,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
            return UvResult(ok=False, stderr=f"uv timed out after {timeout:.0f}s\n{stderr or ''}",
                            returncode=-2, seconds=time.perf_counter() - start)
        except OSError as exc:
            return UvResult(ok=False, stderr=f"could not run {executable}: {exc}", returncode=-1)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            return UvResult(ok=False, stderr=proc.stderr, returncode=proc.returncode, seconds=seconds)
        text = output.read_text(encoding="utf-8") if output.is_file() else proc.stdout
    return UvResult(ok=True, pins=parse_pins(text), stderr=proc.stderr, returncode=0, seconds=seconds)


# -- parsing and comparing ------------------------------------------------------------------------------
def parse_pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a requirements/lock file → {canonical name: version}.

    Comments, blank lines, option lines (``--hash``, ``--index-url``), hash continuation lines and
    anything without an exact pin are skipped; extras and environment markers are dropped.
    """
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        m = _PIN_RE.match(line)
        if m:
            pins[canonicalize_name(m[1])] = m[2]
    return pins


def compare(wheelpin_pins: Mapping[str, str] | None, uv: UvResult) -> Comparison:
    """Compare wheelpin's pins (None: it found no solution) with uv's answer."""
    wheelpin_ok = wheelpin_pins is not None
    if wheelpin_pins is None or not uv.ok:
        return Comparison(agree=not wheelpin_ok and not uv.ok, wheelpin_ok=wheelpin_ok, uv_ok=uv.ok)
    ours: dict[str, str] = {canonicalize_name(k): v for k, v in wheelpin_pins.items()}
    theirs: dict[str, str] = {canonicalize_name(k): v for k, v in uv.pins.items()}
    only_wheelpin = {k: v for k, v in ours.items() if k not in theirs}
    only_uv = {k: v for k, v in theirs.items() if k not in ours}
    different = {k: (ours[k], theirs[k]) for k in sorted(ours.keys() & theirs.keys())
                 if not _same(ours[k], theirs[k])}
    return Comparison(agree=not (only_wheelpin or only_uv or different), wheelpin_ok=True, uv_ok=True,
                      only_wheelpin=only_wheelpin, only_uv=only_uv, different=different)


def _same(a: str, b: str) -> bool:
    """Versions equal under PEP 440 normalisation ('1.0' == '1.0.0'); plain string equality otherwise."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b
