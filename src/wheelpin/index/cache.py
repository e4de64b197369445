"""A diskcache-backed Index wrapper.  [disk only]

Project pages are kept condensed (a few fields per file, not the 7–12 MB pages some projects have) with a
time-to-live, and a page read back stays those bytes (:class:`.packed.PackedFiles`) until a release's files
are asked for; parsed metadata is kept forever, keyed by the file's sha256 (content-addressed, so it can never
go stale).  diskcache writes through SQLite transactions, so an interrupted run never leaves a torn entry; a
cache restored or copied by other means may hold anything, so every entry is validated on read (a torn,
undecodable or older-format entry is a miss, and the next store rewrites it).  Opening the directory never
stops a run (:mod:`.store`).  No key or value holds credentials: index URLs are keyed without their user info.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import diskcache
import msgspec
import platformdirs
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from wheelpin.errors import DynamicMetadata, IndexUnavailable
from wheelpin.index.packed import PackedFiles, to_stored
from wheelpin.index.protocol import Upstream
from wheelpin.index.store import WriteBehind, open_store
from wheelpin.models import BuildKind, CoreMetadata, DistFile, ProjectPage, SourceBuild
from wheelpin.releasegroups import ReleaseGroup, group_releases

DEFAULT_TTL = 600.0
# Bump when the stored shape changes, so old entries are misses (and rewritten) rather than misread.  Each
# value carries its format, so that an entry of an older one is overwritten under the same key, not orphaned.
# Pages: 3: the yank reason; 4: the format inside the value, keys without it; 5: the upload time; 6: msgspec
# JSON bytes decoded straight into DistFile tuples (a warm read of pydantic-core's page: 47 -> 19 ms; a store:
# 56 -> 3 ms, with no list per file on the way); 7: each file's array with ``yanked`` second, and the page kept
# as those bytes (:class:`.packed.PackedFiles`): a file becomes a DistFile only when its release is judged;
# 8: the files grouped by release (``releasegroups``), so a warm run parses no filename to group them.
PAGE_SCHEMA = 8
METADATA_SCHEMA = 2  # 2: the format inside the value
BUILD_SCHEMA = 1
T = TypeVar("T")


class _StoredPage(msgspec.Struct):
    format: int
    saved: float
    name: str
    index_url: str
    files: list[msgspec.Raw]  # each file one JSON array (packed.to_stored's order), a view into the value
    releases: list[tuple[str, list[int], bool, list[str | None]]]  # releasegroups.ReleaseGroup each


_PAGE_ENCODER = msgspec.json.Encoder()
_PAGE_DECODER = msgspec.json.Decoder(_StoredPage)


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

    def __init__(self, inner: Upstream, directory: str | os.PathLike[str], *, ttl: float = DEFAULT_TTL,
                 refresh: bool = False, offline: bool = False) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.ttl, self.refresh, self.offline = ttl, refresh, offline
        # The indexes a page or a release is of, in its key (never with credentials).
        self._urls = "|".join(map(_without_userinfo, inner.index_urls))
        store, warning = open_store(self.directory)
        self._cache = WriteBehind(store)
        # For the CLI to print: the directory could not be used as it was (memory only, or rebuilt).
        self.warnings: tuple[str, ...] = (warning,) if warning else ()

    def project(self, name: str) -> ProjectPage:
        key = f"page/{self._urls}/{canonicalize_name(name)}"
        stored = self._decode_page(key)
        if stored is not None and (self.offline or (not self.refresh and time.time() - stored[1] < self.ttl)):
            return stored[0]
        if self.offline:
            raise IndexUnavailable(
                f"--offline: the project page of {name!r} is not in the cache at {self.directory}; run once "
                "without --offline to fill the cache."
            )
        value, releases = _encode_page(self.inner.project(name))  # the fetched DistFiles are dropped here
        self._cache.set(key, value)  # bytes: stored raw, read back as bytes (never pickled)
        written = _PAGE_DECODER.decode(value)
        return _page(written, PackedFiles(value, written.files, releases))[0]  # our own bytes: no check needed

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        key = f"meta/{file.sha256 or _without_userinfo(file.url)}"
        cached = self._decode(key, METADATA_SCHEMA, _metadata_from_json)
        if cached is not None:
            return cached
        # A run reads a release's metadata from one of its wheels, whichever target asks first (the fetcher's
        # rule); a report's Pythons race, so the next run may ask through another wheel of the release.
        release = self._release_key(name, file)
        stored_as = self._decode(release, METADATA_SCHEMA, lambda data: str(data["key"])) if release else None
        if stored_as is not None:
            cached = self._decode(stored_as, METADATA_SCHEMA, _metadata_from_json)
            if cached is not None:
                return cached
        dynamic_key = f"dynamic/{file.sha256}" if file.sha256 else None
        if dynamic_key is not None:
            said = self._decode(dynamic_key, METADATA_SCHEMA, lambda data: str(data["message"]))
            if said is not None:
                raise DynamicMetadata(said)
        if self.offline:
            raise IndexUnavailable(
                f"--offline: the metadata of {file.filename} is not in the cache at {self.directory}; run once "
                "without --offline to fill the cache."
            )
        try:
            meta = self.inner.metadata(name, file)
        except DynamicMetadata as exc:
            # Whether an sdist's dependencies are static is a fact of its bytes, so as lasting as its metadata
            # would be: without this, every warm run downloaded such sdists whole again (measured: four sdists,
            # 2 MB, on each warm resolve of a 2019 Django stack).  Other failures may be the network's: not kept.
            if dynamic_key is not None:
                self._store(dynamic_key, METADATA_SCHEMA, {"message": str(exc)})
            raise
        self._store(key, METADATA_SCHEMA, {
            "name": meta.name, "version": meta.version, "requires_dist": meta.requires_dist,
            "requires_python": meta.requires_python, "provides_extra": meta.provides_extra,
            "dynamic": meta.dynamic,
        })
        if release is not None:
            self._store(release, METADATA_SCHEMA, {"key": key})
        return meta

    def _release_key(self, name: str, file: DistFile) -> str | None:
        """Where the key of a wheel's stored metadata is kept for every wheel of its release (of this index)."""
        if not file.is_wheel:
            return None
        try:
            version = parse_wheel_filename(file.filename)[1]
        except InvalidWheelFilename:
            return None
        return f"release/{self._urls}/{canonicalize_name(name)}/{version}"

    def source_build(self, name: str, file: DistFile) -> SourceBuild:
        """An sdist's build, kept forever by the sdist's sha256 (the verdict is a function of its bytes).  An
        sdist the index gives no sha256 for is classified again each run: its URL may serve other bytes."""
        key = f"build/{file.sha256}" if file.sha256 else None
        if key is not None:
            cached = self._decode(key, BUILD_SCHEMA, lambda data: SourceBuild(kind=BuildKind(data["kind"]),
                                                                              evidence=str(data["evidence"])))
            if cached is not None:
                return cached
        if self.offline:
            return SourceBuild(kind=BuildKind.UNKNOWN, evidence="not classified: --offline, and not in the cache")
        build, keep = self.inner.source_build(name, file)
        if keep and key is not None:
            self._store(key, BUILD_SCHEMA, {"kind": build.kind.value, "evidence": build.evidence})
        return build

    def close(self) -> None:
        self._cache.close()

    def _store(self, key: str, version: int, data: dict[str, Any]) -> None:
        self._cache.set(key, json.dumps({"format": version, **data}, separators=(",", ":")))

    def _decode_page(self, key: str) -> tuple[ProjectPage, float] | None:
        """A stored page, or None for a miss: absent, unreadable, torn, of another format or shape (the next
        store replaces it), kept packed, and when it was saved."""
        try:
            raw = self._cache.get(key)
        except (OSError, sqlite3.Error, diskcache.Timeout, ValueError):
            return None
        if not isinstance(raw, bytes):
            return None  # an entry of format 5 or older (JSON text), or anything else: a miss
        try:
            stored = _PAGE_DECODER.decode(raw)
            if stored.format != PAGE_SCHEMA:
                return None
            files = PackedFiles(raw, stored.files, stored.releases)
            files.check()
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        return _page(stored, files)

    def _decode(self, key: str, version: int, build: Callable[[Any], T]) -> T | None:
        """The entry under ``key`` rebuilt by ``build``; a missing, torn, undecodable, old-format or
        wrong-shaped entry is a miss (the next store replaces it), never a crash.  A torn entry never passes
        for a whole one: every value is one JSON object, and no strict prefix of one is valid JSON."""
        try:
            raw = self._cache.get(key)
        except (OSError, sqlite3.Error, diskcache.Timeout, ValueError):
            return None  # an unreadable entry (a value file that is not UTF-8, a busy database) is a miss
        if not isinstance(raw, str):
            return None
        try:
            data = json.loads(raw)
            if data["format"] != version:
                return None
            return build(data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None


def _encode_page(page: ProjectPage) -> tuple[bytes, list[ReleaseGroup]]:
    """The stored value of a page, and its files grouped by release (versions parsed, as a run wants them)."""
    releases = group_releases(canonicalize_name(page.name), ((i, f.filename, f.yanked)
                                                             for i, f in enumerate(page.files)))
    value = _PAGE_ENCODER.encode({"format": PAGE_SCHEMA, "saved": time.time(), "name": page.name,
                                  "index_url": page.index_url, "files": [to_stored(f) for f in page.files],
                                  "releases": [(str(v), *rest) for v, *rest in releases]})
    return value, releases


def _page(stored: _StoredPage, files: PackedFiles) -> tuple[ProjectPage, float]:
    return ProjectPage(name=stored.name, index_url=stored.index_url, files=files), stored.saved


def _without_userinfo(url: str) -> str:
    """A URL as a cache key: credentials are no part of what a page says (and must never reach the disk)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
