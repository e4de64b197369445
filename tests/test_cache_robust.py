"""The cache never stops a run: unusable → memory only, damaged → set aside and rebuilt, busy → waited for;
entries validated on read; eight processes sharing one cache directory."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import diskcache
import pytest

from fakeindex import FakeIndex
from wheelpin.cli import main
from wheelpin.index import CachedIndex
from wheelpin.index import store as store_module
from wheelpin.index.cache import PAGE_SCHEMA
from wheelpin.index.store import NoStore, open_store

# Every test here talks to a server on 127.0.0.1 or runs subprocesses: a hang must fail, not stall CI.
pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).parent.parent
REQUIREMENT = "httpx"  # six pages, five metadata files: writes enough to contend, small enough to be quick


@pytest.fixture
def run(index_url: str, capsys: pytest.CaptureFixture[str], clean_env: object):
    """Run ``resolve REQUIREMENT`` in-process with the given cache directory: (exit code, lock text, stderr)."""

    def invoke(cache: Path, out: Path) -> tuple[int, str, str]:
        code = main(["resolve", REQUIREMENT, "--python", "3.12", "--index-url", index_url,
                     "--cache-dir", str(cache), "-o", str(out)])
        err = capsys.readouterr().err
        return code, pins(out), err

    return invoke


def pins(lock: Path) -> str:
    """The lock without its header (which names the -o file)."""
    return "".join(line for line in lock.read_text().splitlines(True) if not line.startswith("#")) \
        if lock.exists() else ""


_REFERENCE: dict[str, str] = {}


@pytest.fixture
def reference(run, tmp_path: Path) -> str:
    """The lock of a run on a fresh cache (computed once: the fixture index never changes)."""
    if not _REFERENCE:
        code, lock, _err = run(tmp_path / "reference-cache", tmp_path / "reference.txt")
        assert code == 0
        _REFERENCE["lock"] = lock
    return _REFERENCE["lock"]


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def writes_blocked_by_chmod(tmp_path: Path) -> bool:
    """Whether a read-only directory stops this user's writes (not for root, nor on some filesystems)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o500)
    try:
        (probe / "x").write_text("x")
    except OSError:
        return True
    finally:
        probe.chmod(0o700)
    return False


