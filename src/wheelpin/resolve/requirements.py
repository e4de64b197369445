"""What the resolver works on: requirements on identifiers, and candidates.  [pure]

Extras follow pip's model: ``foo[x]==v`` is its own identifier and depends on ``foo==v``, so two extras can
never pick two versions of ``foo``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.models import DistFile
from wheelpin.pins import exact_pins, single_pin
from wheelpin.target import Target
from wheelpin.targetset import EVERYWHERE, TargetSet
from wheelpin.wheels import VersionChoice

# The identifier of the interpreter: a release whose metadata's Requires-Python excludes the target depends on
# it, and it has no candidates, so the resolver backtracks past that release.
PYTHON = NormalizedName("<python>")


@dataclass(frozen=True, slots=True, kw_only=True)
class Req:
    """A requirement on one identifier: ``name`` or ``name[extra,…]``."""

    name: NormalizedName
    extras: frozenset[NormalizedName] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    text: str = ""
    source: str = ""  # for requirements given by the user: "requirements.txt:3"
    # The targets it applies on (a TargetSet mask) when several are locked at once; its marker as written,
    # which the lock line may reuse.
    where: int = EVERYWHERE
    marker: str = field(default="", compare=False)
    # Derived once: resolvelib asks for them hundreds of thousands of times in a report, and hashing a
    # SpecifierSet costs more than most answers, so memos key on ``spec_key``.
    identifier: str = field(init=False, compare=False)
    pinned: bool = field(init=False, compare=False)
    spec_key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", identifier(self.name, self.extras))
        object.__setattr__(self, "pinned", bool(exact_pins(self.specifier)))
        object.__setattr__(self, "spec_key", str(self.specifier))

    def __str__(self) -> str:
        return self.text or f"{self.identifier}{self.specifier}"


@dataclass(frozen=True, slots=True)
class RootPins:
    """What a fix search's verifying resolution keeps: the versions the user's ``==`` root requirements (and
    constraints) pin, for the ``fixed`` packages, whose requirement the fix changed, to be checked against."""

    fixed: frozenset[NormalizedName]
    pins: Mapping[NormalizedName, Version]

    @classmethod
    def of(cls, fixed: frozenset[NormalizedName], reqs: Iterable[Req], full: int) -> RootPins | None:
        pins: dict[NormalizedName, Version] = {}
        for req in reqs:
            version = single_pin(req.specifier)
            if version is not None and req.where & full == full:  # pinned on every target
                pins.setdefault(req.name, version)
        return cls(fixed, pins) if fixed and pins else None

    def guards(self, name: NormalizedName, extras: frozenset[NormalizedName]) -> bool:
        return name in self.fixed and not extras


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    name: NormalizedName
    version: Version
    extras: frozenset[NormalizedName]
    choice: VersionChoice
    from_source: bool = False
    # The targets it was judged for: those on which some requirement on it applies.
    where: int = EVERYWHERE
    identifier: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", identifier(self.name, self.extras))

    @property
    def blocked(self) -> bool:
        """No wheel fits the target and no source build is allowed (only in permissive resolutions)."""
        return not self.choice.has_wheel and not self.from_source

    @property
    def metadata_file(self) -> DistFile:
        if self.choice.wheels:
            return self.choice.wheels[0]
        if self.from_source or self.choice.any_wheel is None:
            assert self.choice.sdist is not None
            return self.choice.sdist
        return self.choice.any_wheel

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


def identifier(name: str, extras: Iterable[str]) -> str:
    extras = sorted(extras)
    return f"{name}[{','.join(extras)}]" if extras else name


def specifier_or_empty(text: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet()


@functools.lru_cache(maxsize=16384)
def parse_dependency(line: str) -> tuple[Requirement, Req] | None:
    """A Requires-Dist line, parsed once per run however many resolutions read it; None when invalid."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    return requirement, to_req(requirement)


def to_req(requirement: Requirement, source: str = "") -> Req:
    return Req(name=canonicalize_name(requirement.name),
               extras=frozenset(canonicalize_name(e) for e in requirement.extras),
               specifier=requirement.specifier, text=str(requirement), source=source,
               marker="" if requirement.marker is None else str(requirement.marker))


