"""The fetch pool: every page and metadata file of a run is fetched once, in worker threads, ahead of the
resolver when a prefetch asks for it.  [I/O, through an Index]

Also the turns that a report's per-Python threads take (:class:`Turns`): one thread runs at a time, and it
hands the turn on when it waits for the network.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any, TypeVar

from packaging.utils import canonicalize_name

from wheelpin.errors import IndexUnavailable
from wheelpin.index import Index
from wheelpin.models import CoreMetadata, DistFile, ProjectPage

R = TypeVar("R")
# How long a thread holding the turn waits before handing it on: a cached page or metadata file is ready in
# a few milliseconds, and handing the turn on for so short a wait only makes threads contend; a fetch from the
# network takes tens of milliseconds or more, which is worth spending on another thread's work.
TURN_GRACE = 0.02


class Turns:
    """Threads that take turns: one at a time runs the body of :meth:`turn`, and hands the turn on whenever it
    waits (:meth:`wait_until`).  Without a turn held, waiting is plain waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            self._local.held = True
            try:
                yield
            finally:
                self._local.held = False

    def wait_until(self, ready: Callable[[float | None], object]) -> None:
        """``ready(timeout)`` waits up to ``timeout`` seconds (None: for ever) and says whether it is ready."""
        if getattr(self._local, "held", False) and not ready(TURN_GRACE):
            self._lock.release()
            try:
                ready(None)
            finally:
                self._lock.acquire()
        else:
            ready(None)


class Fetcher:
    """Fetches pages and metadata files in a thread pool; each key is fetched at most once per run.

    A fetch asked for ahead of need (``ahead=True``: a prefetch, a speculation) starts at once when the fetcher
    is ``online``, else it waits, parked, until :meth:`go_online` (the run's first cache miss) or until a read
    asks for the same key.  On a warm cache a guess would otherwise be what takes the run to the network,
    building the HTTP client to fetch what nothing reads; and since the run ends before such a fetch is
    stored, every warm run would do it again."""

    def __init__(self, index: Index, turns: Turns, *, workers: int = 16, online: bool = True) -> None:
        self.index = index
        self.turns = turns
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wheelpin-fetch")
        self._lock = threading.Lock()
        self._pages: dict[str, Future[ProjectPage]] = {}
        self._metadata: dict[str, Future[CoreMetadata]] = {}
        self._parked: dict[Future[Any], tuple[Callable[..., Any], tuple[Any, ...]]] = {}
        self._online = online
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def online(self) -> bool:
        return self._online

    def page_future(self, name: str, *, ahead: bool = False) -> Future[ProjectPage]:
        """The (possibly still running) fetch of a project page; started if new."""
        normalized = canonicalize_name(name)
        return self._start(self._pages, normalized, ahead, self.index.project, normalized)

    def metadata_future(self, name: str, file: DistFile, version: str, *, ahead: bool = False) -> Future[CoreMetadata]:
        """The (possibly still running) fetch of a release's metadata: one per (project, version, wheel or
        sdist), since a release's wheels all carry the same metadata."""
        key = f"{canonicalize_name(name)}=={version}:{file.is_wheel}" if version else file.url
        return self._start(self._metadata, key, ahead, self.index.metadata, name, file)

    def result(self, pending: Future[R]) -> R:
        """A fetch's result, handing the turn on while it is not ready."""
        self.turns.wait_until(lambda timeout: not futures_wait([pending], timeout=timeout).not_done)
        return pending.result()

    def go_online(self) -> None:
        """The run has gone to the network: start every parked fetch, and start fetches ahead from now on."""
        with self._lock:
            self._online = True
            parked = list(self._parked.items())
            self._parked.clear()
        for future, (fetch, args) in parked:
            self._submit(future, fetch, args)

    def close(self) -> None:
        """Stop fetching: queued fetches are dropped, and whatever still waits on one is told so."""
        with self._lock:
            self._closed = True
            futures: list[Future[Any]] = [*self._pages.values(), *self._metadata.values()]
            pending = [f for f in futures if not f.done()]
            self._parked.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for future in pending:
            _settle(future, IndexUnavailable("the run ended before this fetch finished"))

    def _start(self, table: dict[str, Future[R]], key: str, ahead: bool, fetch: Callable[..., R],
               *args: Any) -> Future[R]:
        # The future is registered under the lock, but the pool is only touched outside it: callbacks run
        # by workers (and close()) take this lock too, and holding it across submit() could deadlock.
        with self._lock:
            future = table.get(key)
            if future is None:
                future = table[key] = Future()
                if ahead and not self._online and not self._closed:
                    self._parked[future] = (fetch, args)
                    return future
            elif ahead or self._parked.pop(future, None) is None:
                return future  # started already, or parked and asked for ahead again
        self._submit(future, fetch, args)
        return future

    def _submit(self, future: Future[Any], fetch: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._closed:
            _settle(future, IndexUnavailable("the run is over; nothing more is fetched"))
            return
        try:
            self._pool.submit(_run_into, future, fetch, *args)
        except RuntimeError:  # shut down between the check and the submit
            _settle(future, IndexUnavailable("the run is over; nothing more is fetched"))


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
