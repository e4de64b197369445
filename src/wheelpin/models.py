"""Plain data shared by the layers: index file entries, core metadata, and what a resolution produces.

Frozen, keyword-only, slotted dataclasses (packaging's style), except :class:`DistFile`, a NamedTuple for
speed.  Nothing here does I/O or knows how a value was computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

if TYPE_CHECKING:
    from wheelpin.target import Target
    from wheelpin.wheels import VersionChoice


class DistFile(NamedTuple):
    """One file of a project as the index lists it (PEP 503/691 entry, condensed).

    A NamedTuple rather than a frozen dataclass: big projects list 15,000 files, and a run builds thousands
    of them (those of the releases it judges: ``index.packed``); building tuples is five times faster.  Still
    immutable and hashable.
    """

    filename: str
    url: str
    sha256: str | None = None
    requires_python: str | None = None
    yanked: bool = False
    # PEP 658/714: True/False when the index says whether a .metadata file exists, None when it is silent.
    core_metadata: bool | None = None
    core_metadata_sha256: str | None = None
    size: int | None = None
    # PEP 592/691: why the file was yanked, when the index says (it may yank without a reason).
    yanked_reason: str | None = None
    # PEP 700: when the file was uploaded, as the index spells it (ISO 8601); a PEP 751 lock records it.
    upload_time: str | None = None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectPage:
    """A project's file list from one index."""

    name: str
    index_url: str  # which index served it: a PEP 751 lock names each package's index
    # A tuple, or from the cache a ``PackedFiles`` (index.packed) that builds each DistFile when asked.
    files: Sequence[DistFile]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreMetadata:
    """The parts of a distribution's core metadata that resolving needs."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    # Fields declared dynamic (PEP 643); only meaningful for sdists.
    dynamic: tuple[str, ...] = field(default=())


class BlockKind(str, Enum):
    """Why a package stands in the way of a wheel-only install; the value is what JSON output carries."""

    SDIST_ONLY = "sdist-only"  # the release has no wheels at all
    REQUIRES_PYTHON = "requires-python"  # its wheels' requires-python excludes the target
    NO_ABI = "no-wheel-for-python"  # wheels exist, none for the target's interpreter
    NO_PLATFORM = "no-wheel-for-platform"  # wheels for the interpreter exist, none for the platform
    NO_WHEEL = "no-wheel"  # no wheel, reason unknown
    CONFLICT = "conflict"  # the requirements conflict (with wheel-bearing releases; a report: whatever the wheels)
    NO_RELEASE = "no-release"  # no release on the index matches the requirement at all

    def __str__(self) -> str:
        return self.value


class BuildKind(str, Enum):
    """What building an sdist would take, read from its files (wheelpin.sourcebuild); the value is JSON's."""

    PURE = "pure"  # a pure-Python backend and no extension sources: builds anywhere
    C = "c"
    CXX = "c++"
    RUST = "rust"
    FORTRAN = "fortran"
    UNKNOWN = "unknown"  # unreadable, too big to read, or nothing in it says

    def __str__(self) -> str:
        return self.value


