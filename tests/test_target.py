"""Behaviour of wheelpin.target: --python parsing, marker environments, requires-python, ranked wheel tags."""

from __future__ import annotations

import platform as host_platform
import sys
import sysconfig

import pytest
from packaging import _manylinux, _musllinux, tags
from packaging.markers import Marker, default_environment
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

from wheelpin import target as target_module
from wheelpin.errors import InputError
from wheelpin.target import Target, make_target, parse_python


def error_of(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_python(text)
    message = str(info.value)
    assert "\n" not in message, message
    assert info.value.exit_code == 2
    return message


def wheel_tags(filename: str) -> frozenset[Tag]:
    return parse_wheel_filename(filename)[3]


def accepts(target: Target, filename: str) -> bool:
    return not wheel_tags(filename).isdisjoint(target.tag_ranks())


def rank(target: Target, tag: str) -> int:
    return target.tag_ranks()[Tag(*tag.split("-"))]


# -- parse_python -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.11", (3, 11, None)),
        ("3.11.9", (3, 11, 9)),
        ("3.11.0", (3, 11, 0)),
        ("3.7", (3, 7, None)),
        ("3.14", (3, 14, None)),
        (" 3.12 ", (3, 12, None)),
        ("python3.11", (3, 11, None)),
        ("cpython-3.12.1", (3, 12, 1)),
    ],
)
def test_parse_python_accepts_versions(text: str, expected: tuple[int, int, int | None]) -> None:
    assert parse_python(text) == expected


@pytest.mark.parametrize("text", ["abc", "", "3", "311", "3.11.9.1", "3.11rc1", "3.10-3.13", "3.13tt", "3.x"])
def test_parse_python_rejects_what_is_not_a_version(text: str) -> None:
    message = error_of(text)
    assert repr(text) in message
    assert "3.11" in message  # says what a good value looks like


@pytest.mark.parametrize("text", ["2.7", "3.5", "3.6", "4.0"])
def test_parse_python_rejects_unsupported_versions(text: str) -> None:
    message = error_of(text)
    assert text in message
    assert "3.7" in message  # names the oldest supported version


def test_parse_python_cp_tag_spelling_is_right_or_refused_clearly() -> None:
    # 'cp311' is how wheel tags spell it; it must never be read as some other version.
    try:
        assert parse_python("cp311") == (3, 11, None)
    except InputError as error:
        assert "'cp311'" in str(error)


def test_make_target_combines_python_and_platform() -> None:
    target = make_target("3.12.4", "musllinux")
    assert (target.major, target.minor, target.patch) == (3, 12, 4)
    assert target.platform.tag == "musllinux_1_2_x86_64"
    assert str(target) == "CPython 3.12 on musllinux_1_2_x86_64"


# -- free-threaded CPython (PEP 703) -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "python", "patch"), [
    ("3.13t", "3.13t", None), ("3.14t", "3.14t", None), ("3.13.9t", "3.13.9t", 9), ("cp314t", "3.14t", None),
])
def test_a_trailing_t_is_the_free_threaded_build(text: str, python: str, patch: int | None) -> None:
    target = make_target(text, "manylinux")
    assert target.freethreaded and target.patch == patch
    assert target.python == python
    assert target.abi == f"cp3{target.minor}t"
    assert str(target) == f"CPython 3.{target.minor}t (free-threaded) on manylinux_2_28_x86_64"
    assert not make_target(text.removesuffix("t"), "manylinux").freethreaded


def test_free_threaded_wheels_need_the_t_abi_and_abi3_does_not_count() -> None:
    """packaging's cpython_tags for abis=["cp313t"], as pip on a 3.13t interpreter ranks them: a free-threaded
    interpreter cannot load a GIL build's extension, abi3 included; pure-Python wheels install."""
    free = make_target("3.13t", "manylinux")
    usual = make_target("3.13", "manylinux")
    assert accepts(free, "numpy-2.3.0-cp313-cp313t-manylinux_2_28_x86_64.whl")
    assert not accepts(usual, "numpy-2.3.0-cp313-cp313t-manylinux_2_28_x86_64.whl")
    for gil_only in ("numpy-2.3.0-cp313-cp313-manylinux_2_28_x86_64.whl",
                     "cryptography-45.0.0-cp311-abi3-manylinux_2_28_x86_64.whl",
                     "cryptography-45.0.0-cp313-abi3-manylinux_2_28_x86_64.whl"):
        assert accepts(usual, gil_only)
        assert not accepts(free, gil_only), gil_only
    assert accepts(free, "six-1.17.0-py2.py3-none-any.whl")
    assert rank(free, "cp313-cp313t-manylinux_2_28_x86_64") < rank(free, "py3-none-any")


