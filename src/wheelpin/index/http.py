"""An :class:`~wheelpin.index.protocol.Index` over HTTP: simple-API pages, PEP 658 ``.metadata`` files, and
range reads of wheels where the index serves no ``.metadata``.  [network only]

Project pages come from the PEP 691 JSON simple API, or PEP 503 HTML for mirrors that serve only that.
A wheel's dependencies come from its PEP 658/714 ``.metadata`` file (sha256 verified whenever the index gives
one), else from HTTP range requests on the wheel's zip, and only when the server ignores ranges from the
whole wheel.  Nothing downloaded is ever executed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import httpx
from packaging.utils import canonicalize_name

from wheelpin.config import redact_url
from wheelpin.errors import IndexUnavailable, InputError
from wheelpin.index.lazy_wheel import check_whole, metadata_by_ranges
from wheelpin.index.metadata import parse_core_metadata, sdist_metadata
from wheelpin.index.policy import NetPolicy
from wheelpin.index.protocol import EventHook, ProjectNotFound
from wheelpin.index.sdist_probe import BYTE_CAP, probe_sdist
from wheelpin.index.simple_api import SIMPLE_ACCEPT, parse_project_page
from wheelpin.index.transport import USER_AGENT, Getter, make_client
from wheelpin.models import BuildKind, CoreMetadata, DistFile, ProjectPage, SourceBuild

__all__ = ["USER_AGENT", "HttpIndex", "make_client"]
# Bytes asked for first when reading a wheel by ranges: enough for the central directory of most wheels.
TAIL_BYTES = 64 * 1024
# Wheels bigger than this get a bigger first range: a big wheel's zip directory often outgrows 64 KiB (numpy's
# is 90 KB), and one more round trip costs more than the extra bytes.
BIG_WHEEL = 1024 * 1024
BIG_TAIL_BYTES = 256 * 1024
# Sdists downloaded whole (for their static metadata) at once, across the fetch workers.
WHOLE_SDISTS = 1
# Below this share of hits, a project's unadvertised .metadata files are no longer asked for (see Guesses);
# below GUESS_INDEX_RATE over all projects, after GUESS_SAMPLE guesses, no project's are.
GUESS_HIT_RATE = 0.85
GUESS_INDEX_RATE = 0.5
GUESS_SAMPLE = 4


class Guesses:
    """Whether asking for a ``.metadata`` file the index does not advertise pays, learnt as the run goes.

    Reading a wheel by ranges costs about 1.2 requests (measured: 138 for 116 wheels), a hit 1 and a miss
    2.2, so guessing pays above a hit rate of about 85%.  Judged per project: where misses come, they come
    by project (a mirror that lacks the files of its newest uploads: a report read the newest release of
    many projects first, missed on a few, and a run-wide rate that stopped all guessing after four tries
    read 170 wheels by ranges where 119 of 134 guesses would have hit).  An index that serves none at all
    is caught run-wide after a few guesses: until their answers are in, no more than those few are asked at
    once, since a cold run fetches side by side."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._projects: dict[str, tuple[int, int]] = {}  # project -> (hits, misses)
        self._hits = self._misses = self._asked = 0

    def worth(self, project: str) -> bool:
        """Whether to guess now; a True must be followed by :meth:`record` (or :meth:`unanswered`)."""
        with self._lock:
            tried = self._hits + self._misses
            if tried < GUESS_SAMPLE <= tried + self._asked:
                return False  # the sample is out: wait for its answers before guessing more
            if tried >= GUESS_SAMPLE and self._hits < GUESS_INDEX_RATE * tried:
                return False
            hits, misses = self._projects.get(project, (0, 0))
            if misses and hits < GUESS_HIT_RATE * (hits + misses):
                return False
            self._asked += 1
            return True

    def record(self, project: str, *, hit: bool) -> None:
        with self._lock:
            hits, misses = self._projects.get(project, (0, 0))
            self._projects[project] = (hits + hit, misses + (not hit))
            self._hits += hit
            self._misses += not hit
            self._asked -= 1

    def unanswered(self) -> None:
        """A guess that failed for another reason (the network): it says nothing of the index."""
        with self._lock:
            self._asked -= 1


