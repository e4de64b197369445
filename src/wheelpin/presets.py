"""Named deploy platforms (heroku-24, lambda, docker-slim, …) → the wheel platform tag for each Python.  [pure]

A deploy engineer knows where the app runs, not which glibc that image has; and some platforms change image
with the Python (AWS Lambda runs python3.11 on Amazon Linux 2, glibc 2.26, and python3.12 on AL2023, glibc 2.34).
So a preset maps a Python version to a tag, and says which Pythons the platform offers at all.  The tags are
the image's own libc: every older manylinux tag is accepted through ``platforms`` (pip's ``--platform`` does not
widen, pypa/pip#10760).  Each fact, its source and the date it was checked: docs/targets.md.

Any preset takes an architecture suffix, spelt as users type it: ``lambda-arm64``, ``docker-slim-aarch64``,
``docker-slim-linux/arm64``, ``linux/arm64``.  A wheel platform tag is passed to ``platforms`` unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from wheelpin.errors import InputError
from wheelpin.platforms import PRESETS as TAG_PRESETS
from wheelpin.platforms import Platform, parse_platform

# The spellings users type for an architecture (Docker's linux/arm64, uname's aarch64, Apple's arm64, Windows'
# amd64), longest first so that "linux/arm64/v8" is not read as "v8".
_ARCH_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("linux/arm64/v8", "aarch64"), ("linux/arm64", "aarch64"), ("linux/amd64", "x86_64"),
    ("aarch64", "aarch64"), ("x86_64", "x86_64"), ("x86-64", "x86_64"), ("arm64", "aarch64"),
    ("amd64", "x86_64"), ("x64", "x86_64"),
)
# How each tag family spells the two architectures.
_FAMILY_ARCH = {"macosx": {"x86_64": "x86_64", "aarch64": "arm64"}, "win": {"x86_64": "amd64", "aarch64": "arm64"}}
_SEPARATORS = "-_/:@"
_TAG_RE = re.compile(r"^(manylinux|musllinux|macosx|win)[_-]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    """A deploy platform: the tag its image provides for each Python, and the Pythons it offers.

    ``steps`` are (first 3.X minor, tag without its architecture), ascending: 3.X gets the last step that starts
    at or below X.  ``offered`` is (oldest, newest) minor, newest None when the platform ships every new CPython
    release as it comes (the official Docker images, Render); None when it is no deploy platform at all
    (``manylinux``), so every Python is offered.
    """

    name: str
    stands_for: str
    steps: tuple[tuple[int, str], ...]
    arches: tuple[str, ...] = ("x86_64",)  # the first is the default
    offered: tuple[int, int | None] | None = None

    def base(self, minor: int) -> str:
        """The tag for 3.<minor> without its architecture: manylinux_2_34."""
        return [tag for first, tag in self.steps if first <= minor][-1]

    def tag(self, minor: int, arch: str | None = None) -> str:
        base = self.base(minor)
        arch = arch or self.arches[0]
        family = base.split("_", 1)[0]
        return f"{base}_{_FAMILY_ARCH.get(family, {}).get(arch, arch)}"

    def offers(self, minor: int) -> bool:
        if self.offered is None:
            return True
        oldest, newest = self.offered
        return oldest <= minor and (newest is None or minor <= newest)

    def offered_text(self) -> str:
        if self.offered is None:
            return "any"
        oldest, newest = self.offered
        if newest is None:
            return f"3.{oldest} and newer"
        return ", ".join(f"3.{m}" for m in range(oldest, newest + 1))

    def tags_text(self, arch: str | None = None) -> str:
        """'3.10–3.11: manylinux_2_26_x86_64; 3.12–3.14: manylinux_2_34_x86_64', within the offered Pythons."""
        if len(self.steps) == 1:
            return self.tag(self.steps[0][0], arch)
        parts = []
        oldest, newest = self.offered or (7, None)
        for i, (first, _tag) in enumerate(self.steps):
            low = max(first, oldest)
            high = self.steps[i + 1][0] - 1 if i + 1 < len(self.steps) else newest
            span = f"3.{low}+" if high is None else f"3.{low}" if high == low else f"3.{low}–3.{high}"
            parts.append(f"{span}: {self.tag(low, arch)}")
        return "; ".join(parts)


def _deploy_presets() -> dict[str, Preset]:
    both = ("x86_64", "aarch64")
    supported = (10, 14)  # what Heroku's and AWS Lambda's own lists offer on 2026-12-02 (docs/targets.md)
    heroku_24 = Preset(name="heroku-24", stands_for="Heroku-24 stack (Ubuntu 24.04)",
                       steps=((0, "manylinux_2_39"),), arches=both, offered=supported)
    slim = Preset(name="docker-slim", stands_for="official python:3.X-slim image (Debian 13 trixie)",
                  steps=((0, "manylinux_2_41"),), arches=both, offered=(10, None))
    ubuntu_22_then_24 = ((0, "manylinux_2_35"), (14, "manylinux_2_39"))
    presets = [
        Preset(name="heroku-22", stands_for="Heroku-22 stack (Ubuntu 22.04)", steps=((0, "manylinux_2_35"),),
               offered=supported),
        heroku_24,
        Preset(name="heroku-26", stands_for="Heroku-26 stack (Ubuntu 26.04)", steps=((0, "manylinux_2_43"),),
               arches=both, offered=supported),
        # Heroku's Stacks page names Heroku-24 the default; Heroku-26 is "Recommended" in heroku/base-images.
        # Where sources differ the older glibc wins: a lock for 2.39 also installs on 2.43.
        replace(heroku_24, name="heroku", stands_for="Heroku's default stack (= heroku-24)"),
        Preset(name="render", stands_for="Render native Python runtime (OS not documented; Ubuntu 22.04 assumed)",
               steps=((0, "manylinux_2_35"),), offered=(7, None)),
        Preset(name="lambda", stands_for="AWS Lambda: python3.10-3.11 on Amazon Linux 2, 3.12+ on AL2023",
               steps=((0, "manylinux_2_26"), (12, "manylinux_2_34")), arches=both, offered=supported),
        slim,
        replace(slim, name="fly", stands_for="Fly.io's Python launcher image (= docker-slim)"),
        Preset(name="docker-slim-bookworm", stands_for="official python:3.X-slim-bookworm image (Debian 12)",
               steps=((0, "manylinux_2_36"),), arches=both, offered=(10, None)),
        Preset(name="alpine", stands_for="official python:3.X-alpine image (musl 1.2)",
               steps=((0, "musllinux_1_2"),), arches=both, offered=(10, None)),
        Preset(name="google-22", stands_for="Google Cloud buildpacks builder google-22 (Ubuntu 22.04)",
               steps=((0, "manylinux_2_35"),), offered=(10, 13)),
        Preset(name="google-24", stands_for="Google Cloud buildpacks builder google-24 (Ubuntu 24.04)",
               steps=((0, "manylinux_2_39"),), offered=(13, 14)),
        Preset(name="cloud-run-buildpacks", stands_for="Cloud Run source deploy: python310-313 on google-22, "
               "python314 on google-24", steps=ubuntu_22_then_24, offered=(10, 14)),
        Preset(name="app-engine", stands_for="App Engine standard: python310-313 on Ubuntu 22.04, python314 on "
               "Ubuntu 24.04", steps=ubuntu_22_then_24, offered=(10, 14)),
        Preset(name="railway", stands_for="Railway (railpack): runtime image debian:trixie-slim",
               steps=((0, "manylinux_2_41"),), offered=(10, None)),
        Preset(name="vercel", stands_for="Vercel Python runtime (build image Amazon Linux 2023)",
               steps=((0, "manylinux_2_34"),), offered=(12, 14)),
    ]
    return {p.name: p for p in presets}


def _tag_presets() -> dict[str, Preset]:
    """The platform-tag shorthands of ``platforms`` (manylinux, macos, …): every Python, their tag's arch first."""
    presets = {}
    for name, tag in TAG_PRESETS.items():
        platform = parse_platform(tag)
        machine = "aarch64" if platform.arch in ("arm64", "aarch64") else "x86_64"
        other = "x86_64" if machine == "aarch64" else "aarch64"
        presets[name] = Preset(name=name, stands_for=_describe(platform),
                               steps=((0, tag.removesuffix(f"_{platform.arch}")),), arches=(machine, other))
    return presets


