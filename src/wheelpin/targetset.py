"""Several targets locked at once: which of them a requirement applies on, a release judged for several, and the
marker a lock line needs when its package is required on some targets only.  [pure]

A subset of the targets is a bit mask over their order (bit i: ``targets[i]``), so that requirements and
candidates carry it cheaply and a memo can key on it.  ``EVERYWHERE`` (-1) is every target, whatever their
number: a single-target resolution never computes a mask at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from packaging.markers import InvalidMarker, Marker
from packaging.version import Version

from wheelpin.models import BlockKind
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice

EVERYWHERE = -1

# The marker variables in which deploy targets differ: the Python, and the machine and OS of the platform.
_FIELDS = ("python_version", "python_full_version", "platform_machine", "sys_platform")


@dataclass(frozen=True, slots=True)
class TargetSet:
    targets: tuple[Target, ...]
    full: int = field(init=False, compare=False)  # the mask of every target

    def __post_init__(self) -> None:
        if not self.targets:
            raise ValueError("a target set needs at least one target")
        object.__setattr__(self, "full", (1 << len(self.targets)) - 1)

    @property
    def first(self) -> Target:
        return self.targets[0]

    @property
    def single(self) -> bool:
        return len(self.targets) == 1

    def members(self, where: int) -> Iterator[Target]:
        """The targets in ``where``, in order."""
        return (t for i, t in enumerate(self.targets) if where >> i & 1)

    def where(self, holds: Sequence[bool]) -> int:
        """The mask of the targets for which ``holds[i]`` is true."""
        return sum(1 << i for i, ok in enumerate(holds) if ok)

    def label(self, where: int) -> str:
        return ", ".join(str(t) for t in self.members(where & self.full))

    def marker_for(self, where: int, hints: Sequence[str] = ()) -> str | None:
        """A PEP 508 marker true on exactly the targets in ``where`` (None when that is all of them).  One of
        ``hints`` (the markers of the requirements that brought the package in, as the metadata wrote them)
        is used when it alone says so, since ``python_version < "3.11"`` is what a reader expects; else one
        is made from the marker variables in which the targets differ."""
        where &= self.full
        if where == self.full:
            return None
        for hint in hints:
            if self._exactly(hint, where):
                return hint
        made = self._made_marker(where)
        assert self._exactly(made, where), (made, where)
        return made

    def _exactly(self, text: str, where: int) -> bool:
        if "extra" in text:  # an extra's marker is false without the extra: no lock line can carry it
            return False
        try:
            marker = Marker(text)
        except InvalidMarker:
            return False
        return self.where([marker.evaluate({**t.marker_environment(), "extra": ""}) for t in self.targets]) == where

    def _made_marker(self, where: int) -> str:
        environments = [t.marker_environment() for t in self.targets]
        needed = [e for i, e in enumerate(environments) if where >> i & 1]
        others = [e for i, e in enumerate(environments) if not where >> i & 1]
        for name in _FIELDS:
            wanted = {e[name] for e in needed}
            if not wanted & {e[name] for e in others}:
                return _one_variable(name, wanted, {e[name] for e in others})
        varying = [n for n in _FIELDS if len({e[n] for e in environments}) > 1]
        if "python_version" in varying and "python_full_version" in varying and len(
                {e["python_version"] for e in environments}) == len({e["python_full_version"] for e in environments}):
            varying.remove("python_full_version")  # the minor versions tell the targets apart already
        terms = [" and ".join(f'{n} == "{e[n]}"' for n in varying) for e in needed]
        return " or ".join(f"({t})" if " and " in t and len(terms) > 1 else t for t in terms)


def _one_variable(name: str, wanted: set[str], others: set[str]) -> str:
    """``python_version < "3.11"`` when the wanted Pythons are all older than the others (or ``>=`` when
    newer): the bound an upgrade moves; else each wanted value."""
    if name in ("python_version", "python_full_version"):
        low, high = max(wanted, key=Version), min(others, key=Version)
        if Version(low) < Version(high):
            return f'{name} < "{_next(low) if name == "python_version" else high}"'
        if Version(min(wanted, key=Version)) > Version(max(others, key=Version)):
            return f'{name} >= "{min(wanted, key=Version)}"'
    return " or ".join(f'{name} == "{value}"' for value in sorted(wanted))


def _next(python_version: str) -> str:
    major, minor = python_version.split(".")[:2]
    return f"{major}.{int(minor) + 1}"


def joint_choice(choices: Sequence[tuple[Target, VersionChoice]]) -> VersionChoice:
    """One release judged for several targets: installable only when every target has a wheel, with the
    wheels of all of them (a hash-checking install on any target then finds its own); else the first
    target without one, named, with its reason."""
    first = choices[0][1]
    if len(choices) == 1:
        return first
    lacking = [(t, c) for t, c in choices if not c.has_wheel]
    if lacking:
        target, choice = lacking[0]
        return replace(choice, wheels=(), reason=f"{choice.reason or 'no wheel'} (on {target})",
                       kind=choice.kind or BlockKind.NO_WHEEL,
                       any_wheel=next((c.wheels[0] for _t, c in choices if c.wheels), choice.any_wheel))
    wheels: dict[str, None] = {}
    for _target, choice in choices:
        wheels.update((w.filename, None) for w in choice.wheels)
    by_name = {w.filename: w for _t, c in choices for w in c.wheels}
    return replace(first, wheels=tuple(by_name[n] for n in wheels))