def test_the_free_threaded_marker_environment_is_the_gil_builds() -> None:
    # No standard marker tells the builds apart (PEP 780 is a draft), so markers are evaluated as uv does.
    assert make_target("3.13t", "manylinux").marker_environment() == \
        make_target("3.13", "manylinux").marker_environment()


@pytest.mark.parametrize("text", ["3.12t", "3.9t", "cp312t"])
def test_a_free_threaded_python_before_313_is_refused(text: str) -> None:
    message = error_of(text)
    assert "3.13t" in message and "PEP 703" in message


def test_free_threaded_and_usual_targets_differ() -> None:
    # Targets key the caches of judged releases: the two builds must never share an answer.
    free, usual = make_target("3.13t", "manylinux"), make_target("3.13", "manylinux")
    assert free != usual
    assert free.tag_ranks() != usual.tag_ranks()


def test_make_target_reports_a_bad_platform() -> None:
    with pytest.raises(InputError, match="unknown platform"):
        make_target("3.11", "plan9")


# -- marker environment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (
            "manylinux",
            {
                "sys_platform": "linux",
                "platform_system": "Linux",
                "os_name": "posix",
                "platform_machine": "x86_64",
            },
        ),
        (
            "manylinux2014_aarch64",
            {
                "sys_platform": "linux",
                "platform_system": "Linux",
                "os_name": "posix",
                "platform_machine": "aarch64",
            },
        ),
        (
            "musllinux",
            {
                "sys_platform": "linux",
                "platform_system": "Linux",
                "os_name": "posix",
                "platform_machine": "x86_64",
            },
        ),
        (
            "macos",
            {
                "sys_platform": "darwin",
                "platform_system": "Darwin",
                "os_name": "posix",
                "platform_machine": "arm64",
            },
        ),
        (
            "macosx_13_0_x86_64",
            {
                "sys_platform": "darwin",
                "platform_system": "Darwin",
                "os_name": "posix",
                "platform_machine": "x86_64",
            },
        ),
        (
            "windows",
            {
                "sys_platform": "win32",
                "platform_system": "Windows",
                "os_name": "nt",
                "platform_machine": "AMD64",
            },
        ),
    ],
)
def test_marker_environment_describes_the_target_platform(platform: str, expected: dict[str, str]) -> None:
    env = make_target("3.11", platform).marker_environment()
    assert {key: env[key] for key in expected} == expected
    assert env["implementation_name"] == "cpython"
    assert env["platform_python_implementation"] == "CPython"


def test_marker_environment_python_versions() -> None:
    env = make_target("3.11", "manylinux").marker_environment()
    assert (env["python_version"], env["python_full_version"], env["implementation_version"]) == (
        "3.11",
        "3.11.0",
        "3.11.0",
    )
    env = make_target("3.11.9", "manylinux").marker_environment()
    assert (env["python_version"], env["python_full_version"], env["implementation_version"]) == (
        "3.11",
        "3.11.9",
        "3.11.9",
    )


def test_marker_environment_covers_every_marker_name_so_nothing_comes_from_the_host() -> None:
    # Marker.evaluate fills missing names from the running interpreter; every name must be overridden.
    env = make_target("3.14", "windows").marker_environment()
    assert set(default_environment()) <= set(env)