# What a source build of each kind needs on the machine that installs, in the report's words.
BUILD_NEEDS = {
    BuildKind.PURE: "builds anywhere, no compiler needed",
    BuildKind.C: "a source build needs a C compiler and the Python headers",
    BuildKind.CXX: "a source build needs a C++ compiler and the Python headers",
    BuildKind.RUST: "a source build needs cargo and a writable CARGO_HOME",
    BuildKind.FORTRAN: "a source build needs a Fortran compiler (and a C compiler)",
    BuildKind.UNKNOWN: "what a source build needs is unknown",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceBuild:
    """An sdist's build, classified from its files without running anything, and the evidence."""

    kind: BuildKind
    evidence: str  # 'maturin in build-system.requires', 'Cargo.toml in the sdist'

    @property
    def needs(self) -> str:
        return BUILD_NEEDS[self.kind]

    @property
    def needs_toolchain(self) -> bool:
        """False only for a pure build: an unknown one may well need a compiler."""
        return self.kind is not BuildKind.PURE


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldBack:
    """A newer release the requirements admit but the target has no wheel for: "tiktoken 0.14.0 has no
    manylinux_2_17 wheel; chose 0.11.0"."""

    name: NormalizedName
    newest: str
    chosen: str
    reason: str
    kind: BlockKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """One line of the lock."""

    name: NormalizedName
    version: Version
    choice: VersionChoice
    from_source: bool
    via: tuple[str, ...]  # parent package names, or the user's sources ("-r requirements.txt")
    direct: bool = False  # the user asked for it
    blocked: bool = False  # no wheel for the target: only in permissive resolutions
    held_back: HeldBack | None = None
    # In a lock for several targets, the PEP 508 marker of the targets it is needed on; None: on all.
    marker: str | None = None

    @property
    def files(self) -> tuple[DistFile, ...]:
        if self.from_source and self.choice.sdist is not None:
            # In a lock for several targets the targets that have a wheel keep it: their hashes stay too.
            return (*self.choice.wheels, self.choice.sdist)
        return self.choice.wheels


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    target: Target  # the first of ``targets``
    pins: tuple[Pin, ...]  # sorted by name
    # Every target, when one lock was made for several (one version per package for all of them).
    targets: tuple[Target, ...] = ()

    @property
    def all_targets(self) -> tuple[Target, ...]:
        return self.targets or (self.target,)

    def pin(self, name: str) -> Pin | None:
        wanted = canonicalize_name(name)
        return next((p for p in self.pins if p.name == wanted), None)

    def as_dict(self) -> dict[str, str]:
        return {p.name: str(p.version) for p in self.pins}


def relax_text(relaxes: tuple[str, ...]) -> str:
    """" and relax the constraint pydantic==2.9.2 (c2.txt:1)", or "" when nothing is relaxed."""
    if not relaxes:
        return ""
    return f" and relax the constraint{'s' if len(relaxes) > 1 else ''} {', '.join(relaxes)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocker:
    """A package that keeps a requirement set from installing with wheels only, and why.

    A failed strict resolution fills ``wanted``, ``required_by`` and ``versions`` (what found no wheel-bearing
    release); a report's permissive resolution fills ``version`` (the release the requirements force),
    ``chain`` (the path from a direct requirement to it) and, once searched, ``fix`` or ``note``.
    """

    name: NormalizedName
    kind: BlockKind
    reason: str
    version: str = ""
    wanted: str = ""  # the specifier, e.g. "==2.23.4"
    required_by: str = ""  # "pydantic 2.9.2", or the user's source
    versions: tuple[str, ...] = ()  # versions the specifier admits, newest first
    # The pins from a direct requirement down to this package: ((pydantic, 2.9.2), (pydantic-core, 2.23.4)).
    links: tuple[tuple[NormalizedName, Version], ...] = ()
    fix: str | None = None  # "pydantic>=2.12.0", verified
    note: str = ""  # when there is no fix, why not; with a fix that relaxes constraints, which
    # The -c (or [tool.uv]) constraints the fix relaxes, as written: ("pydantic==2.9.2 (c2.txt:1)",).
    relaxes: tuple[str, ...] = ()
    sdist: DistFile | None = None  # the blocked release's sdist, when it has one
    build: SourceBuild | None = None  # what building that sdist takes, once classified

    @property
    def fix_text(self) -> str:
        """The fix as the user applies it: "pydantic>=2.12.0 and relax the constraint pydantic==2.9.2
        (c2.txt:1)" — a fix that drops a constraint always names it."""
        return (self.fix or "") + relax_text(self.relaxes)

    @property
    def label(self) -> str:
        """``pydantic-core==2.23.4``; a line off the index, which has no version, as its name or text."""
        return f"{self.name}=={self.version}" if self.version else self.name

    @property
    def chain(self) -> tuple[str, ...]:
        """The links as the user reads them: ("pydantic==2.9.2", "pydantic-core==2.23.4"); a conflict, which
        has no pins, as the requirement that cannot be met."""
        if not self.links:
            return (f"{self.name}{self.wanted}",)
        return tuple(f"{name}=={version}" for name, version in self.links)

    @property
    def root(self) -> NormalizedName:
        """The direct requirement at the head of the chain."""
        return self.links[0][0] if self.links else self.name