def _describe(platform: Platform) -> str:
    version = ".".join(map(str, platform.version or ()))
    return {"manylinux": f"any Linux with glibc {version} or newer", "musllinux": f"any Linux with musl {version}",
            "macosx": f"macOS {platform.version[0] if platform.version else ''} or newer"}.get(platform.family,
                                                                                            "Windows")


DEPLOY_PRESETS: dict[str, Preset] = _deploy_presets()
# A deploy preset wins over a tag shorthand of the same name (alpine: the same tag, but only the Pythons the
# python:3.X-alpine images exist for).
ALL_PRESETS: dict[str, Preset] = {**_tag_presets(), **DEPLOY_PRESETS}


def find_preset(name: str) -> tuple[Preset, str | None] | None:
    """The preset a --platform value names and the architecture its suffix asks for; None for anything else."""
    text = name.strip().lower()
    if text in ALL_PRESETS:
        return ALL_PRESETS[text], None
    bare = dict(_ARCH_SPELLINGS).get(text)
    if bare is not None:
        # An architecture alone (uname -m's aarch64, Docker's arm64) names a Linux machine, as linux/arm64 does:
        # a deploy target is Linux unless the user says macos or windows.
        return ALL_PRESETS["linux"], bare
    for spelling, arch in _ARCH_SPELLINGS:
        if text.endswith(spelling):
            stem = text.removesuffix(spelling)
            if stem[:-1] and stem[-1] in _SEPARATORS and stem[:-1] in ALL_PRESETS:
                return ALL_PRESETS[stem[:-1]], arch
    return None


