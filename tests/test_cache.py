"""Behaviour of wheelpin.cache.CachedIndex: TTL'd project pages, content-addressed metadata, offline mode."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import diskcache
import pytest

from fakeindex import FakeIndex
from wheelpin.errors import DynamicMetadata, IndexUnavailable
from wheelpin.index import CachedIndex
from wheelpin.models import CoreMetadata, DistFile, ProjectPage

BIG_TTL = 3600.0
Make = Callable[..., CachedIndex]


@pytest.fixture
def inner() -> FakeIndex:
    index = FakeIndex()
    index.add("foo", "1.0", requires=["bar>=1", 'baz; extra == "x"'], requires_python=">=3.8", extras=["x"])
    # The yank reason and the upload time (for pylock.toml) must survive the cache too.
    index.add("foo", "2.0", sdist=True, yanked="broken upload", upload_time="2024-09-17T11:21:03Z")
    return index


@pytest.fixture
def opened() -> Iterator[list[CachedIndex]]:
    caches: list[CachedIndex] = []
    yield caches
    for cache in caches:
        cache.close()


@pytest.fixture
def make(tmp_path: Path, opened: list[CachedIndex]) -> Make:
    def make(inner: FakeIndex, **kw: object) -> CachedIndex:
        """A new run on the cache: the run before it ends first, and its writes are then on disk."""
        for earlier in opened:
            earlier.close()
        cache = CachedIndex(inner, tmp_path / "cache", **kw)  # type: ignore[arg-type]
        opened.append(cache)
        return cache

    return make


def test_a_page_is_served_from_the_cache_within_the_ttl(inner: FakeIndex, make: Make) -> None:
    original = inner.project("foo")
    inner.project_calls.clear()
    cache = make(inner, ttl=BIG_TTL)
    first = cache.project("foo")
    second = cache.project("Foo")
    assert first == original
    assert second == original  # every field of every file survives the round trip
    assert inner.project_calls == ["foo"]
    # and across runs: a new CachedIndex on the same directory
    assert make(inner, ttl=BIG_TTL).project("foo") == original
    assert inner.project_calls == ["foo"]


def test_a_page_is_fetched_again_after_the_ttl(inner: FakeIndex, make: Make) -> None:
    cache = make(inner, ttl=0)
    cache.project("foo")
    cache.project("foo")
    assert inner.project_calls == ["foo", "foo"]


def test_refresh_fetches_pages_again(inner: FakeIndex, make: Make) -> None:
    make(inner, ttl=BIG_TTL).project("foo")
    inner.add("foo", "3.0")
    page = make(inner, ttl=BIG_TTL, refresh=True).project("foo")
    assert inner.project_calls == ["foo", "foo"]
    assert "foo-3.0-py3-none-any.whl" in [f.filename for f in page.files]
    # the refreshed page replaced the stored one
    assert make(inner, ttl=BIG_TTL).project("foo") == page
    assert len(inner.project_calls) == 2


def test_pages_from_other_index_urls_are_not_reused(inner: FakeIndex, make: Make) -> None:
    make(inner, ttl=BIG_TTL).project("foo")
    other = FakeIndex(["https://mirror.example/simple/"])
    other.add("foo", "1.0")
    make(other, ttl=BIG_TTL).project("foo")
    assert other.project_calls == ["foo"]


def test_metadata_is_cached_by_sha256_forever(inner: FakeIndex, make: Make) -> None:
    wheel = inner.files("foo")[0]
    original = inner.metadata("foo", wheel)
    inner.metadata_calls.clear()
    cache = make(inner, ttl=0)
    assert cache.metadata("foo", wheel) == original
    assert cache.metadata("foo", wheel) == original  # every field survives the round trip
    assert make(inner, ttl=0, refresh=True).metadata("foo", wheel) == original
    assert inner.metadata_calls == [wheel.filename]


def test_metadata_is_keyed_by_content_not_by_url(inner: FakeIndex, make: Make) -> None:
    wheel = inner.files("foo")[0]
    cache = make(inner)
    cache.metadata("foo", wheel)
    moved = wheel._replace(url="https://mirror.example/files/" + wheel.filename)
    cache.metadata("foo", moved)
    assert len(inner.metadata_calls) == 1
    other = inner.files("foo")[1]  # another file, another sha256
    cache.metadata("foo", other)
    assert inner.metadata_calls == [wheel.filename, other.filename]


def test_offline_with_a_cold_cache_names_the_project(inner: FakeIndex, make: Make) -> None:
    with pytest.raises(IndexUnavailable) as caught:
        make(inner, offline=True).project("foo")
    assert "'foo'" in str(caught.value)
    assert caught.value.exit_code == 3
    assert inner.project_calls == []
    with pytest.raises(IndexUnavailable) as caught:
        make(inner, offline=True).metadata("foo", inner.files("foo")[0])
    assert inner.files("foo")[0].filename in str(caught.value)
    assert inner.metadata_calls == []


def test_offline_with_a_warm_cache_works_after_the_ttl_even_if_the_index_fails(inner: FakeIndex,
                                                                              make: Make) -> None:
    warm = make(inner, ttl=BIG_TTL)
    page = warm.project("foo")
    meta = warm.metadata("foo", page.files[0])
    inner.fail = IndexUnavailable("the network is down")
    offline = make(inner, ttl=0, offline=True)
    assert offline.project("foo") == page
    assert offline.metadata("foo", page.files[0]) == meta
    assert inner.project_calls == ["foo"]
    assert len(inner.metadata_calls) == 1


def corrupt_everything(directory: Path, value: str) -> int:
    with diskcache.Cache(str(directory)) as raw:
        keys = list(raw)
        for key in keys:
            raw.set(key, value)
    return len(keys)


def add_odd_file(inner: FakeIndex) -> None:
    """foo's fixture files, plus one with every optional field set another way than theirs."""
    inner.files("foo")
    inner._files["foo"].append(DistFile(  # noqa: SLF001
        filename="foo-3.0-cp312-abi3-manylinux_2_28_x86_64.whl", url="https://example.invalid/x/foo-3.0.whl",
        sha256=None, requires_python="!=3.0.*,>=3.9", yanked=True, core_metadata=False,
        core_metadata_sha256="cd" * 32, size=2**40, yanked_reason="ünïcode reason", upload_time=None))


