"""Behaviour of wheelpin.platforms: platform names → the platform tags an installer there accepts."""

from __future__ import annotations

import pytest
from packaging import _manylinux, _musllinux
from packaging.tags import mac_platforms

from wheelpin.errors import InputError
from wheelpin.platforms import PRESETS, parse_platform


def error_of(name: str) -> str:
    """parse_platform(name) must raise a one-paragraph InputError; return its message."""
    with pytest.raises(InputError) as info:
        parse_platform(name)
    message = str(info.value)
    assert "\n" not in message, message
    assert info.value.exit_code == 2
    return message


# -- presets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "tag"),
    [
        ("manylinux", "manylinux_2_28_x86_64"),
        ("linux", "manylinux_2_28_x86_64"),
        ("musllinux", "musllinux_1_2_x86_64"),
        ("alpine", "musllinux_1_2_x86_64"),
        ("macos", "macosx_13_0_arm64"),
        ("windows", "win_amd64"),
    ],
)
def test_presets_name_a_concrete_platform(preset: str, tag: str) -> None:
    platform = parse_platform(preset)
    assert platform.tag == tag
    assert platform.compatible_tags[0] == tag
    # A preset is only a shorthand: it expands exactly like the tag it stands for.
    assert platform == parse_platform(tag)


def test_presets_are_case_and_space_insensitive() -> None:
    assert parse_platform("  ManyLinux ").tag == "manylinux_2_28_x86_64"
    assert parse_platform("WINDOWS").tag == "win_amd64"


# -- manylinux ----------------------------------------------------------------------------------------


def test_manylinux_2_28_x86_64_accepts_older_glibcs_and_legacy_aliases() -> None:
    tags = parse_platform("manylinux_2_28_x86_64").compatible_tags
    for accepted in (
        "manylinux_2_28_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_12_x86_64",
        "manylinux2010_x86_64",
        "manylinux_2_5_x86_64",
        "manylinux1_x86_64",
    ):
        assert accepted in tags
    # Newer glibcs than the target's, other architectures and other libcs are not installable there.
    for refused in (
        "manylinux_2_31_x86_64",
        "manylinux_2_29_x86_64",
        "manylinux_2_17_aarch64",
        "musllinux_1_2_x86_64",
        "linux_x86_64",
        "any",
    ):
        assert refused not in tags
    assert len(tags) == len(set(tags))


def test_manylinux_orders_newer_glibc_first_with_each_alias_next_to_its_version() -> None:
    tags = list(parse_platform("manylinux_2_28_x86_64").compatible_tags)
    assert tags[0] == "manylinux_2_28_x86_64"
    assert tags[-1] == "manylinux1_x86_64"
    order = [
        "manylinux_2_28_x86_64",
        "manylinux_2_27_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_16_x86_64",
        "manylinux_2_12_x86_64",
        "manylinux2010_x86_64",
        "manylinux_2_11_x86_64",
        "manylinux_2_5_x86_64",
        "manylinux1_x86_64",
    ]
    positions = [tags.index(tag) for tag in order]
    assert positions == sorted(positions)
    # The legacy alias directly follows the PEP 600 tag for the same glibc.
    assert tags.index("manylinux2014_x86_64") == tags.index("manylinux_2_17_x86_64") + 1
    assert tags.index("manylinux2010_x86_64") == tags.index("manylinux_2_12_x86_64") + 1
    assert tags.index("manylinux1_x86_64") == tags.index("manylinux_2_5_x86_64") + 1


def test_manylinux2014_aarch64_accepts_exactly_glibc_2_17() -> None:
    platform = parse_platform("manylinux2014_aarch64")
    assert platform.tag == "manylinux_2_17_aarch64"
    # aarch64 starts at manylinux2014: there are no manylinux2010/manylinux1 wheels for it.
    assert platform.compatible_tags == ("manylinux_2_17_aarch64", "manylinux2014_aarch64")


def test_manylinux_aarch64_stops_at_glibc_2_17() -> None:
    tags = parse_platform("manylinux_2_28_aarch64").compatible_tags
    assert tags[-2:] == ("manylinux_2_17_aarch64", "manylinux2014_aarch64")
    assert not any("2010" in tag or "manylinux1_" in tag for tag in tags)
    assert "manylinux_2_16_aarch64" not in tags


