"""Behaviour of wheelpin.provider.resolve: wheel-only resolution against an in-memory index."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from fakeindex import LINUX_311, WIN_311, FakeIndex, sdist_name
from wheelpin.errors import NoWheelSolution
from wheelpin.inputs import parse_requirement_strings, parse_requirements_file
from wheelpin.models import DistFile, Resolution
from wheelpin.resolve import Session, releases, resolve
from wheelpin.target import make_target

Run = Callable[..., Resolution]


@pytest.fixture
def opened() -> Iterator[list[Session]]:
    indexes: list[Session] = []
    yield indexes
    for index in indexes:
        index.close()


@pytest.fixture
def run(fake: FakeIndex, opened: list[Session]) -> Run:
    def run(*requirements: str, python: str = "3.11", platform: str = "manylinux", pre: bool = False,
            constraints: Sequence[str] = (), allow_source: Sequence[str] = (),
            preferences: Mapping[str, str] | None = None) -> Resolution:
        inputs = parse_requirement_strings(requirements)
        if constraints:
            limits = parse_requirement_strings(constraints, source="constraints.txt")
            inputs = dataclasses.replace(inputs, constraints=limits.requirements)
        if pre:
            inputs = dataclasses.replace(inputs, pre=True)
        index = Session(fake)
        opened.append(index)
        preferred = {canonicalize_name(n): Version(v) for n, v in (preferences or {}).items()}
        return resolve(inputs, make_target(python, platform), index, allow_source=allow_source,
                       preferences=preferred)

    return run


def versions(resolution: Resolution) -> dict[str, str]:
    return {pin.name: str(pin.version) for pin in resolution.pins}


# -- choosing a version ---------------------------------------------------------------------------------
def test_newest_wheel_bearing_version_is_chosen(fake: FakeIndex, run: Run) -> None:
    for v in ("1.0", "1.2", "2.0", "1.10"):
        fake.add("foo", v)
    assert versions(run("foo")) == {"foo": "2.0"}


def test_specifier_limits_the_version(fake: FakeIndex, run: Run) -> None:
    for v in ("1.0", "1.5", "2.0"):
        fake.add("foo", v)
    assert versions(run("foo<2")) == {"foo": "1.5"}


def test_newer_version_without_a_compatible_wheel_is_held_back(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "2.0", wheels=[WIN_311], sdist=True)
    resolution = run("foo")
    assert versions(resolution) == {"foo": "1.0"}
    pin = resolution.pin("foo")
    assert pin is not None and not pin.from_source
    assert [f.filename for f in pin.files] == ["foo-1.0-" + LINUX_311 + ".whl"]


def test_the_target_decides_which_wheels_count_not_the_host(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "2.0", wheels=[WIN_311])
    assert versions(run("foo", platform="windows")) == {"foo": "2.0"}
    assert versions(run("foo", platform="manylinux")) == {"foo": "1.0"}


def test_pin_files_are_only_the_targets_wheels(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311, WIN_311], sdist=True)
    pin = run("foo").pin("foo")
    assert pin is not None
    assert [f.filename for f in pin.files] == ["foo-1.0-" + LINUX_311 + ".whl"]


# -- pre-releases ---------------------------------------------------------------------------------------
def test_pre_releases_are_excluded_by_default(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "2.0b1")
    assert versions(run("foo")) == {"foo": "1.0"}


def test_pre_releases_are_allowed_with_pre(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "2.0b1")
    assert versions(run("foo", pre=True)) == {"foo": "2.0b1"}


def test_a_specifier_naming_a_pre_release_allows_pre_releases(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "2.0b1")
    fake.add("foo", "2.0b2")
    assert versions(run("foo>=2.0b1")) == {"foo": "2.0b2"}


def test_pre_releases_are_used_when_there_is_nothing_else(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0a1")
    fake.add("foo", "1.0rc1")
    assert versions(run("foo")) == {"foo": "1.0rc1"}


def test_a_pre_release_dependency_is_excluded_for_a_transitive_requirement(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib>=1"])
    fake.add("lib", "1.0")
    fake.add("lib", "1.1.dev1")
    assert versions(run("app")) == {"app": "1.0", "lib": "1.0"}


# -- yanked releases ------------------------------------------------------------------------------------
def test_yanked_releases_are_skipped(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "1.1", yanked=True)
    assert versions(run("foo")) == {"foo": "1.0"}
    assert versions(run("foo>=1.0")) == {"foo": "1.0"}


def test_a_yanked_release_pinned_with_double_equals_is_used(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "1.1", yanked=True)
    assert versions(run("foo==1.1")) == {"foo": "1.1"}


# -- requires-python ------------------------------------------------------------------------------------
def test_requires_python_of_the_files_is_respected(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", requires_python=">=3.8")
    fake.add("foo", "2.0", requires_python=">=3.12")
    assert versions(run("foo", python="3.11")) == {"foo": "1.0"}
    assert versions(run("foo", python="3.12")) == {"foo": "2.0"}


# -- extras ---------------------------------------------------------------------------------------------
def test_an_extra_pulls_its_dependencies_and_the_base_package(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", requires=["core", 'xdep; extra == "x"', 'ydep; extra == "y"'], extras=["x", "y"])
    for name in ("core", "xdep", "ydep"):
        fake.add(name, "3.0")
    assert versions(run("foo[x]")) == {"foo": "1.0", "core": "3.0", "xdep": "3.0"}
    assert versions(run("foo")) == {"foo": "1.0", "core": "3.0"}


def test_extra_names_are_normalized(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", requires=['xdep; extra == "Fast_Path"'], extras=["Fast_Path"])
    fake.add("xdep", "1.0")
    resolution = run("foo[fast-path]")
    assert versions(resolution) == {"foo": "1.0", "xdep": "1.0"}
    xdep = resolution.pin("xdep")
    assert xdep is not None and xdep.via == ("foo",)


def test_two_extras_never_pick_two_versions(fake: FakeIndex, run: Run) -> None:
    # Only foo 1.x is allowed by the [y] requirement, so foo[x] must use 1.x too: its x-deps then say bar<2.
    fake.add("foo", "1.0", requires=['bar<2; extra == "x"', 'baz; extra == "y"'], extras=["x", "y"])
    fake.add("foo", "2.0", requires=['bar>=2; extra == "x"', 'baz; extra == "y"'], extras=["x", "y"])
    for v in ("1.5", "2.5"):
        fake.add("bar", v)
    fake.add("baz", "1.0")
    assert versions(run("foo[x]", "foo[y]<2")) == {"foo": "1.0", "bar": "1.5", "baz": "1.0"}


def test_extra_marker_combined_with_a_platform_marker(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", extras=["x"],
             requires=['winonly; extra == "x" and sys_platform == "win32"', 'all; extra == "x"'])
    fake.add("winonly", "1.0")
    fake.add("all", "1.0")
    assert versions(run("foo[x]")) == {"foo": "1.0", "all": "1.0"}
    assert versions(run("foo[x]", platform="windows")) == {"foo": "1.0", "all": "1.0", "winonly": "1.0"}


# -- markers are evaluated for the target ---------------------------------------------------------------
def test_platform_markers_are_evaluated_for_the_target(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", requires=['pywin32; sys_platform == "win32"', "common"])
    fake.add("pywin32", "306", wheels=[WIN_311])
    fake.add("common", "1.0")
    assert versions(run("foo", platform="manylinux")) == {"foo": "1.0", "common": "1.0"}
    assert versions(run("foo", platform="win_amd64")) == {"foo": "1.0", "common": "1.0", "pywin32": "306"}


def test_python_version_markers_are_evaluated_for_the_target(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", requires=['tomli; python_version < "3.12"'])
    fake.add("tomli", "2.0")
    assert versions(run("foo", python="3.11")) == {"foo": "1.0", "tomli": "2.0"}
    assert versions(run("foo", python="3.13")) == {"foo": "1.0"}


def test_markers_on_the_users_requirements_are_evaluated_for_the_target(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("pywin32", "306", wheels=[WIN_311])
    assert versions(run("foo", 'pywin32; sys_platform == "win32"')) == {"foo": "1.0"}
    assert versions(run("foo", 'pywin32; sys_platform == "win32"', platform="windows")) == {
        "foo": "1.0", "pywin32": "306"}


def test_a_marker_is_evaluated_once_for_the_pythons_whose_values_it_reads_agree(
        fake: FakeIndex, opened: list[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    # A report resolves for every Python on one session: lines whose marker names no Python variable have one
    # answer for them all; a python_version line is still answered per Python.
    fake.add("foo", "1.0", requires=['winonly; sys_platform == "win32"', 'testonly; extra == "test"',
                                     'tomli; python_version < "3.12"', "common"])
    for name in ("winonly", "testonly", "tomli", "common"):
        fake.add(name, "1.0")
    evaluated: list[str] = []
    real = releases.applies

    def counting(marker, environment, extras):  # type: ignore[no-untyped-def]
        evaluated.append(str(marker))
        return real(marker, environment, extras)

    monkeypatch.setattr(releases, "applies", counting)
    session = Session(fake)
    opened.append(session)
    inputs = parse_requirement_strings(["foo"])
    found = {python: versions(resolve(inputs, make_target(python, "manylinux"), session))
             for python in ("3.11", "3.12", "3.13")}
    assert found["3.11"] == {"foo": "1.0", "common": "1.0", "tomli": "1.0"}
    assert found["3.12"] == found["3.13"] == {"foo": "1.0", "common": "1.0"}
    assert sorted(evaluated) == ['extra == "test"', 'python_version < "3.12"', 'python_version < "3.12"',
                                 'python_version < "3.12"', 'sys_platform == "win32"']


@pytest.mark.parametrize("line, variables", [
    ('a; extra == "x"', ()),
    ('b; sys.platform == "win32" and python_version < "3.11"', ("python_version", "sys_platform")),
    ('c; python_implementation == "PyPy"', ("platform_python_implementation",)),
    ('d; platform.python_implementation == "PyPy"', ("platform_python_implementation",)),
    ('e; os_name == "nt" or implementation_version > "3" or python_full_version < "3.9.1"',
     ("implementation_version", "os_name", "python_full_version")),
])
def test_the_variables_a_marker_reads_in_every_spelling(line: str, variables: tuple[str, ...]) -> None:
    assert releases.marker_variables(line) == variables


# -- constraints ----------------------------------------------------------------------------------------
def test_constraints_limit_versions(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib"])
    for v in ("1.0", "2.0", "3.0"):
        fake.add("lib", v)
    assert versions(run("app", constraints=["lib<3"])) == {"app": "1.0", "lib": "2.0"}


def test_constraints_never_add_packages(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0")
    fake.add("other", "1.0")
    assert versions(run("app", constraints=["other==1.0"])) == {"app": "1.0"}


# -- failures -------------------------------------------------------------------------------------------
def test_a_transitive_pin_to_a_version_without_wheels_names_package_version_and_parent(
        fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib==2.0"])
    fake.add("lib", "1.0")
    fake.add("lib", "2.0", wheels=[], sdist=True)
    with pytest.raises(NoWheelSolution) as caught:
        run("app")
    error = caught.value
    assert error.exit_code == 1
    assert "lib" in str(error)
    rows = [row for row in error.blockers if row[0].startswith("lib")]
    assert rows, error.blockers
    name, detail = rows[0]
    assert "2.0" in name
    assert "app 1.0" in detail
    assert "sdist" in detail  # the reason: only an sdist
    assert "no release matches" not in detail


def test_a_release_with_wheels_only_for_another_platform_explains_why(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib==2.0"])
    fake.add("lib", "2.0", wheels=[WIN_311])
    with pytest.raises(NoWheelSolution) as caught:
        run("app")
    (name, detail), = [row for row in caught.value.blockers if row[0].startswith("lib")]
    assert "==2.0" in name
    assert "app 1.0" in detail
    assert "manylinux" in detail and "win_amd64" in detail


def test_a_requirement_no_release_matches_gets_a_different_reason(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib>=5"])
    fake.add("lib", "1.0")
    fake.add("lib", "2.0")
    with pytest.raises(NoWheelSolution) as caught:
        run("app")
    (name, detail), = [row for row in caught.value.blockers if row[0].startswith("lib")]
    assert ">=5" in name
    assert "app 1.0" in detail
    assert "no release of lib matches >=5; the newest release is 2.0" in detail
    assert "sdist" not in detail


def test_two_requirements_that_cannot_both_hold_are_reported_as_a_conflict(fake: FakeIndex, run: Run) -> None:
    fake.add("a", "1.0", requires=["lib<2"])
    fake.add("b", "1.0", requires=["lib>=2"])
    fake.add("lib", "1.0")
    fake.add("lib", "2.0")
    with pytest.raises(NoWheelSolution) as caught:
        run("a", "b")
    details = " | ".join(detail for name, detail in caught.value.blockers if name.startswith("lib"))
    assert "conflict" in details
    assert "no release matches" not in details


def test_an_sdist_only_project_fails_without_allow_source(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[], sdist=True)
    with pytest.raises(NoWheelSolution) as caught:
        run("foo")
    assert any(name.startswith("foo") and "command line" in detail for name, detail in caught.value.blockers)


# -- --allow-source -------------------------------------------------------------------------------------
def test_allow_source_makes_an_sdist_only_package_a_candidate(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[], sdist=True, requires=["bar"])
    fake.add("bar", "1.0")
    resolution = run("foo", allow_source=["Foo"])
    assert versions(resolution) == {"foo": "1.0", "bar": "1.0"}
    pin = resolution.pin("foo")
    assert pin is not None and pin.from_source
    assert [f.filename for f in pin.files] == [sdist_name("foo", "1.0")]
    assert sdist_name("foo", "1.0") in fake.metadata_calls  # its deps came from the sdist's metadata
    bar = resolution.pin("bar")
    assert bar is not None and not bar.from_source


def test_allow_source_for_one_package_does_not_open_others(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", wheels=[], sdist=True)
    fake.add("bar", "1.0", wheels=[], sdist=True)
    with pytest.raises(NoWheelSolution):
        run("foo", "bar", allow_source=["foo"])


# -- via ------------------------------------------------------------------------------------------------
def test_via_records_parents(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0", requires=["lib", "util"])
    fake.add("tool", "1.0", requires=["lib"])
    fake.add("lib", "1.0")
    fake.add("util", "1.0")
    resolution = run("app", "tool")
    lib, util = resolution.pin("lib"), resolution.pin("util")
    assert lib is not None and util is not None
    assert lib.via == ("app", "tool")
    assert util.via == ("app",)


def test_via_names_the_requirements_file(fake: FakeIndex, opened: list[Session],
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.txt").write_text("# app\napp\n", encoding="utf-8")
    fake.add("app", "1.0", requires=["lib"])
    fake.add("lib", "1.0")
    index = Session(fake)
    opened.append(index)
    resolution = resolve(parse_requirements_file("requirements.txt"), make_target("3.11", "manylinux"), index)
    app, lib = resolution.pin("app"), resolution.pin("lib")
    assert app is not None and lib is not None
    assert app.via == ("-r requirements.txt",)
    assert lib.via == ("app",)


def test_via_of_a_command_line_requirement_is_not_a_requirements_file(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0")
    pin = run("app").pin("app")
    assert pin is not None
    assert pin.via == ("command line",)


# -- backtracking ---------------------------------------------------------------------------------------
def test_backtracks_to_an_older_parent_when_the_newest_needs_wheelless_b(fake: FakeIndex, run: Run) -> None:
    fake.add("a", "1.0", requires=["b>=1"])
    fake.add("a", "2.0", requires=["b>=2"])
    fake.add("b", "1.0")
    fake.add("b", "2.0", wheels=[], sdist=True)
    fake.add("b", "2.1", wheels=[WIN_311])
    assert versions(run("a")) == {"a": "1.0", "b": "1.0"}


def test_backtracking_across_two_levels(fake: FakeIndex, run: Run) -> None:
    fake.add("top", "1.0", requires=["mid"])
    fake.add("mid", "1.0", requires=["leaf<2"])
    fake.add("mid", "2.0", requires=["leaf>=2"])
    fake.add("leaf", "1.0")
    fake.add("leaf", "2.0", wheels=[WIN_311])
    resolution = run("top")
    assert versions(resolution) == {"top": "1.0", "mid": "1.0", "leaf": "1.0"}
    assert resolution.pin("leaf").version == Version("1.0")  # type: ignore[union-attr]


def test_pins_are_sorted_by_name_and_each_project_appears_once(fake: FakeIndex, run: Run) -> None:
    fake.add("zeta", "1.0", requires=["Alpha_Pkg"])
    fake.add("alpha-pkg", "1.0", requires=['mid; extra == "x"'], extras=["x"])
    fake.add("mid", "1.0")
    resolution = run("zeta", "alpha.pkg[x]")
    assert [p.name for p in resolution.pins] == ["alpha-pkg", "mid", "zeta"]


def test_metadata_requires_python_is_honoured_when_the_page_is_silent(fake: FakeIndex, run: Run) -> None:
    fake.add("lib", "1.0")
    (new,) = fake.add("lib", "2.0")
    meta = fake.metadata("lib", new)
    fake._metadata[new.filename] = dataclasses.replace(meta, requires_python=">=3.12")
    assert run("lib", python="3.11").as_dict() == {"lib": "1.0"}
    assert run("lib", python="3.12").as_dict() == {"lib": "2.0"}


def test_a_dependency_missing_from_the_index_makes_the_resolver_backtrack(fake: FakeIndex, run: Run) -> None:
    fake.add("app", "1.0")
    fake.add("app", "2.0", requires=["gone>=1"])
    assert run("app").as_dict() == {"app": "1.0"}
    with pytest.raises(NoWheelSolution) as caught:
        run("app==2.0")
    assert any("no such project" in detail for _name, detail in caught.value.blockers)


def test_held_back_is_reported_for_a_package_asked_with_extras(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0", extras=["x"], requires=['bar; extra == "x"'])
    fake.add("foo", "2.0", wheels=[WIN_311], extras=["x"], requires=['bar; extra == "x"'])
    fake.add("bar", "1.0")
    for requirement in ("foo", "foo[x]"):
        pin = run(requirement).pin("foo")
        assert pin is not None and pin.held_back is not None, requirement
        assert pin.held_back.newest == "2.0"


def test_matching_releases_equal_a_full_scan_for_every_operator() -> None:
    """The early stop of _matching must never lose a release: compare with checking every release, over
    versions with pre-, post-, dev- and local parts and specifiers of every operator."""
    import itertools
    import random

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from wheelpin.resolve.releases import matching as _matching

    texts = ["0.9", "1.0.dev1", "1.0a1", "1.0rc2", "1.0", "1.0+cpu", "1.0.post1", "1.0.post1+cpu", "1.0.1",
             "1.1.dev0", "1.1", "1.4.5", "1.4.6", "1.4.6.post2", "1.5", "2.0a1", "2.0", "2.0+local", "2.1b1",
             "2.1", "3.0.dev2", "3.0", "1!0.5"]
    releases = {v: str(v) for v in sorted((Version(t) for t in texts), reverse=True)}
    operators = ["<", "<=", ">", ">=", "==", "~=", "!=", "==*", "!=*"]
    bounds = ["1.0", "1.0a1", "1.0.post1", "1.4.5", "2.0", "2.0rc1", "1.0+cpu", "1!0.5"]
    rng = random.Random(4)

    def spec(operator: str, bound: str) -> str:
        if operator.endswith("*"):
            return f"{operator[:-1]}{bound.split('+')[0].split('rc')[0].split('a')[0].split('.post')[0]}.*"
        if operator == "~=" and "." not in bound.split("!")[-1]:
            bound += ".0"
        if operator in ("<", "<=", ">", ">=", "~=") and "+" in bound:
            bound = bound.split("+")[0]
        return f"{operator}{bound}"

    singles = [spec(o, b) for o, b in itertools.product(operators, bounds)]
    cases = [[SpecifierSet(s)] for s in singles]
    cases += [[SpecifierSet(",".join(rng.sample(singles, 2))), SpecifierSet(rng.choice(singles))]
              for _ in range(400)]
    for specifiers in cases:
        for allow_pre in (False, True):
            expected = [v for v in releases if all(s.contains(v, prereleases=allow_pre) for s in specifiers)]
            got = list(_matching(releases, specifiers, allow_pre))
            assert got == expected, (specifiers, allow_pre)


class Slow(FakeIndex):
    """Each project page (``what="pages"``) or metadata file (``what="metadata"``) is held until ``together``
    of them are in flight at once (for at most a second; from then on each takes 50 ms), and how many ever
    were is counted.  Holding them, rather than sleeping a fixed time, shows whether fetches overlap however
    slowly a loaded machine starts the threads; fetched one at a time, each waits out the second."""

    def __init__(self, what: str, together: int = 3) -> None:
        import threading

        super().__init__()
        self.what = what
        self.together = together
        self.in_flight = 0
        self.most_in_flight = 0
        self._count = threading.Condition()

    def _slowly(self, what: str) -> None:
        import time

        if what != self.what:
            return
        with self._count:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._count.notify_all()
            self._count.wait_for(lambda: self.most_in_flight >= self.together, timeout=1)
        time.sleep(0.05)
        with self._count:
            self.in_flight -= 1

    def project(self, name: str):  # type: ignore[no-untyped-def]
        self._slowly("pages")
        return super().project(name)

    def metadata(self, name: str, file: DistFile):  # type: ignore[no-untyped-def]
        self._slowly("metadata")
        return super().metadata(name, file)


def test_the_first_candidates_metadata_is_fetched_as_soon_as_its_matches_are_asked_for() -> None:
    """resolvelib asks for the matches of all five requirements first and pins them one by one: their
    metadata is fetched side by side, not one per pin (speculation is off, as for a single resolve)."""
    slow = Slow("metadata")
    for name in "abcde":
        slow.add(name, "1.0")
    index = Session(slow)
    try:
        resolution = resolve(parse_requirement_strings(list("abcde")), make_target("3.11", "manylinux"), index)
    finally:
        index.close()
    assert len(resolution.pins) == 5
    assert slow.most_in_flight >= 3


@pytest.mark.timeout(60)
def test_the_pages_of_a_pins_dependencies_are_fetched_side_by_side() -> None:
    """resolvelib asks for the matches of a pin's dependencies one after another, each waiting for its page:
    without speculation (a single resolve) the pages are still fetched as soon as the dependencies are
    known, not one per question."""
    slow = Slow("pages")
    slow.add("a", "1.0", requires=list("bcde"))
    for name in "bcde":
        slow.add(name, "1.0")
    index = Session(slow)
    try:
        resolution = resolve(parse_requirement_strings(["a"]), make_target("3.11", "manylinux"), index)
    finally:
        index.close()
    assert len(resolution.pins) == 5
    assert slow.most_in_flight >= 3


@pytest.mark.timeout(60)
def test_a_walk_down_a_projects_releases_fetches_the_next_ones_side_by_side() -> None:
    """Each of a's newer releases needs a c that does not exist: the resolver rejects them one by one, and
    reads each one's metadata before it can.  Once it is walking, the next releases are fetched ahead."""
    slow = Slow("metadata")
    for minor in range(2, 12):
        slow.add("a", f"1.{minor}", requires=["c>=2"])
    slow.add("a", "1.1")
    slow.add("c", "1.0")
    index = Session(slow)
    try:
        resolution = resolve(parse_requirement_strings(["a"]), make_target("3.11", "manylinux"), index)
    finally:
        index.close()
    assert {p.name: str(p.version) for p in resolution.pins} == {"a": "1.1"}
    assert slow.most_in_flight >= 3


