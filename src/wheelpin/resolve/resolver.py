"""``resolve(inputs, target, session) → Resolution``: one resolvelib run, and its result as lock pins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import Version
from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver

from wheelpin.errors import NoWheelSolution
from wheelpin.inputs import Inputs
from wheelpin.models import BlockKind, HeldBack, Pin, Resolution
from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.explain import explain, failure_message
from wheelpin.resolve.provider import WheelProvider, cause_names
from wheelpin.resolve.requirements import Candidate, Req, override_requirements, root_requirements
from wheelpin.resolve.session import Session
from wheelpin.target import Target

NO_PREFERENCES: Mapping[NormalizedName, Version] = MappingProxyType({})


def resolve(inputs: Inputs, target: Target, session: Session, *, allow_source: Iterable[str] = (),
            permissive: bool = False, explain_failure: bool = True, max_rounds: int = 5000,
            preferences: Mapping[NormalizedName, Version] = NO_PREFERENCES) -> Resolution:
    """Pin every requirement to a version with a wheel for ``target``; raise NoWheelSolution otherwise.

    With ``permissive=True`` releases without a wheel are used as a last resort and marked ``blocked``,
    which is how the report finds every blocker at once.  ``preferences`` (an existing lock's pins) are tried
    first for their packages, never forced: a preferred version that no longer fits is passed over.
    """
    requirements, constraints = root_requirements(inputs, target)
    factory = CandidateFactory(session, target, constraints=constraints, allow_source=allow_source,
                               pre=inputs.pre, permissive=permissive, preferences=preferences,
                               overrides=override_requirements(inputs, target))
    for requirement in requirements:
        factory.prefetch.on_requirement(requirement, pre=inputs.pre)
    resolver: Resolver[Req, Candidate, str] = Resolver(WheelProvider(factory), BaseReporter())
    try:
        result = resolver.resolve(requirements, max_rounds=max_rounds)
    except ResolutionImpossible as exc:
        if not explain_failure:  # the caller only needs to know (the report explains through other means)
            raise NoWheelSolution(f"no wheel-only solution for {target}", involved=cause_names(exc.causes)) from None
        blockers = explain(factory, exc.causes)
        raise NoWheelSolution(failure_message(target, blockers), causes=blockers) from None
    except ResolutionTooDeep:
        raise NoWheelSolution(
            f"gave up after {max_rounds} resolution rounds for {target}: the requirements leave too many "
            "combinations to try; tighten the loosest requirements (add lower bounds) and retry."
        ) from None
    return to_resolution(result, factory)


def to_resolution(result: Any, factory: CandidateFactory) -> Resolution:
    """resolvelib's result → pins, each with where it came from and what was held back."""
    via, direct, reqs = _graph(result)
    pins: dict[str, Pin] = {}
    for candidate in result.mapping.values():
        if candidate.name not in pins:
            pins[candidate.name] = Pin(
                name=candidate.name, version=candidate.version, choice=candidate.choice,
                from_source=candidate.from_source, via=tuple(sorted(via.get(candidate.name, ()))),
                direct=candidate.name in direct, blocked=candidate.blocked,
                held_back=_held_back(factory, candidate, reqs.get(candidate.name, [])))
    return Resolution(target=factory.target, pins=tuple(pins[n] for n in sorted(pins)))


def _graph(result: Any) -> tuple[dict[str, set[str]], set[str], dict[str, list[Req]]]:
    """Who requires each package (parents' names, or the user's sources), which are direct, and the
    requirements on each (not counting ``foo[x]``'s own link to ``foo==v``)."""
    via: dict[str, set[str]] = {}
    direct: set[str] = set()
    reqs: dict[str, list[Req]] = {}
    for identifier, criterion in result.criteria.items():
        name = identifier.split("[")[0]
        for info in criterion.information:
            parent = info.parent
            if parent is None or parent.name != name:
                reqs.setdefault(name, []).append(info.requirement)
            if parent is None:
                direct.add(name)
                via.setdefault(name, set()).add(_root_source(info.requirement.source))
            elif parent.name != name:
                via.setdefault(name, set()).add(parent.name)
    return via, direct, reqs


def _held_back(factory: CandidateFactory, candidate: Candidate, reqs: list[Req]) -> HeldBack | None:
    """The newest release above the pin without a wheel for the target, if any: judged newest first, and
    only until the first one is found."""
    name: NormalizedName = candidate.name
    newer = (v for v in factory.admitted(name, reqs) if v > candidate.version)
    lacking = next((choice for choice in factory.judged(name, newer) if not choice.has_wheel), None)
    if lacking is None:
        return None
    return HeldBack(name=name, newest=str(lacking.version), chosen=str(candidate.version),
                    reason=lacking.reason or "no wheel", kind=lacking.kind or BlockKind.NO_WHEEL)


def _root_source(source: str) -> str:
    """'requirements.txt:3' → '-r requirements.txt' (pip-compile's spelling); other sources as they are."""
    path, colon, line = source.rpartition(":")
    if colon and line.isdigit():
        return f"-r {path}"
    return source or "command line"