@pytest.mark.parametrize(
    ("legacy", "canonical"),
    [
        ("manylinux2014_x86_64", "manylinux_2_17_x86_64"),
        ("manylinux2010_x86_64", "manylinux_2_12_x86_64"),
        ("manylinux1_x86_64", "manylinux_2_5_x86_64"),
        ("manylinux2014_aarch64", "manylinux_2_17_aarch64"),
        ("manylinux1_i686", "manylinux_2_5_i686"),
    ],
)
def test_legacy_manylinux_names_normalize_to_pep600_tags(legacy: str, canonical: str) -> None:
    assert parse_platform(legacy).tag == canonical
    assert parse_platform(legacy) == parse_platform(canonical)


def test_spelling_variants_of_a_tag_are_accepted() -> None:
    assert parse_platform("manylinux-2-17-x86-64").tag == "manylinux_2_17_x86_64"
    assert parse_platform("macosx-11.0-arm64").tag == "macosx_11_0_arm64"


def test_linux_marker_values() -> None:
    platform = parse_platform("manylinux_2_17_aarch64")
    assert (platform.sys_platform, platform.platform_system, platform.os_name, platform.platform_machine) == (
        "linux",
        "Linux",
        "posix",
        "aarch64",
    )
    assert (platform.family, platform.version, platform.arch) == ("manylinux", (2, 17), "aarch64")
    assert (parse_platform("musllinux").family, parse_platform("musllinux").version) == ("musllinux", (1, 2))


# -- musllinux ----------------------------------------------------------------------------------------


def test_musllinux_1_2_accepts_older_musl_but_not_manylinux() -> None:
    tags = parse_platform("musllinux_1_2_x86_64").compatible_tags
    assert tags == ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64")
    assert not any(tag.startswith("manylinux") for tag in tags)


def test_musllinux_1_1_does_not_accept_1_2() -> None:
    tags = parse_platform("musllinux_1_1_aarch64").compatible_tags
    assert "musllinux_1_2_aarch64" not in tags
    assert tags == ("musllinux_1_1_aarch64", "musllinux_1_0_aarch64")


# -- macOS --------------------------------------------------------------------------------------------


def test_macos_11_arm64_accepts_old_universal2_but_not_intel_only_wheels() -> None:
    platform = parse_platform("macosx_11_0_arm64")
    tags = platform.compatible_tags
    assert tags[0] == "macosx_11_0_arm64"
    assert "macosx_11_0_universal2" in tags
    assert "macosx_10_9_universal2" in tags
    assert "macosx_10_15_universal2" in tags
    for refused in ("macosx_10_9_x86_64", "macosx_11_0_x86_64", "macosx_12_0_arm64", "macosx_14_0_arm64"):
        assert refused not in tags
    assert (platform.sys_platform, platform.platform_system, platform.os_name, platform.platform_machine) == (
        "darwin",
        "Darwin",
        "posix",
        "arm64",
    )
    assert (platform.family, platform.version) == ("macosx", (11, 0))


def test_macos_14_x86_64_accepts_every_older_x86_64_macos() -> None:
    platform = parse_platform("macosx_14_0_x86_64")
    tags = platform.compatible_tags
    for accepted in (
        "macosx_14_0_x86_64",
        "macosx_13_0_x86_64",
        "macosx_11_0_x86_64",
        "macosx_10_16_x86_64",
        "macosx_10_9_x86_64",
        "macosx_10_9_universal2",
        "macosx_10_6_intel",
    ):
        assert accepted in tags
    assert "macosx_14_0_arm64" not in tags
    assert "macosx_15_0_x86_64" not in tags
    assert tags.index("macosx_13_0_x86_64") < tags.index("macosx_10_9_x86_64")
    assert platform.platform_machine == "x86_64"


# -- Windows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "machine"), [("win_amd64", "AMD64"), ("win32", "x86"), ("win_arm64", "ARM64")]
)
def test_windows_accepts_only_itself(tag: str, machine: str) -> None:
    platform = parse_platform(tag)
    assert platform.compatible_tags == (tag,)
    assert (platform.sys_platform, platform.platform_system, platform.os_name, platform.platform_machine) == (
        "win32",
        "Windows",
        "nt",
        machine,
    )


