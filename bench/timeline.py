"""Run wheelpin with every request and every blocking read timed: where does a cold run wait?  [bench only]

    python bench/timeline.py resolve -r requirements.txt --python 3.13 --cache-dir "$(mktemp -d)" -o lock.txt

At exit it prints to stderr: the wall time; the requests by kind; how long at least one request was in
flight, and how many were on average then; the reads of the main thread that waited more than 5 ms (what a
cold run's critical path is made of: a page or metadata file nothing fetched ahead, or one a busy worker
had not finished); the cache writes and how long they took; and the gaps with nothing in flight.
``TIMELINE_JSON=FILE`` also writes every event as JSON.  Like ``_counted.py``, it patches from outside, so any
version of wheelpin can be timed (``PYTHONPATH`` to a worktree).
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

T0 = time.perf_counter()

import httpx  # noqa: E402 - timed from the first line
from _kinds import request_kind  # noqa: E402

Event = tuple[str, float, float, str, int]  # kind, start, end, what, thread
_events: list[Event] = []
_lock = threading.Lock()


def _record(kind: str, start: float, what: str) -> None:
    with _lock:
        _events.append((kind, start, time.perf_counter() - T0, what, threading.get_ident()))


_send = httpx.Client.send


def _timed_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
    start = time.perf_counter() - T0
    status = "failed"
    try:
        response = _send(self, request, **kwargs)
        status = str(response.status_code)
        return response
    finally:
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        _record("request " + request_kind(request), start, f"{name} {status}")


def _patch_reads() -> None:
    import diskcache

    from wheelpin.resolve.session import Session

    project, metadata, cache_set = Session.project, Session.metadata, diskcache.Cache.set

    def timed_project(self: Session, name: str) -> object:
        start = time.perf_counter() - T0
        try:
            return project(self, name)
        finally:
            _record("read page", start, name)

    def timed_metadata(self: Session, name: str, file: Any, *, version: str = "") -> object:
        start = time.perf_counter() - T0
        try:
            return metadata(self, name, file, version=version)
        finally:
            _record("read metadata", start, f"{name}=={version}")

    def timed_set(self: diskcache.Cache, key: str, *args: Any, **kwargs: Any) -> object:
        start = time.perf_counter() - T0
        try:
            return cache_set(self, key, *args, **kwargs)
        finally:
            _record("cache write", start, key.split("/", 1)[0])

    Session.project = timed_project  # type: ignore[assignment,method-assign]
    Session.metadata = timed_metadata  # type: ignore[assignment,method-assign]
    diskcache.Cache.set = timed_set  # type: ignore[method-assign]


def _summary(events: list[Event], end: float) -> list[str]:
    requests = sorted((e for e in events if e[0].startswith("request")), key=lambda e: e[1])
    lines = [f"wall {end:.2f} s; requests {len(requests)}: "
             + ", ".join(f"{n} {k.removeprefix('request ')}" for k, n in Counter(e[0] for e in requests).items())]
    edges = sorted([(e[1], 1) for e in requests] + [(e[2], -1) for e in requests])
    busy = area = 0.0
    flying, previous, idle_from, gaps = 0, 0.0, None, []
    for moment, step in edges:
        if flying:
            busy += moment - previous
            area += flying * (moment - previous)
        elif idle_from is not None and moment - idle_from > 0.03:
            gaps.append(f"{idle_from:.2f}+{moment - idle_from:.2f}")
        flying += step
        previous = moment
        if not flying:
            idle_from = moment
    if requests:
        lines.append(f"first request at {requests[0][1]:.2f} s; a request in flight for {busy:.2f} s, "
                     f"{area / busy if busy else 0:.1f} at once on average")
    reads = [e for e in events if e[0].startswith("read")]
    if reads:
        main = Counter(e[4] for e in reads).most_common(1)[0][0]
        waits = sorted((e for e in reads if e[4] == main and e[2] - e[1] > 0.005), key=lambda e: e[1])
        lines.append(f"main thread waited on {len(waits)} reads, {sum(e[2] - e[1] for e in waits):.2f} s:")
        lines += [f"  {e[1]:6.2f}-{e[2]:6.2f} {e[0]} {e[3]}" for e in waits]
    writes = sorted(e[2] - e[1] for e in events if e[0] == "cache write")
    if writes:
        median = writes[len(writes) // 2]
        lines.append(f"cache writes {len(writes)}, {sum(writes):.2f} s, median {median * 1000:.1f} ms, "
                     f"longest {writes[-1] * 1000:.0f} ms")
    lines.append("nothing in flight for over 30 ms at: " + (" ".join(gaps) or "never"))
    return lines


def _report() -> None:
    end = time.perf_counter() - T0
    with _lock:
        events = list(_events)
    print("\n".join(_summary(events, end)), file=sys.stderr)
    target = os.environ.get("TIMELINE_JSON")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"end": end, "events": events}, out)


httpx.Client.send = _timed_send  # type: ignore[method-assign]
atexit.register(_report)

if __name__ == "__main__":
    _patch_reads()
    from wheelpin.cli import main

    raise SystemExit(main())
