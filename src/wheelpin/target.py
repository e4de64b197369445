"""Target: the interpreter and platform a lock is made for → ranked wheel tags and a marker environment.

[pure] Nothing here looks at the running interpreter: a lock for CPython 3.14 on musllinux can be made from
CPython 3.11 on macOS.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.version import Version

from wheelpin.errors import InputError
from wheelpin.platforms import Platform
from wheelpin.presets import platform_for

# Oldest CPython whose wheels we know how to tag; anything older is refused with a clear message.
OLDEST_SUPPORTED = (3, 7)
# The first CPython with a free-threaded build (PEP 703: an experimental build option from 3.13).
FIRST_FREETHREADED = 13

# 3.13, 3.13.9, cpython-3.13, cp313; a trailing t (3.13t, 3.13.9t, cp313t) is the free-threaded build, as
# uv, pyenv and the wheel ABI tag spell it.
_PYTHON_RE = re.compile(r"^(?:cpython-?|python-?)?(\d+)\.(\d+)(?:\.(\d+))?(t?)$|^cp(3)(\d+)(t?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A CPython version and a platform.

    ``patch`` is None when the user gave only ``3.11``; requires-python and ``python_full_version`` are then
    evaluated for ``3.11.0``, as uv does.  ``freethreaded`` is the PEP 703 build (``3.13t``): its wheels carry
    the ``cp313t`` ABI and it loads no ``abi3`` extension; its marker environment is the GIL build's, since no
    standard marker tells the two apart (PEP 780's ``sys_abi_features`` is a draft; uv reads it only as a
    preview feature and packaging not at all).
    """

    major: int
    minor: int
    patch: int | None
    platform: Platform
    freethreaded: bool = False

    @property
    def python(self) -> str:
        """The Python as a user writes it: 3.13, 3.13.9, 3.13t, 3.13.9t (a report row, a lock's {python})."""
        number = self.python_version if self.patch is None else self.python_full_version
        return f"{number}t" if self.freethreaded else number

    @property
    def abi(self) -> str:
        """The wheel ABI tag of this interpreter: cp313, or cp313t for the free-threaded build."""
        return f"cp{self.major}{self.minor}{'t' if self.freethreaded else ''}"

    @property
    def interpreter(self) -> str:
        """CPython 3.13, or CPython 3.13t (free-threaded)."""
        return f"CPython {self.python_version}t (free-threaded)" if self.freethreaded else \
            f"CPython {self.python_version}"

    @property
    def python_version(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def python_full_version(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch or 0}"

    @property
    def version(self) -> Version:
        return Version(self.python_full_version)

    def __hash__(self) -> int:
        # Cheap, as Platform's: targets key lru caches consulted for every file of every judged release.
        return hash((self.major, self.minor, self.patch, self.freethreaded, self.platform.tag))

    def __str__(self) -> str:
        return f"{self.interpreter} on {self.platform.tag}"

    def admits(self, requires_python: str | None) -> bool:
        """Whether a requires-python specifier admits this target's interpreter."""
        return not requires_python or _admits(self, requires_python)

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker values an installer on this target would see."""
        return {
            "implementation_name": "cpython",
            "implementation_version": self.python_full_version,
            "os_name": self.platform.os_name,
            "platform_machine": self.platform.platform_machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": self.platform.platform_system,
            "platform_version": "",
            "python_full_version": self.python_full_version,
            "python_version": self.python_version,
            "sys_platform": self.platform.sys_platform,
        }

    def tag_ranks(self) -> dict[Tag, int]:
        """Every wheel tag this target accepts, mapped to its rank (0 is the best)."""
        return _tag_ranks(self)


def parse_python(text: str) -> tuple[int, int, int | None]:
    """'3.11' → (3, 11, None); '3.11.9' → (3, 11, 9); anything else is an InputError.  A free-threaded
    spelling (3.13t) gives its version; ``is_freethreaded`` tells the build."""
    m = _PYTHON_RE.match(text.strip())
    if not m:
        raise InputError(
            f"--python {text!r} is not a CPython version: give a version like 3.11, 3.11.9 or 3.13t "
            "(free-threaded); a list or range like 3.10-3.13 is accepted by the report command."
        )
    if m[5]:  # the wheel-tag spelling: cp311, cp313t
        major, minor, patch = int(m[5]), int(m[6]), None
    else:
        major, minor, patch = int(m[1]), int(m[2]), int(m[3]) if m[3] is not None else None
    if (major, minor) < OLDEST_SUPPORTED or major != 3:
        raise InputError(
            f"--python {text}: wheelpin supports CPython 3.{OLDEST_SUPPORTED[1]} and newer; "
            "pick a supported version such as 3.11."
        )
    if is_freethreaded(text) and minor < FIRST_FREETHREADED:
        raise InputError(
            f"--python {text}: CPython has a free-threaded build from 3.{FIRST_FREETHREADED} on (PEP 703); "
            f"give 3.{FIRST_FREETHREADED}t or newer, or 3.{minor} for the usual build."
        )
    return major, minor, patch


def is_freethreaded(text: str) -> bool:
    """Whether a --python value names the free-threaded build (3.13t, 3.13.9t, cp313t)."""
    m = _PYTHON_RE.match(text.strip())
    return bool(m and (m[4] or m[7]))


def make_target(python: str, platform: str) -> Target:
    """Build a Target from the CLI's ``--python`` and ``--platform`` values.  A preset's tag depends on the
    Python (presets.py), so each Python of a range gets its own platform."""
    major, minor, patch = parse_python(python)
    return Target(major=major, minor=minor, patch=patch, platform=platform_for(platform, minor),
                  freethreaded=is_freethreaded(python))


@functools.lru_cache(maxsize=4096)
def _admits(target: Target, requires_python: str) -> bool:
    # Thousands of files share a few dozen requires-python strings: judge each string once per target.
    try:
        spec = SpecifierSet(requires_python)
    except ValueError:
        return True  # installers ignore an unparsable requires-python; so do we
    return spec.contains(target.version, prereleases=True)


@functools.lru_cache(maxsize=64)
def _tag_ranks(target: Target) -> dict[Tag, int]:
    version = (target.major, target.minor)
    interpreter = f"cp{target.major}{target.minor}"
    platforms = list(target.platform.compatible_tags)
    # The ABI list is explicit so the host interpreter's debug/free-threading flags never leak in.  Given
    # cp313t, packaging drops abi3 (a free-threaded interpreter cannot load abi3 extensions, as uv's tags
    # also say) and adds PEP 803's abi3t (a stable ABI new in 3.15), as pip on that interpreter would.
    tags = list(cpython_tags(version, abis=[target.abi], platforms=platforms))
    tags += list(compatible_tags(version, interpreter, platforms))
    ranks: dict[Tag, int] = {}
    for tag in tags:
        ranks.setdefault(tag, len(ranks))
    return ranks