@pytest.mark.parametrize(
    ("marker", "python", "platform", "expected"),
    [
        ('sys_platform == "win32"', "3.11", "windows", True),
        ('sys_platform == "win32"', "3.11", "manylinux", False),
        ('sys_platform == "linux"', "3.11", "windows", False),
        ('platform_system == "Darwin"', "3.12", "macos", True),
        ('os_name == "nt" and platform_machine == "AMD64"', "3.12", "windows", True),
        ('platform_machine == "x86_64"', "3.12", "macos", False),
        ('platform_machine == "aarch64"', "3.12", "manylinux_2_28_aarch64", True),
        ('python_version >= "3.14"', "3.14", "manylinux", True),
        ('python_version >= "3.14"', "3.13", "manylinux", False),
        ('python_version < "3.9"', "3.8", "windows", True),
        ('python_full_version >= "3.11.1"', "3.11", "manylinux", False),
        ('python_full_version >= "3.11.1"', "3.11.9", "manylinux", True),
        ('implementation_name == "cpython"', "3.13", "musllinux", True),
    ],
)
def test_markers_evaluate_for_a_foreign_target(
    marker: str, python: str, platform: str, expected: bool
) -> None:
    env = make_target(python, platform).marker_environment()
    assert Marker(marker).evaluate(env) is expected


def test_marker_environment_ignores_the_host_interpreter() -> None:
    # Whatever runs the tests, a Windows 3.14 target looks like Windows 3.14.
    env = make_target("3.14", "windows").marker_environment()
    assert Marker('sys_platform == "win32" and python_version == "3.14"').evaluate(env)
    assert not Marker(f'python_full_version == "{host_platform.python_version()}"').evaluate(env)


# -- requires-python ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("python", "requires_python", "admitted"),
    [
        ("3.11", ">=3.12", False),
        ("3.12", ">=3.12", True),
        ("3.11", ">=3.8", True),
        ("3.11", ">=3.11.1", False),  # 3.11 stands for 3.11.0
        ("3.11.9", ">=3.11.1", True),
        ("3.11", "<3.11", False),
        ("3.11", ">=3.8,<3.12", True),
        ("3.12", ">=3.8,<3.12", False),
        ("3.13", "~=3.9", True),
        ("3.11", "==3.11.*", True),
        ("3.11", "!=3.11.*", False),
        ("3.11", ">= 3.7", True),
        ("3.11", None, True),
        ("3.11", "", True),
        ("3.11", "not a specifier", True),  # installers ignore an unparsable requires-python
        ("3.11", ">=3.7.*", True),
    ],
)
def test_admits(python: str, requires_python: str | None, admitted: bool) -> None:
    assert make_target(python, "manylinux").admits(requires_python) is admitted


def test_admits_a_prerelease_lower_bound() -> None:
    assert make_target("3.13", "manylinux").admits(">=3.13.0a1")
    assert not make_target("3.12", "manylinux").admits(">=3.13.0a1")


# -- wheel tags ---------------------------------------------------------------------------------------


def test_tag_ranks_order_best_first() -> None:
    target = make_target("3.11", "manylinux")
    order = [
        "cp311-cp311-manylinux_2_28_x86_64",
        "cp311-cp311-manylinux_2_17_x86_64",
        "cp311-cp311-manylinux2014_x86_64",
        "cp311-cp311-manylinux1_x86_64",
        "cp311-abi3-manylinux_2_28_x86_64",
        "cp311-abi3-manylinux_2_17_x86_64",
        "cp311-none-manylinux_2_17_x86_64",
        "cp310-abi3-manylinux_2_17_x86_64",
        "cp38-abi3-manylinux_2_17_x86_64",
        "py311-none-manylinux_2_17_x86_64",
        "py3-none-manylinux_2_17_x86_64",
        "cp311-none-any",
        "py311-none-any",
        "py3-none-any",
        "py30-none-any",
    ]
    ranks = [rank(target, tag) for tag in order]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert rank(target, "cp311-cp311-manylinux_2_28_x86_64") == 0


def test_tag_ranks_are_dense_from_zero() -> None:
    ranks = make_target("3.12", "musllinux").tag_ranks()
    assert sorted(ranks.values()) == list(range(len(ranks)))


