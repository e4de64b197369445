"""A diskcache-backed Index wrapper.  [disk only]

Project pages are kept condensed (a few fields per file, not the 7–12 MB pages some projects have) with a
time-to-live; parsed metadata is kept forever, keyed by the file's sha256 (content-addressed, so it can never
go stale).  diskcache writes through SQLite transactions, so an interrupted run never leaves a torn entry.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import diskcache
import platformdirs
from packaging.utils import canonicalize_name

from wheelpin.errors import IndexUnavailable, InputError
from wheelpin.index.http import HttpIndex
from wheelpin.index.simple_api import page_from_data, page_to_data
from wheelpin.models import BuildKind, CoreMetadata, DistFile, ProjectPage, SourceBuild

DEFAULT_TTL = 600.0
# Bump when the stored shape changes, so old entries are ignored rather than misread.
PAGE_SCHEMA = 3  # 3: file entries carry the yank reason
METADATA_SCHEMA = 1
BUILD_SCHEMA = 1
T = TypeVar("T")


def default_cache_dir() -> Path:
    """``--cache-dir``, else ``WHEELPIN_CACHE_DIR``, else the user's cache directory."""
    env = os.environ.get("WHEELPIN_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("wheelpin"))


def _metadata_from_json(data: dict[str, Any]) -> CoreMetadata:
    return CoreMetadata(name=str(data["name"]), version=str(data["version"]),
                        requires_dist=tuple(data["requires_dist"]), requires_python=data["requires_python"],
                        provides_extra=tuple(data["provides_extra"]), dynamic=tuple(data["dynamic"]))


class CachedIndex:
    """An Index that answers from disk when it can and fills the disk from ``inner`` when it must."""

    def __init__(self, inner: HttpIndex, directory: str | os.PathLike[str], *, ttl: float = DEFAULT_TTL,
                 refresh: bool = False, offline: bool = False) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.ttl, self.refresh, self.offline = ttl, refresh, offline
        try:
            self._cache = diskcache.Cache(str(self.directory), size_limit=2**31)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(
                f"the cache directory {self.directory} cannot be used ({exc}): pass a writable --cache-dir or "
                "set WHEELPIN_CACHE_DIR."
            ) from None

    def project(self, name: str) -> ProjectPage:
        key = f"page/{PAGE_SCHEMA}/{'|'.join(self.inner.index_urls)}/{canonicalize_name(name)}"
        stored = self._decode(key, lambda data: (float(data["saved"]), page_from_data(data["page"])))
        if stored is not None:
            saved_at, page = stored
            if self.offline or (not self.refresh and time.time() - saved_at < self.ttl):
                return page
        if self.offline:
            raise IndexUnavailable(
                f"--offline: the project page of {name!r} is not in the cache at {self.directory}; run once "
                "without --offline to fill the cache."
            )
        page = self.inner.project(name)
        self._store(key, json.dumps({"saved": time.time(), "page": page_to_data(page)}, separators=(",", ":")))
        return page

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        key = f"meta/{METADATA_SCHEMA}/{file.sha256 or file.url}"
        cached = self._decode(key, _metadata_from_json)
        if cached is not None:
            return cached
        if self.offline:
            raise IndexUnavailable(
                f"--offline: the metadata of {file.filename} is not in the cache at {self.directory}; run once "
                "without --offline to fill the cache."
            )
        meta = self.inner.metadata(name, file)
        self._store(key, json.dumps({
            "name": meta.name, "version": meta.version, "requires_dist": meta.requires_dist,
            "requires_python": meta.requires_python, "provides_extra": meta.provides_extra,
            "dynamic": meta.dynamic,
        }))
        return meta

    def source_build(self, name: str, file: DistFile) -> SourceBuild:
        """An sdist's build, kept forever by the sdist's sha256 (the verdict is a function of its bytes).  An
        sdist the index gives no sha256 for is classified again each run: its URL may serve other bytes."""
        key = f"build/{BUILD_SCHEMA}/{file.sha256}" if file.sha256 else None
        if key is not None:
            cached = self._decode(key, lambda data: SourceBuild(kind=BuildKind(data["kind"]),
                                                                evidence=str(data["evidence"])))
            if cached is not None:
                return cached
        if self.offline:
            return SourceBuild(kind=BuildKind.UNKNOWN, evidence="not classified: --offline, and not in the cache")
        build, keep = self.inner.source_build(name, file)
        if keep and key is not None:
            self._store(key, json.dumps({"kind": build.kind.value, "evidence": build.evidence}))
        return build

    def close(self) -> None:
        self._cache.close()

    def _store(self, key: str, value: str) -> None:
        # A cache that cannot be written only makes the next run slower.
        with contextlib.suppress(OSError, sqlite3.Error):
            self._cache.set(key, value)

    def _decode(self, key: str, build: Callable[[Any], T]) -> T | None:
        """The entry under ``key`` rebuilt by ``build``; a missing, damaged or old-shaped entry is a miss
        (the next store replaces it), never a crash."""
        try:
            raw = self._cache.get(key)
        except (OSError, sqlite3.Error):
            return None  # an unreadable cache is a cold cache
        if not isinstance(raw, str):
            return None
        try:
            return build(json.loads(raw))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None