def test_a_corrupted_entry_is_a_miss_not_a_crash(inner: FakeIndex, make: Make, tmp_path: Path) -> None:
    add_odd_file(inner)
    first = make(inner, ttl=BIG_TTL)
    page = first.project("foo")
    assert len(page.files) == 4
    meta = first.metadata("foo", page.files[0])
    first.close()
    assert corrupt_everything(tmp_path / "cache", "not json") == 3  # the page, the metadata, its release's pointer
    again = make(inner, ttl=BIG_TTL)
    assert again.project("foo") == page
    assert again.metadata("foo", page.files[0]) == meta
    assert len(inner.project_calls) == 2 and len(inner.metadata_calls) == 2
    # and the refetched entries replaced the damaged ones
    assert make(inner, ttl=BIG_TTL).project("foo") == page
    assert len(inner.project_calls) == 2


@pytest.mark.parametrize("value", ['"a string"', "[1, 2, 3]", json.dumps([1e12, "not json"]), '{"bogus": 1}'])
def test_an_entry_of_the_wrong_shape_is_a_miss_not_a_crash(inner: FakeIndex, make: Make, tmp_path: Path,
                                                           value: str) -> None:
    add_odd_file(inner)
    first = make(inner, ttl=BIG_TTL)
    page = first.project("foo")
    assert len(page.files) == 4
    meta = first.metadata("foo", page.files[0])
    first.close()
    corrupt_everything(tmp_path / "cache", value)
    again = make(inner, ttl=BIG_TTL)
    assert again.project("foo") == page
    assert again.metadata("foo", page.files[0]) == meta


