"""``resolve(inputs, target, session) → Resolution``: one resolvelib run, and its result as lock pins;
``resolve_targets`` for one lock valid on several targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import Version
from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver

from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.inputs import Inputs
from wheelpin.models import BlockKind, HeldBack, Pin, Resolution
from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.explain import explain, failure_message
from wheelpin.resolve.provider import WheelProvider, cause_names
from wheelpin.resolve.requirements import (
    Candidate,
    Overrides,
    Req,
    RootPins,
    override_requirements,
    root_requirements_for,
)
from wheelpin.resolve.session import Session
from wheelpin.target import Target
from wheelpin.targetset import TargetSet

NO_PREFERENCES: Mapping[NormalizedName, Version] = MappingProxyType({})


def resolve(inputs: Inputs, target: Target, session: Session, *, allow_source: Iterable[str] = (),
            permissive: bool = False, explain_failure: bool = True, max_rounds: int = 5000,
            preferences: Mapping[NormalizedName, Version] = NO_PREFERENCES,
            fixed: Iterable[NormalizedName] = ()) -> Resolution:
    """Pin every requirement to a version with a wheel for ``target``; raise NoWheelSolution otherwise.

    With ``permissive=True`` releases without a wheel are used as a last resort and marked ``blocked``,
    which is how the report finds every blocker at once.  ``preferences`` (an existing lock's pins) are tried
    first for their packages, never forced: a preferred version that no longer fits is passed over.
    ``fixed``: the packages whose requirement a fix search changed; their releases that contradict another
    ``==`` root requirement are left out up front (CandidateFactory.against_root_pins), the same answer sooner.
    """
    return _resolve(inputs, TargetSet((target,)), session, allow_source=allow_source, permissive=permissive,
                    explain_failure=explain_failure, max_rounds=max_rounds, preferences=preferences,
                    fixed=frozenset(fixed))


def resolve_targets(inputs: Inputs, targets: Sequence[Target], session: Session, *, allow_source: Iterable[str] = (),
                    max_rounds: int = 5000,
                    preferences: Mapping[NormalizedName, Version] = NO_PREFERENCES) -> Resolution:
    """One resolution valid on every one of ``targets``: one version per package, each with a wheel for every
    target on which it is required (docs/architecture.md, "One lock for several targets").

    On failure, a target that cannot be locked even alone is named (NoWheelSolution.target, with that
    target's own explanation); else the packages whose versions the targets would pick apart."""
    chosen = TargetSet(tuple(dict.fromkeys(targets)))
    if chosen.single:
        return resolve(inputs, chosen.first, session, allow_source=allow_source, max_rounds=max_rounds,
                       preferences=preferences)
    try:
        return _resolve(inputs, chosen, session, allow_source=allow_source, explain_failure=False,
                        max_rounds=max_rounds, preferences=preferences)
    except NoWheelSolution:
        alone = {}
        for target in chosen.targets:
            try:
                alone[target] = resolve(inputs, target, session, allow_source=allow_source, max_rounds=max_rounds,
                                        preferences=preferences)
            except NoWheelSolution as failure:
                failure.target = target
                raise
        raise no_common_versions(alone) from None


def no_common_versions(alone: Mapping[Target, Resolution]) -> NoWheelSolution:
    """Every target locks on its own, but no one version of each package fits them all."""
    names = sorted({p.name for r in alone.values() for p in r.pins})
    apart = [n for n in names if len({str(v) for r in alone.values() if (v := r.as_dict().get(n))}) > 1]
    rows = [(name, "; ".join(f"{r.as_dict().get(name, 'not needed')} on {t}" for t, r in alone.items()))
            for name in apart]
    return NoWheelSolution(
        f"each of the {len(alone)} targets locks on its own, but no single version of each package has wheels for "
        "all of them; the versions each would pick apart:", rows=rows,
        hints=("fix: write one lock per target, with {python} or {platform} in -o (e.g. -o "
               "'requirements-{platform}.txt'), or raise the lower bound of one of these to a version with wheels "
               "for every target.",))


def _resolve(inputs: Inputs, targets: TargetSet, session: Session, *, allow_source: Iterable[str],
             permissive: bool = False, explain_failure: bool, max_rounds: int,
             preferences: Mapping[NormalizedName, Version],
             fixed: frozenset[NormalizedName] = frozenset()) -> Resolution:
    requirements, constraints = root_requirements_for(inputs, targets)
    factory = CandidateFactory(session, targets, constraints=constraints, allow_source=allow_source,
                               pre=inputs.pre, permissive=permissive, preferences=preferences,
                               overrides=_overrides(inputs, targets),
                               guard=RootPins.of(fixed, [*requirements, *constraints], targets.full))
    target = targets.first
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
            f"gave up after {max_rounds} resolution rounds for {targets.label(targets.full)}: the requirements "
            "leave too many combinations to try; tighten the loosest requirements (add lower bounds) and retry.",
            cut_short=True,
        ) from None
    return to_resolution(result, factory)


def _overrides(inputs: Inputs, targets: TargetSet) -> Overrides:
    """The overrides of the run: one set for every target, since a release's requirements are replaced once
    for all the targets it is needed on."""
    found = [override_requirements(inputs, t) for t in targets.targets]
    if len({o.key for o in found}) > 1:
        raise InputError(
            "[tool.uv] override-dependencies whose markers differ between the targets cannot be applied in one "
            "lock for all of them; write one lock per target, with {python} or {platform} in -o.")
    return found[0]


def to_resolution(result: Any, factory: CandidateFactory) -> Resolution:
    """resolvelib's result → pins, each with where it came from and what was held back (and, in a lock for
    several targets, the marker of the targets it is needed on)."""
    via, direct, reqs = _graph(result)
    targets = factory.targets
    needed = {} if targets.single else needed_on(result, targets.full)
    pins: dict[str, Pin] = {}
    for candidate in result.mapping.values():
        if candidate.name in pins:
            continue
        where = needed.get(candidate.name, targets.full)
        if not where:
            continue  # required only by a release the resolver moved away from
        choice = candidate.choice if targets.single else next(factory.judged(candidate.name, [candidate.version],
                                                                             where))
        pins[candidate.name] = Pin(
            name=candidate.name, version=candidate.version, choice=choice,
            from_source=candidate.from_source, via=tuple(sorted(via.get(candidate.name, ()))),
            direct=candidate.name in direct, blocked=candidate.blocked,
            held_back=_held_back(factory, candidate, reqs.get(candidate.name, []), where),
            marker=targets.marker_for(where, [r.marker for r in reqs.get(candidate.name, []) if r.marker]))
    return Resolution(target=factory.target, pins=tuple(pins[n] for n in sorted(pins)),
                      targets=() if targets.single else targets.targets)


def needed_on(result: Any, full: int) -> dict[str, int]:
    """Each package's mask of the targets it is required on: the user's requirements where their markers
    hold, then, to a fixed point, each requirement of a pinned release where the release is needed and the
    requirement's marker holds (Req.where)."""
    need: dict[str, int] = {}
    for identifier, criterion in result.criteria.items():
        for info in criterion.information:
            if info.parent is None:
                need[identifier] = need.get(identifier, 0) | (info.requirement.where & full)
    changed = True
    while changed:
        changed = False
        for identifier, criterion in result.criteria.items():
            mask = need.get(identifier, 0)
            for info in criterion.information:
                parent = info.parent
                if parent is not None and result.mapping.get(parent.identifier) == parent:
                    mask |= info.requirement.where & need.get(parent.identifier, 0)
            if mask != need.get(identifier, 0):
                need[identifier], changed = mask, True
    by_name: dict[str, int] = {}
    for identifier, mask in need.items():
        name = identifier.split("[")[0]
        by_name[name] = by_name.get(name, 0) | mask
    return by_name


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


def _held_back(factory: CandidateFactory, candidate: Candidate, reqs: list[Req], where: int) -> HeldBack | None:
    """The newest release above the pin without a wheel for the target (each target in ``where``), if any:
    judged newest first, and only until the first one is found."""
    name: NormalizedName = candidate.name
    newer = (v for v in factory.admitted(name, reqs) if v > candidate.version)
    lacking = next((choice for choice in factory.judged(name, newer, where) if not choice.has_wheel), None)
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
