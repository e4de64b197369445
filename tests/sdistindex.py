"""A small index data directory (tests/indexserver.py's layout) with real sdist archives, for the worlds the
recorded fixture lacks: it records wheels' metadata but no sdist, so nothing there can be built from source.

Wheels are served only as their PEP 658 ``.metadata`` files; each sdist is a real .tar.gz holding a PKG-INFO
(and, when asked, a pyproject.toml), which wheelpin reads as it would read a real one.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

# PKG-INFO of an sdist built by an old setup.py: Metadata-Version 2.1, so no field is declared static and the
# dependencies are what setup.py computes when it runs.
DYNAMIC = "2.1"
STATIC = "2.2"


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    wheels: tuple[str, ...] = ("py3-none-any",)  # tags, the part of the filename after the version
    sdist: str | None = None  # the PKG-INFO Metadata-Version of its sdist (STATIC, DYNAMIC), or no sdist
    requires_python: str | None = None
    # More members of its sdist, (path below the top directory, bytes), in archive order, after PKG-INFO.
    sdist_files: tuple[tuple[str, bytes], ...] = ()
    sdist_format: str = "tar.gz"  # or "zip"


def pkg_info(release: Release, metadata_version: str) -> bytes:
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {release.name}", f"Version: {release.version}"]
    if release.requires_python:
        lines.append(f"Requires-Python: {release.requires_python}")
    lines += [f"Requires-Dist: {r}" for r in release.requires]
    return ("\n".join(lines) + "\n\n").encode()


def sdist_archive(release: Release, metadata_version: str) -> bytes:
    top = f"{canonicalize_name(release.name).replace('-', '_')}-{release.version}"
    members = {"PKG-INFO": pkg_info(release, metadata_version)}
    members.update(release.sdist_files or {"setup.py": b"from setuptools import setup\nsetup()\n"})
    return archive_bytes(top, members, release.sdist_format)


def archive_bytes(top: str, members: dict[str, bytes], sdist_format: str = "tar.gz") -> bytes:
    """A real sdist archive: ``members`` (path → bytes, in this order) under the directory ``top``."""
    buffer = io.BytesIO()
    if sdist_format == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name, data in members.items():
                zipped.writestr(f"{top}/{name}", data)
        return buffer.getvalue()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_index(root: Path, releases: Iterable[Release]) -> Path:
    """``root`` filled with pages/, metadata/ and files/ for ``releases``; returns ``root``."""
    pages: dict[str, list[dict[str, object]]] = {}
    for release in releases:
        project = canonicalize_name(release.name)
        stem = f"{project.replace('-', '_')}-{release.version}"
        entries = pages.setdefault(project, [])
        metadata = pkg_info(release, "2.1")
        (root / "metadata" / project).mkdir(parents=True, exist_ok=True)
        (root / "metadata" / project / f"{release.version}.metadata").write_bytes(metadata)
        for tag in release.wheels:
            filename = f"{stem}-{tag}.whl"
            entries.append(_entry(release, filename, hashlib.sha256(filename.encode()).hexdigest(),
                                  core_metadata=hashlib.sha256(metadata).hexdigest()))
        if release.sdist is not None:
            data = sdist_archive(release, release.sdist)
            (root / "files").mkdir(parents=True, exist_ok=True)
            filename = f"{stem}.{release.sdist_format}"
            (root / "files" / filename).write_bytes(data)
            entries.append(_entry(release, filename, hashlib.sha256(data).hexdigest(), size=len(data)))
    (root / "pages").mkdir(parents=True, exist_ok=True)
    for project, entries in pages.items():
        versions = sorted({str(e["filename"]).split("-")[1].removesuffix(".tar.gz").removesuffix(".zip")
                           for e in entries})
        page = {"files": entries, "meta": {"api-version": "1.1"}, "name": project, "versions": versions}
        (root / "pages" / f"{project}.json").write_text(json.dumps(page, indent=1))
    return root


def _entry(release: Release, filename: str, sha256: str, *, core_metadata: str | None = None,
           size: int | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"filename": filename, "hashes": {"sha256": sha256},
                                "requires-python": release.requires_python, "url": f"../../files/{filename}",
                                "yanked": False}
    if core_metadata is not None:
        entry["core-metadata"] = {"sha256": core_metadata}
    if size is not None:
        entry["size"] = size
    return entry