@pytest.mark.parametrize("damage", ["position", "version"])
def test_a_stored_release_that_names_a_file_the_page_lacks_is_a_miss(inner: FakeIndex, make: Make,
                                                                     tmp_path: Path, damage: str) -> None:
    """A page's release groups are stored with it; one whose positions run past the page's files, or whose
    version does not parse (a damaged or foreign entry of the right shape), would fail a run when its release
    is judged: a miss instead."""
    first = make(inner, ttl=BIG_TTL)
    page = first.project("foo")
    first.close()
    with diskcache.Cache(str(tmp_path / "cache")) as raw:
        (key,) = [k for k in raw if str(k).startswith("page/")]
        stored = json.loads(raw[key])
        if damage == "position":
            stored["releases"][0][1].append(len(stored["files"]))
        else:
            stored["releases"][0][0] = "not a version"
        raw[key] = json.dumps(stored).encode()
    again = make(inner, ttl=BIG_TTL)
    assert again.project("foo") == page
    assert inner.project_calls == ["foo", "foo"]  # fetched again, not read from the damaged entry


def test_a_page_and_its_metadata_round_trip_the_cache_exactly(inner: FakeIndex, make: Make) -> None:
    """Every field of every file (hashes, yank reason, sizes, upload time, core-metadata flags) comes back as
    it went in, from a cache opened anew."""
    add_odd_file(inner)
    first = make(inner, ttl=BIG_TTL)
    page = first.project("foo")
    assert len(page.files) == 4
    metas = {f.filename: first.metadata("foo", f) for f in page.files if f.sha256}
    first.close()
    again = make(inner, ttl=BIG_TTL)
    read = again.project("foo")
    assert read == page
    original = inner.project("foo").files
    assert list(read.files) == list(original)  # file for file, field for field, in page order
    assert [read.files[i] for i in range(len(original))] == list(original)
    assert {f.filename: again.metadata("foo", f) for f in page.files if f.sha256} == metas
    assert inner.project_calls == ["foo", "foo"]  # the second: ``original`` above
    assert len(inner.metadata_calls) == len(metas)


class _DynamicSdists:
    """An index whose every metadata read is of an sdist with dynamic dependencies."""

    index_urls = ["https://example.invalid/simple/"]

    def __init__(self) -> None:
        self.metadata_calls = 0

    def project(self, name: str) -> ProjectPage:  # pragma: no cover - never asked here
        raise AssertionError(name)

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        self.metadata_calls += 1
        raise DynamicMetadata(f"{file.filename}: dynamic")


def test_an_sdist_with_dynamic_dependencies_is_downloaded_once_not_on_every_run(tmp_path: Path) -> None:
    inner = _DynamicSdists()
    sdist = DistFile(filename="old-1.0.tar.gz", url="https://example.invalid/old-1.0.tar.gz", sha256="ab" * 32)
    unhashed = sdist._replace(sha256=None)
    for _ in range(2):
        cache = CachedIndex(inner, tmp_path / "cache")  # type: ignore[arg-type]
        for file in (sdist, unhashed):
            with pytest.raises(DynamicMetadata, match="old-1.0.tar.gz: dynamic"):
                cache.metadata("old", file)
        cache.close()
    assert inner.metadata_calls == 3  # the hashed sdist once; one without a hash is never kept


def test_offline_knows_an_sdist_with_dynamic_dependencies_from_the_cache(tmp_path: Path) -> None:
    """What a run learnt online about an sdist (its dependencies are dynamic) answers offline too: a report
    and then the same report with --offline must agree, not fail on that sdist's metadata."""
    inner = _DynamicSdists()
    sdist = DistFile(filename="old-1.0.tar.gz", url="https://example.invalid/old-1.0.tar.gz", sha256="ab" * 32)
    online = CachedIndex(inner, tmp_path / "cache")  # type: ignore[arg-type]
    with pytest.raises(DynamicMetadata):
        online.metadata("old", sdist)
    online.close()
    offline = CachedIndex(inner, tmp_path / "cache", offline=True)  # type: ignore[arg-type]
    try:
        with pytest.raises(DynamicMetadata, match="old-1.0.tar.gz: dynamic"):
            offline.metadata("old", sdist)
    finally:
        offline.close()
    assert inner.metadata_calls == 1


