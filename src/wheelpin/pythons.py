"""Which CPython releases exist: minor versions, their newest patch, and which are still supported.

The list comes from ``uv python list --all-versions --only-downloads --output-format json`` (offline: uv
ships the list of its downloads), run with the ``uv`` binary of the ``uv`` package wheelpin depends on, so the
answer (and the patch a runtime.txt gets) never depends on what happens to be on PATH.  Only when that binary
cannot run does PEP 602's yearly schedule stand in: 3.X is released in October of 2011+X and supported for
five years; patch numbers are then unknown.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
from dataclasses import dataclass

from wheelpin.errors import InputError


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonRelease:
    minor: int  # 3.<minor>
    newest_patch: int | None  # None when unknown (no uv)
    # The free-threaded build (PEP 703) of the same release: CPython ships both from one source release, so
    # the patch numbers are the same (uv lists each patch in both variants).
    freethreaded: bool = False

    @property
    def version(self) -> str:
        """3.13, or 3.13t for the free-threaded build: the spelling uv and pyenv take for a request."""
        return f"3.{self.minor}{'t' if self.freethreaded else ''}"

    @property
    def number(self) -> str:
        """3.13 whatever the build: what a platform's version setting takes."""
        return f"3.{self.minor}"

    @property
    def full_version(self) -> str | None:
        """3.13.9, the newest patch; the same for the free-threaded build, whose build a version number
        cannot say."""
        return None if self.newest_patch is None else f"3.{self.minor}.{self.newest_patch}"


def known_releases(*, today: datetime.date | None = None, uv: str | None = None) -> list[PythonRelease]:
    """Stable CPython minors, oldest first, each with its newest patch when uv can tell."""
    uv = uv or find_uv()
    if uv is not None:
        try:
            return _releases_from_uv(uv)
        except (OSError, subprocess.SubprocessError, ValueError, KeyError):
            pass
    return _releases_from_schedule(today or datetime.date.today())


def _releases_from_uv(uv: str) -> list[PythonRelease]:
    output = subprocess.run(
        [uv, "python", "list", "--all-versions", "--only-downloads", "--output-format", "json"],
        capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    ).stdout
    newest: dict[int, int] = {}
    for entry in json.loads(output):
        if entry.get("implementation") != "cpython" or entry.get("variant", "default") != "default":
            continue
        if not re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]):
            continue  # a pre-release: 3.16.0a2 is not a deploy target yet
        parts = entry["version_parts"]
        if parts["major"] == 3:
            newest[parts["minor"]] = max(newest.get(parts["minor"], -1), parts["patch"])
    if not newest:
        raise ValueError("uv listed no CPython releases")
    return [PythonRelease(minor=m, newest_patch=newest[m]) for m in sorted(newest)]


def _releases_from_schedule(today: datetime.date) -> list[PythonRelease]:
    newest = max(m for m in range(9, 40) if datetime.date(2011 + m, 10, 1) <= today)
    return [PythonRelease(minor=m, newest_patch=None) for m in range(7, newest + 1)]


def oldest_supported_minor(today: datetime.date) -> int:
    """PEP 602: 3.X reaches end of life five years after its October release."""
    return min(m for m in range(9, 40) if datetime.date(2016 + m, 10, 31) >= today)


def default_pythons(releases: list[PythonRelease], today: datetime.date | None = None) -> list[PythonRelease]:
    """Every minor from the oldest still supported to the newest stable release."""
    oldest = oldest_supported_minor(today or datetime.date.today())
    return [r for r in releases if r.minor >= oldest]


def parse_python_list(text: str) -> list[str]:
    """'3.10-3.15' or '3.11,3.13' or '3.12' → ['3.10', …]; a patch ('3.11.9') is kept as given."""
    chosen: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not dash:
            chosen.append(part)
            continue
        first, last = _minor(low, text), _minor(high, text)
        if last < first:
            raise InputError(f"--python {text}: the range {part} runs backwards; write it as 3.{last}-3.{first}.")
        chosen += [f"3.{m}" for m in range(first, last + 1)]
    if not chosen:
        raise InputError(f"--python {text!r} names no Python version; give e.g. 3.11, 3.11,3.13 or 3.10-3.15.")
    return list(dict.fromkeys(chosen))


def _minor(text: str, whole: str) -> int:
    m = re.fullmatch(r"3\.(\d+)", text.strip())
    if not m:
        raise InputError(f"--python {whole}: {text!r} is not a version like 3.11; ranges look like 3.10-3.15.")
    return int(m[1])


def find_uv() -> str | None:
    """The binary of the ``uv`` package wheelpin depends on (``uv.find_uv_bin``: this environment's scripts
    directory, a ``--prefix`` or ``--target`` install, the user scheme), never one found on PATH: another uv
    on PATH may be older and know fewer releases.  None when the package is missing or its binary is."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:  # uv's UvNotFound
        return None
