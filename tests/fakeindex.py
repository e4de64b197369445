"""An in-memory package index for tests: project pages and core metadata, with call counting.

Implements the ``wheelpin.index.Index`` protocol (``project`` and ``metadata``) plus the ``index_urls``
attribute CachedIndex reads for its cache keys.  Files get realistic names, URLs and sha256 digests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable

from packaging.utils import canonicalize_name

from wheelpin.index import ProjectNotFound
from wheelpin.models import CoreMetadata, DistFile, ProjectPage

INDEX_URL = "https://index.example/simple/"
FILES_URL = "https://files.example/packages/"

# Wheel tags (the part of a wheel filename after the version).
ANY = "py3-none-any"
LINUX_311 = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
LINUX_312 = "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
WIN_311 = "cp311-cp311-win_amd64"
MAC_311 = "cp311-cp311-macosx_11_0_arm64"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def wheel_name(name: str, version: str, tag: str) -> str:
    return f"{canonicalize_name(name).replace('-', '_')}-{version}-{tag}.whl"


def sdist_name(name: str, version: str) -> str:
    return f"{canonicalize_name(name).replace('-', '_')}-{version}.tar.gz"


class FakeIndex:
    """Projects added with :meth:`add`; every ``project``/``metadata`` call is recorded."""

    def __init__(self, index_urls: Iterable[str] = (INDEX_URL,)) -> None:
        self.index_urls = list(index_urls)
        self._files: dict[str, list[DistFile]] = {}
        self._metadata: dict[str, CoreMetadata] = {}
        self._lock = threading.Lock()
        self.project_calls: list[str] = []
        self.metadata_calls: list[str] = []  # filenames
        self.fail: Exception | None = None  # raised by every call when set

    def add(self, name: str, version: str, *, requires: Iterable[str] = (), wheels: Iterable[str] = (ANY,),
            sdist: bool = False, requires_python: str | None = None, yanked: bool | str = False,
            extras: Iterable[str] = (), size: int | None = None,
            upload_time: str | None = None) -> list[DistFile]:
        """One release of ``name``: a wheel per tag in ``wheels`` and optionally an sdist; ``yanked`` may be
        the reason, as in PEP 691."""
        key = canonicalize_name(name)
        filenames = [wheel_name(name, version, tag) for tag in wheels]
        if sdist:
            filenames.append(sdist_name(name, version))
        files = [DistFile(filename=f, url=FILES_URL + f, sha256=sha(f), requires_python=requires_python,
                          yanked=bool(yanked), yanked_reason=yanked if isinstance(yanked, str) else None,
                          core_metadata=True, size=size, upload_time=upload_time) for f in filenames]
        meta = CoreMetadata(name=name, version=version, requires_dist=tuple(requires),
                            requires_python=requires_python, provides_extra=tuple(extras))
        self._files.setdefault(key, []).extend(files)
        for f in filenames:
            self._metadata[f] = meta
        return files

    def set_metadata(self, name: str, version: str, **changes: object) -> None:
        """Change a release's metadata after :meth:`add`, e.g. a Requires-Python the page does not show."""
        for file in self._files[canonicalize_name(name)]:
            meta = self._metadata[file.filename]
            if meta.version == version:
                self._metadata[file.filename] = dataclasses.replace(meta, **changes)  # type: ignore[arg-type]

    def files(self, name: str) -> list[DistFile]:
        return list(self._files[canonicalize_name(name)])

    def project(self, name: str) -> ProjectPage:
        key = canonicalize_name(name)
        with self._lock:
            self.project_calls.append(key)
        if self.fail is not None:
            raise self.fail
        if key not in self._files:
            raise ProjectNotFound(f"no project named {name!r} on {self.index_urls[0]}")
        return ProjectPage(name=key, index_url=self.index_urls[0], files=tuple(self._files[key]))

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        with self._lock:
            self.metadata_calls.append(file.filename)
        if self.fail is not None:
            raise self.fail
        return self._metadata[file.filename]