def test_speculation_walks_the_graph_ahead_of_any_resolver() -> None:
    """A report's session speculates: told of one requirement, it fetches the metadata of the release the
    resolver will pick and of that release's dependencies, down the chain, before anything asks for it."""
    import time

    from wheelpin.resolve.prefetch import policy_for
    from wheelpin.resolve.requirements import to_req

    fake = FakeIndex()
    fake.add("a", "1.0", requires=["b"])
    fake.add("b", "1.0", requires=["c>=2"])
    fake.add("c", "1.0")
    fake.add("c", "2.0")
    wanted = {"a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl", "c-2.0-py3-none-any.whl"}
    for speculate in (True, False):
        fake.metadata_calls.clear()
        session = Session(fake, speculate=speculate)
        try:
            policy_for(session, make_target("3.11", "manylinux")).on_requirement(
                to_req(parse_requirement_strings(["a"]).requirements[0].requirement))
            deadline = time.monotonic() + (5 if speculate else 0.3)
            while not wanted <= set(fake.metadata_calls) and time.monotonic() < deadline:
                time.sleep(0.01)  # the fetches run in the pool
        finally:
            session.close()
        assert (set(fake.metadata_calls) == wanted) is speculate, (speculate, fake.metadata_calls)


@pytest.mark.timeout(60)
def test_speculation_waits_until_the_run_goes_to_the_network() -> None:
    """A warm run never speculates: its guesses would only cost CPU, and would be fetched if a later miss
    took the run to the network.  Requirements learnt once the run is on the network (``went_online``) are
    walked ahead as in a report."""
    import time

    from wheelpin.resolve.prefetch import policy_for
    from wheelpin.resolve.requirements import to_req

    fake = FakeIndex()
    (a_wheel,) = fake.add("a", "1.0", requires=["b"])
    fake.add("b", "1.0")
    fake.add("c", "1.0", requires=["d"])
    fake.add("d", "1.0")
    session = Session(fake, speculate=True, online=False)
    try:
        policy = policy_for(session, make_target("3.11", "manylinux"))
        policy.on_requirement(to_req(parse_requirement_strings(["a"]).requirements[0].requirement))
        session.project("a")  # what the resolver reads (from the cache, on a warm run)
        session.metadata("a", a_wheel, version="1.0")
        session.went_online()  # a later miss
        time.sleep(0.2)
        assert (fake.project_calls, fake.metadata_calls) == (["a"], ["a-1.0-py3-none-any.whl"])
        policy.on_requirement(to_req(parse_requirement_strings(["c"]).requirements[0].requirement))
        deadline = time.monotonic() + 5
        while len(fake.metadata_calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fake.metadata_calls[1:] == ["c-1.0-py3-none-any.whl", "d-1.0-py3-none-any.whl"]
    finally:
        session.close()


def test_an_invalid_requires_dist_line_is_skipped_with_a_warning(fake: FakeIndex, run: Run,
                                                                   opened: list[Session]) -> None:
    """pip skips a Requires-Dist line it cannot parse and says so; so does wheelpin, once per run."""
    fake.add("foo", "1.0", requires=["bar>=1", "baz >=1 ;; broken"])
    fake.add("bar", "1.0")
    assert versions(run("foo")) == {"bar": "1.0", "foo": "1.0"}
    (warning,) = opened[0].warnings
    assert "foo==1.0" in warning and "baz >=1 ;; broken" in warning



def test_a_yanked_pin_carries_the_yank_reason_into_the_lock(fake: FakeIndex, run: Run) -> None:
    """pip warns when it installs a yanked release; the lock says why the release was yanked."""
    from wheelpin.lockfile import lock_lines

    fake.add("app", "1.0", requires=["foo==1.1"])
    fake.add("foo", "1.0")
    fake.add("foo", "1.1", yanked="broken\nrequests==0.0.1  build")  # free text from the index
    fake.add("bar", "2.0", yanked=True)
    resolution = run("app", "bar==2.0")
    foo = resolution.pin("foo")
    assert foo is not None and foo.choice.yanked and foo.choice.yanked_reason == "broken\nrequests==0.0.1  build"
    lines = list(lock_lines(resolution, command="wheelpin resolve app"))
    at = lines.index("foo==1.1 \\")
    assert lines[at + 2] == "    # yanked: broken requests==0.0.1 build"  # one line: no requirement smuggled in
    assert "    # yanked (the index gives no reason)" in lines
    assert not any(line.startswith("requests==") for line in lines)


# -- preferences (an existing lock's pins) --------------------------------------------------------------
def test_a_preferred_version_is_kept_while_it_fits(fake: FakeIndex, run: Run) -> None:
    for v in ("1.0", "1.1", "2.0"):
        fake.add("foo", v, requires=["bar>=1"])
    for v in ("1.0", "1.5"):
        fake.add("bar", v)
    fake.add("baz", "3.0")
    resolution = run("foo", "baz", preferences={"foo": "1.1", "bar": "1.0", "gone": "9.9"})
    assert versions(resolution) == {"foo": "1.1", "bar": "1.0", "baz": "3.0"}


def test_a_preference_the_requirements_no_longer_admit_moves_to_the_newest(fake: FakeIndex, run: Run) -> None:
    for v in ("1.0", "1.1", "2.0", "2.1"):
        fake.add("foo", v)
    fake.add("bar", "1.0")
    fake.add("bar", "2.0")
    assert versions(run("foo>=2", "bar", preferences={"foo": "1.1", "bar": "1.0"})) == {"foo": "2.1", "bar": "1.0"}


def test_a_preference_is_not_a_constraint_when_a_dependency_needs_more(fake: FakeIndex, run: Run) -> None:
    """The new requirement app 2 makes on lib moves lib; nothing else has to."""
    fake.add("app", "1.0", requires=["lib"])
    fake.add("app", "2.0", requires=["lib>=2"])
    fake.add("lib", "1.0")
    fake.add("lib", "2.0")
    fake.add("lib", "3.0")
    assert versions(run("app>=2", preferences={"app": "1.0", "lib": "1.0"})) == {"app": "2.0", "lib": "3.0"}


def test_a_preference_without_a_wheel_for_the_target_or_yanked_is_passed_over(fake: FakeIndex, run: Run) -> None:
    fake.add("foo", "1.0")
    fake.add("foo", "1.1", wheels=[WIN_311])
    fake.add("foo", "1.2")
    fake.add("bar", "1.0")
    fake.add("bar", "1.1", yanked=True)
    fake.add("bar", "1.2")
    assert versions(run("foo", "bar", preferences={"foo": "1.1", "bar": "1.1"})) == {"foo": "1.2", "bar": "1.2"}
    # A yanked release the requirements pin with == stays admitted, preferred or not.
    assert versions(run("bar==1.1", preferences={"bar": "1.1"})) == {"bar": "1.1"}


def test_a_preferred_pin_the_resolver_must_leave_gives_way_by_backtracking(fake: FakeIndex, run: Run) -> None:
    """foo 1.0 is preferred but conflicts with the pinned baz; the resolver takes the next foo, newest first."""
    fake.add("foo", "1.0", requires=["baz<2"])
    fake.add("foo", "1.5", requires=["baz>=2"])
    fake.add("foo", "2.0", requires=["baz>=2"])
    fake.add("baz", "1.0")
    fake.add("baz", "2.0")
    assert versions(run("foo", "baz==2.0", preferences={"foo": "1.0"})) == {"foo": "2.0", "baz": "2.0"}
