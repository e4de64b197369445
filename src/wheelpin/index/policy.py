"""How hard the index client tries: retries, timeouts and the size cap.  [no I/O]

Apart from :mod:`.transport` so that the parser's defaults and a run the cache answers whole do not import
the HTTP stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RETRIES = 5
DEFAULT_TIMEOUT = 15.0
# Far larger than any real page (the biggest project pages are about 12 MB) or metadata file.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# The slowest average rate (bytes/s) a body may arrive at once the deadline's grace is spent.
MIN_RATE = 50_000

# (retry number from 1, the server's Retry-After in seconds or None) → seconds to wait.
Backoff = Callable[[int, "float | None"], float]


@dataclass(frozen=True)
class NetPolicy:
    """How hard to try: ``backoff`` None is :func:`.transport.backoff_delay` (tests give one that returns 0)."""

    retries: int = DEFAULT_RETRIES
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    backoff: Backoff | None = None

    def deadline(self, received: int) -> float:
        """Seconds a response may take in all, having delivered ``received`` bytes."""
        return 4 * self.timeout + received / MIN_RATE