# -- refused names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "solaris",
        "",
        "linux_x86_64",  # not a portable tag: no installer accepts it for a foreign machine
        "manylinux_2_3_x86_64",  # older than manylinux1
        "manylinux_2_28_sparc",
        "manylinux_3_1_x86_64",
        "manylinux2010_aarch64",  # aarch64 starts at manylinux2014
        "manylinux1_aarch64",
        "musllinux_2_0_x86_64",
        "musllinux_1_2_sparc",
        "macosx_9_0_x86_64",
        "macosx_11_0_sparc",
        "win_amd65",
    ],
)
def test_unknown_platforms_are_input_errors_that_list_the_presets(name: str) -> None:
    message = error_of(name)
    assert repr(name) in message
    for preset in ("manylinux", "musllinux", "macos", "windows"):
        assert preset in message
    assert "manylinux_2_17_x86_64" in message  # an example of a tag that does work


def test_error_for_an_impossible_glibc_says_why() -> None:
    message = error_of("manylinux_2_3_x86_64")
    assert "2.3" in message


def test_error_for_a_bad_arch_names_the_arch() -> None:
    assert "'sparc'" in error_of("manylinux_2_28_sparc")


# -- agreement with packaging's own tag lists ---------------------------------------------------------


def _patch_glibc(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int]) -> None:
    """Make packaging._manylinux believe it runs on a glibc ``version`` system of any architecture."""
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: _manylinux._GLibCVersion(*version))
    monkeypatch.setattr(_manylinux, "_have_compatible_abi", lambda executable, archs: True)
    monkeypatch.setattr(_manylinux, "_get_manylinux_module", lambda: None)


@pytest.mark.parametrize(
    ("glibc", "arch"),
    [
        ((2, 28), "x86_64"),
        ((2, 17), "x86_64"),
        ((2, 5), "x86_64"),
        ((2, 35), "x86_64"),
        ((2, 28), "aarch64"),
        ((2, 17), "aarch64"),
        ((2, 31), "ppc64le"),
        ((2, 17), "s390x"),
        ((2, 24), "i686"),
        ((2, 17), "armv7l"),
    ],
)
def test_manylinux_expansion_matches_packaging(
    monkeypatch: pytest.MonkeyPatch, glibc: tuple[int, int], arch: str
) -> None:
    _patch_glibc(monkeypatch, glibc)
    expected = list(_manylinux.platform_tags([arch]))
    assert expected, "packaging produced no tags; the patch of its glibc detection no longer works"
    ours = parse_platform(f"manylinux_{glibc[0]}_{glibc[1]}_{arch}").compatible_tags
    assert list(ours) == expected


@pytest.mark.parametrize(("musl", "arch"), [((1, 2), "x86_64"), ((1, 1), "aarch64"), ((1, 0), "x86_64")])
def test_musllinux_expansion_matches_packaging(
    monkeypatch: pytest.MonkeyPatch, musl: tuple[int, int], arch: str
) -> None:
    monkeypatch.setattr(_musllinux, "_get_musl_version", lambda executable: _musllinux._MuslVersion(*musl))
    expected = list(_musllinux.platform_tags([arch]))
    assert expected
    assert list(parse_platform(f"musllinux_{musl[0]}_{musl[1]}_{arch}").compatible_tags) == expected


@pytest.mark.parametrize(
    ("version", "arch"),
    [
        ((11, 0), "arm64"),
        ((14, 0), "arm64"),
        ((14, 0), "x86_64"),
        ((10, 9), "x86_64"),
        ((12, 0), "universal2"),
    ],
)
def test_macos_expansion_matches_packaging(version: tuple[int, int], arch: str) -> None:
    ours = parse_platform(f"macosx_{version[0]}_{version[1]}_{arch}").compatible_tags
    assert list(ours) == list(mac_platforms(version, arch))


def test_platform_help_shows_each_presets_tag_with_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    from wheelpin.cli.parser import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["resolve", "--help"])
    from wheelpin.presets import DEPLOY_PRESETS

    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help at spaces
    for preset, tag in PRESETS.items():
        # alpine is a deploy platform too (the python:3.X-alpine images), whose Pythons `wheelpin targets` lists
        assert f"{preset}={tag}" in text or preset in DEPLOY_PRESETS
    assert "macos=macosx_13_0_arm64" in text
    text = text.replace("- ", "-")  # argparse may break a name at its hyphen
    for preset in DEPLOY_PRESETS:
        assert preset in text
