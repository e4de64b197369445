"""CPython release lists: ranges, support windows, uv's list and the fallback without uv."""

from __future__ import annotations

import datetime

import pytest
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
