"""Reading a package index over HTTP: project pages, core metadata, range requests.  [network only]

Project pages come from the PEP 691 JSON simple API, or PEP 503 HTML for mirrors that serve only that.
A wheel's dependencies come from its PEP 658/714 ``.metadata`` file (sha256 verified whenever the index gives
one), else from HTTP range requests on the wheel's zip (the central directory, then the METADATA member),
and only when the server ignores ranges from the whole wheel.  Nothing downloaded is ever executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from email.parser import BytesHeaderParser
from html.parser import HTMLParser
from typing import Any, Protocol, TypeVar, cast
from urllib.parse import urldefrag, urljoin

import httpx
from packaging.utils import InvalidSdistFilename, NormalizedName, canonicalize_name, parse_sdist_filename
from packaging.version import InvalidVersion, Version

from wheelpin.config import redact_text, redact_url
from wheelpin.errors import IndexUnavailable, InputError, MetadataError
from wheelpin.models import CoreMetadata, DistFile, ProjectPage
from wheelpin.target import Target
from wheelpin.wheels import ParsedFile, VersionChoice, choose_files, group_by_version

SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
USER_AGENT = "wheelpin/0.1 (metadata-only resolver)"
# Bytes asked for first when reading a wheel by ranges: enough for the central directory of most wheels.
TAIL_BYTES = 64 * 1024
# Below this share of hits, unadvertised .metadata files are no longer asked for (see _worth_guessing).
GUESS_HIT_RATE = 0.85
# Wheels bigger than this get a bigger first range: a big wheel's zip directory often outgrows 64 KiB (numpy's
# is 90 KB), and a round trip costs more than the extra bytes (measured: 64 KiB in 69 ms, 256 KiB in 89 ms).
BIG_WHEEL = 1024 * 1024
BIG_TAIL_BYTES = 256 * 1024
# Slack read after a zip member's data when fetching it: its local header's extra field may be longer than
# the one the zip directory lists.
LOCAL_HEADER_SLACK = 1024
T = TypeVar("T")
R = TypeVar("R")


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


EventHook = Callable[[str, str], None]


class HttpIndex:
    """An :class:`Index` backed by one or more simple-API URLs."""

    def __init__(self, index_urls: Sequence[str], *, client: httpx.Client | None = None,
                 on_event: EventHook | None = None) -> None:
        if not index_urls:
            raise InputError("no index URL configured: pass --index-url URL or set WHEELPIN_INDEX_URL.")
        self.index_urls = [u.rstrip("/") + "/" for u in index_urls]
        self.client = client or make_client()
        self.on_event = on_event
        self._lock = threading.Lock()
        # The index may serve .metadata files without advertising them (seen live): we try, and stop trying
        # once that clearly does not pay, so a silent index costs at most a few extra requests per run.
        self._unadvertised_hits = 0
        self._unadvertised_misses = 0
        self.requests = 0

    # -- project pages -------------------------------------------------------------------------------
    def project(self, name: str) -> ProjectPage:
        normalized = canonicalize_name(name)
        for index_url in self.index_urls:
            url = f"{index_url}{normalized}/"
            response = self._get(url, headers={"Accept": SIMPLE_ACCEPT}, missing_ok=True)
            if response is None:
                continue
            self._event("page", normalized)
            return ProjectPage(name=normalized, index_url=index_url,
                               files=tuple(parse_project_page(response)))
        where = " or ".join(redact_url(u) for u in self.index_urls)
        raise ProjectNotFound(
            f"no project named {name!r} on {where}: check the spelling of the requirement, or point "
            "--index-url at an index that has it."
        )

    # -- metadata ------------------------------------------------------------------------------------
    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        self._event("metadata", file.filename)
        if not file.is_wheel:
            return sdist_metadata(self._download(file.url).content, file.filename)
        raw = self._metadata_file(file)
        if raw is None:
            raw = self._metadata_by_ranges(file)
        return parse_core_metadata(raw, f"{file.filename}")

    def _metadata_file(self, file: DistFile) -> bytes | None:
        if file.core_metadata is False:
            return None
        if file.core_metadata is None and not self._worth_guessing(file):
            return None
        response = self._get(file.url + ".metadata", missing_ok=True)
        if file.core_metadata is None:
            with self._lock:
                if response is None:
                    self._unadvertised_misses += 1
                else:
                    self._unadvertised_hits += 1
        if response is None:
            return None
        content = response.content
        expected = file.core_metadata_sha256
        if expected and hashlib.sha256(content).hexdigest() != expected.lower():
            raise MetadataError(
                f"the metadata file of {file.filename} does not match the sha256 the index gives for it "
                f"({expected}): the index or a proxy between us serves inconsistent data; retry later, use "
                "--refresh, or point --index-url at a trusted mirror."
            )
        return content

    def _worth_guessing(self, file: DistFile) -> bool:
        """Whether to ask for a ``.metadata`` file the index does not advertise.

        Not for a wheel the page says fits in the first range: that range returns it whole, one request
        that a guess cannot beat and a miss would double.  Otherwise four guesses, then on only while most
        hit: reading by ranges costs about 1.2 requests a wheel (measured: 138 for 116 wheels), a hit 1 and
        a miss 2.2, so guessing pays only above a hit rate of about 85%.
        """
        if file.size is not None and file.size <= TAIL_BYTES:
            return False
        with self._lock:
            tried = self._unadvertised_hits + self._unadvertised_misses
            return tried < 4 or self._unadvertised_hits >= GUESS_HIT_RATE * tried

    def _metadata_by_ranges(self, file: DistFile) -> bytes:
        tail = BIG_TAIL_BYTES if file.size and file.size > BIG_WHEEL else TAIL_BYTES
        response = self._get(file.url, headers={"Range": f"bytes=-{tail}"})
        assert response is not None
        try:
            if response.status_code == 206:
                total = _content_range_total(response)
                lazy = _RangeReader(self, file.url, total, response.content)
                return _wheel_metadata_member(zipfile.ZipFile(lazy), file.filename, lazy)
            return _wheel_metadata_member(zipfile.ZipFile(io.BytesIO(response.content)), file.filename)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise MetadataError(
                f"{file.filename} could not be read as a zip archive ({exc}): the server or a proxy returned "
                "something else, or mishandles range requests; retry with --refresh, or use another --index-url."
            ) from None

    def _download(self, url: str) -> httpx.Response:
        response = self._get(url)
        assert response is not None
        return response

    # -- HTTP ----------------------------------------------------------------------------------------
    def _get(self, url: str, *, headers: dict[str, str] | None = None,
             missing_ok: bool = False) -> httpx.Response | None:
        with self._lock:
            self.requests += 1
        try:
            response = self.client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise IndexUnavailable(
                f"could not reach the package index at {redact_url(url)} ({type(exc).__name__}: "
                f"{redact_text(str(exc))}): check the "
                "network and --index-url (or WHEELPIN_INDEX_URL / PIP_INDEX_URL), or run with --offline to "
                "use only the cache."
            ) from None
        if response.status_code in (404, 410) and missing_ok:
            return None
        if response.status_code >= 400:
            raise IndexUnavailable(
                f"the package index answered HTTP {response.status_code} for {redact_url(url)}: check --index-url and "
                "any credentials it needs, or retry later."
            )
        return response

    def _event(self, kind: str, what: str) -> None:
        if self.on_event is not None:
            self.on_event(kind, what)


def make_client() -> httpx.Client:
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(30.0, connect=10.0),
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        trust_env=True,
    )


# -- parsing project pages ---------------------------------------------------------------------------
def parse_project_page(response: httpx.Response) -> list[DistFile]:
    """PEP 691 JSON or PEP 503 HTML → file entries with absolute URLs."""
    base = str(response.url)
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if content_type.endswith("+json") or content_type == "application/json":
        try:
            data = response.json()
            return [_json_file(entry, base) for entry in data["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexUnavailable(
                f"the project page {redact_url(base)} is not valid PEP 691 JSON ({exc}): the index is misbehaving; "
                "retry, or use another --index-url."
            ) from None
    parser = _AnchorParser(base)
    parser.feed(response.text)
    return parser.files


def _json_file(entry: dict[str, object], base: str) -> DistFile:
    hashes = entry.get("hashes") or {}
    assert isinstance(hashes, dict)
    core = entry.get("core-metadata", entry.get("dist-info-metadata"))
    core_sha = core.get("sha256") if isinstance(core, dict) else None
    yanked = entry.get("yanked", False)
    size = entry.get("size")
    requires_python = entry.get("requires-python")
    return DistFile(
        filename=str(entry["filename"]),
        url=_absolute(base, str(entry["url"])),
        sha256=hashes.get("sha256"),
        requires_python=str(requires_python) if requires_python else None,
        yanked=bool(yanked),
        # PEP 691: a dict of hashes (possibly empty) or a bool.
        core_metadata=None if core is None else core is not False,
        core_metadata_sha256=core_sha,
        size=size if isinstance(size, int) else None,
    )


def _absolute(base: str, url: str) -> str:
    # urljoin costs more than the rest of a file entry; most indexes give absolute URLs.
    return url if url.startswith(("https://", "http://")) else urljoin(base, url)


class _AnchorParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.files: list[DistFile] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            href = dict(attrs).get("href")
            if href:
                self.base = urljoin(self.base, href)
        if tag != "a":
            return
        attributes = dict(attrs)
        href = attributes.get("href")
        if not href:
            return
        url, fragment = urldefrag(urljoin(self.base, href))
        filename = url.rsplit("/", 1)[-1]
        sha256 = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
        core = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        core_sha = core[len("sha256="):] if core and core.startswith("sha256=") else None
        self.files.append(DistFile(
            filename=filename, url=url, sha256=sha256,
            requires_python=attributes.get("data-requires-python") or None,
            yanked="data-yanked" in attributes,
            core_metadata=None if core is None else core.lower() != "false",
            core_metadata_sha256=core_sha,
        ))


# -- metadata ------------------------------------------------------------------------------------------
def parse_core_metadata(raw: bytes, where: str) -> CoreMetadata:
    """METADATA / PKG-INFO bytes → the fields the resolver needs."""
    message = BytesHeaderParser().parsebytes(raw)
    name, version = message.get("Name"), message.get("Version")
    if not name or not version:
        raise MetadataError(
            f"the metadata of {where} has no Name or Version header: the file is damaged; retry with "
            "--refresh, or exclude this version with a constraint."
        )
    return CoreMetadata(
        name=str(name), version=str(version),
        requires_dist=tuple(str(r) for r in message.get_all("Requires-Dist") or ()),
        requires_python=str(message["Requires-Python"]) if message.get("Requires-Python") else None,
        provides_extra=tuple(str(e) for e in message.get_all("Provides-Extra") or ()),
        dynamic=tuple(str(d).lower() for d in message.get_all("Dynamic") or ()),
    )


def _wheel_metadata_member(archive: zipfile.ZipFile, filename: str, lazy: _RangeReader | None = None) -> bytes:
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

    def __init__(self, index: HttpIndex, url: str, size: int, tail: bytes) -> None:
        super().__init__()
        self._index, self._url, self._size, self._pos = index, url, size, 0
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
        response = self._index._get(self._url, headers={"Range": f"bytes={start}-{fetch_end - 1}"})
        assert response is not None
        data = response.content
        if response.status_code == 200:  # the server ignored the range: we now hold the whole file
            self._chunks = [(0, data)]
            return data[start:end]
        self._chunks.append((start, data))
        return data[: end - start]


def sdist_metadata(archive: bytes, filename: str) -> CoreMetadata:
    """Static metadata of an sdist: PKG-INFO 2.2+ (PEP 643) or the pyproject.toml ``[project]`` table.

    Raises MetadataError when the dependencies are dynamic: finding them would need a build backend to run,
    which wheelpin never does.
    """
    members = _sdist_top_files(archive, filename)
    pkg_info = members.get("PKG-INFO")
    if pkg_info is not None:
        meta = parse_core_metadata(pkg_info, filename)
        version = _metadata_version(pkg_info)
        if version >= Version("2.2") and "requires-dist" not in meta.dynamic:
            return meta
    pyproject = members.get("pyproject.toml")
    if pyproject is not None:
        meta_from_toml = _pyproject_metadata(pyproject, filename)
        if meta_from_toml is not None:
            return meta_from_toml
    raise MetadataError(
        f"{filename}: the sdist does not declare its dependencies statically (no PKG-INFO 2.2+ without "
        "'Dynamic: Requires-Dist', no static [project].dependencies in pyproject.toml); finding them would "
        "mean running its build backend, which wheelpin never does. Pin a version that ships wheels, or drop "
        "--allow-source for this package."
    )


def _metadata_version(raw: bytes) -> Version:
    value = BytesHeaderParser().parsebytes(raw).get("Metadata-Version", "1.0")
    try:
        return Version(str(value))
    except InvalidVersion:
        return Version("1.0")


def _sdist_top_files(archive: bytes, filename: str) -> dict[str, bytes]:
    wanted = {"PKG-INFO", "pyproject.toml"}
    found: dict[str, bytes] = {}
    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive)) as zf:
                for name in zf.namelist():
                    parts = name.split("/")
                    if len(parts) == 2 and parts[1] in wanted:
                        found[parts[1]] = zf.read(name)
        else:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
                for member in tf:
                    parts = member.name.split("/")
                    if len(parts) == 2 and parts[1] in wanted and member.isfile():
                        extracted = tf.extractfile(member)
                        if extracted is not None:
                            found[parts[1]] = extracted.read()
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise MetadataError(f"{filename}: the sdist archive could not be read ({exc}).") from None
    return found


def _pyproject_metadata(raw: bytes, filename: str) -> CoreMetadata | None:
    from wheelpin._toml import loads_toml

    try:
        project = loads_toml(raw.decode("utf-8")).get("project")
    except ValueError:
        return None
    if not isinstance(project, dict) or "dependencies" in project.get("dynamic", ()):
        return None
    # A dynamic version (setuptools-scm and friends) does not hide the dependencies: take it from the file.
    name, version = str(project.get("name", "")), str(project.get("version", ""))
    if not version or not name:
        try:
            parsed_name, parsed_version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None
        name, version = name or parsed_name, version or str(parsed_version)
    requires = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    if "optional-dependencies" in project.get("dynamic", ()):
        extras = {}
    for extra, reqs in extras.items():
        for req in reqs:
            requirement, _, marker = str(req).partition(";")
            condition = f'({marker.strip()}) and extra == "{extra}"' if marker.strip() else f'extra == "{extra}"'
            requires.append(f"{requirement.strip()}; {condition}")
    return CoreMetadata(
        name=name, version=version,
        requires_dist=tuple(requires), requires_python=project.get("requires-python"),
        provides_extra=tuple(extras),
    )


# -- concurrency ---------------------------------------------------------------------------------------
# How long a thread holding the turn waits before handing it on: a cached page or metadata file is ready
# in a few milliseconds, and handing the turn on for so short a wait only makes threads contend; a fetch
# from the network takes tens of milliseconds or more, which is worth spending on another thread's work.
TURN_GRACE = 0.02


class PrefetchingIndex:
    """Wraps an Index: fetches in a thread pool ahead of the resolver and memoizes every answer.

    The resolver is sequential; the prefetches let it find the next project page or metadata file already
    downloaded.  Each page and each metadata file is fetched at most once per run.
    """

    def __init__(self, inner: Index, *, workers: int = 16) -> None:
        self.inner = inner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wheelpin-fetch")
        self._lock = threading.Lock()
        self._pages: dict[str, Future[ProjectPage]] = {}
        self._metadata: dict[str, Future[CoreMetadata]] = {}
        self._groups: dict[str, dict[Version, list[ParsedFile]]] = {}
        self._choices: dict[tuple[str, Version, Target], VersionChoice] = {}
        self._derived: dict[Hashable, object] = {}
        self._computing: dict[Hashable, tuple[int, threading.Event]] = {}
        self._turn = threading.Lock()
        self._local = threading.local()
        self._closed = False

    def project(self, name: str) -> ProjectPage:
        return self._await(self.page_future(canonicalize_name(name)))

    def releases(self, name: str) -> dict[Version, list[ParsedFile]]:
        """A project's files parsed and grouped by version, newest first (parsed once per run)."""
        normalized = canonicalize_name(name)
        groups = self._groups.get(normalized)
        if groups is None:
            groups = self.memo(("releases", normalized), lambda: self._group(normalized))
            self._groups[normalized] = groups
        return groups

    def _group(self, name: NormalizedName) -> dict[Version, list[ParsedFile]]:
        parsed = group_by_version(name, self.project(name).files)
        return {v: parsed[v] for v in sorted(parsed, reverse=True)}

    def choice(self, name: str, version: Version, target: Target) -> VersionChoice:
        """One release judged for ``target``; judged lazily, once per run, because resolutions only ever look
        at the few releases their specifiers admit."""
        normalized = name if name in self._groups else canonicalize_name(name)
        key = (normalized, version, target)
        with self._lock:
            cached = self._choices.get(key)
        if cached is None:
            cached = choose_files(version, self.releases(normalized)[version], target)
            with self._lock:
                self._choices[key] = cached
        return cached

    def choices(self, name: str, target: Target) -> list[VersionChoice]:
        """Every release of a project, newest first, judged for ``target``."""
        return [self.choice(name, version, target) for version in self.releases(name)]

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A per-run memo for values derived from pages and metadata (they never change within a run).

        Computed once even when several threads ask at once (a report resolves its Pythons in parallel):
        the first computes, the others wait for its answer, handing their turn on meanwhile (see turn()).  A
        thread that asks again while computing the same key (it never should) computes it again rather than
        waiting on itself.  A fetch worker only ever waits here for a value derived from a page it already
        holds (speculation runs in callbacks of finished fetches), so the pool cannot deadlock on a memo.
        """
        me = threading.get_ident()
        while True:
            with self._lock:
                if key in self._derived:
                    return cast(T, self._derived[key])
                owner = self._computing.get(key)
                if owner is None:
                    owner = self._computing[key] = (me, threading.Event())
                    created = True
                    break
                if owner[0] == me:
                    created = False
                    break
            self._wait_until(owner[1].wait)  # then look again: it is stored now, unless computing it failed
        try:
            value = compute()
            with self._lock:
                return cast(T, self._derived.setdefault(key, value))
        finally:
            if created:
                with self._lock:
                    del self._computing[key]
                owner[1].set()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Run the body as one of several threads that take turns: one at a time runs, and it hands the
        turn on whenever it waits for the index (a page, a metadata file, a value another thread computes).

        A report answers each Python in a thread of its own so that their waits for the network overlap;
        taking turns keeps them from also contending for the GIL while none waits, which made a warm run
        a fifth slower than answering the Pythons one after another.
        """
        with self._turn:
            self._local.turn = True
            try:
                yield
            finally:
                self._local.turn = False

    def _await(self, pending: Future[R]) -> R:
        """A fetch's result, handing the turn on while it is not ready (if this thread holds the turn)."""
        self._wait_until(lambda timeout: not futures_wait([pending], timeout=timeout).not_done)
        return pending.result()

    def _wait_until(self, ready: Callable[[float | None], object]) -> None:
        """``ready(timeout)`` waits up to ``timeout`` seconds (None: for ever) and says whether it is ready."""
        if getattr(self._local, "turn", False) and not ready(TURN_GRACE):
            self._turn.release()
            try:
                ready(None)
            finally:
                self._turn.acquire()
        else:
            ready(None)

    def metadata(self, name: str, file: DistFile, *, version: str = "") -> CoreMetadata:
        """Memoized per (project, version, wheel-or-sdist): metadata is the same for every target."""
        return self._await(self.metadata_future(name, file, version))

    def prefetch_projects(self, names: Iterable[str]) -> None:
        for name in names:
            self.page_future(canonicalize_name(name))

    def prefetch_metadata(self, name: str, file: DistFile, *, version: str = "") -> None:
        self.metadata_future(name, file, version)

    def prefetch_releases(self, name: str, choices: Iterable[VersionChoice]) -> None:
        """Start fetching the metadata of these releases, from a wheel of each (a release without one is
        skipped: its sdist would be downloaded whole)."""
        for choice in choices:
            if choice.wheels:
                self.metadata_future(name, choice.wheels[0], str(choice.version))

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop fetching: queued fetches are dropped, and whatever still waits on one is told so."""
        with self._lock:
            self._closed = True
            futures: list[Future[Any]] = [*self._pages.values(), *self._metadata.values()]
            pending = [f for f in futures if not f.done()]
        self._pool.shutdown(wait=False, cancel_futures=True)
        for future in pending:
            _settle(future, IndexUnavailable("the run ended before this fetch finished"))

    def page_future(self, name: str) -> Future[ProjectPage]:
        """The (possibly still running) fetch of a project page; started if new."""
        return self._start(self._pages, name, self.inner.project, name)

    def metadata_future(self, name: str, file: DistFile, version: str) -> Future[CoreMetadata]:
        """The (possibly still running) fetch of a release's metadata; started if new."""
        key = f"{canonicalize_name(name)}=={version}:{file.is_wheel}" if version else file.url
        return self._start(self._metadata, key, self.inner.metadata, name, file)

    def _start(self, table: dict[str, Future[R]], key: str, fetch: Callable[..., R], *args: Any) -> Future[R]:
        # The future is registered under the lock, but the pool is only touched outside it: callbacks run
        # by workers (and close()) take this lock too, and holding it across submit() could deadlock.
        with self._lock:
            future = table.get(key)
            if future is not None:
                return future
            future = table[key] = Future()
            closed = self._closed
        if closed:
            _settle(future, IndexUnavailable("the run is over; nothing more is fetched"))
            return future
        try:
            self._pool.submit(_run_into, future, fetch, *args)
        except RuntimeError:  # shut down between the check and the submit
            _settle(future, IndexUnavailable("the run is over; nothing more is fetched"))
        return future


def _run_into(future: Future[R], fetch: Callable[..., R], *args: Any) -> None:
    if future.done():
        return
    try:
        result = fetch(*args)
    except BaseException as exc:  # handed to whoever waits on the future
        _settle(future, exc)
    else:
        with contextlib.suppress(InvalidStateError):
            future.set_result(result)


def _settle(future: Future[Any], exc: BaseException) -> None:
    with contextlib.suppress(InvalidStateError):  # already settled by a racing thread
        future.set_exception(exc)


def page_to_data(page: ProjectPage) -> dict[str, Any]:
    """A compact, JSON-ready form of a condensed page, for the cache: one list of fields per file."""
    return {"name": page.name, "index_url": page.index_url, "files": [list(f) for f in page.files]}


def page_from_data(data: dict[str, Any]) -> ProjectPage:
    make = DistFile._make
    return ProjectPage(name=data["name"], index_url=data["index_url"], files=tuple(make(f) for f in data["files"]))
