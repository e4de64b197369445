"""Behaviour of wheelpin.wheels: a project's file list → what a target can install of each release."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from packaging.version import Version

from wheelpin.models import BlockKind, DistFile
from wheelpin.target import Target, make_target
from wheelpin.wheels import VersionChoice, choices_for, choose_files, group_by_version, why_none

LINUX_311 = make_target("3.11", "manylinux")
LINUX_314 = make_target("3.14", "manylinux")


def dist(filename: str, **fields: Any) -> DistFile:
    return DistFile(
        filename=filename,
        url=f"https://files.example/packages/{filename}",
        sha256=hashlib.sha256(filename.encode()).hexdigest(),
        **fields,
    )


def names(files: tuple[DistFile, ...]) -> list[str]:
    return [file.filename for file in files]


def only(choices: list[VersionChoice]) -> VersionChoice:
    assert len(choices) == 1, choices
    return choices[0]


def pydantic_core_wheels(version: str, minors: range, platform: str) -> list[DistFile]:
    return [dist(f"pydantic_core-{version}-cp3{m}-cp3{m}-{platform}.whl") for m in minors]


MANYLINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"


# -- ordering -----------------------------------------------------------------------------------------


def test_releases_come_newest_first() -> None:
    files = [
        dist("attrs-23.2.0-py3-none-any.whl"),
        dist("attrs-24.2.0-py3-none-any.whl"),
        dist("attrs-9.0.0-py3-none-any.whl"),
        dist("attrs-24.10.0rc1-py3-none-any.whl"),
        dist("attrs-24.2.0.tar.gz"),
    ]
    versions = [str(choice.version) for choice in choices_for("attrs", files, LINUX_311)]
    assert versions == ["24.10.0rc1", "24.2.0", "23.2.0", "9.0.0"]


def test_best_wheel_comes_first_among_several_compatible_ones() -> None:
    files = [
        dist("numpy-2.1.0-py3-none-any.whl"),
        dist("numpy-2.1.0-cp311-abi3-manylinux_2_28_x86_64.whl"),
        dist(f"numpy-2.1.0-cp311-cp311-{MANYLINUX}.whl"),
        dist("numpy-2.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
        dist("numpy-2.1.0-cp311-cp311-musllinux_1_2_x86_64.whl"),
        dist("numpy-2.1.0-cp311-cp311-win_amd64.whl"),
        dist("numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl"),
        dist("numpy-2.1.0.tar.gz"),
    ]
    choice = only(choices_for("numpy", files, LINUX_311))
    assert names(choice.wheels) == [
        "numpy-2.1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        f"numpy-2.1.0-cp311-cp311-{MANYLINUX}.whl",
        "numpy-2.1.0-cp311-abi3-manylinux_2_28_x86_64.whl",
        "numpy-2.1.0-py3-none-any.whl",
    ]
    assert choice.has_wheel
    assert choice.reason is None
    assert choice.sdist is not None and choice.sdist.filename == "numpy-2.1.0.tar.gz"
    assert not choice.yanked


def test_a_compressed_tag_set_ranks_by_its_best_tag() -> None:
    # The second platform tag of a multi-tag wheel is what the target takes; it counts for ranking.
    files = [
        dist("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("foo-1.0-cp311-cp311-manylinux_2_31_aarch64.manylinux_2_24_x86_64.whl"),
    ]
    choice = only(choices_for("foo", files, LINUX_311))
    assert names(choice.wheels) == [
        "foo-1.0-cp311-cp311-manylinux_2_31_aarch64.manylinux_2_24_x86_64.whl",
        "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    ]


def test_abi3_wheel_of_an_older_cpython_serves_a_newer_one() -> None:
    files = [
        dist("cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl"),
        dist("cryptography-43.0.1-cp37-abi3-win_amd64.whl"),
    ]
    choice = only(choices_for("cryptography", files, LINUX_314))
    assert names(choice.wheels) == ["cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl"]


# -- reasons ------------------------------------------------------------------------------------------


def test_release_without_a_wheel_for_the_new_python_says_so() -> None:
    files = pydantic_core_wheels("2.23.4", range(8, 14), MANYLINUX) + [dist("pydantic_core-2.23.4.tar.gz")]
    choice = only(choices_for("pydantic-core", files, LINUX_314))
    assert choice.wheels == ()
    assert not choice.has_wheel
    assert choice.reason is not None
    assert "cp314" in choice.reason
    assert "cp313" in choice.reason  # the newest CPython it does have wheels for
    assert "cp38" in choice.reason
    assert choice.sdist is not None


def test_the_same_files_serve_the_python_they_were_built_for() -> None:
    files = pydantic_core_wheels("2.23.4", range(8, 14), MANYLINUX)
    choice = only(choices_for("pydantic-core", files, make_target("3.13", "manylinux")))
    assert names(choice.wheels) == [f"pydantic_core-2.23.4-cp313-cp313-{MANYLINUX}.whl"]


def test_only_sdist_reason() -> None:
    choice = only(choices_for("pyyaml", [dist("PyYAML-6.0.2.tar.gz")], LINUX_311))
    assert choice.wheels == ()
    assert choice.sdist is not None and choice.sdist.filename == "PyYAML-6.0.2.tar.gz"
    assert choice.reason is not None and "sdist" in choice.reason


def test_requires_python_reason() -> None:
    files = [
        dist("numpy-2.3.0-cp311-cp311-manylinux_2_28_x86_64.whl", requires_python=">=3.12"),
        dist("numpy-2.3.0-py3-none-any.whl", requires_python=">=3.12"),
        dist("numpy-2.3.0.tar.gz", requires_python=">=3.12"),
    ]
    choice = only(choices_for("numpy", files, LINUX_311))
    assert choice.wheels == ()
    assert choice.reason is not None
    assert "requires-python" in choice.reason
    assert ">=3.12" in choice.reason
    assert "3.11" in choice.reason


def test_requires_python_is_checked_per_file() -> None:
    files = [
        dist("foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", requires_python=">=3.12"),
        dist("foo-1.0-py3-none-any.whl", requires_python=">=3.8"),
    ]
    assert names(only(choices_for("foo", files, LINUX_311)).wheels) == ["foo-1.0-py3-none-any.whl"]


def test_requires_python_is_checked_for_the_patch_the_target_stands_for() -> None:
    files = [dist("foo-1.0-py3-none-any.whl", requires_python=">=3.11.4")]
    assert not only(choices_for("foo", files, LINUX_311)).has_wheel
    assert only(choices_for("foo", files, make_target("3.11.9", "manylinux"))).has_wheel


def test_platform_reason_for_a_linux_target_with_only_windows_and_mac_wheels() -> None:
    files = [dist("pywin-1.0-cp311-cp311-win_amd64.whl"), dist("pywin-1.0-cp311-cp311-macosx_11_0_arm64.whl")]
    choice = only(choices_for("pywin", files, LINUX_311))
    assert choice.wheels == ()
    assert choice.reason is not None
    assert "manylinux_2_28_x86_64" in choice.reason
    assert "win_amd64" in choice.reason
    assert "macosx_11_0_arm64" in choice.reason


def test_reason_for_a_glibc_too_new() -> None:
    choice = only(choices_for("foo", [dist("foo-1.0-cp311-cp311-manylinux_2_34_x86_64.whl")], LINUX_311))
    assert choice.reason is not None
    assert "manylinux_2_28_x86_64" in choice.reason
    assert "manylinux_2_34_x86_64" in choice.reason


def test_reason_when_a_release_has_no_files_a_modern_installer_can_use() -> None:
    # Only legacy files: the release is not listed at all (there is no version to show).
    assert choices_for("foo", [dist("foo-1.0.win32.exe"), dist("foo-1.0-py2.5.egg")], LINUX_311) == []


# -- yanked files -------------------------------------------------------------------------------------


def test_yanked_files_are_ignored_when_others_exist() -> None:
    files = [
        dist("foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", yanked=True),
        dist("foo-1.0-py3-none-any.whl"),
    ]
    choice = only(choices_for("foo", files, LINUX_311))
    assert names(choice.wheels) == ["foo-1.0-py3-none-any.whl"]
    assert not choice.yanked


def test_a_release_whose_files_are_all_yanked_is_marked_yanked() -> None:
    files = [
        dist("foo-2.0-py3-none-any.whl", yanked=True),
        dist("foo-2.0.tar.gz", yanked=True),
        dist("foo-1.0-py3-none-any.whl"),
    ]
    newest, older = choices_for("foo", files, LINUX_311)
    assert newest.version == Version("2.0")
    assert newest.yanked
    # Still described, so that an exact pin (==2.0) can use it the way installers allow.
    assert names(newest.wheels) == ["foo-2.0-py3-none-any.whl"]
    assert not older.yanked


# -- file names ---------------------------------------------------------------------------------------


def test_legacy_and_foreign_filenames_are_skipped_without_error() -> None:
    files = [
        dist("foo-1.0.win32.exe"),
        dist("foo-1.0-py2.5.egg"),
        dist("foo-1.0.win-amd64-py3.7.msi"),
        dist("weird-name.zip"),
        dist("foo-latest.tar.gz"),
        dist("foo-1.0-py3-none.whl"),  # too few tag parts
        dist("foo-1.0-py36+-none-any.whl"),  # an interpreter tag packaging rejects (seen on old uploads)
        dist("foo-1.0.whl"),
        dist("bar-1.0-py3-none-any.whl"),  # another project in the same list
        dist("foo_bar-1.0.tar.gz"),  # the project foo-bar, not foo 'bar-1.0'
        dist("foo-1.0-py3-none-any.whl.metadata"),
        dist("foo-1.0-py3-none-any.whl"),
    ]
    choice = only(choices_for("foo", files, LINUX_311))
    assert choice.version == Version("1.0")
    assert names(choice.wheels) == ["foo-1.0-py3-none-any.whl"]
    assert choice.sdist is None


def test_project_names_match_after_normalization() -> None:
    files = [
        dist("Zope.Interface-7.0.tar.gz"),
        dist("zope_interface-7.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
    ]
    choice = only(choices_for("zope.interface", files, LINUX_311))
    assert len(choice.wheels) == 1
    assert choice.sdist is not None


def test_equal_versions_spelled_differently_are_one_release() -> None:
    files = [dist("foo-1.0.tar.gz"), dist("foo-1.0.0-py3-none-any.whl")]
    choice = only(choices_for("foo", files, LINUX_311))
    assert choice.version == Version("1.0")
    assert names(choice.wheels) == ["foo-1.0.0-py3-none-any.whl"]
    assert choice.sdist is not None and choice.sdist.filename == "foo-1.0.tar.gz"


def test_group_by_version_groups_and_skips() -> None:
    groups = group_by_version(
        "foo",
        [
            dist("foo-1.0.tar.gz"),
            dist("foo-1.0.0-py3-none-any.whl"),
            dist("foo-2.0-py3-none-any.whl"),
            dist("foo-1.0.exe"),
        ],
    )
    assert {str(v): len(files) for v, files in groups.items()} == {"1.0": 2, "2.0": 1}


def test_choose_files_for_one_release() -> None:
    files = [dist("foo-3.0-cp311-cp311-win_amd64.whl"), dist("foo-3.0-py3-none-any.whl")]
    groups = group_by_version("foo", files)
    target: Target = make_target("3.11", "windows")
    choice = choose_files(Version("3.0"), groups[Version("3.0")], target)
    assert choice.version == Version("3.0")
    assert names(choice.wheels) == ["foo-3.0-cp311-cp311-win_amd64.whl", "foo-3.0-py3-none-any.whl"]


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("manylinux", "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        ("musllinux", "foo-1.0-cp312-cp312-musllinux_1_1_x86_64.whl"),
        ("macos", "foo-1.0-cp312-cp312-macosx_11_0_arm64.whl"),
        ("macosx_12_0_x86_64", "foo-1.0-cp312-cp312-macosx_10_9_x86_64.whl"),
        ("windows", "foo-1.0-cp312-cp312-win_amd64.whl"),
    ],
)
def test_each_platform_picks_its_own_wheel(platform: str, expected: str) -> None:
    files = [
        dist(f"foo-1.0-cp312-cp312-{tag}.whl")
        for tag in (
            "manylinux_2_17_x86_64",
            "manylinux_2_17_aarch64",
            "musllinux_1_1_x86_64",
            "macosx_11_0_arm64",
            "macosx_10_9_x86_64",
            "win_amd64",
            "win32",
        )
    ]
    choice = only(choices_for("foo", files, make_target("3.12", platform)))
    assert names(choice.wheels) == [expected]


def test_may_fit_agrees_with_choose_files_on_tags() -> None:
    from wheelpin.wheels import may_fit

    linux = make_target("3.12", "manylinux_2_28_x86_64")
    files = [DistFile(filename=f"demo-1.0-{tags}.whl", url="u") for tags in
             ("cp311-cp311-manylinux_2_17_x86_64", "cp312-cp312-win_amd64")]
    parsed = group_by_version("demo", files)[Version("1.0")]
    assert not may_fit(parsed, linux)
    assert not choose_files(Version("1.0"), parsed, linux).has_wheel
    fitting = files + [DistFile(filename="demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", url="u")]
    parsed = group_by_version("demo", fitting)[Version("1.0")]
    assert may_fit(parsed, linux)
    assert choose_files(Version("1.0"), parsed, linux).has_wheel
    sdist_only = group_by_version("demo", [DistFile(filename="demo-1.0.tar.gz", url="u")])[Version("1.0")]
    assert not may_fit(sdist_only, linux)


# -- the nearest wheel, not a range of tags -----------------------------------------------------------


ORJSON_315 = [
    "cp315-cp315-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2",
    "cp315-cp315-macosx_15_0_arm64",
    "cp315-cp315-manylinux_2_39_x86_64",
    "cp315-cp315-manylinux_2_39_aarch64",
    "cp315-cp315-musllinux_1_2_x86_64",
    "cp315-cp315-win_amd64",
    "cp315-cp315-win_arm64",
]


def orjson_choice(platform: str) -> VersionChoice:
    files = [dist(f"orjson-3.13.0-{tag}.whl") for tag in ORJSON_315]
    return only(choices_for("orjson", files, make_target("3.15", platform)))


def test_a_glibc_too_old_is_told_by_the_nearest_wheel_and_the_glibc_it_needs() -> None:
    reason = orjson_choice("manylinux_2_28_x86_64").reason
    assert reason is not None
    assert ("the nearest wheel is orjson-3.13.0-cp315-cp315-manylinux_2_39_x86_64.whl, which needs glibc 2.39"
            in reason)
    assert "…" not in reason and "win_arm64" not in reason  # no range of every tag


@pytest.mark.parametrize(("platform", "nearest", "needs"), [
    ("musllinux_1_2_aarch64", "manylinux_2_39_aarch64", "is for glibc (manylinux) Linux, not musl"),
    ("macosx_10_12_x86_64", "macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2",
     "needs macOS 10.15"),
    ("win32", "win_amd64", "is for x86_64, not i686"),
    ("musllinux_1_1_x86_64", "musllinux_1_2_x86_64", "needs musl 1.2"),
])
def test_the_nearest_wheel_is_the_closest_platform_for_the_targets_python(platform: str, nearest: str,
                                                                          needs: str) -> None:
    reason = orjson_choice(platform).reason
    assert reason is not None
    assert f"the nearest wheel is orjson-3.13.0-cp315-cp315-{nearest}.whl, which {needs}" in reason


def test_a_release_none_of_whose_releases_has_a_wheel_names_what_none_escapes() -> None:
    """pymongo's newest release excludes 3.10 by requires-python; the older ones have cp310 wheels for
    manylinux only.  On musllinux no release escapes the missing musllinux wheel: that is the cause."""
    files = [dist("pymongo-3.0-cp311-cp311-manylinux_2_17_x86_64.whl", requires_python=">=3.11"),
             dist("pymongo-2.0-cp310-cp310-manylinux_2_17_x86_64.whl"),
             dist("pymongo-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"),
             dist("pymongo-0.5.tar.gz")]
    target = make_target("3.10", "musllinux")
    kind, reason = why_none("pymongo", choices_for("pymongo", files, target), target)
    assert kind == BlockKind.NO_PLATFORM
    assert reason.startswith("no release of pymongo has a wheel for musllinux_1_2_x86_64 cp310")
    assert "the newest for Python 3.10, 2.0" in reason
    assert "3.0 and later exclude Python 3.10 by requires-python" in reason


def test_when_every_release_excludes_the_python_that_is_the_cause() -> None:
    files = [dist(f"numpy-{v}-cp312-cp312-manylinux_2_28_x86_64.whl", requires_python=">=3.12")
             for v in ("2.3.0", "2.2.0")]
    kind, reason = why_none("numpy", choices_for("numpy", files, LINUX_311), LINUX_311)
    assert kind == BlockKind.REQUIRES_PYTHON
    assert reason.startswith("no release of numpy admits Python 3.11")
