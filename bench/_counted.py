"""Run wheelpin with its HTTP requests counted, for the benchmark's cold runs.  [bench only]

    BENCH_REQUESTS_FILE=out.json python bench/_counted.py resolve -r requirements.txt ...

Counts every request the httpx client sends (a page, a ``.metadata`` file, a range read of a wheel, a whole
sdist), by kind, and writes the counts as JSON when the program exits.  Patching the client's ``send`` from
outside means that any version of wheelpin can be counted, the code before a change included.
"""

from __future__ import annotations

import atexit
import json
import os
import threading

import httpx

_counts = {"page": 0, "metadata": 0, "range": 0, "other": 0}
_lock = threading.Lock()
_send = httpx.Client.send


def _kind(request: httpx.Request) -> str:
    path = request.url.path
    if path.endswith("/"):
        return "page"
    if path.endswith(".metadata"):
        return "metadata"
    return "range" if "range" in request.headers else "other"


def _counting_send(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
    with _lock:
        _counts[_kind(request)] += 1
    return _send(self, request, **kwargs)  # type: ignore[arg-type]


def _write() -> None:
    target = os.environ.get("BENCH_REQUESTS_FILE")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(_counts, out)


httpx.Client.send = _counting_send  # type: ignore[method-assign]
atexit.register(_write)

if __name__ == "__main__":
    from wheelpin.cli import main

    raise SystemExit(main())
