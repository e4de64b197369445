"""Behaviour of wheelpin.check.check_lock: does each pin of a lock have a wheel for the target?"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from fakeindex import LINUX_311, WIN_311, FakeIndex, sha, wheel_name
from wheelpin.check import PinCheck, check_lock
from wheelpin.errors import InputError
from wheelpin.inputs import Inputs, parse_requirements_file
from wheelpin.target import make_target

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


def by_name(results: list[PinCheck]) -> dict[str, PinCheck]:
    return {r.name: r for r in results}


def test_pins_with_a_wheel_for_the_target_are_ok(fake: FakeIndex) -> None:
    fake.add("pure", "0.3")
    results = check_lock(lock("ok-pkg==1.0\nPure==0.3\n"), LINUX, fake)
    assert [(r.name, r.version, r.ok, r.reason) for r in results] == [
        ("ok-pkg", Version("1.0"), True, None), ("pure", Version("0.3"), True, None)]
    assert [r.source for r in results] == ["lock.txt:1", "lock.txt:2"]


def test_a_pin_without_a_wheel_suggests_the_nearest_newer_version(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "4.0", wheels=[], sdist=True)
    fake.add("foo", "4.1", wheels=[WIN_311], sdist=True)
    fake.add("foo", "4.2", wheels=[LINUX_311])
    (result,) = check_lock(lock("foo==4.1\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "manylinux" in result.reason
    assert result.nearest == Version("4.2")


def test_a_pin_without_a_wheel_suggests_the_nearest_older_version(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "1.1", wheels=[], sdist=True)
    fake.add("foo", "2.0", wheels=[], sdist=True)
    fake.add("foo", "5.0", wheels=[LINUX_311])
    (result,) = check_lock(lock("foo==1.1\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "sdist" in result.reason
    assert result.nearest == Version("1.0")


def test_the_nearest_version_is_never_a_pre_release_or_yanked(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[LINUX_311])
    fake.add("foo", "2.0", wheels=[], sdist=True)
    fake.add("foo", "2.1rc1", wheels=[LINUX_311])
    fake.add("foo", "2.1", wheels=[LINUX_311], yanked=True)
    (result,) = check_lock(lock("foo==2.0\n"), LINUX, fake)
    assert not result.ok
    assert result.nearest == Version("1.0")


def test_no_nearest_when_no_version_has_a_wheel(fake: FakeIndex) -> None:
    fake.add("foo", "1.0", wheels=[], sdist=True)
    (result,) = check_lock(lock("foo==1.0\n"), LINUX, fake)
    assert not result.ok
    assert result.nearest is None


def test_a_pin_whose_version_does_not_exist(fake: FakeIndex) -> None:
    (result,) = check_lock(lock("ok-pkg==9.9\n"), LINUX, fake)
    assert not result.ok
    assert result.version == Version("9.9")
    assert result.reason and "no such release" in result.reason
    assert result.nearest == Version("2.0")


def test_a_line_that_is_not_pinned_raises_input_error_naming_the_line(fake: FakeIndex) -> None:
    with pytest.raises(InputError) as caught:
        check_lock(lock("ok-pkg==1.0\nok-pkg>=1.0\n"), LINUX, fake)
    assert "lock.txt:2" in str(caught.value)
    assert "ok-pkg>=1.0" in str(caught.value)


@pytest.mark.parametrize("line", ["ok-pkg==1.*", "ok-pkg", "ok-pkg>=1,==1.0"])
def test_other_unpinned_forms_are_refused(fake: FakeIndex, line: str) -> None:
    with pytest.raises(InputError) as caught:
        check_lock(lock(line + "\n"), LINUX, fake)
    assert "lock.txt:1" in str(caught.value)


def test_hashes_of_another_targets_wheels_are_reported(fake: FakeIndex) -> None:
    windows_hash = sha(wheel_name("ok-pkg", "1.0", WIN_311))
    (result,) = check_lock(lock(f"ok-pkg==1.0 \\\n    --hash=sha256:{windows_hash}\n"), LINUX, fake)
    assert not result.ok
    assert result.reason and "another target" in result.reason


def test_hashes_that_include_the_targets_wheel_are_ok(fake: FakeIndex) -> None:
    windows_hash = sha(wheel_name("ok-pkg", "1.0", WIN_311))
    linux_hash = sha(wheel_name("ok-pkg", "1.0", LINUX_311))
    text = f"ok-pkg==1.0 --hash=sha256:{windows_hash} --hash=sha256:{linux_hash}\n"
    (result,) = check_lock(lock(text), LINUX, fake)
    assert result.ok, result.reason


def test_markers_that_exclude_the_target_skip_the_line(fake: FakeIndex) -> None:
    # pywin32 is not on the fake index: looking it up would raise ProjectNotFound.
    text = 'ok-pkg==1.0\npywin32==306 ; sys_platform == "win32"\nother==1.0 ; python_version >= "3.12"\n'
    results = check_lock(lock(text), LINUX, fake)
    assert [r.name for r in results] == ["ok-pkg"]
    assert "pywin32" not in fake.project_calls


def test_markers_that_include_the_target_are_checked(fake: FakeIndex) -> None:
    fake.add("pywin32", "306", wheels=[WIN_311])
    windows = make_target("3.11", "windows")
    results = check_lock(lock('pywin32==306 ; sys_platform == "win32"\n'), windows, fake)
    assert [(r.name, r.ok) for r in results] == [("pywin32", True)]
    results = check_lock(lock("pywin32==306\n"), LINUX, fake)
    assert [(r.name, r.ok) for r in results] == [("pywin32", False)]


def test_an_arbitrary_equality_pin_that_is_not_a_version_is_an_input_error(fake: FakeIndex) -> None:
    with pytest.raises(InputError) as caught:
        check_lock(lock("ok-pkg===not.a.version\n"), LINUX, fake)
    assert "lock.txt:1" in str(caught.value)
