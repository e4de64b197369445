"""The candidate factory: the one place a resolution reads the session (pip's factory, in small).

It turns requirements into lazy candidate lists, candidates into their dependencies, and answers the
questions explanations ask.  Only releases with a wheel for the target are candidates, plus sdists of
packages named in ``allow_source``; in a permissive resolution the others follow, last.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import DynamicMetadata, MetadataError
from wheelpin.index import ProjectNotFound
from wheelpin.models import BlockKind
from wheelpin.resolve.prefetch import policy_for
from wheelpin.resolve.releases import admitted_releases, marker_wanted
from wheelpin.resolve.requirements import (
    PYTHON,
    Candidate,
    Overrides,
    Req,
    RootPins,
    parse_dependency,
    specifier_or_empty,
)
from wheelpin.resolve.session import Session
from wheelpin.target import Target
from wheelpin.targetset import EVERYWHERE, TargetSet
from wheelpin.wheels import VersionChoice, why_none


class CandidateFactory:
    def __init__(self, session: Session, target: Target | TargetSet, *, constraints: Sequence[Req] = (),
                 allow_source: Iterable[str] = (), pre: bool = False, permissive: bool = False,
                 preferences: Mapping[NormalizedName, Version] | None = None,
                 overrides: Overrides | None = None, guard: RootPins | None = None) -> None:
        self.session = session
        # Several targets: a release is a candidate only with a wheel for each target a requirement on it
        # applies on (Req.where); ``target`` is the first, for the questions only single-target runs ask.
        self.targets = target if isinstance(target, TargetSet) else TargetSet((target,))
        self.target = self.targets.first
        # Permissive: releases without a wheel stay candidates, after every wheel-bearing one, so the
        # resolution shows *every* package that forces a source build instead of stopping at the first.
        self.permissive = permissive
        self.pre = pre
        self.allow_source = frozenset(canonicalize_name(n) for n in allow_source)
        self.constraints: dict[str, list[Req]] = {}
        for req in constraints:
            self.constraints.setdefault(req.name, []).append(req)
        # An existing lock's versions, tried first (pip-compile's and uv's re-lock); a copy, so that the order
        # of one resolution's candidates never changes under it.
        self.preferences: dict[NormalizedName, Version] = dict(preferences or {})
        self.prefetch = policy_for(session, self.target)
        # [tool.uv] override-dependencies replace a release's requirements on their packages (the same on
        # every target of a multi-target run: resolve_targets refuses overrides whose markers differ).
        self.overrides = overrides or Overrides()
        self.guard = guard  # a fix search's: releases that contradict the user's other pins are no candidates

    # -- candidates ----------------------------------------------------------------------------------
    def find_candidates(self, reqs: Sequence[Req], excluded: Collection[Version]) -> Callable[[], Iterator[Candidate]]:
        """The candidates for one identifier, best first, as a factory of lazy iterators (pip's
        FoundCandidates): a release is judged for the target only when the resolver reaches it."""
        name, extras = reqs[0].name, reqs[0].extras
        if name == PYTHON:
            return lambda: iter(())  # only ever required when a release's Requires-Python excludes the target
        try:
            admitted = self.admitted(name, reqs)
        except ProjectNotFound:
            if any(r.source for r in reqs):
                raise  # the user asked for it: a typo is an input error
            admitted = []  # a dependency missing from the index: backtrack, as pip and uv do
        releases = prefer(self.preferences.get(name), [v for v in admitted if v not in excluded])
        where = needed(reqs, self.targets.full)

        def candidates() -> Iterator[Candidate]:
            blocked: list[VersionChoice] = []
            offered = 0
            for position, version in enumerate(releases):
                choice = self._judge(name, version, learn=True, where=where)
                if self.installable(name, choice, where):
                    if offered:  # asked for another: the resolver is walking down the releases
                        self.prefetch.on_rejected(name, releases[position:], offered)
                    offered += 1
                    yield Candidate(name=name, version=version, extras=extras, choice=choice,
                                    from_source=not choice.has_wheel, where=where)
                elif self.permissive and (choice.any_wheel or choice.sdist):
                    blocked.append(choice)
            yield from (Candidate(name=name, version=c.version, extras=extras, choice=c)
                        for c in last_resort(self, name, reqs, blocked, offered > 0))

        guard = self.guard
        if guard is not None and guard.guards(name, extras):
            return lambda: (c for c in candidates() if not against_root_pins(self, c, guard.pins))

        first = next(candidates(), None)
        if first is not None:
            self.prefetch.on_first_candidate(first)
        return candidates

    def satisfies(self, req: Req, candidate: Candidate) -> bool:
        # Judged for fewer targets than the requirement applies on: the resolver then pins again.
        if req.where & ~candidate.where & self.targets.full:
            return False
        key = (req.spec_key, candidate.version)
        found = self.session.satisfied.get(key)
        if found is None:
            found = self.session.satisfied[key] = req.specifier.contains(candidate.version, prereleases=True)
        return found

    def dependencies(self, candidate: Candidate) -> tuple[Req, ...]:
        """Asked again by every resolution of a report (strict, permissive, each fix tried): worked out
        once per run, release and target."""
        key = ("dependencies", candidate.name, candidate.version, candidate.extras, candidate.blocked,
               self.targets.targets, candidate.where & self.targets.full, self.overrides.key)
        return self.session.memo(key, lambda: self._dependencies(candidate))

    def _dependencies(self, candidate: Candidate) -> tuple[Req, ...]:
        try:
            meta = self.session.metadata(candidate.name, candidate.metadata_file, version=str(candidate.version))
        except MetadataError:
            if not candidate.blocked:
                raise
            # A blocked release whose dependencies cannot be read statically (only permissive resolutions
            # meet one): it is reported as a blocker anyway; what it would pull in stays unknown.
            return ()
        rp = meta.requires_python
        if rp and not candidate.blocked and excludes_python(self.targets, candidate, rp) and not candidate.extras:
            # The index's page did not say (or said otherwise); the metadata is the authority, as for pip.
            return (Req(name=PYTHON, text=f"Python {rp}", specifier=specifier_or_empty(rp)),)
        deps: list[Req] = []
        if candidate.extras:
            # foo[x]==v depends on foo==v: both identifiers then agree on one version.
            deps.append(Req(name=candidate.name, specifier=SpecifierSet(f"=={candidate.version}"),
                            text=f"{candidate.name}=={candidate.version}", where=candidate.where))
        for line in meta.requires_dist:
            dep = parse_dependency(line)
            if dep is None:
                self.session.warn(f"{candidate}: ignored an invalid Requires-Dist line {line!r}")
            elif (instead := self.overrides.replacing(dep[1], dep[0].marker, functools.partial(
                    applies_somewhere, self.session, self.targets, candidate, line, dep))) is not None:
                deps += [r for r in where_needed(self.targets, candidate, instead) if r not in deps]
            elif (wanted := applies_on(self.session, self.targets, candidate, line, dep)) is not None:
                deps.append(wanted)
        for wanted in deps:
            self.prefetch.on_requirement(wanted, pre=self.pre)
        return tuple(deps)

    # -- questions explanations ask ------------------------------------------------------------------
    def admitted(self, name: NormalizedName, reqs: Sequence[Req]) -> list[Version]:
        """Versions ``reqs`` and the constraints on ``name`` admit, newest first, whatever their wheels."""
        return admitted_releases(self.session, name, [*reqs, *self.constraints.get(name, ())], self.pre)

    def judged(self, name: NormalizedName, versions: Iterable[Version],
               where: int = EVERYWHERE) -> Iterator[VersionChoice]:
        """Each of ``versions`` judged for the targets in ``where``, lazily; a release whose sdist a
        resolution found unusable (see :meth:`_judge`) says so in its reason."""
        return (self._judge(name, v, learn=False, where=where) for v in versions)

    def installable(self, name: NormalizedName, choice: VersionChoice, where: int = EVERYWHERE) -> bool:
        if choice.has_wheel:
            return True
        return self._may_build(name, choice, where) and sdist_problem(self, name, choice, learn=False) is None

    # -- source builds -------------------------------------------------------------------------------
    def _may_build(self, name: NormalizedName, choice: VersionChoice, where: int) -> bool:
        if name not in self.allow_source or choice.sdist is None:
            return False
        requires_python = choice.sdist.requires_python
        return all(t.admits(requires_python) for t in self.targets.members(where & self.targets.full))

    def _judge(self, name: NormalizedName, version: Version, *, learn: bool, where: int) -> VersionChoice:
        choice = self.session.joint_choice(name, version, tuple(self.targets.members(where & self.targets.full)))
        if choice.has_wheel or not self._may_build(name, choice, where):
            return choice
        problem = sdist_problem(self, name, choice, learn=learn)
        return choice if problem is None else replace(choice, reason=f"{choice.reason}; {problem}")


def sdist_problem(factory: CandidateFactory, name: NormalizedName, choice: VersionChoice, *,
                  learn: bool) -> str | None:
    """Why --allow-source cannot use this release's sdist: its dependencies are dynamic, and only its build
    backend, which wheelpin never runs, could tell them.  The resolution learns it (``learn``) by reading
    the sdist, the same read its dependencies would take, when the release is about to be a candidate.
    Everyone else recalls what the run has learnt: explanations ask about every release of a package,
    and answering by reading each sdist in full would download them all."""
    key = ("sdist problem", name, choice.version)
    if not learn:
        recalled = factory.session.recall(key)
        return recalled if isinstance(recalled, str) else None
    return factory.session.memo(key, lambda: read_sdist(factory.session, name, choice))


def against_root_pins(factory: CandidateFactory, candidate: Candidate, pins: Mapping[NormalizedName, Version]) -> bool:
    """Whether ``candidate`` requires another version of a package that a root requirement pins with ``==``.

    A fix search's verifying resolution changes the requirement on its ``fixed`` packages and keeps the
    user's other pins.  Such a release of a fixed package is in no solution, yet the resolver would try it,
    fail, and then backjump through every release of each package that also requires the pinned one
    (ml-training-2023 on 3.14, scipy>=1.16.1 with numpy==1.24.4: 284 rounds, 140 matplotlib pins, 0.3 s).
    Left out, the resolution fails at once when no release is left, with the same answer.  Not for the joint
    search: its failures must name the pins in the conflict, which a release left out no longer does."""
    try:
        deps = factory.dependencies(candidate)
    except MetadataError:
        return False  # the resolver meets the error itself if it ever pins this release
    return any(d.name in pins and not d.specifier.contains(pins[d.name], prereleases=True) for d in deps)


def read_sdist(session: Session, name: NormalizedName, choice: VersionChoice) -> str | None:
    """Read the sdist's metadata: why --allow-source cannot use it, or None."""
    assert choice.sdist is not None
    try:
        session.metadata(name, choice.sdist, version=str(choice.version))
    except DynamicMetadata:
        return (f"{name} {choice.version}'s sdist declares its dependencies dynamically; wheelpin never runs "
                "a build backend")
    return None


