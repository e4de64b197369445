"""Reading a package index: pages, core metadata, range reads, and the disk cache.  [I/O only]

This layer knows nothing of targets, wheel selection or resolution: it answers "which files does project X
have" and "what does this file's metadata say", from the network or the disk.

The names below are imported on first use (PEP 562): importing the package, or the cache and the protocol
through it, must not import the HTTP stack (httpx, ssl), which a run the cache answers whole never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wheelpin.index.cache import DEFAULT_TTL, CachedIndex, default_cache_dir
    from wheelpin.index.http import HttpIndex, make_client
    from wheelpin.index.lazy import LazyIndex
    from wheelpin.index.metadata import parse_core_metadata, sdist_metadata
    from wheelpin.index.policy import NetPolicy
    from wheelpin.index.protocol import EventHook, Index, ProjectNotFound, Upstream
    from wheelpin.index.simple_api import parse_project_page

# Each public name, and the module that defines it.
_HOMES = {
    "DEFAULT_TTL": "cache",
    "CachedIndex": "cache",
    "default_cache_dir": "cache",
    "HttpIndex": "http",
    "make_client": "http",
    "LazyIndex": "lazy",
    "parse_core_metadata": "metadata",
    "sdist_metadata": "metadata",
    "NetPolicy": "policy",
    "EventHook": "protocol",
    "Index": "protocol",
    "ProjectNotFound": "protocol",
    "Upstream": "protocol",
    "parse_project_page": "simple_api",
}

__all__ = [
    "DEFAULT_TTL",
    "CachedIndex",
    "EventHook",
    "HttpIndex",
    "Index",
    "LazyIndex",
    "NetPolicy",
    "ProjectNotFound",
    "Upstream",
    "default_cache_dir",
    "make_client",
    "parse_core_metadata",
    "parse_project_page",
    "sdist_metadata",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