class HttpIndex:
    """An :class:`Index` backed by one or more simple-API URLs."""

    def __init__(self, index_urls: Sequence[str], *, client: httpx.Client | None = None,
                 on_event: EventHook | None = None, policy: NetPolicy | None = None) -> None:
        if not index_urls:
            raise InputError("no index URL configured: pass --index-url URL or set WHEELPIN_INDEX_URL.")
        self.index_urls = [u.rstrip("/") + "/" for u in index_urls]
        self.policy = policy or NetPolicy()
        self.client = client or make_client(self.policy)
        self._getter = Getter(self.client, self.policy)
        self.on_event = on_event
        self._lock = threading.Lock()
        self._whole_sdists = threading.Semaphore(WHOLE_SDISTS)
        # The index may serve .metadata files without advertising them (seen live): we try, and stop trying
        # once that clearly does not pay, so a silent index costs at most a few extra requests per run.
        self.guesses = Guesses()
        self.requests = 0
        # Sdists streamed to classify a blocker's build: counted apart, so the resolver's request counts
        # (what the speed work measures) do not move with the number of blockers.
        self.build_requests = 0
        self.build_cap = BYTE_CAP

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
            # A whole sdist (scipy's is 42 MB) is held while its archive is read: one at a time, so that a
            # cold report's fetch workers never hold several at once (what bounds the run's peak memory).
            with self._whole_sdists:
                archive = self._download(file.url).content
                check_whole(archive, file.sha256, file.filename)
                return sdist_metadata(archive, file.filename)
        raw = self._metadata_file(canonicalize_name(name), file)
        if raw is None:
            raw = self._metadata_by_ranges(file)
        return parse_core_metadata(raw, f"{file.filename}")

    def _metadata_file(self, project: str, file: DistFile) -> bytes | None:
        if file.core_metadata is False:
            return None
        # Never for a wheel the page says fits in the first range: that range returns it whole, one request
        # that a guess cannot beat and a miss would double.
        guess = file.core_metadata is None
        if guess and ((file.size is not None and file.size <= TAIL_BYTES) or not self.guesses.worth(project)):
            return None
        try:
            response = self._get(file.url + ".metadata", missing_ok=True)
        except BaseException:
            if guess:
                self.guesses.unanswered()
            raise
        if guess:
            self.guesses.record(project, hit=response is not None)
        if response is None:
            return None
        content = response.content
        check_whole(content, file.core_metadata_sha256, f"the metadata file of {file.filename}")
        return content

    def _metadata_by_ranges(self, file: DistFile) -> bytes:
        tail = BIG_TAIL_BYTES if file.size and file.size > BIG_WHEEL else TAIL_BYTES
        return metadata_by_ranges(self._get_range, file.url, file.filename, tail, file.sha256)

    def _get_range(self, url: str, byte_range: str) -> httpx.Response:
        response = self._get(url, headers={"Range": byte_range})
        assert response is not None
        return response

    def _download(self, url: str) -> httpx.Response:
        response = self._get(url)
        assert response is not None
        return response

    # -- source builds -------------------------------------------------------------------------------
    def source_build(self, name: str, file: DistFile) -> tuple[SourceBuild, bool]:
        """What building this sdist takes, and whether the verdict may be cached (False: a failure to retry)."""
        self._event("sdist", file.filename)

        def once() -> tuple[SourceBuild, bool]:
            with self._lock:
                self.build_requests += 1
            return probe_sdist(self._getter.stream, file, cap=self.build_cap)

        try:  # retried as pages are: a dropped connection or a 503 is no verdict on the sdist
            return self._getter.retrying(file.url, once)
        except (httpx.HTTPError, IndexUnavailable) as exc:
            # A report still stands without this detail: say why it is missing instead of failing the run.
            why = "the index or the network kept failing" if isinstance(exc, IndexUnavailable) else type(exc).__name__
            return SourceBuild(kind=BuildKind.UNKNOWN, evidence=f"the sdist could not be downloaded ({why})"), False

    # -- HTTP ----------------------------------------------------------------------------------------
    def _get(self, url: str, *, headers: dict[str, str] | None = None,
             missing_ok: bool = False) -> httpx.Response | None:
        with self._lock:
            self.requests += 1
        response = self._getter.get(url, headers)
        if response.status_code in (404, 410) and missing_ok:
            return None
        # A redirect still here was not followed (no Location): its body is no answer to what was asked.
        if response.status_code >= 300:
            raise IndexUnavailable(
                f"the package index answered HTTP {response.status_code} for {redact_url(url)}: check --index-url and "
                "any credentials it needs, or retry later."
            )
        return response

    def _event(self, kind: str, what: str) -> None:
        if self.on_event is not None:
            self.on_event(kind, what)

    def close(self) -> None:
        """End the run's network use: retries still waiting give up, and the connections are closed."""
        self._getter.close()
        self.client.close()

