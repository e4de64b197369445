"""Opening the disk cache so that it never stops a run.  [disk only]

A cache directory can be unusable (a read-only build filesystem), damaged (a half-restored CI cache: the
database file is garbage, or its tables are not diskcache's) or busy (other runs writing to it).  Each is
answered differently: unusable → the run goes on without a disk cache; damaged → the directory is set aside
as ``<dir>.broken-<timestamp>`` (renamed, never deleted: it may be someone's only copy) and rebuilt; busy →
wait and try again, since a locked database is working as designed and must never be set aside.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import diskcache
from diskcache.core import MODE_PICKLE

SIZE_LIMIT = 2**31
# How long to wait for other runs to release a busy cache before going on without it.
BUSY_WAIT = 30.0
# sqlite's own wait for a lock on each statement once the cache is open.
STATEMENT_TIMEOUT = 20.0
_BUSY = re.compile(r"locked|busy", re.IGNORECASE)
_DAMAGED = re.compile(r"not a database|malformed|no such (table|column)|has \d+ columns|file is encrypted",
                      re.IGNORECASE)
# The columns diskcache 5 reads; a Cache table without them is some other program's, or a torn restore.
_CACHE_COLUMNS = frozenset({"rowid", "key", "raw", "store_time", "expire_time", "access_time", "access_count",
                            "tag", "size", "mode", "filename", "value"})


class Store(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: str | bytes) -> Any: ...

    def close(self) -> None: ...


class NoStore:
    """The cache of a run whose directory cannot hold one: nothing is kept on disk.  The session still fetches
    each page and metadata file once per run, so in memory nothing is lost but the next run's head start."""

    def get(self, key: str) -> Any:
        return None

    def set(self, key: str, value: str | bytes) -> Any:
        return None

    def close(self) -> None:
        pass


class WriteBehind:
    """A store whose writes are made by one background thread, in order, so that a fetch worker hands its
    page or metadata to whoever waits for it instead of first waiting for the database: a cold run's fetch
    workers, each writing as it finished, queued on sqlite's lock (docs/architecture.md, "Writes behind the
    run").  Until it is written, a value is read from memory; :meth:`close` waits for the writes, except
    after sqlite gave up on a busy database (another run's), when the rest are dropped: a cache is only the
    next run's head start."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._pending: dict[str, str | bytes] = {}
        self._queue: queue.SimpleQueue[tuple[str, str | bytes] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._closed = False

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._pending.get(key)
        return self._store.get(key) if value is None else value

    def set(self, key: str, value: str | bytes) -> None:
        with self._lock:
            if self._closed:
                return  # a fetch that finished after the run did
            self._pending[key] = value
            if self._writer is None:  # started by the first write: a warm run writes nothing
                self._writer = threading.Thread(target=self._write, name="wheelpin-cache-writer", daemon=True)
                self._writer.start()
        self._queue.put((key, value))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            writer = self._writer
        if writer is not None:
            self._queue.put(None)
            writer.join()
        self._store.close()

    def _write(self) -> None:
        busy = False
        while (item := self._queue.get()) is not None:
            key, value = item
            if not busy:
                try:
                    self._store.set(key, value)
                except diskcache.Timeout:
                    busy = True
                except (OSError, sqlite3.Error):
                    pass  # a cache that cannot be written only makes the next run slower
            with self._lock:
                if self._pending.get(key) is value:
                    del self._pending[key]


class _NoPickleDisk(diskcache.Disk):  # type: ignore[misc]  # diskcache has no type hints
    """diskcache's Disk that never unpickles: wheelpin stores only text, so a pickled value can only come from
    another program or a tampered cache, and unpickling it would run whatever code it names."""

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            return None  # a miss
        return super().fetch(mode, filename, value, read)


class _Damaged(Exception):
    pass


class _Unusable(Exception):
    pass


def open_store(directory: Path) -> tuple[Store, str | None]:
    """The cache at ``directory`` and a one-line warning when it is not the one asked for."""
    try:
        return _open_waiting(directory), None
    except _Unusable as exc:
        return NoStore(), _unusable(directory, str(exc))
    except _Damaged as exc:
        reason = str(exc)
    with _exclusive(directory):
        # Another run may have set the damaged cache aside while this one waited for the lock.
        try:
            return _open_waiting(directory), None
        except _Unusable as exc:
            return NoStore(), _unusable(directory, str(exc))
        except _Damaged:
            pass
        broken = _set_aside(directory)
        if broken is None:
            return NoStore(), _unusable(directory, f"damaged ({reason}) and it cannot be renamed")
        try:
            store = _open_waiting(directory)
        except (_Unusable, _Damaged) as exc:
            return NoStore(), _unusable(directory, str(exc))
    return store, (f"the cache at {directory} was damaged ({reason}): set it aside as {broken} and started a new "
                   "one; delete the old one when you no longer need it")


def _unusable(directory: Path, reason: str) -> str:
    return (f"the cache directory {directory} cannot be used ({reason}); going on without a disk cache, so the "
            "next run fetches everything again: pass a writable --cache-dir or set WHEELPIN_CACHE_DIR")


def _open_waiting(directory: Path) -> Any:
    """A diskcache.Cache on ``directory``, waiting (up to BUSY_WAIT) while other runs hold its database."""
    deadline = time.monotonic() + BUSY_WAIT
    delay = 0.01
    while True:
        try:
            _check_schema(directory)  # before diskcache writes its tables into someone else's database
            return diskcache.Cache(str(directory), size_limit=SIZE_LIMIT, disk=_NoPickleDisk,
                                   timeout=STATEMENT_TIMEOUT)
        except OSError as exc:
            raise _Unusable(exc.strerror or str(exc)) from None
        except sqlite3.Error as exc:
            if _BUSY.search(str(exc)) and time.monotonic() < deadline:
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            raise (_Damaged if _is_damage(exc) else _Unusable)(str(exc)) from None


def _is_damage(exc: sqlite3.Error) -> bool:
    if _BUSY.search(str(exc)):
        return False
    # DatabaseError proper ("file is not a database", "malformed") is damage; OperationalError mostly is not
    # (read-only, cannot open), but a schema that is not diskcache's shows up as one.
    return not isinstance(exc, sqlite3.OperationalError) or bool(_DAMAGED.search(str(exc)))


def _check_schema(directory: Path) -> None:
    """Raise for a database file that is not one, or whose Cache table is not diskcache's: diskcache creates
    its tables "if not exists", so a Cache table of another shape would survive its opening and make every
    read fail.  A database that cannot be opened read-only here (none yet, say) is left to diskcache."""
    database = directory.absolute() / diskcache.core.DBNAME
    if not database.is_file():
        return
    try:
        con = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=STATEMENT_TIMEOUT)
    except sqlite3.Error:
        return
    with contextlib.closing(con):
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in con.execute("PRAGMA table_info(Cache)")} if "Cache" in tables else None
    if columns is not None and not columns >= _CACHE_COLUMNS:
        raise _Damaged(f"its Cache table has no {', '.join(sorted(_CACHE_COLUMNS - columns))} column")


def _set_aside(directory: Path) -> Path | None:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for n in range(100):
        broken = directory.with_name(f"{directory.name}.broken-{stamp}" + (f"-{n}" if n else ""))
        if broken.exists():
            continue
        try:
            directory.rename(broken)
        except OSError:
            return None
        return broken
    return None


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Only one run at a time repairs a cache: a lock on its parent directory (which needs no write access
    there), so that a second run never sets aside the new cache a first one has just built."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; two runs repairing at once would each set aside a copy
        yield
        return
    try:
        fd = os.open(directory.parent, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
