"""A Dockerfile's deploy target: the official ``python:`` image its last stage is built FROM.  [pure]

Read as Docker reads it (docs/targets.md): comment lines are dropped, a trailing backslash continues the
instruction, ``ARG`` lines before the first ``FROM`` give defaults that ``FROM`` lines may use (``$V``,
``${V}``, ``${V:-default}``), ``FROM base AS name`` names a stage that a later ``FROM name`` builds on, and
``--platform=linux/arm64`` picks the architecture.  The image tag names the Python (``3.12``, ``3.12.4``) and
the variant (``-slim``, ``-alpine``, ``-bookworm``, ``-trixie``); a tag without a Debian release is Debian 13
(trixie), the images' default since 2025.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from wheelpin.detect.sources import VERSION_RE, Finding, Findings, read_text, shown

# Debian releases of the official images → the preset with that libc (slim and full images share it).
_DEBIAN = {"trixie": "docker-slim", "bookworm": "docker-slim-bookworm"}
# Older releases have no preset: their glibc as a manylinux tag (Debian 11 bullseye: glibc 2.31).
_OLD_DEBIAN = {"bullseye": "manylinux_2_31", "buster": "manylinux_2_28"}
_ARCHES = {"linux/arm64": "arm64", "linux/arm64/v8": "arm64", "linux/aarch64": "arm64", "linux/amd64": "",
           "linux/x86_64": ""}
_OFFICIAL_RE = re.compile(r"^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)/)?(?:library/)?python$")
_VARIABLE_RE = re.compile(r"\$(?:\{(\w+)(?::?-([^}]*))?\}|(\w+))")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Stage:
    image: str  # as written, variables substituted ("" when one had no value)
    written: str  # the FROM line as written
    alias: str | None
    platform: str | None
    line: int
    unresolved: str | None  # the first variable without a default


def read_dockerfile(project: Path, path: Path) -> Findings:
    """The Python and platform of the Dockerfile's last stage; a warning when that stage is not an official
    python image (distroless, a custom base) and so tells neither."""
    name = shown(project, path)
    text = read_text(path, name)
    if text is None:
        return Findings()
    stages = _stages(text)
    if not stages:
        return Findings(warnings=[f"{name}: no FROM instruction; the Dockerfile tells no target"])
    stage, platform_flag = _final(stages)
    where = f"{name}:{stage.line}"
    if stage.unresolved is not None:
        return Findings(warnings=[f"{where}: {stage.written}: ${stage.unresolved} has no default in the "
                                  "Dockerfile, so the image is unknown; give --python and --platform"])
    repository, _, tag = stage.image.partition("@")[0].partition(":")
    if not _OFFICIAL_RE.match(repository.lower()):
        return Findings(warnings=[f"{where}: the last stage is FROM {stage.image}, not an official python: image, "
                                  "so its Python and libc are unknown; the platform falls back to the default "
                                  "(give --platform and --python for that image)"])
    return _from_tag(name, stage, tag or "latest", platform_flag)


def _from_tag(name: str, stage: _Stage, tag: str, platform_flag: str | None) -> Findings:
    found = Findings()
    version = re.match(r"^(\d+(?:\.\d+){0,2})(?=-|$)", tag)
    words = tag[version.end():].strip("-").split("-") if version else tag.split("-")
    words = [w for w in words if w and w not in ("rc", "latest")]
    where = f"{name}:{stage.line}"
    # A FROM line with ARG variables is shown with the image it names, so the reader sees the version used.
    text = stage.written if stage.image in stage.written else f"{stage.written}, i.e. {stage.image}"
    if version and VERSION_RE.fullmatch(version[1]):
        found.pythons.append(Finding(value=version[1], file=name, line=stage.line, text=text))
    else:
        found.warnings.append(f"{where}: {stage.written}: the tag names no Python minor version (python:3.X), so "
                              "the image follows whatever Python is newest; the Python comes from elsewhere")
    platform, warning = _variant(words, tag)
    arch, arch_warning = _arch(platform_flag)
    for problem in (warning, arch_warning):
        if problem:
            found.warnings.append(f"{where}: {stage.written}: {problem}")
    if platform is not None:
        value = f"{platform}_{'aarch64' if arch else 'x86_64'}" if platform.startswith("manylinux") else \
            f"{platform}-{arch}" if arch else platform
        found.platforms.append(Finding(value=value, file=name, line=stage.line, text=text))
    return found


def _variant(words: list[str], tag: str) -> tuple[str | None, str | None]:
    """The preset (or manylinux tag stem) of a tag's variant words: slim, alpine3.20, bookworm…"""
    rest = [w for w in words if w != "slim"]
    if any(w.startswith("alpine") for w in rest):
        return "alpine", None
    if any(w.startswith(("windowsservercore", "nanoserver")) for w in rest):
        return "windows", None
    if not rest:
        return "docker-slim", None
    if len(rest) == 1 and rest[0] in _DEBIAN:
        return _DEBIAN[rest[0]], None
    if len(rest) == 1 and rest[0] in _OLD_DEBIAN:
        return _OLD_DEBIAN[rest[0]], None
    return None, f"unknown image variant {tag!r}; the platform falls back to the default"


