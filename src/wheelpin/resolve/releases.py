"""Which releases a set of requirements admits, and which dependencies a target wants: the questions both the
candidate factory and the prefetch policy ask, answered once per run through the session's memo."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from wheelpin.pins import exact_pins
from wheelpin.resolve.requirements import Req
from wheelpin.resolve.session import Session
from wheelpin.target import Target


def admitted_releases(session: Session, name: NormalizedName, reqs: Sequence[Req], pre: bool) -> list[Version]:
    """Versions every requirement in ``reqs`` admits, newest first, under the pre-release and yank rules —
    whatever their wheels.  The same for every target, so computed once for a report's Pythons."""
    key = ("admitted", name, pre, tuple(sorted(r.spec_key for r in reqs)))
    return session.memo(key, lambda: _admitted(session, name, [r.specifier for r in reqs], pre))


def _admitted(session: Session, name: NormalizedName, specifiers: Sequence[SpecifierSet], pre: bool) -> list[Version]:
    releases = session.releases(name)
    pins = set().union(*(exact_pins(s) for s in specifiers)) if specifiers else set()
    allow_pre = pre or any(s.prereleases for s in specifiers) or all(v.is_prerelease for v in releases)
    return [v for v in matching(releases, specifiers, allow_pre) if v in pins or not releases.yanked(v)]


def matching(releases: Iterable[Version], specifiers: Sequence[SpecifierSet],
             allow_pre: bool) -> Iterator[Version]:
    """The releases (newest first) that every specifier admits.

    Without a ``!=`` the admitted versions are one contiguous run of the sorted releases (every other operator
    admits an interval, and intervals intersect to one), so the scan stops at the first release below the run
    — a pre-release kept out only by the pre-release rule does not end it.  A project with hundreds of
    releases and a requirement like ``>=2.5,<3`` is then judged in a few dozen comparisons, not hundreds.
    """
    contiguous = not any(spec.operator == "!=" for s in specifiers for spec in s)
    entered = False
    for version in releases:
        if all(s.contains(version, prereleases=allow_pre) for s in specifiers):
            entered = True
            yield version
        elif contiguous and entered and (allow_pre or not version.is_prerelease):
            return


def marker_wanted(session: Session, target: Target, line: str, marker: Marker | None,
                  extras: frozenset[NormalizedName]) -> bool:
    """Whether the dependency on Requires-Dist ``line`` (whose marker is ``marker``) applies to ``target`` for
    a candidate with ``extras``: an extra's own dependencies only, since the base candidate brings the rest."""
    if marker is None:
        return not extras  # unconditional deps come through the base candidate; no memo needed
    environment = _environment(target)
    # Keyed by the values of the variables the marker names, not by the target: an ``extra == "test"`` or a
    # ``sys_platform == "win32"`` line has one answer for every Python of a report, so it is evaluated once.
    seen = tuple(environment[name] for name in marker_variables(line))
    return session.memo(("marker", line, extras, seen), lambda: applies(marker, environment, extras))


# The environment variables of PEP 508 in every spelling packaging accepts (the legacy dotted ones, and
# python_implementation for platform_python_implementation), mapped to the environment's names.  Found in
# the line's text, string literals included: naming a variable the marker does not use only keys its memo
# more finely than needed, never too coarsely.
_VARIABLE = re.compile(r"\b(python_version|python_full_version|os[._]name|sys[._]platform|platform[._]release|"
                       r"platform[._]system|platform[._]version|platform[._]machine|"
                       r"(?:platform[._])?python_implementation|implementation[._]name|implementation[._]version)\b")


@functools.lru_cache(maxsize=64)
def _environment(target: Target) -> Mapping[str, str]:
    # Asked for every marker a resolution meets, memo hits included: built once per target, read-only.
    return MappingProxyType(target.marker_environment())


@functools.lru_cache(maxsize=16384)
def marker_variables(line: str) -> tuple[str, ...]:
    """The environment variables a Requires-Dist line's marker may read (``extra`` aside), sorted."""
    names = {m.replace(".", "_") for m in _VARIABLE.findall(line)}
    return tuple(sorted("platform_python_implementation" if n.endswith("python_implementation") else n
                        for n in names))


def applies(marker: Marker | None, environment: Mapping[str, str], extras: frozenset[NormalizedName]) -> bool:
    """Whether a requirement with ``marker`` belongs to the base release (no ``extras``) or only to one of
    ``extras``: each requirement is counted once, where it first applies."""
    if marker is None:
        return not extras
    base = marker.evaluate({**environment, "extra": ""})
    if not extras:
        return base
    return not base and any(marker.evaluate({**environment, "extra": extra}) for extra in extras)
