"""Host names looked up once per run, and a lookup that stalls asked again.  [network only]

httpx (httpcore) looks a host up for every connection it opens, and a cold report opens dozens.  A resolver
that drops one UDP packet in a few dozen costs the C library's retry timeout, five seconds by default, so
most cold runs met one such stall (measured on the bench machine: 8 of 120 lookups stalled for 5 s; a
second query sent after 0.5 s answered every one of them at once).  So each (host, port) is looked up once
per client, whoever asks first; the others wait for that answer; a lookup still unanswered after
``HEDGE_AFTER`` seconds is sent again beside the first, and the first answer wins.  A failed lookup is not
kept: the next connection, a retry, looks up afresh; an answer is kept for ``KEEP_FOR`` seconds.

Only where httpx connects directly: through a proxy it is the proxy that looks hosts up.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore

HEDGE_AFTER = 0.5
# How long an answer is kept: a run takes minutes, but a program may keep one client for hours, and a
# host's addresses move (a CDN's do within the hour).
KEEP_FOR = 300.0
# Queries in flight at most for one lookup: the first and its hedges.
MAX_QUERIES = 3

AddressInfo = tuple[Any, ...]  # one row of socket.getaddrinfo
Lookup = Callable[[str, int], list[AddressInfo]]


def system_lookup(host: str, port: int) -> list[AddressInfo]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class _Asking:
    """One lookup under way: those who wait for it get its answer, or its error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: list[AddressInfo] | OSError = OSError("the lookup was abandoned")


class Lookups:
    def __init__(self, lookup: Lookup = system_lookup, *, hedge_after: float = HEDGE_AFTER,
                 keep_for: float = KEEP_FOR, clock: Callable[[], float] = time.monotonic) -> None:
        self._lookup = lookup
        self._hedge_after = hedge_after
        self._keep_for, self._clock = keep_for, clock
        self._lock = threading.Lock()
        self._known: dict[tuple[str, int], tuple[float, list[AddressInfo]]] = {}
        self._asking: dict[tuple[str, int], _Asking] = {}

    def addresses(self, host: str, port: int, timeout: float | None) -> list[AddressInfo]:
        """The host's addresses, as getaddrinfo gives them; raises OSError (TimeoutError after ``timeout``).

        A lookup that fails fails every connection waiting for it (each retries later, with backoff), so
        that a dead resolver costs one timeout, not one per waiting connection."""
        key = (host, port)
        with self._lock:
            known = self._known.get(key)
            if known is not None and self._clock() - known[0] < self._keep_for:
                return known[1]
            asking = self._asking.get(key)
            mine = asking is None
            if asking is None:
                asking = self._asking[key] = _Asking()
        if not mine:
            if not asking.done.wait(timeout):
                raise TimeoutError(f"looking up {host} took over {timeout} s")
            if isinstance(asking.answer, OSError):
                raise asking.answer
            return asking.answer
        try:
            found = asking.answer = self._hedged(host, port, timeout)
            with self._lock:
                self._known[key] = (self._clock(), found)
            return found
        except OSError as exc:
            asking.answer = exc
            raise
        finally:
            with self._lock:
                del self._asking[key]
            asking.done.set()

    def _hedged(self, host: str, port: int, timeout: float | None) -> list[AddressInfo]:
        """Ask, and ask again beside it every ``hedge_after`` seconds without an answer (MAX_QUERIES in all):
        the first address list wins."""
        answers: queue.Queue[list[AddressInfo] | OSError] = queue.Queue()

        def ask() -> None:
            try:
                answers.put(self._lookup(host, port))
            except OSError as exc:
                answers.put(exc)

        asked = failed = 0

        def send() -> None:
            nonlocal asked
            threading.Thread(target=ask, name="wheelpin-lookup", daemon=True).start()
            asked += 1

        deadline = None if timeout is None else time.monotonic() + timeout
        error: OSError | None = None
        while True:
            if asked == failed:  # none in flight: the first query, or one after a transient failure
                if error is not None and (asked >= MAX_QUERIES or _final(error)):
                    raise error
                send()
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"looking up {host} took over {timeout} s")
            wait = self._hedge_after if asked < MAX_QUERIES else remaining
            if remaining is not None and wait is not None:
                wait = min(wait, remaining)
            try:
                answer = answers.get(timeout=wait)
            except queue.Empty:
                if asked < MAX_QUERIES:
                    send()
                continue
            if not isinstance(answer, OSError):
                return answer
            failed, error = failed + 1, answer


def _final(error: OSError) -> bool:
    # The name has no address: asking again at once gets the same answer.
    return isinstance(error, socket.gaierror) and error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))


class LookupBackend(httpcore.SyncBackend):
    """httpcore's own connections, to addresses from :class:`Lookups` instead of a lookup per connection."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            infos = self.lookups.addresses(host, port, timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        # In the order getaddrinfo gave (RFC 6724's), as socket.create_connection tries them.
        for address in dict.fromkeys(info[4][0] for info in infos):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        if last is None:
            raise httpcore.ConnectError(f"{host} has no address")
        raise last
