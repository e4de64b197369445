"""What an HTTP request of wheelpin's fetches, by its URL and headers.  [bench only]"""

from __future__ import annotations

import httpx


def request_kind(request: httpx.Request) -> str:
    """``page``, ``metadata`` (a ``.metadata`` file), ``range`` (a range read of a wheel) or ``other`` (a
    whole file: a small wheel, an sdist)."""
    path = request.url.path
    if path.endswith("/"):
        return "page"
    if path.endswith(".metadata"):
        return "metadata"
    return "range" if "range" in request.headers else "other"
