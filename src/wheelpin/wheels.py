"""Which files of a project can be installed on a Target, and why the others cannot.  [pure]

Every version of a project gets a :class:`VersionChoice`: the target's wheels ranked best first, the sdist
if any, and — when no wheel fits — one sentence saying why, for the report's "blocked because" column.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.tags import InvalidTag, Tag, parse_tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from wheelpin.models import BlockKind, DistFile
from wheelpin.target import Target


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionChoice:
    """What a target can install of one release."""

    version: Version
    wheels: tuple[DistFile, ...]  # compatible with the target, best first
    sdist: DistFile | None
    yanked: bool  # every file of the release is yanked
    reason: str | None  # why no wheel fits, or None when ``wheels`` is non-empty
    # A machine-readable form of ``reason``; None when a wheel fits.
    kind: BlockKind | None = None
    # Some wheel of this release even if none fits the target: its metadata stands for the release's
    # (dependencies are the same for every wheel of a release, bar markers), which lets a report follow a
    # blocked release's dependencies without building anything.
    any_wheel: DistFile | None = None
    # Why the release was yanked, when ``yanked`` and the index gave a reason (for the lock and a warning).
    yanked_reason: str | None = None

    @property
    def has_wheel(self) -> bool:
        return bool(self.wheels)


@dataclass(frozen=True, slots=True)
class ParsedFile:
    file: DistFile
    version: Version
    triple: str | None  # the wheel's tag triple ('cp311-cp311-manylinux_2_17_x86_64'); None for an sdist
    build: int = -1  # the wheel's build number; -1 when it has none

    @property
    def tags(self) -> frozenset[Tag] | None:
        """The wheel's tags (empty when packaging rejects them); None for an sdist."""
        return None if self.triple is None else _parse_tags(self.triple)


def group_by_version(name: str, files: Iterable[DistFile]) -> dict[Version, list[ParsedFile]]:
    """Files grouped by the version their filename carries; names that do not parse are skipped.

    Only the name-version prefix is parsed here (memoized: a big project's tens of thousands of wheels share
    a few hundred); tags are parsed when a release is judged for a target, and most never are.
    """
    project = canonicalize_name(name)
    groups: dict[Version, list[ParsedFile]] = {}
    for file in files:
        parsed = _parse(file, project)
        if parsed is not None:
            groups.setdefault(parsed.version, []).append(parsed)
    return groups


def _parse(file: DistFile, project: NormalizedName) -> ParsedFile | None:
    filename = file.filename
    if filename.endswith(".whl"):
        parts = filename[:-4].rsplit("-", 3)
        prefix = _parse_wheel_prefix(parts[0]) if len(parts) == 4 else None
        if prefix is None or prefix[0] != project:
            return None
        return ParsedFile(file, prefix[1], f"{parts[1]}-{parts[2]}-{parts[3]}", prefix[2])
    try:
        sdist_name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        # Legacy uploads (.exe, .egg, .zip, names with odd versions) are not installable by a modern
        # installer; skipping them is what pip and uv do.
        return None
    return ParsedFile(file, version, None) if sdist_name == project else None


@functools.lru_cache(maxsize=8192)
def _parse_wheel_prefix(prefix: str) -> tuple[NormalizedName, Version, int] | None:
    """'name-version[-build]' of a wheel filename, validated by packaging; None when it does not parse."""
    try:
        name, version, build, _tags = parse_wheel_filename(f"{prefix}-py3-none-any.whl")
    except InvalidWheelFilename:
        return None
    return name, version, build[0] if build else -1


@functools.lru_cache(maxsize=8192)
def _parse_tags(triple: str) -> frozenset[Tag]:
    try:
        return parse_tag(triple)
    except InvalidTag:  # e.g. 'py36+-none-any' on an old upload: no installer can match it
        return frozenset()


