"""Re-locking: an existing lock's pins as preferences, and the ``--upgrade`` requests that set them aside.
[pure: reads files, no network]

As pip-compile and ``uv pip compile`` do, ``resolve -o FILE`` keeps the versions FILE already pins where they
still fit, so that adding one requirement does not move every other pin.  Preferences are not constraints:
the resolver tries them first and passes over any that no longer fit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import InputError, WheelpinError
from wheelpin.inputs import InputRequirement, parse_requirements_file
from wheelpin.lockfile import is_pylock_path
from wheelpin.pins import single_pin
from wheelpin.target import Target

UPGRADE_SOURCE = "--upgrade-package"


@dataclass(frozen=True, slots=True, kw_only=True)
class Upgrade:
    """What ``--upgrade`` / ``--upgrade-package`` ask for: which locked pins to set aside, and the limits
    ``-P 'NAME>=X'`` puts on the new version (constraints: they never add a package)."""

    everything: bool = False
    names: frozenset[NormalizedName] = frozenset()
    constraints: tuple[InputRequirement, ...] = ()

    def kept(self, pins: Mapping[NormalizedName, Version]) -> dict[NormalizedName, Version]:
        """The pins that stay preferences: only the named packages lose theirs (uv's semantics: their
        dependencies keep their pins unless the new version needs them to move)."""
        if self.everything:
            return {}
        return {name: version for name, version in pins.items() if name not in self.names}


def parse_upgrade(everything: bool, packages: Iterable[str]) -> Upgrade:
    """``-U`` and each ``-P NAME`` (or ``NAME==VERSION``, ``NAME>=X``, as uv accepts)."""
    names: set[NormalizedName] = set()
    constraints: list[InputRequirement] = []
    for item in packages:
        requirement = _upgrade_requirement(item)
        names.add(canonicalize_name(requirement.name))
        if requirement.specifier or requirement.marker is not None:
            constraints.append(InputRequirement(requirement=requirement, source=UPGRADE_SOURCE))
    return Upgrade(everything=everything, names=frozenset(names), constraints=tuple(constraints))


def _upgrade_requirement(item: str) -> Requirement:
    hint = "give a package name, optionally with a version, e.g. -P requests or -P 'requests>=2.32'"
    try:
        requirement = Requirement(item.strip())
    except InvalidRequirement:
        raise InputError(f"--upgrade-package {item!r} is not a package name or requirement; {hint}.") from None
    if requirement.url or requirement.extras:
        what = "a URL" if requirement.url else "extras"
        raise InputError(f"--upgrade-package {item!r} names {what}, which an upgrade cannot use; {hint}.")
    return requirement


def locked_pins(path: str, target: Target) -> tuple[dict[NormalizedName, Version], str | None]:
    """The ``name==version`` pins of the lock at ``path`` that apply to ``target`` (markers evaluated for
    it), and a one-line warning when the file exists but holds no lock wheelpin can read.  A missing file
    has no pins and needs no warning: it is a first lock."""
    if not os.path.isfile(path):
        return {}, None
    if is_pylock_path(path):
        return _pylock_pins(path, target)
    try:
        lock = parse_requirements_file(path)
    except InputError as exc:
        # The file is about to be replaced anyway; failing here would make a damaged lock impossible to redo.
        reason = " ".join(str(exc).split())
        return {}, f"{path} is not a lock wheelpin can read ({reason}); resolving without its pins"
    environment = {**target.marker_environment(), "extra": ""}
    pins: dict[NormalizedName, Version] = {}
    for item in lock.requirements:
        marker = item.requirement.marker
        version = single_pin(item.requirement.specifier)
        if version is not None and (marker is None or marker.evaluate(environment)):
            pins.setdefault(canonicalize_name(item.requirement.name), version)
    if lock.requirements and not pins:
        return {}, f"{path} pins no package with name==version; resolving without its pins"
    return pins, None


def _pylock_pins(path: str, target: Target) -> tuple[dict[NormalizedName, Version], str | None]:
    """The packages of the PEP 751 lock at ``path`` that apply to ``target``, as preferences."""
    from wheelpin.locks import read_lock  # imported on use: a requirements lock is read without the lock readers

    try:
        return {p.name: p.version for p in read_lock(path, target).pins}, None
    except WheelpinError as exc:  # a lock for another target, or a damaged one: re-lock from scratch
        reason = " ".join(str(exc).split())
        return {}, f"{path} is not a lock wheelpin can read for {target} ({reason}); resolving without its pins"
