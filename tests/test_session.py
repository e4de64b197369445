"""Behaviour of wheelpin.resolve.Session: one fetch per page and metadata file, a single-flight memo, and the
per-Python threads' turns."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from fakeindex import FakeIndex
from wheelpin.errors import IndexUnavailable
from wheelpin.index import ProjectNotFound
from wheelpin.models import DistFile
from wheelpin.resolve import Session


class SlowIndex(FakeIndex):
    def project(self, name: str):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return super().project(name)

    def metadata(self, name: str, file: DistFile):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return super().metadata(name, file)


def hammer(call: Callable[[], object], threads: int = 24) -> list[object]:
    results: list[object] = [None] * threads
    barrier = threading.Barrier(threads)

    def work(i: int) -> None:
        barrier.wait()
        results[i] = call()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def test_session_fetches_a_page_once_for_many_threads() -> None:
    inner = SlowIndex()
    inner.add("foo", "1.0")
    index = Session(inner)
    try:
        pages = hammer(lambda: index.project("Foo"))
        index.page_future("FOO")
        assert index.project("foo") == pages[0]
    finally:
        index.close()
    assert inner.project_calls == ["foo"]
    assert all(page == pages[0] for page in pages)


def test_session_fetches_metadata_once_for_many_threads() -> None:
    inner = SlowIndex()
    (file,) = inner.add("foo", "1.0", requires=["bar"])
    index = Session(inner)
    try:
        index.prefetch_metadata("foo", file, version="1.0")
        results = hammer(lambda: index.metadata("foo", file, version="1.0"))
    finally:
        index.close()
    assert inner.metadata_calls == [file.filename]
    assert all(r is not None and r.requires_dist == ("bar",) for r in results)  # type: ignore[attr-defined]


def test_session_passes_errors_through() -> None:
    inner = FakeIndex()
    index = Session(inner)
    try:
        with pytest.raises(ProjectNotFound):
            index.project("missing")
    finally:
        index.close()


def test_memo_computes_once_for_many_threads_and_all_share_the_value() -> None:
    index = Session(FakeIndex())
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.05)  # long enough for every other thread to arrive while this one computes
        return [len(calls)]

    try:
        results = hammer(lambda: index.memo("key", compute))
    finally:
        index.close()
    assert calls == [1]
    assert all(r is results[0] for r in results)


def test_memo_after_a_failed_compute_lets_the_next_caller_compute() -> None:
    index = Session(FakeIndex())
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("first try fails")
        return "ok"

    try:
        with pytest.raises(ValueError):
            index.memo("key", flaky)
        assert index.memo("key", flaky) == "ok"
        assert index.memo("key", flaky) == "ok"
    finally:
        index.close()
    assert len(attempts) == 2


def test_memo_asked_again_by_the_thread_computing_it_does_not_wait_on_itself() -> None:
    index = Session(FakeIndex())
    depth: list[int] = []

    def reentrant() -> int:
        depth.append(1)
        return 1 if len(depth) > 1 else 1 + index.memo("key", reentrant)

    try:
        assert index.memo("key", reentrant) in (1, 2)
    finally:
        index.close()


def test_releases_are_grouped_once_for_many_threads() -> None:
    inner = SlowIndex()
    inner.add("foo", "1.0")
    inner.add("foo", "2.0")
    index = Session(inner)
    try:
        results = hammer(lambda: index.releases("Foo"))
    finally:
        index.close()
    assert all(r is results[0] for r in results)
    assert [str(v) for v in results[0]] == ["2.0", "1.0"]  # type: ignore[attr-defined]


def test_threads_taking_turns_never_run_at_once() -> None:
    index = Session(FakeIndex())
    running: list[int] = []
    overlap: list[int] = []

    def work() -> None:
        with index.turn():
            running.append(1)
            overlap.append(len(running))
            time.sleep(0.01)  # a sleep is no wait for the index: the turn is kept
            running.pop()

    try:
        hammer(work, threads=8)
    finally:
        index.close()
    assert overlap == [1] * 8


def test_a_thread_waiting_for_the_network_hands_its_turn_on() -> None:
    class VerySlow(FakeIndex):
        def project(self, name: str):  # type: ignore[no-untyped-def]
            time.sleep(0.5)
            return super().project(name)

    inner = VerySlow()
    inner.add("foo", "1.0")
    index = Session(inner)
    events: list[str] = []
    has_turn = threading.Event()

    def slow() -> None:
        with index.turn():
            has_turn.set()
            index.project("foo")
            events.append("fetched")

    def quick() -> None:
        has_turn.wait()
        with index.turn():
            events.append("ran while the other waited")

    try:
        threads = [threading.Thread(target=slow), threading.Thread(target=quick)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=5)
    finally:
        index.close()
    assert events == ["ran while the other waited", "fetched"]




def test_a_second_resolution_in_a_session_derives_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report resolves the same requirements many times (strict, permissive, each fix, each Python): the
    session's memo answers what the first resolution worked out — no specifier, marker or release is judged
    again."""
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    from wheelpin import wheels
    from wheelpin.inputs import parse_requirement_strings
    from wheelpin.resolve import resolve
    from wheelpin.resolve import session as session_module
    from wheelpin.target import make_target

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["lib>=1", 'extra-dep; python_version < "3.8"'])
    for version in ("1.0", "2.0", "3.0"):
        fake.add("lib", version, requires=["base"])
    fake.add("base", "1.0")
    calls = {"contains": 0, "evaluate": 0, "choose": 0}

    def counting(name: str, original: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(SpecifierSet, "contains", counting("contains", SpecifierSet.contains))
    monkeypatch.setattr(Marker, "evaluate", counting("evaluate", Marker.evaluate))
    monkeypatch.setattr(session_module, "choose_files", counting("choose", wheels.choose_files))
    inputs = parse_requirement_strings(["app", "lib<3"])
    target = make_target("3.11", "manylinux")
    session = Session(fake)
    try:
        first = resolve(inputs, target, session)
        assert all(calls.values()), calls  # the first resolution did judge things
        before = dict(calls)
        second = resolve(inputs, target, session)
    finally:
        session.close()
    assert first == second
    assert calls == before


def test_a_resolve_from_the_cache_builds_only_the_files_of_the_releases_it_judges(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A page read from the cache stays packed: a resolution builds DistFiles for the releases it judges
    (counted, not timed), not for the hundreds of files of a big project's other releases."""
    from wheelpin.index import CachedIndex
    from wheelpin.index.packed import PackedFiles
    from wheelpin.inputs import parse_requirement_strings
    from wheelpin.resolve import resolve
    from wheelpin.target import make_target

    fake = FakeIndex()
    tags = ["cp311-cp311-manylinux_2_17_x86_64", "cp312-cp312-manylinux_2_17_x86_64", "cp311-cp311-win_amd64",
            "cp312-cp312-macosx_11_0_arm64", "py3-none-any"]
    for minor in range(40):
        fake.add("big", f"1.{minor}", wheels=tags, sdist=True, yanked=minor == 39)
    fake.add("app", "1.0", requires=["big>=1.30,<1.38"])
    target = make_target("3.11", "manylinux")
    cache = CachedIndex(fake, tmp_path / "cache", ttl=3600)  # type: ignore[arg-type]
    session = Session(cache)
    try:
        resolution = resolve(parse_requirement_strings(["app"]), target, session)
        files = session.project("big").files
        releases = session.releases("big")
        judged = [v for v in releases if session.recall(("choice", "big", v, target)) is not None]
    finally:
        session.close()
        cache.close()
    assert str(resolution.as_dict()["big"]) == "1.37"
    assert isinstance(files, PackedFiles)
    assert len(releases) == 40 and releases.yanked(max(releases)) and 1 <= len(judged) <= 2
    assert files.decoded == releases.materialised == 6 * len(judged)  # of 240 files


def test_a_warm_run_reads_a_pages_release_groups_instead_of_parsing_its_filenames(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Grouping a page's files by release parses every filename: done once, when the page is stored, and a
    run on the warm cache builds its releases from the stored groups (counted: no filename parsed to group
    them), the same releases as a run that grouped them itself."""
    from packaging.utils import NormalizedName

    import wheelpin.releasegroups
    from wheelpin.index import CachedIndex
    from wheelpin.index.packed import PackedFiles
    from wheelpin.wheels import Releases

    fake = FakeIndex()
    for minor in range(30):
        fake.add("big", f"1.{minor}", wheels=["cp311-cp311-manylinux_2_17_x86_64", "py3-none-any"], sdist=True,
                 yanked=minor == 29)
    fake.add("big", "1.3.0", wheels=["cp312-cp312-win_amd64"])  # release 1.3 again, spelt another way

    def listing(releases: Releases) -> list[tuple[str, bool, list[str]]]:
        return [(str(v), releases.yanked(v), sorted(p.file.filename for p in releases[v])) for v in releases]

    cold_cache = CachedIndex(fake, tmp_path / "cache", ttl=3600)  # type: ignore[arg-type]
    cold = Session(cold_cache)
    try:
        grouped_cold = listing(cold.releases("big"))
    finally:
        cold.close()
        cold_cache.close()
    parsed: list[str] = []
    real = wheelpin.releasegroups.parse_name
    monkeypatch.setattr(wheelpin.releasegroups, "parse_name", lambda name, project: parsed.append(name) or real(
        name, project))
    warm_cache = CachedIndex(fake, tmp_path / "cache", ttl=3600)  # type: ignore[arg-type]
    warm = Session(warm_cache)
    try:
        grouped_warm = listing(warm.releases("big"))
        assert parsed == []
        files = warm.project("big").files
        assert isinstance(files, PackedFiles)
        again = Releases("big", files.take_releases(NormalizedName("big")), files.load)  # handed over: anew
        assert parsed and listing(again) == grouped_cold
    finally:
        warm.close()
        warm_cache.close()
    assert grouped_warm == grouped_cold == listing(Releases.of("big", fake.files("big")))
    assert len(grouped_warm) == 30 and grouped_warm[0] == ("1.29", True, sorted(
        f.filename for f in fake.files("big") if f.filename.startswith(("big-1.29-", "big-1.29."))))
    assert ("1.3", False, sorted(f.filename for f in fake.files("big")
                                 if f.filename.startswith(("big-1.3-", "big-1.3.0-", "big-1.3.tar")))) in grouped_warm


def test_whether_a_specifier_admits_a_version_is_worked_out_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """resolvelib asks is_satisfied_by for every pin and requirement each round: a second resolution in
    the same session (a report's next Python, a fix search's next try) asks packaging nothing new."""
    from packaging.specifiers import SpecifierSet

    from wheelpin.inputs import parse_requirement_strings
    from wheelpin.resolve import resolve
    from wheelpin.target import make_target

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["lib>=1,<3"])
    fake.add("app", "2.0", requires=["lib>=2"])
    for version in ("1.0", "2.0", "3.0"):
        fake.add("lib", version)
    calls: list[str] = []
    contains = SpecifierSet.contains

    def counted(self: SpecifierSet, *args: object, **kwargs: object) -> bool:
        calls.append(str(self))
        return contains(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SpecifierSet, "contains", counted)
    session = Session(fake)
    try:
        inputs = parse_requirement_strings(["app", "lib<3"])
        first = resolve(inputs, make_target("3.12", "manylinux"), session)
        asked = len(calls)
        second = resolve(inputs, make_target("3.12", "manylinux"), session)
    finally:
        session.close()
    assert first.as_dict() == second.as_dict() == {"app": "2.0", "lib": "2.0"}
    assert asked > 0 and len(calls) == asked


# -- fetches ahead of need ----------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_fetches_ahead_wait_until_the_run_goes_to_the_network() -> None:
    """On a warm run a guess must not be what takes the run to the network: with ``online=False`` a prefetch
    or a speculation is parked until the run's first cache miss (``went_online``), or until a read asks for
    the same thing."""
    inner = FakeIndex()
    (foo,) = inner.add("foo", "1.0")
    inner.add("bar", "1.0")
    session = Session(inner, online=False)
    try:
        session.prefetch_metadata("foo", foo, version="1.0")
        parked = session.metadata_future("foo", foo, "1.0")
        session.page_future("bar")
        time.sleep(0.3)  # an unparked fetch from a pool of idle workers runs long before this
        assert (inner.project_calls, inner.metadata_calls) == ([], [])
        assert session.project("bar").files  # a read starts the parked fetch of the same page
        assert (inner.project_calls, inner.metadata_calls) == (["bar"], [])
        session.went_online()
        assert parked.result(timeout=10).version == "1.0"
        assert inner.metadata_calls == [foo.filename]
    finally:
        session.close()


@pytest.mark.timeout(30)
def test_a_parked_fetch_is_settled_when_the_run_ends() -> None:
    inner = FakeIndex()
    (foo,) = inner.add("foo", "1.0")
    session = Session(inner, online=False)
    parked = session.metadata_future("foo", foo, "1.0")
    session.close()
    with pytest.raises(IndexUnavailable):
        parked.result(timeout=10)
    assert inner.metadata_calls == []
