"""Which files of a project can be installed on a Target, and why the others cannot.  [pure]

Every version of a project gets a :class:`VersionChoice`: the target's wheels ranked best first, the sdist
if any, and — when no wheel fits — one sentence saying why, for the report's "blocked because" column.
"""

from __future__ import annotations

import array
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from packaging.tags import InvalidTag, Tag, parse_tag
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import Version

from wheelpin.inputs import UncheckedRequirement
from wheelpin.models import BlockKind, DistFile
from wheelpin.platforms import Platform
from wheelpin.releasegroups import ReleaseGroup, group_releases, parse_name
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


class Releases(Mapping[Version, list[ParsedFile]]):
    """A project's releases, newest first; each release's files are built and parsed on first use.

    Built from the page's release groups (``releasegroups.group_releases``, stored with a cached page), with
    a ``load`` that builds the DistFiles at given positions: a page kept packed (``index.packed.PackedFiles``)
    builds them only then, and :meth:`of` serves a page already in memory the same way.  What every release
    must answer without its files — whether all of them are yanked, whether some wheel's tags may fit a
    target — is kept per release.  ``materialised`` counts the files built.
    """

    def __init__(self, project: str, groups: Iterable[ReleaseGroup],
                 load: Callable[[Sequence[int]], list[DistFile]]) -> None:
        self.project = canonicalize_name(project)
        self._load = load
        self.materialised = 0
        self._parsed: dict[Version, list[ParsedFile]] = {}
        self._positions: dict[Version, array.array[int]] = {}
        self._yanked: dict[Version, bool] = {}
        self._triples: dict[Version, tuple[str | None, ...]] = {}
        interned: dict[str | None, str | None] = {}  # one string per distinct triple, not one per release
        for spelled, positions, yanked, triples in groups:
            version = Version(spelled) if isinstance(spelled, str) else spelled
            self._positions[version] = array.array("I", positions)
            self._yanked[version] = yanked
            self._triples[version] = tuple(interned.setdefault(t, t) for t in triples)
        self._order = sorted(self._yanked, reverse=True)

    @classmethod
    def of(cls, project: str, files: Sequence[DistFile]) -> Releases:
        """The releases of files already in memory (a page from the network, a test's index)."""
        heads = ((i, f.filename, f.yanked) for i, f in enumerate(files))
        return cls(project, group_releases(canonicalize_name(project), heads),
                   lambda positions: [files[p] for p in positions])

    def __getitem__(self, version: Version) -> list[ParsedFile]:
        parsed = self._parsed.get(version)
        if parsed is not None:
            return parsed
        files = self._load(self._positions[version])  # KeyError for a release the project does not have
        self.materialised += len(files)
        built = [p for p in (_parse(f, self.project) for f in files) if p is not None]
        return self._parsed.setdefault(version, built)

    def __iter__(self) -> Iterator[Version]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, version: object) -> bool:
        return version in self._yanked

    def yanked(self, version: Version) -> bool:
        """Whether every file of the release is yanked."""
        return self._yanked[version]

    def may_fit(self, version: Version, target: Target) -> bool:
        """:func:`may_fit` of the release, from its tag triples alone."""
        return any(t is not None and _best_rank(target, t) is not None for t in self._triples[version])


def _parse(file: DistFile, project: NormalizedName) -> ParsedFile | None:
    head = parse_name(file.filename, project)
    return None if head is None else ParsedFile(file, *head)


@functools.lru_cache(maxsize=8192)
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
        # abi3 is the usual way out of a missing cpXY wheel, and the one a free-threaded build cannot take.
        stable = ("; abi3 wheels do not load on a free-threaded build" if target.freethreaded and any(
            t.abi == "abi3" and t.platform in good_platforms for t in all_tags) else "")
        return BlockKind.NO_ABI, (f"no wheel for {target.abi} (wheels for {_span(abis)}){stable}" if abis
                                  else f"no wheel for {target.abi}{stable}")
    for_python = [(p, t.platform) for p in admitted if p.tags for t in p.tags
                  if (t.interpreter, t.abi) in good_interpreters]
    if for_python:
        return BlockKind.NO_PLATFORM, f"no wheel for {target.platform.tag}; {_nearest(for_python, target)}"
    return BlockKind.NO_ABI, f"no wheel for {target.abi} on {target.platform.tag}"


