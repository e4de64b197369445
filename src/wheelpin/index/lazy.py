"""An :class:`~wheelpin.index.http.HttpIndex` built at its first use.  [network only, from then on]

A run the disk cache answers whole never needs the HTTP stack: building the client (httpx, the TLS context,
the credentials) only at the first cache miss keeps a warm run from importing httpx and ssl at all.  An
error building it (a CA bundle that cannot be loaded) is raised at that first use, as it was at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wheelpin.models import CoreMetadata, DistFile, ProjectPage, SourceBuild

if TYPE_CHECKING:
    from wheelpin.index.http import HttpIndex


class LazyIndex:
    """The index at ``index_urls`` (without credentials: they key the cache), built by ``build`` when first
    asked anything; thread-safe, as the index it builds is."""

    def __init__(self, index_urls: Sequence[str], build: Callable[[], HttpIndex]) -> None:
        self.index_urls = [u.rstrip("/") + "/" for u in index_urls]
        self._build = build
        self._lock = threading.Lock()
        self._built: HttpIndex | None = None
        self._failed: Exception | None = None
        self._first_use: list[Callable[[], None]] | None = []  # None once asked

    def when_first_used(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, at the first question (the run's first cache miss), before the build; at
        once if that was asked already."""
        with self._lock:
            if self._first_use is not None:
                self._first_use.append(callback)
                return
        callback()

    def _index(self) -> HttpIndex:
        if self._first_use is not None:
            with self._lock:
                callbacks, self._first_use = self._first_use or [], None
            for callback in callbacks:
                callback()
        with self._lock:
            if self._built is None:
                if self._failed is not None:  # the same TLS setting fails alike: not built again per fetch
                    raise self._failed
                try:
                    self._built = self._build()
                except Exception as exc:
                    self._failed = exc
                    raise
            return self._built

    def project(self, name: str) -> ProjectPage:
        return self._index().project(name)

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        return self._index().metadata(name, file)

    def source_build(self, name: str, file: DistFile) -> tuple[SourceBuild, bool]:
        return self._index().source_build(name, file)

    @property
    def built(self) -> bool:
        return self._built is not None

    @property
    def requests(self) -> int:
        return self._built.requests if self._built is not None else 0

    @property
    def build_requests(self) -> int:
        return self._built.build_requests if self._built is not None else 0

    def close(self) -> None:
        with self._lock:
            if self._built is not None:
                self._built.close()