def test_an_uncreatable_cache_dir_warns_once_and_the_run_goes_on_in_memory(run, reference, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    cache = blocker / "cache"  # under a regular file: no user, root included, can create it
    code, lock, err = run(cache, tmp_path / "lock.txt")
    assert code == 0
    assert lock == reference
    [warning] = warnings_of(err)
    assert str(cache) in warning and "without a disk cache" in warning
    assert "Traceback" not in err


def test_a_read_only_cache_dir_and_parent_warn_and_the_run_goes_on(run, request, tmp_path):
    if not writes_blocked_by_chmod(tmp_path):
        pytest.skip("chmod does not stop this user's writes (root): covered by the path under a regular file")
    reference = request.getfixturevalue("reference")
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        code, lock, err = run(parent / "cache", tmp_path / "lock.txt")
    finally:
        parent.chmod(0o700)
    assert code == 0 and lock == reference
    assert len(warnings_of(err)) == 1


@pytest.mark.parametrize("damage", ["garbage", "foreign-schema"])
def test_a_damaged_cache_is_set_aside_and_rebuilt(run, reference, tmp_path, damage):
    cache = tmp_path / "cache"
    cache.mkdir()
    database = cache / "cache.db"
    if damage == "garbage":
        database.write_bytes(b"half a CI cache restore \x00\xff" * 100)
    else:
        with sqlite3.connect(database) as con:  # a Cache table, but not diskcache's
            con.execute("CREATE TABLE Cache (key TEXT, stuff TEXT)")
    before = database.read_bytes()
    code, lock, err = run(cache, tmp_path / "lock.txt")
    assert code == 0 and lock == reference
    [broken] = [p for p in tmp_path.iterdir() if p.name.startswith("cache.broken-")]
    assert (broken / "cache.db").read_bytes() == before  # renamed, never deleted
    [warning] = warnings_of(err)
    assert str(cache) in warning and str(broken) in warning
    # the rebuilt cache is a cache: the next run uses it without a word
    code, again, err = run(cache, tmp_path / "lock2.txt")
    assert (code, again, warnings_of(err)) == (0, reference, [])
    assert len([p for p in tmp_path.iterdir() if ".broken-" in p.name]) == 1


@pytest.mark.timeout(60)
def test_a_busy_cache_is_waited_for_never_set_aside(tmp_path):
    cache = tmp_path / "cache"
    diskcache.Cache(str(cache)).close()
    holder = sqlite3.connect(cache / "cache.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another run in the middle of a write
    releaser = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    releaser.start()
    started = time.monotonic()
    opened, warning = open_store(cache)
    try:
        assert warning is None and not isinstance(opened, NoStore)
        assert time.monotonic() - started >= 0.3  # it did wait
        assert [p.name for p in tmp_path.iterdir()] == ["cache"]
    finally:
        releaser.join()
        holder.close()
        opened.close()


def test_locked_while_opening_is_retried_not_taken_for_damage(tmp_path, monkeypatch):
    real = diskcache.Cache
    failures = iter([sqlite3.OperationalError("database is locked"), sqlite3.DatabaseError("database is busy")])

    def flaky(*args: object, **kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module.diskcache, "Cache", flaky)
    opened, warning = open_store(tmp_path / "cache")
    opened.close()
    assert warning is None and not isinstance(opened, NoStore)
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


@pytest.fixture
def inner() -> FakeIndex:
    index = FakeIndex()
    index.add("foo", "1.0", requires=["bar>=1"])
    return index


def _only_key(directory: Path, prefix: str) -> str:
    with diskcache.Cache(str(directory)) as raw:
        [key] = [k for k in raw if str(k).startswith(prefix)]
        return str(key)


def test_an_entry_of_an_older_format_is_a_miss_and_is_rewritten(inner, tmp_path):
    with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as first:  # type: ignore[arg-type]
        page = first.project("foo")
    key = _only_key(tmp_path / "c", "page/")
    with diskcache.Cache(str(tmp_path / "c")) as raw:
        stored = json.loads(raw[key])
        raw[key] = json.dumps({**stored, "format": PAGE_SCHEMA - 1})
    with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as again:  # type: ignore[arg-type]
        assert again.project("foo") == page
    assert inner.project_calls == ["foo", "foo"]
    with diskcache.Cache(str(tmp_path / "c")) as raw:
        assert json.loads(raw[key])["format"] == PAGE_SCHEMA  # rewritten under the same key


def test_a_page_stored_in_format_6_is_a_miss_and_is_rewritten(inner, tmp_path):
    """Format 6 stored each file in DistFile's field order (``yanked`` fifth): read as format 7 it would put a
    URL where the yank flag goes.  Such an entry is a miss, refetched and rewritten in the current format."""
    with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as first:  # type: ignore[arg-type]
        page = first.project("foo")
    key = _only_key(tmp_path / "c", "page/")
    old = {"format": 6, "saved": time.time(), "name": "foo", "index_url": page.index_url,
           "files": [list(f) for f in page.files]}
    with diskcache.Cache(str(tmp_path / "c")) as raw:
        raw[key] = json.dumps(old, separators=(",", ":")).encode()
        for fmt in (6, 7):  # with the format it says, or with today's: a miss either way (wrong shape)
            raw[key] = json.dumps({**old, "format": fmt}, separators=(",", ":")).encode()
            with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as again:  # type: ignore[arg-type]
                assert again.project("foo") == page
            assert json.loads(raw[key])["format"] == PAGE_SCHEMA
    assert inner.project_calls == ["foo", "foo", "foo"]


class _Planted:
    """A pickled value planted in the cache: unpickling it would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("damage", ["pickle", "not-utf8-file", "torn"])
def test_a_damaged_entry_is_a_miss_and_never_run(inner, tmp_path, damage):
    with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as first:  # type: ignore[arg-type]
        page = first.project("foo")
    key = _only_key(tmp_path / "c", "page/")
    marker = tmp_path / "unpickled"
    with diskcache.Cache(str(tmp_path / "c")) as raw:
        if damage == "pickle":
            raw[key] = _Planted(marker)
        elif damage == "torn":
            raw[key] = raw[key][: len(raw[key]) // 2]
        else:
            raw[key] = "x" * 100_000  # big enough to live in a value file of its own
            [file] = [p for p in (tmp_path / "c").rglob("*.val")]
            file.write_bytes(b"\xff\xfe garbage")
    assert not marker.exists()
    with closing(CachedIndex(inner, tmp_path / "c", ttl=3600)) as again:  # type: ignore[arg-type]
        assert again.project("foo") == page
    assert not marker.exists()
    assert inner.project_calls == ["foo", "foo"]


@pytest.mark.timeout(120)
def test_eight_processes_on_one_cold_cache_all_succeed_with_identical_locks(index_url, reference, tmp_path,
                                                                           clean_env):
    cache = tmp_path / "shared-cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = [subprocess.Popen([sys.executable, "-m", "wheelpin", "resolve", REQUIREMENT, "--python", "3.12",
                              "--index-url", index_url, "--cache-dir", str(cache), "-o", str(tmp_path / f"{i}.txt")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for i in range(8)]
    results = [(p.wait(timeout=100), p.stderr.read() if p.stderr else "") for p in runs]
    for p in runs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in results] == [0] * 8, results
    assert all(not warnings_of(err) and "Traceback" not in err for _, err in results), results
    assert {pins(tmp_path / f"{i}.txt") for i in range(8)} == {reference}
    assert not [p for p in tmp_path.iterdir() if ".broken-" in p.name]
