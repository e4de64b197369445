"""What the resolver works on: requirements on identifiers, and candidates.  [pure]

Extras follow pip's model: ``foo[x]==v`` is its own identifier and depends on ``foo==v``, so two extras can
never pick two versions of ``foo``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.models import DistFile
from wheelpin.pins import exact_pins
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
    """The user's requirements and constraints that apply to ``target`` (markers evaluated for it)."""
    environment = {**target.marker_environment(), "extra": ""}

    def applicable(items: Sequence[InputRequirement]) -> list[Req]:
        return [to_req(item.requirement, item.source) for item in items
                if item.requirement.marker is None or item.requirement.marker.evaluate(environment)]

    return applicable(inputs.requirements), applicable(inputs.constraints)


def root_requirements_for(inputs: Inputs, targets: TargetSet) -> tuple[list[Req], list[Req]]:
    """:func:`root_requirements` for several targets: each requirement that applies on some of them, with the
    mask of those it applies on."""
    if targets.single:
        return root_requirements(inputs, targets.first)
    environments = [{**t.marker_environment(), "extra": ""} for t in targets.targets]

    def applicable(items: Sequence[InputRequirement]) -> list[Req]:
        found = []
        for item in items:
            marker = item.requirement.marker
            where = targets.where([marker is None or marker.evaluate(e) for e in environments])
            if where:
                found.append(replace(to_req(item.requirement, item.source), where=where))
        return found

    return applicable(inputs.requirements), applicable(inputs.constraints)
