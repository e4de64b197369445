"""check's verdict against an oracle written from the world's metadata, over random locks.

The world is a small FakeIndex whose releases have markers, extras, requires-python and wheels for some
targets only.  Each case drops some pins of a good lock, swaps some versions, asks for an extra and hashes some
lines; the oracle then decides, from the world as written below and packaging's marker and specifier
evaluation only, whether pip would install the lock with wheels only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from fakeindex import ANY, WIN_311, FakeIndex, sha, wheel_name
from wheelpin.check import check_lock
from wheelpin.inputs import parse_requirements_file
from wheelpin.resolve import Session
from wheelpin.target import make_target

L310 = "cp310-cp310-manylinux_2_17_x86_64"
L312 = "cp312-cp312-manylinux_2_17_x86_64"
# Which of the world's wheel tags each target (CPython 3.x on manylinux) installs.
FITS = {10: {ANY, L310}, 12: {ANY, L312}}


@dataclass(frozen=True)
class Release:
    requires: tuple[str, ...] = ()
    wheels: tuple[str, ...] = (ANY,)
    requires_python: str | None = None
    extras: tuple[str, ...] = ()


WORLD: dict[str, dict[str, Release]] = {
    "app": {
        "1.0": Release(requires=("lib>=1", 'util[fast]>=2; python_version < "3.11"')),
        "2.0": Release(requires=("lib>=2", 'extra-dep>=1; extra == "x"'), extras=("x",)),
    },
    "lib": {
        "1.0": Release(),
        "2.0": Release(requires=("util<3",), wheels=(L310, L312)),
        "3.0": Release(requires=("util>=3",), requires_python=">=3.11"),
    },
    "util": {
        "1.0": Release(wheels=(WIN_311,)),
        "2.0": Release(requires=('speedups; extra == "fast"',), extras=("fast",)),
        "3.0": Release(requires=('speedups>=2; extra == "fast"', 'compat; python_version < "3.11"'),
                       extras=("fast",)),
    },
    "speedups": {"1.0": Release(), "2.0": Release(wheels=(L312,))},
    "compat": {"1.0": Release(), "2.0": Release(requires_python="<3.11")},
    "extra-dep": {"1.0": Release(), "0.5": Release()},
}
GOOD_LOCK = {"app": "1.0", "lib": "2.0", "util": "2.0", "speedups": "1.0", "compat": "1.0", "extra-dep": "1.0"}


@pytest.fixture(scope="module")
def world() -> FakeIndex:
    index = FakeIndex()
    for name, releases in WORLD.items():
        for version, r in releases.items():
            index.add(name, version, requires=r.requires, wheels=r.wheels, requires_python=r.requires_python,
                      extras=r.extras)
    return index


def oracle(pins: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]], minor: int) -> bool:
    """pip's verdict in hash-checking mode with --only-binary :all:, from WORLD: every pin has a fitting wheel
    (one of whose hashes is given, when any is), and the closure of requirements, extras included, is pinned
    and met."""
    environment = {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0", "sys_platform": "linux",
                   "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"}
    for name, (version, _extras, hashes) in pins.items():
        release = WORLD[name].get(version)
        if release is None:
            return False
        if release.requires_python and not SpecifierSet(release.requires_python).contains(f"3.{minor}.0"):
            return False
        fitting = {sha(wheel_name(name, version, tag)) for tag in release.wheels if tag in FITS[minor]}
        if not fitting or (hashes and not fitting & set(hashes)):
            return False
    wanted = [(name, extra) for name, (_v, extras, _h) in pins.items() for extra in ("", *extras)]
    visited = set()
    while wanted:
        name, extra = wanted.pop()
        if (name, extra) in visited:
            continue
        visited.add((name, extra))
        for line in WORLD[name][pins[name][0]].requires:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({**environment, "extra": extra}):
                continue
            dep = canonicalize_name(requirement.name)
            if dep not in pins or not requirement.specifier.contains(Version(pins[dep][0]), prereleases=True):
                return False
            wanted.extend((dep, e) for e in requirement.extras)
    return True


def random_lock(rng: random.Random) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    pins = {}
    for name, version in GOOD_LOCK.items():
        if rng.random() < 0.15:
            continue
        if rng.random() < 0.3:
            version = rng.choice(sorted(WORLD[name]))
        extras = ("x",) if name == "app" and rng.random() < 0.3 else ()
        hashes: tuple[str, ...] = ()
        if rng.random() < 0.25:
            tag = rng.choice(WORLD[name][version].wheels) if version in WORLD[name] else ANY
            hashes = (sha(wheel_name(name, version, tag)),)
        pins[name] = (version, extras, hashes)
    return pins


def lock_text(pins: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]) -> str:
    lines = []
    for name, (version, extras, hashes) in pins.items():
        extra = f"[{','.join(extras)}]" if extras else ""
        lines.append(f"{name}{extra}=={version}" + "".join(f" --hash=sha256:{h}" for h in hashes))
    return "\n".join(lines) + "\n"


def test_checks_verdict_agrees_with_the_oracle_on_random_locks(world: FakeIndex, tmp_path: Path) -> None:
    rng = random.Random(8)
    session = Session(world)
    verdicts = {True: 0, False: 0}
    try:
        for case in range(300):
            pins = random_lock(rng)
            if not pins:
                continue
            minor = rng.choice([10, 12])
            path = tmp_path / f"lock-{case}.txt"
            path.write_text(lock_text(pins))
            results = check_lock(parse_requirements_file(path), make_target(f"3.{minor}", "manylinux"), session)
            expected = oracle(pins, minor)
            assert all(r.ok for r in results) == expected, (
                f"3.{minor}\n{path.read_text()}" + "\n".join(f"{r.name}: {r.reason}" for r in results if not r.ok))
            verdicts[expected] += 1
    finally:
        session.close()
    # Not a vacuous agreement: both verdicts occur often.
    assert min(verdicts.values()) >= 50, verdicts
    assert sum(verdicts.values()) >= 200
