"""Reading a package index: pages, core metadata, range reads, and the disk cache.  [I/O only]

This layer knows nothing of targets, wheel selection or resolution: it answers "which files does project X
have" and "what does this file's metadata say", from the network or the disk.
"""

from wheelpin.index.cache import DEFAULT_TTL, CachedIndex, default_cache_dir
from wheelpin.index.http import HttpIndex, make_client
from wheelpin.index.metadata import parse_core_metadata, sdist_metadata
from wheelpin.index.protocol import EventHook, Index, ProjectNotFound
from wheelpin.index.simple_api import parse_project_page
from wheelpin.index.transport import NetPolicy

__all__ = [
    "DEFAULT_TTL",
    "CachedIndex",
    "EventHook",
    "HttpIndex",
    "Index",
    "NetPolicy",
    "ProjectNotFound",
    "default_cache_dir",
    "make_client",
    "parse_core_metadata",
    "parse_project_page",
    "sdist_metadata",
]
