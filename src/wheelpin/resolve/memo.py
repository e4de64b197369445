"""One caching idiom for a run: :class:`Memo`, a table of values derived from pages and metadata.

Within a run the index never changes, so a value computed once stands for the whole run, whichever of a
report's threads asks.  Hits take no lock (a dict read is atomic); a miss is computed once even when several
threads ask at once: the first computes, the others wait for its answer, handing their turn on meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from wheelpin.resolve.fetcher import Turns

T = TypeVar("T")


class Memo:
    def __init__(self, turns: Turns) -> None:
        self._turns = turns
        self._lock = threading.Lock()
        self._values: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, tuple[int, threading.Event]] = {}

    def recall(self, key: Hashable) -> Any:
        """The value under ``key`` if some caller computed it already, else None; never computes."""
        return self._values.get(key)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute`` if absent.

        A thread that asks again while computing the same key (it never should) computes it again rather
        than waiting on itself.  A failed compute stores nothing: the next caller computes anew.
        """
        try:
            return cast(T, self._values[key])
        except KeyError:
            pass
        me = threading.get_ident()
        while True:
            with self._lock:
                if key in self._values:
                    return cast(T, self._values[key])
                owner = self._computing.get(key)
                if owner is None:
                    owner = self._computing[key] = (me, threading.Event())
                    created = True
                    break
                if owner[0] == me:
                    created = False
                    break
            self._turns.wait_until(owner[1].wait)  # then look again: stored now, unless computing it failed
        try:
            value = compute()
            with self._lock:
                return cast(T, self._values.setdefault(key, value))
        finally:
            if created:
                with self._lock:
                    del self._computing[key]
                owner[1].set()