def test_a_release_s_metadata_read_through_one_wheel_answers_for_its_other_wheels(make: Make) -> None:
    """A run reads a release's metadata from the wheel of whichever target asks first, and a report's Pythons
    race: without this the next run asked the index again through another wheel, and an --offline run after
    an online one failed."""
    inner = FakeIndex()
    wheels = inner.add("foo", "1.0", requires=["bar"], wheels=["cp311-cp311-manylinux_2_17_x86_64",
                                                               "cp312-cp312-manylinux_2_17_x86_64"])
    make(inner).metadata("foo", wheels[0])
    assert make(inner).metadata("foo", wheels[1]).requires_dist == ("bar",)
    assert make(inner, offline=True).metadata("foo", wheels[1]).requires_dist == ("bar",)
    assert inner.metadata_calls == [wheels[0].filename]
    other = FakeIndex(["https://other.invalid/simple/"])  # another index's release of that name is its own
    (elsewhere,) = other.add("foo", "1.0", requires=["baz"], wheels=["cp313-cp313-manylinux_2_17_x86_64"])
    assert make(other).metadata("foo", elsewhere).requires_dist == ("baz",)
    assert other.metadata_calls == [elsewhere.filename]


# -- writes behind the run (wheelpin.index.store.WriteBehind) ---------------------------------------------
class _SlowStore:
    """A store whose writes wait until ``release`` is set, as sqlite's do while other writers hold its lock."""

    def __init__(self, *, fail: Exception | None = None) -> None:
        import threading

        self.release = threading.Event()
        self.data: dict[str, object] = {}
        self.sets: list[str] = []
        self.fail = fail

    def get(self, key: str) -> object:
        return self.data.get(key)

    def set(self, key: str, value: str | bytes) -> None:
        self.sets.append(key)
        if self.fail is not None:
            raise self.fail
        assert self.release.wait(10)
        self.data[key] = value

    def close(self) -> None:
        pass


@pytest.mark.timeout(60)
def test_a_fetched_page_is_handed_over_before_its_cache_write(inner: FakeIndex, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold run's workers must not wait for the database before the resolver gets what they fetched; until
    it is written, the run reads it from memory, and closing the cache writes everything."""
    import threading

    store = _SlowStore()
    monkeypatch.setattr("wheelpin.index.cache.open_store", lambda directory: (store, None))
    cache = CachedIndex(inner, tmp_path / "cache", ttl=BIG_TTL)  # type: ignore[arg-type]
    got: list[ProjectPage] = []
    worker = threading.Thread(target=lambda: got.append(cache.project("foo")))
    worker.start()
    worker.join(5)
    try:
        assert got and got[0].name == "foo"  # while the write still waits
        assert cache.project("foo") == got[0]
        assert inner.project_calls == ["foo"]
    finally:
        store.release.set()
        worker.join()
        cache.close()
    assert list(store.data) == [key for key in store.sets if key.startswith("page/")] != []


@pytest.mark.timeout(60)
def test_a_cache_that_stays_busy_drops_its_writes_instead_of_holding_the_run(inner: FakeIndex, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Once sqlite gives up on a database another run holds, the rest of the writes are dropped: closing does
    not wait sqlite's timeout once per entry."""
    store = _SlowStore(fail=diskcache.Timeout())
    monkeypatch.setattr("wheelpin.index.cache.open_store", lambda directory: (store, None))
    cache = CachedIndex(inner, tmp_path / "cache", ttl=BIG_TTL)  # type: ignore[arg-type]
    page = cache.project("foo")
    for file in page.files:
        cache.metadata("foo", file)
    cache.close()
    assert len(store.sets) == 1