def prefer(preferred: Version | None, releases: list[Version]) -> list[Version]:
    """``releases`` (newest first) with ``preferred`` moved to the front when they hold it.  A preference the
    requirements no longer admit, or a yanked release nothing pins with ``==`` (``admitted`` leaves both out),
    is not among them: the package then moves, newest first, as if it had never been locked."""
    if preferred is None or preferred not in releases:
        return releases
    return [preferred, *(v for v in releases if v != preferred)]


def last_resort(factory: CandidateFactory, name: NormalizedName, reqs: Sequence[Req], blocked: list[VersionChoice],
                any_installable: bool) -> list[VersionChoice]:
    """A permissive resolution's blocked releases, in the order a source build would try them: releases
    whose requires-python excludes the target last, since no build installs them either (pip on 3.10
    takes pymongo 4.18.3, not 4.20.0).  When no admitted release is installable, each carries the reason
    no release escapes (wheels.why_none) rather than its own, which is what a report shows."""
    if not blocked:
        return []
    ordered = ([c for c in blocked if c.kind != BlockKind.REQUIRES_PYTHON]
               + [c for c in blocked if c.kind == BlockKind.REQUIRES_PYTHON])
    if any_installable or len(blocked) == 1:
        return ordered
    every = len(blocked) == len(factory.admitted(name, []))
    spec = "" if every else ",".join(sorted({str(s) for r in reqs for s in r.specifier}))
    kind, reason = why_none(name, blocked, factory.target, spec=spec)
    return [replace(c, kind=kind, reason=reason) for c in ordered]


