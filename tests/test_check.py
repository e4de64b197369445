"""Behaviour of wheelpin.check.check_lock: does each pin of a lock have a wheel for the target?"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from fakeindex import ANY, LINUX_311, WIN_311, FakeIndex, sdist_name, sha, wheel_name
from wheelpin.check import PinCheck, check_lock
from wheelpin.errors import InputError
from wheelpin.inputs import Inputs, parse_requirements_file
from wheelpin.resolve import Session
from wheelpin.target import Target, make_target

LINUX = make_target("3.11", "manylinux")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def lock(text: str) -> Inputs:
    Path("lock.txt").write_text(text, encoding="utf-8")
    return parse_requirements_file("lock.txt")


@pytest.fixture
def fake() -> FakeIndex:
    index = FakeIndex()
    index.add("ok-pkg", "1.0", wheels=[LINUX_311, WIN_311])
    index.add("ok-pkg", "2.0", wheels=[LINUX_311, WIN_311])
    return index


def check(inputs: Inputs, target: Target, index: FakeIndex) -> list[PinCheck]:
    """check_lock on a session over ``index``, as the CLI runs it."""
    session = Session(index)
    try:
        return check_lock(inputs, target, session)
    finally:
        session.close()


def by_name(results: list[PinCheck]) -> dict[str, PinCheck]:
    return {r.name: r for r in results}


def test_pins_with_a_wheel_for_the_target_are_ok(fake: FakeIndex) -> None:
    fake.add("pure", "0.3")
    results = check(lock("ok-pkg==1.0\nPure==0.3\n"), LINUX, fake)
    assert [(r.name, r.version, r.ok, r.reason) for r in results] == [
        ("ok-pkg", Version("1.0"), True, None), ("pure", Version("0.3"), True, None)]
    assert [r.source for r in results] == ["lock.txt:1", "lock.txt:2"]


def test_a_pin_without_a_wheel_suggests_the_nearest_newer_version(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "4.0", wheels=[], sdist=True)
    fake.add("foo", "4.1", wheels=[WIN_311], sdist=True)
    fake.add("foo", "4.2", wheels=[LINUX_311])
    (result,) = check(lock("foo==4.1\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "manylinux" in result.reason
    assert result.nearest == Version("4.2")


def test_a_pin_without_a_wheel_suggests_the_nearest_older_version(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "1.1", wheels=[], sdist=True)
    fake.add("foo", "2.0", wheels=[], sdist=True)
    fake.add("foo", "5.0", wheels=[LINUX_311])
    (result,) = check(lock("foo==1.1\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "sdist" in result.reason
    assert result.nearest == Version("1.0")


def test_the_nearest_version_is_never_a_pre_release_or_yanked(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "2.0", wheels=[], sdist=True)
    fake.add("foo", "2.1rc1", wheels=[LINUX_311])
    fake.add("foo", "2.1", wheels=[LINUX_311], yanked=True)
    (result,) = check(lock("foo==2.0\n"), LINUX, fake)
    assert not result.ok
    assert result.nearest == Version("1.0")


def test_no_nearest_when_no_version_has_a_wheel(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[], sdist=True)
    (result,) = check(lock("foo==1.0\n"), LINUX, fake)
    assert not result.ok
    assert result.nearest is None


def test_a_pin_whose_version_does_not_exist(fake: FakeIndex) -> None:
    (result,) = check(lock("ok-pkg==9.9\n"), LINUX, fake)
    assert not result.ok
    assert result.version == Version("9.9")
    assert result.reason and "no such release" in result.reason
    assert result.nearest == Version("2.0")


def test_a_line_that_is_not_pinned_raises_input_error_naming_the_line(fake: FakeIndex) -> None:
    with pytest.raises(InputError) as caught:
        check(lock("ok-pkg==1.0\nok-pkg>=1.0\n"), LINUX, fake)
    assert "lock.txt:2" in str(caught.value)
    assert "ok-pkg>=1.0" in str(caught.value)


@pytest.mark.parametrize("line", ["ok-pkg==1.*", "ok-pkg", "ok-pkg>=1,==1.0"])
def test_other_unpinned_forms_are_refused(fake: FakeIndex, line: str) -> None:
    with pytest.raises(InputError) as caught:
        check(lock(line + "\n"), LINUX, fake)
    assert "lock.txt:1" in str(caught.value)


def test_hashes_of_another_targets_wheels_are_reported(fake: FakeIndex) -> None:
    windows_hash = sha(wheel_name("ok-pkg", "1.0", WIN_311))
    (result,) = check(lock(f"ok-pkg==1.0 \\\n    --hash=sha256:{windows_hash}\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "another target" in result.reason


def test_hashes_that_include_the_targets_wheel_are_ok(fake: FakeIndex) -> None:
    windows_hash = sha(wheel_name("ok-pkg", "1.0", WIN_311))
    linux_hash = sha(wheel_name("ok-pkg", "1.0", LINUX_311))
    text = f"ok-pkg==1.0 --hash=sha256:{windows_hash} --hash=sha256:{linux_hash}\n"
    (result,) = check(lock(text), LINUX, fake)
    assert result.ok, result.reason


def test_markers_that_exclude_the_target_skip_the_line(fake: FakeIndex) -> None:
    # pywin32 is not on the fake index: looking it up would raise ProjectNotFound.
    text = 'ok-pkg==1.0\npywin32==306 ; sys_platform == "win32"\nother==1.0 ; python_version >= "3.12"\n'
    results = check(lock(text), LINUX, fake)
    assert [r.name for r in results] == ["ok-pkg"]
    assert "pywin32" not in fake.project_calls


def test_markers_that_include_the_target_are_checked(fake: FakeIndex) -> None:
    fake.add("pywin32", "306", wheels=[WIN_311])
    windows = make_target("3.11", "windows")
    results = check(lock('pywin32==306 ; sys_platform == "win32"\n'), windows, fake)
    assert [(r.name, r.ok) for r in results] == [("pywin32", True)]
    results = check(lock("pywin32==306\n"), LINUX, fake)
    assert [(r.name, r.ok) for r in results] == [("pywin32", False)]


def test_an_arbitrary_equality_pin_that_is_not_a_version_is_an_input_error(fake: FakeIndex) -> None:
    with pytest.raises(InputError) as caught:
        check(lock("ok-pkg===not.a.version\n"), LINUX, fake)
    assert "lock.txt:1" in str(caught.value)


# -- completeness and consistency, from the pins' metadata (issue 8) -------------------------------------

PY310 = make_target("3.10", "manylinux")
PY312 = make_target("3.12", "manylinux")


def failures(results: list[PinCheck]) -> dict[str, str]:
    return {r.name: r.reason or "" for r in results if not r.ok}


def test_a_requirement_whose_marker_holds_on_the_target_must_be_pinned(fake: FakeIndex) -> None:
    """A lock resolved for 3.12 lacks exceptiongroup, which anyio needs below 3.11: pip refuses it on 3.10."""
    fake.add("anyio", "4.16.0", requires=['exceptiongroup>=1.0.2; python_version < "3.11"', "idna>=2.8"])
    fake.add("idna", "3.20")
    fake.add("exceptiongroup", "1.3.1")
    text = "anyio==4.16.0\nidna==3.20\n"
    assert all(r.ok for r in check(lock(text), PY312, fake))
    assert failures(check(lock(text), PY310, fake)) == {
        "anyio": 'missing: exceptiongroup>=1.0.2; python_version < "3.11" required by anyio==4.16.0'}
    assert all(r.ok for r in check(lock(text + "exceptiongroup==1.3.1\n"), PY310, fake))


def test_a_pinned_version_that_another_pin_excludes_is_a_conflict(fake: FakeIndex) -> None:
    fake.add("pydantic", "2.9.2", requires=["pydantic-core==2.23.4", "annotated-types>=0.6.0"])
    fake.add("pydantic-core", "2.23.4", wheels=[LINUX_311])
    fake.add("pydantic-core", "2.27.1", wheels=[LINUX_311])
    fake.add("annotated-types", "0.8.0")
    results = check(lock("pydantic==2.9.2\npydantic-core==2.27.1\nannotated-types==0.8.0\n"), LINUX, fake)
    assert failures(results) == {"pydantic-core": (
        "conflict: pydantic-core==2.27.1 does not satisfy pydantic-core==2.23.4 required by pydantic==2.9.2")}
    (problem,) = by_name(results)["pydantic-core"].problems
    assert problem.kind == "conflict"
    assert "pydantic==2.9.2" in problem.fix and "re-lock" in problem.fix


def test_the_extras_of_a_lock_line_bring_their_requirements(fake: FakeIndex) -> None:
    fake.add("uvicorn", "0.32.0", requires=['uvloop>=0.14; extra == "standard"', "h11>=0.8"], extras=["standard"])
    fake.add("h11", "0.16.0")
    fake.add("uvloop", "0.23.0", wheels=[LINUX_311])
    assert all(r.ok for r in check(lock("uvicorn==0.32.0\nh11==0.16.0\n"), LINUX, fake))
    assert failures(check(lock("uvicorn[standard]==0.32.0\nh11==0.16.0\n"), LINUX, fake)) == {
        "uvicorn": 'missing: uvloop>=0.14; extra == "standard" required by uvicorn[standard]==0.32.0'}


def test_an_extra_asked_for_by_another_pin_brings_its_requirements(fake: FakeIndex) -> None:
    fake.add("python-jose", "3.5.0", requires=['cryptography>=3.4; extra == "cryptography"'], extras=["cryptography"])
    fake.add("app", "1.0", requires=["python-jose[cryptography]>=3"])
    fake.add("cryptography", "43.0.0", wheels=[LINUX_311])
    fake.add("cryptography", "2.0", wheels=[LINUX_311])
    assert failures(check(lock("app==1.0\npython-jose==3.5.0\n"), LINUX, fake)) == {
        "python-jose": 'missing: cryptography>=3.4; extra == "cryptography" required by python-jose==3.5.0'}
    assert failures(check(lock("app==1.0\npython-jose==3.5.0\ncryptography==2.0\n"), LINUX, fake)) == {
        "cryptography": ('conflict: cryptography==2.0 does not satisfy cryptography>=3.4; extra == "cryptography" '
                         "required by python-jose==3.5.0")}


def test_a_requirement_whose_marker_excludes_the_target_is_not_needed(fake: FakeIndex) -> None:
    fake.add("app", "1.0", requires=['pywin32>=300; sys_platform == "win32"', 'tomli; python_version < "3.11"'])
    assert all(r.ok for r in check(lock("app==1.0\n"), LINUX, fake))
    assert "pywin32" not in fake.project_calls


def test_a_pin_whose_metadata_requires_python_excludes_the_target_fails(fake: FakeIndex) -> None:
    """The page says nothing of requires-python here; the installer still obeys the metadata's."""
    fake.add("numpy", "2.5.5", wheels=[ANY])
    fake.add("numpy", "2.2.6", wheels=[ANY])
    fake.set_metadata("numpy", "2.5.5", requires_python=">=3.12")
    (result,) = check(lock("numpy==2.5.5\n"), LINUX, fake)
    assert result.reason == "its metadata's Requires-Python >=3.12 excludes Python 3.11.0"
    assert result.problems[0].kind == "requires-python"
    assert all(r.ok for r in check(lock("numpy==2.5.5\n"), PY312, fake))