def _nearest(for_python: list[tuple[ParsedFile, str]], target: Target) -> str:
    """The wheel for the target's Python whose platform comes closest to the target's, and what it needs: a
    range of every platform tag (macosx_10_15_universal2 … win_amd64) hides the one that matters, the
    manylinux_2_39 wheel a glibc 2.28 system cannot take."""
    wanted = target.platform
    want = _TagPlatform(wanted.family, wanted.version, _ARCH_ALIASES.get(wanted.arch, wanted.arch))
    scored = sorted((_distance(_tag_platform(tag), want), tag, p.file.filename) for p, tag in for_python)
    _score, tag, filename = scored[0]
    others = sorted({t for _s, t, f in scored if f != filename})
    # A few others help ("…, or win_amd64"); a long list is the range this replaces.
    shown = f" (other {target.abi} wheels: {', '.join(others)})" if 0 < len(others) <= 2 else ""
    return f"the nearest wheel is {filename}, which {_needs(_tag_platform(tag), want, tag)}{shown}"


@dataclass(frozen=True, slots=True)
class _TagPlatform:
    family: str  # manylinux, musllinux, macosx, windows, linux (an unportable linux_* tag), or the tag itself
    version: tuple[int, int] | None
    arch: str


_ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "32": "i686", "i386": "i686", "win32": "i686"}
_PLATFORM_TAG_RE = re.compile(r"^(manylinux|musllinux|macosx)_(\d+)_(\d+)_(\w+)$")
_LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_OS_OF = {"manylinux": "linux", "musllinux": "linux", "linux": "linux", "macosx": "macos", "windows": "windows"}
_SYSTEM_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def _tag_platform(tag: str) -> _TagPlatform:
    if m := _PLATFORM_TAG_RE.match(tag):
        return _TagPlatform(m[1], (int(m[2]), int(m[3])), _ARCH_ALIASES.get(m[4], m[4]))
    legacy, _, arch = tag.partition("_")
    if legacy in _LEGACY_GLIBC:
        return _TagPlatform("manylinux", _LEGACY_GLIBC[legacy], _ARCH_ALIASES.get(arch, arch))
    if tag == "win32" or tag.startswith("win_"):
        return _TagPlatform("windows", None, _ARCH_ALIASES.get(tag.removeprefix("win_"), "i686"))
    if tag.startswith("linux_"):
        return _TagPlatform("linux", None, _ARCH_ALIASES.get(arch, arch))
    return _TagPlatform(tag, None, "")


def _distance(have: _TagPlatform, want: _TagPlatform) -> tuple[int, int, int, int]:
    """The same operating system first; then the same architecture (a machine's is fixed, while its libc or
    OS release changes with the base image); then the same family (manylinux, musllinux); then the closest
    libc or OS version."""
    system = 0 if _OS_OF.get(have.family, have.family) == _OS_OF.get(want.family, want.family) else 1
    arch = 0 if have.arch == want.arch or "universal" in have.arch else 1
    family = 0 if have.family == want.family else 1
    gap = abs(_number(have.version) - _number(want.version)) if have.version and want.version else 0
    return system, arch, family, gap


def _number(version: tuple[int, int] | None) -> int:
    return version[0] * 1000 + version[1] if version else 0


def _needs(have: _TagPlatform, want: _TagPlatform, tag: str) -> str:
    """What the nearest wheel needs that the target lacks, as a user would check it (glibc 2.39, macOS 15.0)."""
    if have.family == want.family and have.arch in (want.arch, "universal2", "universal") and have.version:
        what = {"manylinux": "glibc", "musllinux": "musl", "macosx": "macOS"}[have.family]
        return f"needs {what} {have.version[0]}.{have.version[1]}"
    if have.family == want.family:
        return f"is for {have.arch}, not {want.arch}"
    system = _OS_OF.get(have.family)
    if system is not None and system == _OS_OF.get(want.family):
        libc = {"manylinux": "glibc (manylinux)", "musllinux": "musl (musllinux)"}.get(have.family)
        if libc is None:
            return f"has the unportable tag {tag}, for the machine that built it"
        return f"is for {libc} Linux, not {'musl' if want.family == 'musllinux' else 'glibc'}"
    return f"is for {_SYSTEM_NAMES.get(system or '', tag)}"


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