def choose_files(version: Version, parsed: list[ParsedFile], target: Target) -> VersionChoice:
    """Rank one release's files for ``target`` and explain a release with no usable wheel."""
    # Called for every release a resolution looks at, for every Python of a report: one pass, and each
    # requires-python string judged once per release rather than once per file.
    files = [p for p in parsed if not p.file.yanked] or parsed
    yanked = all(p.file.yanked for p in parsed)
    wheels: list[ParsedFile] = []
    sdists: list[DistFile] = []
    admitted: list[ParsedFile] = []
    fitting: list[tuple[int, int, DistFile]] = []
    admits: dict[str | None, bool] = {}
    for p in files:
        triple = p.triple
        if triple is None:
            sdists.append(p.file)
            continue
        if not _parse_tags(triple):
            continue
        wheels.append(p)
        requires_python = p.file.requires_python
        ok = admits.get(requires_python)
        if ok is None:
            ok = admits[requires_python] = target.admits(requires_python)
        if not ok:
            continue
        admitted.append(p)
        rank = _best_rank(target, triple)
        if rank is not None:
            fitting.append((rank, -p.build, p.file))
    # Best tag first; among equal tags the higher build number wins, as in pip.
    fitting.sort(key=lambda row: (row[0], row[1]))
    best = tuple(row[2] for row in fitting)
    sdist = sdists[0] if sdists else None
    kind, reason = (None, None) if best else _why_no_wheel(wheels, admitted, sdist, target)
    any_wheel = best[0] if best else (wheels[0].file if wheels else None)
    yanked_reason = next((p.file.yanked_reason for p in parsed if p.file.yanked_reason), None) if yanked else None
    return VersionChoice(version=version, wheels=best, sdist=sdist, yanked=yanked, reason=reason, kind=kind,
                         any_wheel=any_wheel, yanked_reason=yanked_reason)


def may_fit(parsed: Iterable[ParsedFile], target: Target) -> bool:
    """Whether some wheel of a release has tags the target accepts (requires-python and yanks aside): a
    cheap test that lets a caller skip judging releases that cannot have a wheel for the target."""
    return any(p.triple is not None and _best_rank(target, p.triple) is not None for p in parsed)


def _why_no_wheel(wheels: list[ParsedFile], admitted: list[ParsedFile], sdist: DistFile | None,
                  target: Target) -> tuple[BlockKind, str]:
    if not wheels:
        return BlockKind.SDIST_ONLY, "only an sdist, no wheels" if sdist else "no installable files"
    if not admitted:
        spec = wheels[0].file.requires_python
        return BlockKind.REQUIRES_PYTHON, f"requires-python {spec} excludes Python {target.python_full_version}"
    good_interpreters = _interpreter_abis(target)
    good_platforms = set(target.platform.compatible_tags) | {"any"}
    all_tags = [t for p in admitted if p.tags for t in p.tags]
    abi_fits = any((t.interpreter, t.abi) in good_interpreters for t in all_tags)
    platform_fits = any(t.platform in good_platforms for t in all_tags)
    if platform_fits and not abi_fits:
        abis = sorted({t.abi for t in all_tags if t.platform in good_platforms and t.abi.startswith("cp")},
                      key=_abi_sort_key)
        return BlockKind.NO_ABI, (f"no wheel for cp{target.major}{target.minor} (wheels for {_span(abis)})" if abis
                        else f"no wheel for cp{target.major}{target.minor}")
    platforms = sorted({t.platform for t in all_tags
                        if (t.interpreter, t.abi) in good_interpreters})
    if platforms:
        return BlockKind.NO_PLATFORM, (f"no wheel for {target.platform.tag} "
                             f"(cp{target.major}{target.minor} wheels: {_span(platforms)})")
    return BlockKind.NO_ABI, f"no wheel for cp{target.major}{target.minor} on {target.platform.tag}"


@functools.lru_cache(maxsize=65536)
def _best_rank(target: Target, triple: str) -> int | None:
    """The best rank among a tag triple's tags for ``target``, None when none fits.  Thousands of wheels share
    a few hundred triples, so each is ranked once per target."""
    ranks = target.tag_ranks()
    fits = [ranks[tag] for tag in _parse_tags(triple) if tag in ranks]
    return min(fits) if fits else None


@functools.lru_cache(maxsize=64)
def _interpreter_abis(target: Target) -> frozenset[tuple[str, str]]:
    return frozenset((t.interpreter, t.abi) for t in target.tag_ranks())


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
