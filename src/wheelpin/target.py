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

_PYTHON_RE = re.compile(r"^(?:cpython-?|python-?)?(\d+)\.(\d+)(?:\.(\d+))?$|^cp(3)(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A CPython version and a platform.

    ``patch`` is None when the user gave only ``3.11``; requires-python and ``python_full_version`` are then
    evaluated for ``3.11.0``, as uv does.
    """

    major: int
    minor: int
    patch: int | None
    platform: Platform

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
        return hash((self.major, self.minor, self.patch, self.platform.tag))

    def __str__(self) -> str:
        return f"CPython {self.python_version} on {self.platform.tag}"

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
    """'3.11' → (3, 11, None); '3.11.9' → (3, 11, 9); anything else is an InputError."""
    m = _PYTHON_RE.match(text.strip())
    if not m:
        raise InputError(
            f"--python {text!r} is not a CPython version: give a version like 3.11 or 3.11.9 "
            "(a range like 3.10-3.13 is accepted by the report command)."
        )
    if m[4]:  # the wheel-tag spelling: cp311
        major, minor, patch = int(m[4]), int(m[5]), None
    else:
        major, minor, patch = int(m[1]), int(m[2]), int(m[3]) if m[3] is not None else None
    if (major, minor) < OLDEST_SUPPORTED or major != 3:
        raise InputError(
            f"--python {text}: wheelpin supports CPython 3.{OLDEST_SUPPORTED[1]} and newer; "
            "pick a supported version such as 3.11."
        )
    return major, minor, patch


def make_target(python: str, platform: str) -> Target:
    """Build a Target from the CLI's ``--python`` and ``--platform`` values.  A preset's tag depends on the
    Python (presets.py), so each Python of a range gets its own platform."""
    major, minor, patch = parse_python(python)
    return Target(major=major, minor=minor, patch=patch, platform=platform_for(platform, minor))


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
    # The ABI list is explicit so the host interpreter's debug/free-threading flags never leak in.
    tags = list(cpython_tags(version, abis=[interpreter], platforms=platforms))
    tags += list(compatible_tags(version, interpreter, platforms))
    ranks: dict[Tag, int] = {}
    for tag in tags:
        ranks.setdefault(tag, len(ranks))
    return ranks