def _arch(flag: str | None) -> tuple[str, str | None]:
    if flag is None or flag.startswith("$"):
        return "", None  # $TARGETPLATFORM and friends: whatever the build targets, by default the host's
    arch = _ARCHES.get(flag.lower())
    if arch is None:
        return "", f"--platform={flag} is not an architecture wheelpin knows; assuming x86_64"
    return arch, None


def _final(stages: list[_Stage]) -> tuple[_Stage, str | None]:
    """The last stage followed back through ``FROM <stage name>`` to an image, with the nearest --platform."""
    by_alias = {s.alias.lower(): s for s in stages if s.alias}
    stage, platform, seen = stages[-1], stages[-1].platform, set()
    while stage.image.lower() in by_alias and stage.image.lower() not in seen:
        seen.add(stage.image.lower())
        stage = by_alias[stage.image.lower()]
        platform = platform or stage.platform
    return stage, platform


def _stages(text: str) -> list[_Stage]:
    defaults: dict[str, str | None] = {}
    stages: list[_Stage] = []
    for line, instruction in _instructions(text):
        keyword, _, rest = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and not stages:
            for word in _words(rest):
                key, equals, value = word.partition("=")
                defaults[key] = value if equals else None
        elif keyword == "FROM":
            stages.append(_stage(line, instruction, rest, defaults))
    return stages


def _stage(line: int, instruction: str, rest: str, defaults: dict[str, str | None]) -> _Stage:
    words = _words(rest)
    platform = next((w.split("=", 1)[1] for w in words if w.lower().startswith("--platform=")), None)
    words = [w for w in words if not w.startswith("--")]
    image, unresolved = _substitute(words[0] if words else "", defaults)
    alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    if platform is not None and not platform.startswith("$"):
        platform, _ = _substitute(platform, defaults)
    return _Stage(image=image, written=" ".join(instruction.split()), alias=alias, platform=platform, line=line,
                  unresolved=unresolved)


def _substitute(text: str, defaults: dict[str, str | None]) -> tuple[str, str | None]:
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        key = match[1] or match[3]
        found = defaults.get(key)
        if found is None and match[2] is not None:
            return match[2]
        if found is None:
            missing.append(key)
            return ""
        return found

    return _VARIABLE_RE.sub(value, text), (missing[0] if missing else None)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: Docker would fail the build, wheelpin reads what it can
        return text.split()


def _instructions(text: str) -> list[tuple[int, str]]:
    """(first line, instruction) pairs: comments dropped, backslash continuations joined."""
    found: list[tuple[int, str]] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines even inside a continued instruction
        if not parts:
            start = number
        continued = stripped.endswith("\\")
        parts.append(stripped[:-1].strip() if continued else stripped)
        if not continued:
            found.append((start, " ".join(p for p in parts if p)))
            parts = []
    if parts:
        found.append((start, " ".join(p for p in parts if p)))
    return found