def root_requirements(inputs: Inputs, target: Target) -> tuple[list[Req], list[Req]]:
    """The user's requirements and constraints that apply to ``target`` (markers evaluated for it).  A
    requirement on a package with overrides gives way to them, as in uv: whatever its own marker says."""
    environment = {**target.marker_environment(), "extra": ""}

    def applicable(items: Sequence[InputRequirement]) -> list[Req]:
        return [to_req(item.requirement, item.source) for item in items
                if item.requirement.marker is None or item.requirement.marker.evaluate(environment)]

    overrides = override_requirements(inputs, target).by_name
    requirements: list[Req] = []
    for item in inputs.requirements:
        name = canonicalize_name(item.requirement.name)
        if name not in overrides:
            requirements += applicable([item])
        elif not any(r.name == name for r in requirements):
            requirements += overrides[name]
    return requirements, applicable(inputs.constraints)


@dataclass(frozen=True, slots=True)
class Overrides:
    """``[tool.uv] override-dependencies`` for one target, by package (uv's ``Overrides::apply``)."""

    by_name: Mapping[NormalizedName, tuple[Req, ...]] = field(default_factory=dict)  # with the user's sources
    key: tuple[tuple[str, tuple[str, ...]], ...] = ()  # hashable, for the memo's keys
    # As a release's requirement an override has no user source: a project missing there backtracks, as any
    # dependency's does, instead of being the user's typo.
    transitive: Mapping[NormalizedName, tuple[Req, ...]] = field(default_factory=dict)

    def replacing(self, dep: Req, marker: Marker | None, wanted: Callable[[], bool]) -> tuple[Req, ...] | None:
        """What stands in for a release's requirement ``dep``: None when no override names its package, else
        the overrides, whatever ``marker`` says — except that a line guarded by an extra stays guarded by it,
        as in uv, so it is replaced only when ``wanted()`` (the whole marker holds: a narrower reading than
        uv's for an extra's line that also has a platform condition)."""
        found = self.transitive.get(dep.name)
        if found is None:
            return None
        return () if marker is not None and "extra" in str(marker) and not wanted() else found


def override_requirements(inputs: Inputs, target: Target) -> Overrides:
    """The overrides that apply to ``target``: each names the versions allowed, in place of every requirement
    on its package; an override whose marker excludes ``target`` allows none (the package is then not
    required there), so an override for every platform is written once per marker, as uv asks."""
    environment = {**target.marker_environment(), "extra": ""}
    by_name: dict[NormalizedName, list[Req]] = {}
    for item in inputs.overrides:
        name = canonicalize_name(item.requirement.name)
        wanted = item.requirement.marker is None or item.requirement.marker.evaluate(environment)
        by_name.setdefault(name, []).extend([to_req(item.requirement, item.source)] if wanted else [])
    return Overrides(by_name={n: tuple(reqs) for n, reqs in by_name.items()},
                     key=tuple(sorted((n, tuple(r.text for r in reqs)) for n, reqs in by_name.items())),
                     transitive={n: tuple(replace(r, source="") for r in reqs) for n, reqs in by_name.items()})


def root_requirements_for(inputs: Inputs, targets: TargetSet) -> tuple[list[Req], list[Req]]:
    """:func:`root_requirements` for several targets: each requirement (or override standing in for one) that
    applies on some of them, with the mask of those it applies on."""
    if targets.single:
        return root_requirements(inputs, targets.first)
    requirements: dict[Req, int] = {}
    constraints: dict[Req, int] = {}
    for i, target in enumerate(targets.targets):
        found, limits = root_requirements(inputs, target)
        for req in found:
            requirements[req] = requirements.get(req, 0) | 1 << i
        for req in limits:
            constraints[req] = constraints.get(req, 0) | 1 << i
    return ([replace(r, where=where) for r, where in requirements.items()],
            [replace(r, where=where) for r, where in constraints.items()])