def why_none(name: str, choices: Sequence[VersionChoice], target: Target, spec: str = "") -> tuple[BlockKind, str]:
    """Why none of ``choices`` (releases newest first, none with a wheel for ``target``) installs: the cause no
    release escapes.  The newest release's own reason misleads when it differs from the rest's — pymongo's
    newest excludes Python 3.10 by requires-python, but no release at all has a musllinux wheel — so the
    summary names what every release lacks, and the newest release the target's Python admits as the example.
    ``spec`` is the specifier the releases were admitted by, if it left any out."""
    if len(choices) == 1:
        return choices[0].kind or BlockKind.NO_WHEEL, choices[0].reason or "no wheel"
    subject = f"no release of {name}{spec}"
    python = f"Python {target.python_full_version if target.patch is not None else target.python_version}"
    first = next((i for i, c in enumerate(choices) if c.kind != BlockKind.REQUIRES_PYTHON), None)
    if first is None:
        newest = choices[0]
        return BlockKind.REQUIRES_PYTHON, (f"{subject} admits {python}: each one's requires-python excludes it "
                                           f"(newest, {newest.version}: {newest.reason})")
    example = choices[first]
    if all(c.kind == BlockKind.SDIST_ONLY for c in choices[first:]):
        return BlockKind.SDIST_ONLY, f"{subject} has any wheel, only sdists (newest, {example.version})"
    which = f"the newest for {python}, {example.version}" if first else f"newest, {example.version}"
    later = (f"; {choices[first - 1].version} and later exclude {python} by requires-python" if first else "")
    # The example's own "no wheel for <platform>" would repeat the summary; what follows it is the news.
    detail = (example.reason or "no wheel").removeprefix(f"no wheel for {target.platform.tag}; ")
    return (example.kind or BlockKind.NO_WHEEL,
            f"{subject} has a wheel for {target.platform.tag} {target.abi} "
            f"({which}: {detail}){later}")


def choices_for(name: str, files: Iterable[DistFile], target: Target) -> list[VersionChoice]:
    """Every release of a project, newest first, with what ``target`` can install of it."""
    groups = group_by_version(name, files)
    return [choose_files(v, groups[v], target) for v in sorted(groups, reverse=True)]


def platform_distance(tag: str, platform: Platform) -> tuple[int, int, int, int]:
    """How far a wheel's platform tag is from ``platform``, smallest first, by the same order the nearest wheel
    of a reason is chosen by: the same operating system, architecture, family, then libc or OS version."""
    want = _TagPlatform(platform.family, platform.version, _ARCH_ALIASES.get(platform.arch, platform.arch))
    return _distance(_tag_platform(tag), want)


def unchecked_fits(filename: str | None, targets: Iterable[Target]) -> bool | None:
    """Whether a wheel from outside the index (``name.whl`` from a URL or path) installs on every target, by
    its file name's tags; None when the name is no valid wheel name, so it cannot be judged."""
    if filename is None:
        return None
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None
    return all(any(tag in target.tag_ranks() for tag in tags) for target in targets)


def unchecked_blocking(unchecked: Iterable[UncheckedRequirement], targets: Sequence[Target],
                       allow_source: Iterable[str] = ()) -> list[tuple[UncheckedRequirement, str]]:
    """The lines off the index that keep ``targets`` from a wheel-only install, each with why: one that builds
    from source (unless --allow-source names it), or a wheel whose tags fit none of them."""
    allowed = {canonicalize_name(name) for name in allow_source}
    found: list[tuple[UncheckedRequirement, str]] = []
    for item in unchecked:
        if item.builds_from_source and item.name not in allowed:
            found.append((item, f"builds from source: {item.text} ({item.source})"))
        elif item.is_wheel and unchecked_fits(item.wheel_filename, targets) is False:
            found.append((item, f"a wheel for another platform or Python: {item.text} ({item.source})"))
    return found
