"""Reading an sdist's build configuration off the network, without running or unpacking anything.  [network]

A .tar.gz has no index to read by ranges, so it is streamed: members go by one at a time, the top-level
configuration files are kept, the paths that compile are noted, and the download stops as soon as
``sourcebuild.settled`` says the rest cannot change the verdict, or at the byte cap.  A zip is small enough
under the same cap to read whole.  When the whole file went by, its sha256 is checked against the index's.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx

from wheelpin.models import BuildKind, DistFile, SourceBuild
from wheelpin.sourcebuild import SdistContents, classify, settled, wants_content

# Above this many bytes downloaded an sdist is not read on (numpy's is ~20 MB): the verdict is unknown.
BYTE_CAP = 20 * 1024 * 1024
CHUNK = 64 * 1024

# Opens a streamed GET of a URL (httpx.Client.stream's shape), so tests and the index share one client.
Streamer = Callable[[str], AbstractContextManager[httpx.Response]]


class _CapReached(Exception):
    pass


class _Stream(io.RawIOBase):
    """A response body as a file, counting and hashing what it hands out; over the cap it raises."""

    def __init__(self, chunks: Iterator[bytes], cap: int) -> None:
        self._chunks, self._cap = chunks, cap
        self._buffer = b""
        self.read_bytes = 0
        self.sha256 = hashlib.sha256()
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self.exhausted:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.exhausted = True
                break
            self.read_bytes += len(chunk)
            if self.read_bytes > self._cap:
                raise _CapReached
            self.sha256.update(chunk)
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def drain(self) -> None:
        """Read what the archive reader left (a tar's end padding, gzip's trailer) so the hash covers it all."""
        while self.read(CHUNK):
            pass


def probe_sdist(stream: Streamer, file: DistFile, *, cap: int = BYTE_CAP) -> tuple[SourceBuild, bool]:
    """The sdist's build and whether that verdict may be kept forever (False: a failure worth retrying)."""
    if file.size is not None and file.size > cap:
        return _too_big(file.size, cap), True
    contents = SdistContents()
    with stream(file.url) as response:
        if response.status_code >= 400:
            return SourceBuild(kind=BuildKind.UNKNOWN,
                               evidence=f"the index answered HTTP {response.status_code} for the sdist"), False
        body = _Stream(response.iter_bytes(CHUNK), cap)
        try:
            if file.filename.lower().endswith(".zip"):
                _read_zip(body, contents)
            else:
                _read_tar(body, contents)
        except _CapReached:
            return _too_big(None, cap), True
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            return SourceBuild(kind=BuildKind.UNKNOWN, evidence=f"the archive could not be read ({exc})"), False
    if contents.complete and body.exhausted and file.sha256 and body.sha256.hexdigest() != file.sha256.lower():
        return SourceBuild(kind=BuildKind.UNKNOWN,
                           evidence=f"the download does not match the sha256 the index gives ({file.sha256})"), False
    return classify(contents), True


def _too_big(size: int | None, cap: int) -> SourceBuild:
    what = "the sdist is" if size is None else f"the sdist is {_mib(size)},"
    return SourceBuild(kind=BuildKind.UNKNOWN, evidence=f"{what} over the {_mib(cap)} read cap")


def _mib(size: int) -> str:
    """Bytes in MiB, the unit BYTE_CAP is set in: "20 MiB" for the cap, "25.3 MiB" for an sdist."""
    mib = size / (1024 * 1024)
    return f"{mib:.0f} MiB" if mib.is_integer() else f"{mib:.1f} MiB"


def _read_tar(body: _Stream, contents: SdistContents) -> None:
    with tarfile.open(fileobj=io.BufferedReader(body, CHUNK), mode="r|*") as archive:
        for member in archive:
            path = _relative(member.name)
            data = None
            if member.isfile() and wants_content(path, member.size):
                extracted = archive.extractfile(member)
                data = extracted.read() if extracted is not None else None
            if path and contents.add(path, data) and settled(contents):
                return  # the rest of the archive cannot change the verdict: stop downloading
    contents.complete = True
    body.drain()


def _read_zip(body: _Stream, contents: SdistContents) -> None:
    data = body.read()  # under the cap, or _CapReached
    body.drain()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = _relative(info.filename)
            wanted = not info.is_dir() and wants_content(path, info.file_size)
            if path:
                contents.add(path, archive.read(info) if wanted else None)
    contents.complete = True


def _relative(name: str) -> str:
    """A member's path below the sdist's top directory ("pkg-1.0/src/x.c" → "src/x.c"); "" for the top."""
    parts = [p for p in name.split("/") if p and p != "."]
    return "/".join(parts[1:])
