"""An independent oracle for tests: which recorded wheels a CPython/glibc target (x86_64 or aarch64) installs.

Written from the manylinux/abi3 rules directly (not from wheelpin's code), so tests can compare the lock's
hashes against it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA = Path(__file__).parent / "data" / "index"


def page(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((DATA / "pages" / f"{name}.json").read_text())


def _platform_ok(platform: str, glibc_minor: int, arch: str) -> bool:
    if platform == "any":
        return True
    if m := re.fullmatch(rf"manylinux_2_(\d+)_{arch}", platform):
        return int(m[1]) <= glibc_minor
    # PEP 599: manylinux2014 is the first legacy name with an aarch64 build.
    legacy = {"manylinux1_x86_64": 5, "manylinux2010_x86_64": 12, "manylinux2014_x86_64": 17,
              "manylinux2014_aarch64": 17}
    return platform in legacy and platform.endswith(arch) and legacy[platform] <= glibc_minor


def _python_ok(interpreter: str, abi: str, minor: int, freethreaded: bool = False) -> bool:
    if freethreaded:  # PEP 703: a free-threaded build loads only its own ABI's extensions (no abi3)
        return (abi == "none" and _python_ok(interpreter, abi, minor)) or (
            interpreter == f"cp3{minor}" and abi == f"cp3{minor}t")
    if abi == "abi3":
        return interpreter.startswith("cp3") and int(interpreter[3:] or 0) <= minor
    if abi == "none":
        return interpreter in {"py3", f"py3{minor}", f"cp3{minor}"} or interpreter in {
            f"py3{m}" for m in range(0, minor + 1)}
    return interpreter == f"cp3{minor}" and abi == f"cp3{minor}"


def compatible_wheel_hashes(name: str, version: str, *, minor: int, glibc_minor: int = 28,
                            freethreaded: bool = False, arch: str = "x86_64") -> set[str]:
    """sha256 of the recorded wheels of ``name==version`` that CPython 3.<minor> (its free-threaded build if
    ``freethreaded``) on glibc 2.<glibc_minor> ``arch`` can install."""
    hashes = set()
    for entry in page(name)["files"]:
        filename = entry["filename"]
        if not filename.endswith(".whl"):
            continue
        parts = filename[:-4].split("-")
        if parts[1] != version:
            continue
        interpreters, abis, platforms = parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")
        if any(_python_ok(i, a, minor, freethreaded) for i in interpreters for a in abis) and any(
                _platform_ok(p, glibc_minor, arch) for p in platforms):
            hashes.add(entry["hashes"]["sha256"])
    return hashes