def platform_for(name: str, minor: int) -> Platform:
    """The platform a --platform value stands for on CPython 3.<minor>: a preset's tag for that Python, or the
    wheel platform tag given."""
    found = find_preset(name)
    if found is None:
        try:
            return parse_platform(name)
        except InputError:
            if _TAG_RE.match(name.strip().lower()):
                raise  # a malformed tag: platforms says what is wrong with it
            raise _unknown(name) from None
    preset, arch = found
    if arch is not None and arch not in preset.arches:
        raise InputError(
            f"--platform {name.strip()}: {preset.name} ({preset.stands_for}) runs on {' and '.join(preset.arches)} "
            f"only, not {arch}; drop the suffix, or give the wheel platform tag itself (e.g. "
            f"{preset.tag(minor, arch)}) if you run that image elsewhere."
        )
    return parse_platform(preset.tag(minor, arch))


def refuse_unoffered(name: str, minors: Iterable[tuple[str, int]]) -> None:
    """Refuse (InputError, exit 2) a Python that the preset ``name`` does not offer; ``minors`` are the Pythons
    as given, with their 3.X minor.  A tag, or a shorthand like ``manylinux``, offers every Python."""
    found = find_preset(name)
    if found is None:
        return
    preset = found[0]
    missing = [given for given, minor in minors if not preset.offers(minor)]
    if missing:
        raise InputError(
            f"--platform {name.strip()}: {preset.name} offers Python {preset.offered_text()}, not "
            f"{', '.join(missing)} ({preset.stands_for}); pick one of those with --python ('wheelpin targets' "
            "lists every preset's Pythons)."
        )


def offers(name: str, minor: int) -> bool:
    """Whether the platform ``name`` offers CPython 3.<minor> (a tag offers every Python)."""
    found = find_preset(name)
    return found is None or found[0].offers(minor)


def _unknown(name: str) -> InputError:
    return InputError(
        f"unknown platform {name.strip()!r}: give a preset ({', '.join(ALL_PRESETS)}), optionally with an "
        "architecture suffix (lambda-arm64, docker-slim-linux/arm64), or a wheel platform tag such as "
        "manylinux_2_17_x86_64, manylinux2014_aarch64, musllinux_1_2_x86_64, macosx_11_0_arm64 or win_amd64; "
        "'wheelpin targets' describes each preset."
    )