@pytest.mark.parametrize(
    ("python", "platform", "filename", "accepted"),
    [
        ("3.13", "manylinux", "cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl", True),
        ("3.13", "manylinux", "foo-1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
        ("3.13", "manylinux", "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),
        (
            "3.13",
            "manylinux",
            "foo-1.0-cp314-abi3-manylinux_2_17_x86_64.whl",
            False,
        ),  # abi3 from a newer CPython
        ("3.13", "manylinux", "foo-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", False),  # free-threaded
        ("3.13", "manylinux", "foo-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", True),
        ("3.13", "manylinux", "foo-1.0-cp313-cp313-manylinux_2_31_x86_64.whl", False),  # glibc too new
        ("3.13", "manylinux", "foo-1.0-cp313-cp313-musllinux_1_2_x86_64.whl", False),
        ("3.13", "manylinux", "foo-1.0-cp313-cp313-linux_x86_64.whl", False),
        ("3.13", "manylinux", "foo-1.0-cp313-cp313-manylinux_2_17_aarch64.whl", False),
        ("3.13", "manylinux", "foo-1.0-py3-none-any.whl", True),
        ("3.13", "manylinux", "foo-1.0-py2.py3-none-any.whl", True),
        ("3.13", "manylinux", "foo-1.0-py2-none-any.whl", False),
        ("3.13", "manylinux", "foo-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", False),
        ("3.11", "windows", "foo-1.0-cp311-cp311-win_amd64.whl", True),
        ("3.11", "windows", "foo-1.0-cp311-cp311-win32.whl", False),
        ("3.11", "macos", "foo-1.0-cp311-cp311-macosx_10_9_universal2.whl", True),
        ("3.11", "macos", "foo-1.0-cp311-cp311-macosx_10_9_x86_64.whl", False),
        ("3.11", "musllinux", "foo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl", True),
        ("3.11", "musllinux", "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", False),
    ],
)
def test_which_wheels_a_target_accepts(python: str, platform: str, filename: str, accepted: bool) -> None:
    assert accepts(make_target(python, platform), filename) is accepted


def test_host_interpreter_flags_never_leak_in() -> None:
    # No debug ('d'), free-threaded ('t'), pymalloc ('m') or host-version ABIs: only what the target is.
    for python in ("3.11", "3.13", "3.14"):
        target = make_target(python, "manylinux")
        interpreter = f"cp{target.major}{target.minor}"
        abis = {tag.abi for tag in target.tag_ranks()}
        assert abis == {interpreter, "abi3", "none"}
        cp_interpreters = {tag.interpreter for tag in target.tag_ranks() if tag.interpreter.startswith("cp")}
        assert max(cp_interpreters, key=lambda name: int(name[3:])) == interpreter


def test_tag_ranks_do_not_depend_on_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    before = dict(make_target("3.12", "manylinux_2_28_aarch64").tag_ranks())
    # Pretend to be a debug, free-threaded macOS host; the target's tags must not change.
    monkeypatch.setattr(sysconfig, "get_config_var", lambda name: 1)
    monkeypatch.setattr(host_platform, "system", lambda: "Darwin")
    target_module._tag_ranks.cache_clear()
    try:
        assert make_target("3.12", "manylinux_2_28_aarch64").tag_ranks() == before
    finally:
        target_module._tag_ranks.cache_clear()


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.maxsize <= 2**32,
    reason="needs a 64-bit CPython to stand in for the target",
)
def test_tag_ranks_match_what_packaging_gives_a_real_glibc_2_28_x86_64_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sys_tags() of this interpreter, made to believe it runs on x86_64 glibc 2.28, is what pip would use."""
    version = sys.version_info[:2]
    interpreter = f"cp{version[0]}{version[1]}"
    monkeypatch.setattr(tags, "_cpython_abis", lambda py_version, warn=False: [interpreter])
    monkeypatch.setattr(host_platform, "system", lambda: "Linux")
    monkeypatch.setattr(sysconfig, "get_platform", lambda: "linux-x86_64")
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: _manylinux._GLibCVersion(2, 28))
    monkeypatch.setattr(_manylinux, "_have_compatible_abi", lambda executable, archs: True)
    monkeypatch.setattr(_manylinux, "_get_manylinux_module", lambda: None)
    monkeypatch.setattr(_musllinux, "_get_musl_version", lambda executable: None)
    # linux_x86_64 (locally built wheels) is the one tag a portable lock must not accept.
    expected = [tag for tag in tags.sys_tags() if tag.platform != "linux_x86_64"]
    assert Tag(interpreter, interpreter, "manylinux_2_28_x86_64") in expected
    ours = make_target(f"{version[0]}.{version[1]}", "manylinux_2_28_x86_64").tag_ranks()
    assert list(ours) == list(dict.fromkeys(expected))
