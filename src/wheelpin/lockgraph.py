"""Which requirements a lock's pins make of each other on a target, read from the pins' metadata.
[pure given a Session]

An installer reads each pinned release's Requires-Dist, evaluates the markers for the machine it runs on,
and adds the requirements of every extra asked for: on the lock's line (``foo[x]==1``) or by another pin's
requirement (``foo[x]>=1``).  :func:`requirement_edges` does the same for the target, so that the check can
say which requirement is missing from the lock and which one a pinned version does not meet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.models import CoreMetadata, DistFile
from wheelpin.resolve import Session
from wheelpin.resolve.releases import applies
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice


@dataclass(frozen=True, slots=True, kw_only=True)
class LockPin:
    """One line of a lock that applies to the target."""

    name: NormalizedName
    version: Version
    source: str  # "lock.txt:3"
    extras: frozenset[NormalizedName] = frozenset()
    hashes: tuple[str, ...] = ()
    # What a lock format records beyond name==version: the files it lists for the release (uv.lock,
    # poetry.lock, pylock.toml; None when it lists none, as requirements files and Pipfile.lock), its
    # dependency records as PEP 508 lines (None: read the release's metadata instead), its requires-python.
    files: tuple[DistFile, ...] | None = None
    dependencies: tuple[str, ...] | None = None
    requires_python: str | None = None

    @property
    def text(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}=={self.version}"


@dataclass(frozen=True, slots=True)
class Requirer:
    """A requirement from a pin's metadata that applies on the target."""

    requirement: Requirement
    by: LockPin


@dataclass(frozen=True, slots=True, kw_only=True)
class Edges:
    # Requirements on each project (pinned or not), from the pins that make them, in the order found.
    requirers: dict[NormalizedName, list[Requirer]] = field(default_factory=dict)
    # Pins whose metadata's Requires-Python excludes the target, by the pin's source: the specifier.
    excluded_python: dict[str, str] = field(default_factory=dict)


def metadata_file(choice: VersionChoice | None) -> DistFile | None:
    """The file whose metadata stands for the release: a wheel for the target, else any wheel (a release's
    dependencies are the same in all its wheels, bar markers); None when it has no wheel at all, since an
    sdist's metadata may need a build."""
    if choice is None:
        return None
    return choice.wheels[0] if choice.wheels else choice.any_wheel


def requirement_edges(session: Session, target: Target, pins: Sequence[LockPin],
                      choices: Mapping[str, VersionChoice | None]) -> Edges:
    """Every requirement the pins (with the extras asked of them) make on the target."""
    metadata = _read_metadata(session, pins, choices)
    by_name: dict[NormalizedName, LockPin] = {}
    for pin in pins:
        by_name.setdefault(pin.name, pin)
    edges = Edges()
    environment = target.marker_environment()
    queue: list[tuple[LockPin, NormalizedName | None]] = [(p, e) for p in pins for e in (None, *sorted(p.extras))]
    done: set[tuple[str, NormalizedName | None]] = set()
    seen: set[tuple[str, str]] = set()
    while queue:
        pin, extra = queue.pop(0)
        meta = metadata.get(pin.source)
        if meta is None or (pin.source, extra) in done:
            continue
        done.add((pin.source, extra))
        for line in meta.requires_dist:
            requirement = _parse(line)
            if requirement is None or (pin.source, line) in seen or not applies(
                    requirement.marker, environment, frozenset() if extra is None else frozenset({extra})):
                continue
            seen.add((pin.source, line))
            name = canonicalize_name(requirement.name)
            edges.requirers.setdefault(name, []).append(Requirer(requirement, pin))
            wanted = by_name.get(name)
            if wanted is not None:
                queue.extend((wanted, canonicalize_name(e)) for e in sorted(requirement.extras))
    for pin in pins:
        meta = metadata.get(pin.source)
        if meta is not None and meta.requires_python and not target.admits(meta.requires_python):
            edges.excluded_python[pin.source] = meta.requires_python
    return edges


def _read_metadata(session: Session, pins: Sequence[LockPin],
                   choices: Mapping[str, VersionChoice | None]) -> dict[str, CoreMetadata]:
    """Each pin's requirements: the lock's own dependency records where it has them, else the release's
    metadata from the index."""
    recorded = {pin.source: CoreMetadata(name=pin.name, version=str(pin.version), requires_dist=pin.dependencies or (),
                                         requires_python=pin.requires_python)
                for pin in pins if pin.dependencies is not None}
    files = {pin.source: metadata_file(choices[pin.source]) for pin in pins if pin.source not in recorded}
    for pin in pins:  # all at once, so the pool fetches them in parallel
        if pin.source in recorded:
            continue
        file = files[pin.source]
        if file is not None:
            session.prefetch_metadata(pin.name, file, version=str(pin.version))
    fetched = {pin.source: session.metadata(pin.name, file, version=str(pin.version))
               for pin in pins if (file := files.get(pin.source)) is not None}
    return {**fetched, **recorded}


def _parse(line: str) -> Requirement | None:
    try:
        return Requirement(line)
    except InvalidRequirement:
        return None  # installers skip what they cannot parse, and so does the resolver
