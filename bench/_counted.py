"""Run wheelpin with its HTTP requests counted, for the benchmark's cold runs.  [bench only]

    BENCH_REQUESTS_FILE=out.json python bench/_counted.py resolve -r requirements.txt ...

Counts every request the httpx client sends (a page, a ``.metadata`` file, a range read of a wheel, a whole
sdist), by kind, and writes the counts as JSON when the program exits.  Patching the client's ``send`` from
outside means that any version of wheelpin can be counted, the code before a change included.

Also counts the distinct pages and metadata files the run *read* (asked the session for and waited on, as a
resolution, the fix search or an explanation does), apart from those only fetched ahead by a prefetch that
nothing then read: the floor of a cold run is what it reads, and the difference is what speculation cost.
"""

from __future__ import annotations

import atexit
import json
import os
import threading

import httpx
from _kinds import request_kind

_counts = {"page": 0, "metadata": 0, "range": 0, "other": 0}
_lock = threading.Lock()
_send = httpx.Client.send


def _counting_send(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
    with _lock:
        _counts[request_kind(request)] += 1
    return _send(self, request, **kwargs)  # type: ignore[arg-type]


_read_pages: set[str] = set()
_read_metadata: set[str] = set()


def _count_reads() -> None:
    """Wraps the session's two blocking reads; a wheelpin without them is counted by requests alone."""
    try:
        from packaging.utils import canonicalize_name

        from wheelpin.resolve.session import Session
    except ImportError:  # pragma: no cover - an older layout
        return
    project, metadata = Session.project, Session.metadata

    def counted_project(self: Session, name: str) -> object:
        with _lock:
            _read_pages.add(canonicalize_name(name))
        return project(self, name)

    def counted_metadata(self: Session, name: str, file: object, *, version: str = "") -> object:
        with _lock:
            _read_metadata.add(f"{canonicalize_name(name)}=={version}" if version else str(getattr(file, "url", file)))
        return metadata(self, name, file, version=version)  # type: ignore[arg-type]

    Session.project = counted_project  # type: ignore[assignment,method-assign]
    Session.metadata = counted_metadata  # type: ignore[assignment,method-assign]


def _write() -> None:
    target = os.environ.get("BENCH_REQUESTS_FILE")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({**_counts, "read pages": len(_read_pages), "read metadata": len(_read_metadata)}, out)


httpx.Client.send = _counting_send  # type: ignore[method-assign]
atexit.register(_write)

if __name__ == "__main__":
    _count_reads()
    from wheelpin.cli import main

    raise SystemExit(main())
