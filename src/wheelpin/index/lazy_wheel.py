"""A wheel's METADATA member read by HTTP range requests: the zip directory from the end of the file, then
the member in one range located through that directory (pip's lazy wheel, with fewer round trips)."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable

import httpx
from packaging.utils import canonicalize_name

from wheelpin.config import redact_url
from wheelpin.errors import IndexUnavailable, MetadataError

# Slack read after a zip member's data when fetching it: its local header's extra field may be longer than
# the one the zip directory lists.
LOCAL_HEADER_SLACK = 1024
# Fetches one byte range of the file: (url, "bytes=A-B") → the response (206, or 200 if ranges are ignored).
RangeGet = Callable[[str, str], httpx.Response]


def check_whole(data: bytes, sha256: str | None, what: str) -> None:
    """Bytes held whole (a ``.metadata`` file, an sdist, a wheel that came whole) against the sha256 the index
    gives for them; ``what`` names them in the error."""
    if sha256 and hashlib.sha256(data).hexdigest() != sha256.lower():
        raise MetadataError(
            f"{what} does not match the sha256 the index gives for it ({sha256}): the index or a proxy "
            "between us serves inconsistent data; retry later, use --refresh, or point --index-url at a "
            "trusted mirror."
        )


def _metadata_member(archive: zipfile.ZipFile, filename: str, lazy: _RangeReader | None = None) -> bytes:
    candidates = [n for n in archive.namelist()
                  if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
    project = canonicalize_name(filename.split("-", 1)[0])
    matching = [n for n in candidates if canonicalize_name(n.split("-", 1)[0]) == project] or candidates
    if not matching:
        raise MetadataError(
            f"{filename} has no .dist-info/METADATA member: the wheel is malformed; exclude this version "
            "with a constraint such as 'name!=version'."
        )
    if lazy is not None:
        # zipfile reads the local header, then the name, then the data: fetch all of it in one range.
        info = archive.getinfo(matching[0])
        start = info.header_offset
        lazy.prefetch(start, start + 30 + len(info.orig_filename.encode()) + len(info.extra)
                      + info.compress_size + LOCAL_HEADER_SLACK)
    return archive.read(matching[0])


def _content_range_total(response: httpx.Response) -> int:
    value = response.headers.get("content-range", "")
    try:
        return int(value.rsplit("/", 1)[1])
    except (IndexError, ValueError):
        raise IndexUnavailable(
            f"{redact_url(str(response.url))} answered a range request without a usable Content-Range header "
            f"({value!r}): the server or a proxy mishandles ranges; retry later or use another --index-url."
        ) from None


class _RangeReader(io.RawIOBase):
    """A read-only, seekable view of a remote file that fetches the byte ranges zipfile asks for."""

    def __init__(self, get_range: RangeGet, url: str, size: int, tail: bytes,
                 on_whole: Callable[[bytes], None] = lambda whole: None) -> None:
        super().__init__()
        self._get_range, self._url, self._size, self._pos = get_range, url, size, 0
        self._on_whole = on_whole  # told the file when a server that ignores ranges sends all of it
        self._chunks: list[tuple[int, bytes]] = [(size - len(tail), tail)]

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        data = self._slice(self._pos, end)
        self._pos = end
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def prefetch(self, start: int, end: int) -> None:
        """Hold bytes ``start``..``end`` (clipped to the file) before they are read, in one request."""
        end = min(self._size, end)
        if start < end and not self._holds(start, end):
            self._slice(start, end)

    def _holds(self, start: int, end: int) -> bool:
        return any(chunk_start <= start and end <= chunk_start + len(chunk) for chunk_start, chunk in self._chunks)

    def _slice(self, start: int, end: int) -> bytes:
        for chunk_start, chunk in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(chunk):
                return chunk[start - chunk_start: end - chunk_start]
        # Fetch a little extra: zipfile reads a local header, then the member's data right after it.
        fetch_end = min(self._size, max(end, start + 16 * 1024))
        response = self._get_range(self._url, f"bytes={start}-{fetch_end - 1}")
        data = response.content
        if response.status_code == 200:  # the server ignored the range: we now hold the whole file
            self._on_whole(data)
            self._chunks = [(0, data)]
            return data[start:end]
        self._chunks.append((start, data))
        return data[: end - start]



def metadata_by_ranges(get_range: RangeGet, url: str, filename: str, tail_bytes: int,
                       sha256: str | None = None) -> bytes:
    """The METADATA member of the wheel at ``url``: ``tail_bytes`` from its end first (the zip directory),
    then the member.  A server that ignores ranges sends the whole wheel, which works too; a wheel that came
    whole is checked against ``sha256``."""
    def verify(whole: bytes) -> None:
        check_whole(whole, sha256, filename)

    response = get_range(url, f"bytes=-{tail_bytes}")
    try:
        if response.status_code == 206:
            total = _content_range_total(response)
            if len(response.content) == total:
                verify(response.content)
            lazy = _RangeReader(get_range, url, total, response.content, verify)
            return _metadata_member(zipfile.ZipFile(lazy), filename, lazy)
        verify(response.content)
        return _metadata_member(zipfile.ZipFile(io.BytesIO(response.content)), filename)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise MetadataError(
            f"{filename} could not be read as a zip archive ({exc}): the server or a proxy returned "
            "something else, or mishandles range requests; retry with --refresh, or use another --index-url."
        ) from None
