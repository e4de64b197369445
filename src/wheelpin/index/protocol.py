"""What the resolver needs from a package index, whatever answers it (HTTP, the cache, a test's fake)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from wheelpin.errors import InputError
from wheelpin.models import CoreMetadata, DistFile, ProjectPage, SourceBuild


class ProjectNotFound(InputError):
    """No index has a project of that name."""


class Index(Protocol):
    """What the resolver needs from an index.  Implementations must be safe to call from threads."""

    def project(self, name: str) -> ProjectPage:
        """All files of a project (first index that has it wins, as uv does by default)."""
        ...

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        """Core metadata of a wheel, or — only when asked for an sdist — its static PKG-INFO/pyproject."""
        ...


class Upstream(Index, Protocol):
    """What the disk cache fills itself from (:class:`~wheelpin.index.http.HttpIndex`, or
    :class:`~wheelpin.index.lazy.LazyIndex` building one): its URLs key the cache."""

    index_urls: list[str]

    def source_build(self, name: str, file: DistFile) -> tuple[SourceBuild, bool]:
        """What building this sdist takes, and whether the verdict may be cached."""
        ...


# Told of each page and metadata file fetched from the network: ("page" | "metadata", name or filename).
EventHook = Callable[[str, str], None]
