"""Which files of a project can be installed on a Target, and why the others cannot.  [pure]

Every version of a project gets a :class:`VersionChoice`: the target's wheels ranked best first, the sdist
if any, and — when no wheel fits — one sentence saying why, for the report's "blocked because" column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from wheelpin.models import DistFile
from wheelpin.target import Target


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionChoice:
    """What a target can install of one release."""

    version: Version
    wheels: tuple[DistFile, ...]  # compatible with the target, best first
    sdist: DistFile | None
    yanked: bool  # every file of the release is yanked
    reason: str | None  # why no wheel fits, or None when ``wheels`` is non-empty

    @property
    def has_wheel(self) -> bool:
        return bool(self.wheels)


@dataclass(frozen=True, slots=True)
class _Parsed:
    file: DistFile
    version: Version
    tags: frozenset[Tag] | None  # None for an sdist


def group_by_version(name: str, files: Iterable[DistFile]) -> dict[Version, list[_Parsed]]:
    """Files grouped by the version their filename carries; names that do not parse are skipped."""
    project = canonicalize_name(name)
    groups: dict[Version, list[_Parsed]] = {}
    for file in files:
        parsed = _parse(file, project)
        if parsed is not None:
            groups.setdefault(parsed.version, []).append(parsed)
    return groups


def _parse(file: DistFile, project: NormalizedName) -> _Parsed | None:
    try:
        if file.is_wheel:
            wheel_name, version, _build, tags = parse_wheel_filename(file.filename)
            return _Parsed(file, version, tags) if wheel_name == project else None
        sdist_name, version = parse_sdist_filename(file.filename)
        return _Parsed(file, version, None) if sdist_name == project else None
    except (InvalidWheelFilename, InvalidSdistFilename):
        # Legacy uploads (.exe, .egg, .zip, names with odd versions) are not installable by a modern
        # installer; skipping them is what pip and uv do.
        return None


def choose_files(version: Version, parsed: list[_Parsed], target: Target) -> VersionChoice:
    """Rank one release's files for ``target`` and explain a release with no usable wheel."""
    ranks = target.tag_ranks()
    files = [p for p in parsed if not p.file.yanked] or parsed
    yanked = all(p.file.yanked for p in parsed)
    wheels = [p for p in files if p.tags is not None]
    sdists = [p.file for p in files if p.tags is None]
    admitted = [p for p in wheels if target.admits(p.file.requires_python)]
    fitting = [(min(ranks[t] for t in p.tags if t in ranks), p.file) for p in admitted if p.tags and
               not p.tags.isdisjoint(ranks)]
    fitting.sort(key=lambda pair: pair[0])
    best = tuple(file for _rank, file in fitting)
    sdist = sdists[0] if sdists else None
    reason = None if best else _why_no_wheel(wheels, admitted, sdist, target)
    return VersionChoice(version=version, wheels=best, sdist=sdist, yanked=yanked, reason=reason)


def _why_no_wheel(wheels: list[_Parsed], admitted: list[_Parsed], sdist: DistFile | None,
                  target: Target) -> str:
    if not wheels:
        return "only an sdist, no wheels" if sdist else "no installable files"
    if not admitted:
        spec = wheels[0].file.requires_python
        return f"requires-python {spec} excludes Python {target.python_full_version}"
    ranks = target.tag_ranks()
    good_interpreters = {(t.interpreter, t.abi) for t in ranks}
    good_platforms = set(target.platform.compatible_tags) | {"any"}
    all_tags = [t for p in admitted if p.tags for t in p.tags]
    abi_fits = any((t.interpreter, t.abi) in good_interpreters for t in all_tags)
    platform_fits = any(t.platform in good_platforms for t in all_tags)
    if platform_fits and not abi_fits:
        abis = sorted({t.abi for t in all_tags if t.platform in good_platforms and t.abi.startswith("cp")},
                      key=_abi_sort_key)
        return f"no wheel for cp{target.major}{target.minor} (wheels for {_span(abis)})" if abis else \
            f"no wheel for cp{target.major}{target.minor}"
    platforms = sorted({t.platform for t in all_tags
                        if (t.interpreter, t.abi) in good_interpreters})
    if platforms:
        return f"no wheel for {target.platform.tag} (cp{target.major}{target.minor} wheels: {_span(platforms)})"
    return f"no wheel for cp{target.major}{target.minor} on {target.platform.tag}"


def _abi_sort_key(abi: str) -> tuple[int, str]:
    """cp38 < cp39 < cp310 < cp313t: order by the minor version after the '3'."""
    digits = abi[3:].rstrip("tdmu")
    return (int(digits) if digits.isdigit() else -1, abi)


def _span(items: list[str]) -> str:
    if len(items) > 4:
        return f"{items[0]} … {items[-1]}, {len(items)} in all"
    return ", ".join(items)


def choices_for(name: str, files: Iterable[DistFile], target: Target) -> list[VersionChoice]:
    """Every release of a project, newest first, with what ``target`` can install of it."""
    groups = group_by_version(name, files)
    return [choose_files(v, groups[v], target) for v in sorted(groups, reverse=True)]
