"""Plain data shared by the pure logic and the I/O layers: index file entries and core metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class DistFile(NamedTuple):
    """One file of a project as the index lists it (PEP 503/691 entry, condensed).

    A NamedTuple rather than a frozen dataclass: big projects list 15,000 files, and a run reads tens of
    thousands of them from the cache; building tuples is five times faster.  Still immutable and hashable.
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

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectPage:
    """A project's file list from one index."""

    name: str
    index_url: str
    files: tuple[DistFile, ...]


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
