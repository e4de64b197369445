"""Platform names → the ordered list of wheel platform tags an installer on that platform accepts.  [pure]

A user names a platform the way they would name a wheel's platform tag (``manylinux_2_17_x86_64``,
``musllinux_1_2_aarch64``, ``macosx_11_0_arm64``, ``win_amd64``) or by a preset (``manylinux``, ``musllinux``,
``macos``, ``windows``).  The expansion follows the rules installers apply: a glibc 2.28 system also accepts
wheels for older glibcs down to 2.5 (2.17 on architectures that started there) and the legacy aliases
``manylinux2014``/``manylinux2010``/``manylinux1``; musl 1.2 accepts musllinux 1.1 and 1.0; macOS 11 accepts
wheels built for every older macOS with a matching architecture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.tags import mac_platforms

from wheelpin.errors import InputError

# The presets.  "manylinux" is the same default uv uses for Linux targets (x86_64-manylinux_2_28).
PRESETS: dict[str, str] = {
    "manylinux": "manylinux_2_28_x86_64",
    "linux": "manylinux_2_28_x86_64",
    "musllinux": "musllinux_1_2_x86_64",
    "alpine": "musllinux_1_2_x86_64",
    # uv's default macOS target since astral-sh/uv#12518: wheels built for a newer macOS are refused.
    "macos": "macosx_13_0_arm64",
    "windows": "win_amd64",
}

_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_LEGACY_ALIAS_OF = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}
# manylinux1/2010 only ever existed for these; newer architectures start at glibc 2.17 (manylinux2014).
_OLD_GLIBC_ARCHES = {"x86_64", "i686"}
_LINUX_ARCHES = {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64", "loongarch64"}
_MAC_ARCHES = {"x86_64", "arm64", "universal2", "intel", "universal", "i386", "ppc", "ppc64", "fat",
               "fat3", "fat32", "fat64"}
_WINDOWS = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}

# Version numbers beyond these are typos (manylinux_2_2800_x86_64), not future systems; they would also make the
# tag list enormous.
_MAX_MINOR = 99
_MANYLINUX_RE = re.compile(r"^manylinux_(\d+)_(\d+)_(\w+)$")
_LEGACY_RE = re.compile(r"^(manylinux1|manylinux2010|manylinux2014)_(\w+)$")
_MUSLLINUX_RE = re.compile(r"^musllinux_(\d+)_(\d+)_(\w+)$")
_MACOS_RE = re.compile(r"^macosx_(\d+)_(\d+)_(\w+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """A target platform: its canonical tag, the tags it accepts (best first), and marker values."""

    tag: str
    compatible_tags: tuple[str, ...]
    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str
    # What the tag spells: "manylinux" / "musllinux" / "macosx" / "windows", the libc or OS version for the
    # first three ((2, 28) for manylinux_2_28), and the wheel tag's architecture ("x86_64", "arm64", "amd64").
    family: str
    version: tuple[int, int] | None
    arch: str

    def __hash__(self) -> int:
        # Targets (and so platforms) key the per-target caches that every judged file consults; hashing the
        # whole compatible-tags tuple each time was a visible share of a report's run.  The tag determines
        # the rest, and equal platforms have equal tags.
        return hash(self.tag)


def parse_platform(name: str) -> Platform:
    """Turn a preset or a wheel platform tag into a :class:`Platform`; raise InputError otherwise."""
    raw = name.strip()
    tag = PRESETS.get(raw.lower(), raw.lower().replace("-", "_").replace(".", "_"))
    if m := _LEGACY_RE.match(tag):
        major, minor = _LEGACY_MANYLINUX[m[1]]
        tag = f"manylinux_{major}_{minor}_{m[2]}"
    if re.match(r"^(manylinux|musllinux|macosx)_", tag) and any(
            int(number) > _MAX_MINOR for number in re.findall(r"_(\d+)", tag)):
        raise _unknown(raw, f" (version numbers above {_MAX_MINOR} are not real systems)")
    if m := _MANYLINUX_RE.match(tag):
        return _manylinux(int(m[1]), int(m[2]), m[3], raw)
    if m := _MUSLLINUX_RE.match(tag):
        return _musllinux(int(m[1]), int(m[2]), m[3], raw)
    if m := _MACOS_RE.match(tag):
        return _macos(int(m[1]), int(m[2]), m[3], raw)
    if tag in _WINDOWS:
        return Platform(tag=tag, compatible_tags=(tag,), sys_platform="win32", platform_system="Windows",
                        os_name="nt", platform_machine=_WINDOWS[tag], family="windows", version=None,
                        arch=tag.removeprefix("win_"))
    raise _unknown(raw)


def _unknown(raw: str, why: str = "") -> InputError:
    presets = ", ".join(sorted(PRESETS))
    return InputError(
        f"unknown platform {raw!r}{why}: give a preset ({presets}) or a wheel platform tag such as "
        "manylinux_2_17_x86_64, manylinux2014_aarch64, musllinux_1_2_x86_64, macosx_11_0_arm64 or win_amd64."
    )


def _linux(family: str, version: tuple[int, int], tags: list[str], arch: str) -> Platform:
    return Platform(tag=f"{family}_{version[0]}_{version[1]}_{arch}", compatible_tags=tuple(tags),
                    sys_platform="linux", platform_system="Linux", os_name="posix", platform_machine=arch,
                    family=family, version=version, arch=arch)


def _manylinux(major: int, minor: int, arch: str, raw: str) -> Platform:
    if arch not in _LINUX_ARCHES:
        raise _unknown(raw, f" (unknown Linux architecture {arch!r})")
    if major != 2:
        raise _unknown(raw, " (manylinux tags are defined for glibc 2.x only)")
    lowest = 5 if arch in _OLD_GLIBC_ARCHES else 17
    if minor < lowest:
        raise _unknown(raw, f" (no manylinux wheels exist for glibc 2.{minor} on {arch})")
    tags: list[str] = []
    for glibc_minor in range(minor, lowest - 1, -1):
        tags.append(f"manylinux_2_{glibc_minor}_{arch}")
        legacy = _LEGACY_ALIAS_OF.get((2, glibc_minor))
        if legacy and (legacy == "manylinux2014" or arch in _OLD_GLIBC_ARCHES):
            tags.append(f"{legacy}_{arch}")
    return _linux("manylinux", (2, minor), tags, arch)


def _musllinux(major: int, minor: int, arch: str, raw: str) -> Platform:
    if arch not in _LINUX_ARCHES or major != 1:
        raise _unknown(raw, " (musllinux tags look like musllinux_1_2_x86_64)")
    tags = [f"musllinux_1_{m}_{arch}" for m in range(minor, -1, -1)]
    return _linux("musllinux", (1, minor), tags, arch)


def _macos(major: int, minor: int, arch: str, raw: str) -> Platform:
    if arch not in _MAC_ARCHES or major < 10:
        raise _unknown(raw, " (macOS tags look like macosx_11_0_arm64 or macosx_10_12_x86_64)")
    tags = list(mac_platforms((major, minor), arch))
    machine = "arm64" if arch in {"arm64", "universal2"} else "x86_64"
    return Platform(tag=f"macosx_{major}_{minor}_{arch}", compatible_tags=tuple(tags), sys_platform="darwin",
                    platform_system="Darwin", os_name="posix", platform_machine=machine,
                    family="macosx", version=(major, minor), arch=arch)
