"""CPython release lists: ranges, support windows, uv's list and the fallback without uv."""

from __future__ import annotations

import datetime
import sys

import pytest
import uv
from crosscheck import find_uv

from wheelpin.errors import InputError
from wheelpin.pythons import (
    PythonRelease,
    default_pythons,
    known_releases,
    oldest_supported_minor,
    parse_python_list,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("3.10-3.13", ["3.10", "3.11", "3.12", "3.13"]),
    ("3.11,3.13", ["3.11", "3.13"]),
    ("3.12", ["3.12"]),
    ("3.11.9,3.12", ["3.11.9", "3.12"]),
    ("3.11, 3.11 ,3.12", ["3.11", "3.12"]),
])
def test_lists_and_ranges(text: str, expected: list[str]) -> None:
    assert parse_python_list(text) == expected


@pytest.mark.parametrize("text", ["3.13-3.10", "3-4", ",", "3.x-3.12"])
def test_bad_lists_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--python"):
        parse_python_list(text)


def test_pep_602_support_window() -> None:
    # 3.10 was released in October 2021 and reaches end of life at the end of October 2026.
    assert oldest_supported_minor(datetime.date(2026, 10, 30)) == 10
    assert oldest_supported_minor(datetime.date(2026, 11, 22)) == 11


def test_default_pythons_start_at_the_oldest_supported() -> None:
    releases = [PythonRelease(minor=m, newest_patch=0) for m in range(8, 16)]
    chosen = default_pythons(releases, datetime.date(2026, 11, 22))
    assert [r.version for r in chosen] == ["3.11", "3.12", "3.13", "3.14", "3.15"]


def test_without_uv_the_schedule_stands_in(tmp_path) -> None:
    missing = str(tmp_path / "no-uv-here")
    releases = known_releases(today=datetime.date(2026, 11, 22), uv=missing)
    assert releases[-1].version == "3.15"  # 3.15 is released in October 2026
    assert all(r.newest_patch is None for r in releases)


@pytest.mark.skipif(find_uv() is None, reason="uv is a dev dependency")
def test_uv_lists_stable_releases_with_patches() -> None:
    releases = known_releases()
    minors = [r.minor for r in releases]
    assert minors == sorted(minors)
    assert {11, 12, 13} <= set(minors)
    assert all(r.newest_patch is not None and r.full_version and r.full_version.count(".") == 2
               for r in releases)


@pytest.fixture
def no_uv_on_path(tmp_path, monkeypatch):
    """PATH holds one directory with a ``uv`` that must never run (it leaves a mark), and the interpreter
    seems to live elsewhere, as for a wheelpin installed with --target or run through a shim: the only uv to
    use is the one the uv package installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mark = tmp_path / "path-uv-ran"
    fake = bin_dir / "uv"
    fake.write_text(f"#!/bin/sh\ntouch {mark}\necho '[]'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "elsewhere" / "python"))
    return mark


def test_the_uv_is_the_uv_packages_binary_never_one_on_path(no_uv_on_path) -> None:
    assert find_uv() == uv.find_uv_bin()
    releases = known_releases()
    assert not no_uv_on_path.exists()
    assert {11, 12, 13} <= {r.minor for r in releases}
    assert all(r.newest_patch is not None for r in releases)


def test_without_the_uv_package_the_schedule_stands_in(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "uv", None)  # import uv now fails, as when the package is missing
    assert find_uv() is None
    releases = known_releases(today=datetime.date(2026, 11, 22))
    assert releases[-1].version == "3.15" and all(r.newest_patch is None for r in releases)


def test_free_threaded_release_spellings() -> None:
    release = PythonRelease(minor=13, newest_patch=9, freethreaded=True)
    assert (release.version, release.number, release.full_version) == ("3.13t", "3.13", "3.13.9")
