"""Small synthetic indexes for tests: real zip wheels and tar.gz sdists built in a directory, laid out as
tests/indexserver.py serves them (``pages/<name>.json`` with relative file URLs, ``files/<filename>``).

The files are real archives, so wheelpin reads their metadata as it reads any index's (by range requests,
since no ``.metadata`` is advertised), and their bytes can be downloaded and hashed.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass
class Release:
    name: str
    version: str
    requires: list[str] = field(default_factory=list)
    wheel_tags: list[str] = field(default_factory=lambda: ["py3-none-any"])
    # sdist members (name → text) beside PKG-INFO; None: no sdist
    sdist: dict[str, str] | None = None
    static_sdist_metadata: bool = True


def _metadata(release: Release, *, dynamic: bool = False) -> str:
    lines = ["Metadata-Version: 2.2" if not dynamic else "Metadata-Version: 2.1", f"Name: {release.name}",
             f"Version: {release.version}", *(f"Requires-Dist: {r}" for r in release.requires)]
    if dynamic:
        lines.append("Dynamic: Requires-Dist")
    return "\n".join(lines) + "\n"


def wheel_bytes(release: Release, tag: str) -> bytes:
    dist = f"{canonicalize_name(release.name).replace('-', '_')}-{release.version}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{dist.split('-')[0]}/__init__.py", f"# {release.name} {release.version} {tag}\n")
        zf.writestr(f"{dist}.dist-info/METADATA", _metadata(release))
        zf.writestr(f"{dist}.dist-info/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")
        zf.writestr(f"{dist}.dist-info/RECORD", "")
    return buffer.getvalue()


def sdist_bytes(release: Release) -> bytes:
    assert release.sdist is not None
    top = f"{canonicalize_name(release.name).replace('-', '_')}-{release.version}"
    members = {"PKG-INFO": _metadata(release, dynamic=not release.static_sdist_metadata), **release.sdist}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_index(root: Path, releases: list[Release]) -> dict[str, bytes]:
    """Write the index under ``root``; returns every file's bytes by filename."""
    (root / "pages").mkdir(parents=True)
    (root / "files").mkdir()
    files: dict[str, bytes] = {}
    pages: dict[str, list[dict[str, object]]] = {}
    for release in releases:
        dist = f"{canonicalize_name(release.name).replace('-', '_')}-{release.version}"
        built = {f"{dist}-{tag}.whl": wheel_bytes(release, tag) for tag in release.wheel_tags}
        if release.sdist is not None:
            built[f"{dist}.tar.gz"] = sdist_bytes(release)
        for filename, data in built.items():
            (root / "files" / filename).write_bytes(data)
            files[filename] = data
            pages.setdefault(canonicalize_name(release.name), []).append({
                "filename": filename, "url": f"../../files/{filename}", "size": len(data), "yanked": False,
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
            })
    for name, entries in pages.items():
        page = {"meta": {"api-version": "1.1"}, "name": name, "files": entries}
        (root / "pages" / f"{name}.json").write_text(json.dumps(page))
    return files
