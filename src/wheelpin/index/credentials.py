"""Credentials taken out of index URLs, so that no URL wheelpin keeps holds a secret (:mod:`.auth` adds them to
requests).  [no I/O]

Apart from :mod:`.auth` so that a run the cache answers whole can key its cache without importing the HTTP
stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["Credentials", "netloc_key", "split_credentials"]

Credentials = tuple[str, str | None]


def netloc_key(host: str, port: int | None, scheme: str) -> str:
    return f"{host.lower()}:{port or (443 if scheme == 'https' else 80)}"


def split_credentials(urls: Sequence[str]) -> tuple[list[str], dict[str, tuple[str, Credentials]]]:
    """The URLs without user info, and what each host was given: ``{host:port: (index URL, (user, password))}``."""
    plain: list[str] = []
    given: dict[str, tuple[str, Credentials]] = {}
    for url in urls:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            plain.append(url)
            continue
        clean = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
        plain.append(clean)
        key = netloc_key(parts.hostname or "", parts.port, parts.scheme)
        password = unquote(parts.password) if parts.password is not None else None
        given.setdefault(key, (clean, (unquote(parts.username or ""), password)))
    return plain, given