# -- several targets ---------------------------------------------------------------------------------------
def needed(reqs: Sequence[Req], full: int) -> int:
    """The targets on which some of ``reqs`` applies."""
    where = 0
    for req in reqs:
        where |= req.where
    return where & full


def applies_on(session: Session, targets: TargetSet, candidate: Candidate, line: str,
               dep: tuple[Requirement, Req]) -> Req | None:
    """The dependency on Requires-Dist ``line`` where it applies: on the targets where ``candidate`` is needed
    and its marker holds (None when on none of them)."""
    requirement, req = dep
    if targets.single:
        return req if marker_wanted(session, targets.first, line, requirement.marker, candidate.extras) else None
    where = 0
    for i, target in enumerate(targets.targets):
        if candidate.where >> i & 1 and marker_wanted(session, target, line, requirement.marker, candidate.extras):
            where |= 1 << i
    return replace(req, where=where) if where else None


def applies_somewhere(session: Session, targets: TargetSet, candidate: Candidate, line: str,
                      dep: tuple[Requirement, Req]) -> bool:
    return applies_on(session, targets, candidate, line, dep) is not None


def where_needed(targets: TargetSet, candidate: Candidate, reqs: Iterable[Req]) -> list[Req]:
    """Requirements that apply wherever ``candidate`` is needed (an override, say), marked so."""
    return list(reqs) if targets.single else [replace(r, where=candidate.where) for r in reqs]


def excludes_python(targets: TargetSet, candidate: Candidate, requires_python: str) -> bool:
    return any(not t.admits(requires_python) for t in targets.members(candidate.where & targets.full))
