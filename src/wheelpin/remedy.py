"""The smallest change of Python or platform that makes a release a candidate.  [pure]

Each change is judged by the resolver's own code (``wheels.choose_files``) on the target with only its Python,
only its platform, or (when neither alone helps) both changed, so the answer cannot disagree with what
``wheelpin resolve`` would do there.  The nearest change wins: Pythons by distance from the target's (the
newer of two as near), platforms in the order a reason's "nearest wheel" is chosen by (the same operating
system, architecture, family, then the closest libc or OS version).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from wheelpin.errors import InputError
from wheelpin.models import BlockKind
from wheelpin.platforms import Platform, parse_platform
from wheelpin.target import OLDEST_SUPPORTED, Target
from wheelpin.wheels import ParsedFile, VersionChoice, choose_files, platform_distance

# How far past the newest Python a wheel tag names, or the target, to look: a requires-python of ">=3.16" on a
# pure-Python wheel is answered from 3.13 too.
_PYTHONS_AHEAD = 3
_LIBC = {"manylinux": "glibc", "musllinux": "musl", "macosx": "macOS"}
_SYSTEMS = {"Darwin": "macOS"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Remedy:
    """A change of target under which a release is a candidate.  Unless ``together``, ``python`` and
    ``platform`` are alternatives, each enough alone; with it, the release needs both."""

    python: str | None  # "3.12": a Python (X.Y) to use instead
    platform: str | None  # "manylinux_2_34_x86_64": a wheel platform tag to use instead
    text: str  # "cp312 wheels exist; on 3.12 this release is a candidate"
    together: bool = False


def smallest_change(choice: VersionChoice, parsed: Sequence[ParsedFile], target: Target) -> Remedy | None:
    """The smallest change of target under which the release ``choice`` judged (from its files ``parsed``)
    has a wheel; None when it has one already, or no change of Python or platform gives it one (no wheels at
    all, or none whose tags any CPython accepts).  A release whose reason is its platform names the platform
    change first, any other the Python change; the other one, if it works too, comes second."""
    if choice.has_wheel or not any(p.triple is not None for p in parsed):
        return None
    files = list(parsed)
    python = next((replace(target, minor=m, patch=None) for m in _pythons(files, target)
                   if _fits(choice, files, replace(target, minor=m, patch=None))), None)
    platform = next((p for p in _platforms(files, target) if _fits(choice, files, replace(target, platform=p))), None)
    if python is None and platform is None:
        return _both(choice, files, target)
    parts = [_python_text(choice, files, python)] if python is not None else []
    if platform is not None:
        parts.insert(0 if choice.kind == BlockKind.NO_PLATFORM else len(parts), _platform_text(platform, target))
    return Remedy(python=python.python_version if python else None, platform=platform.tag if platform else None,
                  text="; or ".join(parts))


def _both(choice: VersionChoice, files: list[ParsedFile], target: Target) -> Remedy | None:
    for platform in _platforms(files, target):
        for minor in _pythons(files, target):
            changed = replace(target, minor=minor, patch=None, platform=platform)
            if _fits(choice, files, changed):
                return Remedy(python=changed.python_version, platform=platform.tag, together=True,
                              text=f"on {changed.python_version} with --platform {platform.tag} this release is a "
                                   "candidate (changing only one of them is not enough)")
    return None


def _fits(choice: VersionChoice, files: list[ParsedFile], target: Target) -> bool:
    return choose_files(choice.version, files, target).has_wheel


def _pythons(files: list[ParsedFile], target: Target) -> list[int]:
    """Minor versions other than the target's, nearest first (the newer of two as near)."""
    named = [minor for p in files if p.triple for minor in _interpreter_minors(p.triple)]
    highest = max([target.minor, *named]) + _PYTHONS_AHEAD
    minors = [m for m in range(OLDEST_SUPPORTED[1], highest + 1) if m != target.minor]
    return sorted(minors, key=lambda m: (abs(m - target.minor), -m))


def _interpreter_minors(triple: str) -> Iterator[int]:
    """The Python 3 minors a wheel's interpreter tags name: 'cp39.cp310-…' → 9, 10."""
    for interpreter in triple.split("-", 1)[0].split("."):
        digits = interpreter.lstrip("cpy")
        if len(digits) >= 2 and digits.isdigit() and digits[0] == "3":
            yield int(digits[1:])


def _platforms(files: list[ParsedFile], target: Target) -> list[Platform]:
    """The platforms to try, nearest first: for each platform the release has wheels for, the one that
    changes the least of the target's (a musllinux_1_1_x86_64 wheel for a musllinux_1_2_aarch64 target means
    musllinux_1_2_x86_64: only the architecture changes)."""
    tags = {tag.platform for p in files if p.tags for tag in p.tags} - {"any", target.platform.tag}
    found: dict[str, Platform] = {}
    for tag in sorted(tags, key=lambda t: (platform_distance(t, target.platform), t)):
        try:
            platform = _least_change(parse_platform(tag), target.platform)
        except InputError:  # linux_x86_64 and the like: no deploy target is "the machine that built it"
            continue
        if platform.tag != target.platform.tag:
            found.setdefault(platform.tag, platform)
    return list(found.values())


def _least_change(wheel: Platform, target: Platform) -> Platform:
    """A platform the wheel's tag fits with as much of the target kept as may be: within one family, the
    target's libc or OS version when the wheel needs no newer one."""
    if wheel.family != target.family or wheel.version is None or target.version is None:
        return wheel
    if wheel.version >= target.version:
        return wheel
    return parse_platform(f"{target.family}_{target.version[0]}_{target.version[1]}_{wheel.arch}")


def _python_text(choice: VersionChoice, files: list[ParsedFile], changed: Target) -> str:
    version = changed.python_version
    abi = f"cp{changed.major}{changed.minor}"
    wheel = choose_files(choice.version, files, changed).wheels[0].filename
    if choice.kind == BlockKind.REQUIRES_PYTHON:
        what = f"its requires-python admits {version}"
    elif f"-{abi}-" in wheel:
        what = f"{abi} wheels exist"
    else:
        what = f"{wheel} fits {version}"
    return f"{what}; on {version} this release is a candidate"


def _platform_text(platform: Platform, target: Target) -> str:
    have = target.platform
    if platform.family == have.family and platform.arch == have.arch and platform.version and platform.family in _LIBC:
        major, minor = platform.version
        need = f"needs {platform.family}_{major}_{minor} ({_LIBC[platform.family]} {major}.{minor})"
    elif platform.family == have.family:
        need = f"its wheels are for {platform.arch}, not {have.arch}"
    elif platform.sys_platform == have.sys_platform:
        need = f"its wheels are for {platform.family}, not {have.family}"
    else:
        need = f"its wheels are for {_SYSTEMS.get(platform.platform_system, platform.platform_system)}"
    return f"{need}: on --platform {platform.tag} this release is a candidate"