# -- what the lock's hashes are, when none is the target's wheel's (issue 8) ---------------------------------

def test_a_hash_that_is_no_file_of_the_release_is_not_blamed_on_another_target(fake: FakeIndex) -> None:
    (result,) = check(lock(f"ok-pkg==1.0 --hash=sha256:{'0' * 64}\n"), LINUX, fake)
    assert result.reason == ("no hash on the line is a file of ok-pkg 1.0 on the index (sha256:000000000000…): "
                             "the installer would refuse the download as tampered with")
    assert "where the hash came from" in result.problems[0].fix


def test_the_sdists_hash_is_told_apart_the_install_would_build_from_source(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311, WIN_311], sdist=True)
    (result,) = check(lock(f"foo==1.0 --hash=sha256:{sha(sdist_name('foo', '1.0'))}\n"), LINUX, fake)
    assert result.reason == ("the lock hashes the sdist foo-1.0.tar.gz, not a wheel, so the installer would build foo "
                             "from source (and refuse with --only-binary)")
    assert result.problems[0].fix == ("re-lock with 'wheelpin resolve --python 3.11 --platform manylinux_2_28_x86_64', "
                                      f"which hashes the wheel {wheel_name('foo', '1.0', LINUX_311)}")


def test_hashes_of_another_targets_wheel_name_that_wheel_and_the_targets(fake: FakeIndex) -> None:
    windows = wheel_name("ok-pkg", "1.0", WIN_311)
    (result,) = check(lock(f"ok-pkg==1.0 --hash=sha256:{sha(windows)} --hash=sha256:{'1' * 64}\n"), LINUX, fake)
    assert result.reason == ("this version has wheels for the target, but the lock's hashes are for another "
                             f"target's wheels ({windows})")
    assert result.problems[0].fix.endswith(f"which hashes {wheel_name('ok-pkg', '1.0', LINUX_311)}")


# -- what to suggest for a pin without a wheel that other pins require (issue 8) ---------------------------

CP314 = "cp314-cp314-manylinux_2_17_x86_64"
PY314 = make_target("3.14", "manylinux")


def test_a_pin_forced_by_another_pin_names_that_requirement_not_a_version_it_forbids(fake: FakeIndex) -> None:
    """pydantic 2.9.2 pins pydantic-core==2.23.4, which has no cp314 wheel: a newer pydantic-core (2.35.0 has
    one) would only conflict, so the fix is to change pydantic."""
    fake.add("pydantic", "2.9.2", requires=["pydantic-core==2.23.4"])
    fake.add("pydantic-core", "2.23.4", wheels=[LINUX_311])
    fake.add("pydantic-core", "2.35.0", wheels=[LINUX_311, CP314])
    results = by_name(check(lock("pydantic==2.9.2\npydantic-core==2.23.4\n"), PY314, fake))
    core = results["pydantic-core"]
    assert not core.ok and results["pydantic"].ok
    assert core.nearest is None
    assert core.problems[0].fix == "required by pydantic==2.9.2 (pydantic-core==2.23.4): upgrade pydantic"


def test_the_nearest_version_satisfies_every_requirement_on_it_from_the_other_pins(fake: FakeIndex) -> None:
    fake.add("app", "1.0", requires=["foo>=1,<2"])
    fake.add("foo", "1.4", wheels=[LINUX_311])
    fake.add("foo", "1.5", wheels=[], sdist=True)
    fake.add("foo", "2.0", wheels=[LINUX_311])  # as near, and newer, but app excludes it
    results = by_name(check(lock("app==1.0\nfoo==1.5\n"), LINUX, fake))
    assert results["foo"].nearest == Version("1.4")
    (alone,) = check(lock("foo==1.5\n"), LINUX, fake)
    assert alone.nearest == Version("2.0")


def test_when_no_release_has_a_wheel_the_fix_says_so(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[WIN_311], sdist=True)
    (result,) = check(lock("foo==1.0\n"), LINUX, fake)
    assert result.problems[0].fix.startswith("no release of foo has a wheel for CPython 3.11 on manylinux_2_28_x86_64")
