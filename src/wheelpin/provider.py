"""The resolvelib provider, and ``resolve(inputs, target, index) → Resolution``.  [pure given an Index]

Only versions with a wheel for the target are candidates (plus sdists of packages named in
``allow_source``).  Extras follow pip's model: ``foo[x]==v`` is its own identifier and depends on
``foo==v``, so two extras can never pick two versions of ``foo``.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider, BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver
from resolvelib.structs import RequirementInformation

from wheelpin.errors import MetadataError, NoWheelSolution
from wheelpin.index import PrefetchingIndex, ProjectNotFound
from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.models import CoreMetadata, DistFile
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Req:
    """A requirement on one identifier: ``name`` or ``name[extra,…]``."""

    name: NormalizedName
    extras: frozenset[NormalizedName] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    text: str = ""
    source: str = ""  # for requirements given by the user: "requirements.txt:3"
    # Derived once: resolvelib asks for them hundreds of thousands of times in a report.
    identifier: str = field(init=False, compare=False)
    pinned: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", _identifier(self.name, self.extras))
        object.__setattr__(self, "pinned", bool(_specifier_pins(self.specifier)))

    def __str__(self) -> str:
        return self.text or f"{self.identifier}{self.specifier}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    name: NormalizedName
    version: Version
    extras: frozenset[NormalizedName]
    choice: VersionChoice
    from_source: bool = False
    identifier: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", _identifier(self.name, self.extras))

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """One line of the lock."""

    name: NormalizedName
    version: Version
    choice: VersionChoice
    from_source: bool
    via: tuple[str, ...]  # parent package names, or the user's sources ("-r requirements.txt")
    direct: bool = False  # the user asked for it
    blocked: bool = False  # no wheel for the target: only in permissive resolutions
    # The newest release the requirements admit but the target has no wheel for, when newer than the pin:
    # (version, reason, kind from wheels.BLOCK_KINDS) — "tiktoken 0.14.0 has no manylinux_2_17 wheel; chose 0.11.0".
    held_back: tuple[str, str, str] | None = None

    @property
    def files(self) -> tuple[DistFile, ...]:
        if self.from_source and self.choice.sdist is not None:
            return (self.choice.sdist,)
        return self.choice.wheels


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    target: Target
    pins: tuple[Pin, ...]  # sorted by name

    def pin(self, name: str) -> Pin | None:
        wanted = canonicalize_name(name)
        return next((p for p in self.pins if p.name == wanted), None)

    def as_dict(self) -> dict[str, str]:
        return {p.name: str(p.version) for p in self.pins}


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocker:
    """A requirement no wheel-bearing version satisfies, with why — a row of the failure table."""

    name: NormalizedName
    wanted: str  # the specifier, e.g. "==2.23.4"
    required_by: str  # "pydantic 2.9.2", or the user's source
    versions: tuple[str, ...]  # versions the specifier admits, newest first (may be empty)
    reason: str


def _identifier(name: str, extras: Iterable[str]) -> str:
    extras = sorted(extras)
    return f"{name}[{','.join(extras)}]" if extras else name


# Speculative prefetching (see WheelProvider._speculate): how many requirements at most, and how many releases
# of each are judged while looking for the one the resolver will likely pick.
MAX_SPECULATION = 2000
SPECULATION_DEPTH = 5
# When the resolver walks down a project's releases (backtracking), how many releases ahead get their
# metadata fetched.
BACKTRACK_PREFETCH = 4


# The identifier of the interpreter: a release whose metadata's Requires-Python excludes the target depends on
# it, and it has no candidates, so the resolver backtracks past that release.
PYTHON = NormalizedName("<python>")


def _specifier_or_empty(text: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet()


def _matching(releases: Mapping[Version, T], specifiers: Sequence[SpecifierSet],
              allow_pre: bool) -> Iterator[tuple[Version, T]]:
    """The releases (newest first) that every specifier admits.

    Without a ``!=`` the admitted versions are one contiguous run of the sorted releases (every other operator
    admits an interval, and intervals intersect to one), so the scan stops at the first release below the run
    — a pre-release kept out only by the pre-release rule does not end it.  A project with hundreds of
    releases and a requirement like ``>=2.5,<3`` is then judged in a few dozen comparisons, not hundreds.
    """
    contiguous = not any(spec.operator == "!=" for s in specifiers for spec in s)
    entered = False
    for version, value in releases.items():
        if all(s.contains(version, prereleases=allow_pre) for s in specifiers):
            entered = True
            yield version, value
        elif contiguous and entered and (allow_pre or not version.is_prerelease):
            return


def _cause_names(backtrack_causes: Collection[RequirementInformation[Req, Candidate]]) -> set[str]:
    causes: set[str] = {cause.requirement.name for cause in backtrack_causes}
    causes |= {cause.parent.name for cause in backtrack_causes if cause.parent is not None}
    return causes


def _specifier_pins(specifier: SpecifierSet) -> set[Version]:
    pins = set()
    for spec in specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            try:
                pins.add(Version(spec.version))
            except InvalidVersion:  # '===foo' pins a string no release can carry
                continue
    return pins


class WheelProvider(AbstractProvider):  # type: ignore[type-arg]
    """resolvelib provider: candidates are versions with a wheel for ``target``."""

    def __init__(self, *, index: PrefetchingIndex, target: Target, constraints: Sequence[Req] = (),
                 allow_source: Iterable[str] = (), pre: bool = False, permissive: bool = False) -> None:
        self.index = index
        # Permissive: releases without a wheel stay candidates, after every wheel-bearing one, so the
        # resolution shows *every* package that forces a source build instead of stopping at the first.
        self.permissive = permissive
        self.target = target
        self.environment = target.marker_environment()
        self.constraints: dict[str, list[SpecifierSet]] = {}
        for req in constraints:
            self.constraints.setdefault(req.name, []).append(req.specifier)
        self.allow_source = {canonicalize_name(n) for n in allow_source}
        self.pre = pre
        self.warnings: list[str] = []
        # Shared by every resolution of the run (the answers do not depend on the target).
        self._satisfied: dict[tuple[int, Version], tuple[SpecifierSet, bool]] = index.memo(("satisfied",), dict)
        self._admitted: dict[tuple[str, tuple[int, ...]], tuple[tuple[SpecifierSet, ...], list[Version]]] = \
            index.memo(("admitted-by-identity", pre), dict)
        # Marker verdicts for this target, shared likewise: keyed on the marker object (Requires-Dist lines
        # are parsed once per run, so the same line always brings the same object), which the entry keeps.
        self._markers: dict[tuple[int, frozenset[NormalizedName]], tuple[Marker, bool]] = index.memo(
            ("markers", target), dict)
        # Shared by every resolution for this target in the run: a report's tenth resolution need not walk
        # the graph again.
        self._speculation_lock: threading.Lock = index.memo(("speculation-lock", target), threading.Lock)
        self._speculated: set[tuple[str, str, frozenset[NormalizedName]]] = index.memo(
            ("speculated", target), set)

    # -- resolvelib interface ------------------------------------------------------------------------
    def identify(self, requirement_or_candidate: Req | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(self, identifier: str, resolutions: Mapping[str, Candidate],
                       candidates: Mapping[str, Iterator[Candidate]],
                       information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
                       backtrack_causes: Sequence[RequirementInformation[Req, Candidate]]) -> Any:
        return self._preference(identifier, information, _cause_names(backtrack_causes))

    def narrow_requirement_selection(self, identifiers: Iterable[str], resolutions: Mapping[str, Candidate],
                                     candidates: Mapping[str, Iterator[Candidate]],
                                     information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
                                     backtrack_causes: Sequence[RequirementInformation[Req, Candidate]],
                                     ) -> Iterable[str]:
        # resolvelib >= 1.1 asks this once per round: pick the one identifier get_preference would, working
        # out the backtrack causes once instead of once per identifier (a report runs thousands of rounds).
        causes = _cause_names(backtrack_causes)
        return [min(identifiers, key=lambda identifier: self._preference(identifier, information, causes))]

    @staticmethod
    def _preference(identifier: str, information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
                    causes: set[str]) -> tuple[bool, bool, bool, str]:
        infos = list(information[identifier])
        pinned = any(info.requirement.pinned for info in infos)
        direct = any(info.parent is None for info in infos)
        # As pip does: work on the packages involved in the last conflict (and their parents) first, so a
        # dead end is found, and backjumped over, in few rounds.
        return (not causes or identifier.split("[")[0] not in causes), not pinned, not direct, identifier

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Req]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> Callable[[], Iterator[Candidate]]:
        reqs = list(requirements[identifier])
        name, extras = reqs[0].name, reqs[0].extras
        if name == PYTHON:
            return lambda: iter(())  # only ever required when a release's Requires-Python excludes the target
        specifiers = [r.specifier for r in reqs] + self.constraints.get(name, [])
        excluded = {c.version for c in incompatibilities[identifier]}
        try:
            admitted = self.admitted_releases(name, specifiers)
        except ProjectNotFound:
            if any(r.source for r in reqs):
                raise  # the user asked for it: a typo is an input error
            admitted = []  # a dependency missing from the index: backtrack, as pip and uv do
        releases = [v for v in admitted if v not in excluded]

        # Lazy, as pip's FoundCandidates: a release is judged for the target only when resolvelib reaches it,
        # which is usually the first one.  resolvelib calls the factory again whenever it iterates anew.
        def candidates() -> Iterator[Candidate]:
            blocked = []
            offered = 0
            for position, version in enumerate(releases):
                choice = self.index.choice(name, version, self.target)
                if self._installable(name, choice):
                    if offered:
                        # Asked past the first candidate: the resolver is walking down this project's
                        # releases, usually one by one.  Fetch the next few releases' metadata now, so that
                        # the walk does not wait for the network at every step.
                        self.index.prefetch_releases(name, (
                            self.index.choice(name, v, self.target)
                            for v in releases[position:position + BACKTRACK_PREFETCH]))
                    offered += 1
                    yield Candidate(name=name, version=version, extras=extras, choice=choice,
                                    from_source=not choice.has_wheel)
                elif self.permissive and (choice.any_wheel or choice.sdist):
                    blocked.append(Candidate(name=name, version=version, extras=extras, choice=choice))
            yield from blocked

        first = next(candidates(), None)
        if first is not None:
            self.index.prefetch_metadata(name, first.metadata_file, version=str(first.version))
        return candidates

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        # resolvelib asks this tens of thousands of times while backtracking, mostly the same questions, and
        # hashing a SpecifierSet costs more than the answer: key on the object itself (kept alive by the entry).
        key = (id(requirement.specifier), candidate.version)
        known = self._satisfied.get(key)
        if known is None or known[0] is not requirement.specifier:
            known = self._satisfied[key] = (requirement.specifier,
                                            requirement.specifier.contains(candidate.version, prereleases=True))
        return known[1]

    def get_dependencies(self, candidate: Candidate) -> list[Req]:
        # The same release's dependencies for the same target are asked for again by every resolution of a
        # report (strict, permissive, each fix tried): work them out once per run.
        key = ("dependencies", candidate.name, candidate.version, candidate.extras, candidate.blocked, self.target)
        return list(self.index.memo(key, lambda: self._dependencies(candidate)))

    def _dependencies(self, candidate: Candidate) -> tuple[Req, ...]:
        try:
            meta = self.index.metadata(candidate.name, candidate.metadata_file, version=str(candidate.version))
        except MetadataError as exc:
            if not candidate.blocked:
                raise
            # A blocked release whose dependencies cannot be read statically: it is reported as a blocker
            # anyway; what it would pull in stays unknown.
            self.warnings.append(f"{candidate}: dependencies unknown ({exc})")
            return ()
        deps: list[Req] = []
        if (meta.requires_python and not candidate.blocked and not self.target.admits(meta.requires_python)
                and not candidate.extras):
            # The index's page did not say (or said otherwise); the metadata is the authority, as for pip.
            return (Req(name=PYTHON, text=f"Python {meta.requires_python}",
                        specifier=_specifier_or_empty(meta.requires_python)),)
        if candidate.extras:
            # foo[x]==v depends on foo==v: both identifiers then agree on one version.
            deps.append(Req(name=candidate.name, specifier=SpecifierSet(f"=={candidate.version}"),
                            text=f"{candidate.name}=={candidate.version}"))
        for line in meta.requires_dist:
            dep = _parse_dependency(line)
            if dep is None:
                self.warnings.append(f"{candidate}: ignored an invalid Requires-Dist line {line!r}")
                continue
            requirement, req = dep
            if self._wanted(requirement.marker, candidate.extras):
                deps.append(req)
        for wanted in deps:
            self.speculate(wanted)
        return tuple(deps)

    # -- speculation ---------------------------------------------------------------------------------
    def speculate(self, req: Req) -> None:
        """Walk ahead of the resolver: fetch the page of ``req``, then the metadata of the release the
        resolver will most likely pick (the newest one with a wheel that the specifier admits), then the same
        for its dependencies — all in the fetch pool, chained by callbacks so that no worker ever waits on
        another.  A wrong guess costs a request; a right one turns the resolver's sequential walk into a
        parallel crawl.  Failures are ignored here: the resolver meets them again and reports them."""
        if self.index.closed or req.name == PYTHON:
            return
        key = (req.name, str(req.specifier), req.extras)
        with self._speculation_lock:
            if key in self._speculated or len(self._speculated) >= MAX_SPECULATION:
                return
            self._speculated.add(key)
        with contextlib.suppress(RuntimeError):  # the pool is shut down: the run is over
            self.index.page_future(req.name).add_done_callback(lambda _page: self._speculate_page(req))

    def _speculate_page(self, req: Req) -> None:
        try:
            for version in self.admitted_releases(req.name, [req.specifier])[:SPECULATION_DEPTH]:
                choice = self.index.choice(req.name, version, self.target)
                if choice.has_wheel:
                    future = self.index.metadata_future(req.name, choice.wheels[0], str(version))
                    future.add_done_callback(lambda done: self._speculate_metadata(req, done))
                    return
        except Exception:  # noqa: BLE001 - speculation must never break the run
            return

    def _speculate_metadata(self, req: Req, done: Future[CoreMetadata]) -> None:
        try:
            meta = done.result()
            for line in meta.requires_dist:
                dep = _parse_dependency(line)
                if dep is not None and (dep[0].marker is None or self._wanted(dep[0].marker, req.extras)):
                    self.speculate(dep[1])
        except Exception:  # noqa: BLE001 - speculation must never break the run
            return

    # -- helpers -------------------------------------------------------------------------------------
    def choices(self, name: NormalizedName) -> list[VersionChoice]:
        """Every release of ``name``, newest first, judged for the target (memoized)."""
        return self.index.choices(name, self.target)

    def admitted_releases(self, name: NormalizedName, specifiers: Sequence[SpecifierSet]) -> list[Version]:
        """Versions the specifiers admit, newest first, under the pre-release and yank rules — whatever their
        wheels.  The same for every target, so memoized across a report's Pythons."""
        # Asked thousands of times per report with the same specifier objects: look those up by identity
        # before spelling the specifiers out (the entry keeps the objects alive, so identities stay valid).
        by_identity = (name, tuple(map(id, specifiers)))
        known = self._admitted.get(by_identity)
        if known is not None and all(a is b for a, b in zip(known[0], specifiers, strict=True)):
            return known[1]
        key = ("admitted", name, self.pre, tuple(sorted(str(s) for s in specifiers)))
        admitted = self.index.memo(key, lambda: self._admitted_releases(name, specifiers))
        self._admitted[by_identity] = (tuple(specifiers), admitted)
        return admitted

    def _admitted_releases(self, name: NormalizedName, specifiers: Sequence[SpecifierSet]) -> list[Version]:
        releases = self.index.releases(name)
        pins = set().union(*(_specifier_pins(s) for s in specifiers)) if specifiers else set()
        allow_pre = (self.pre or any(s.prereleases for s in specifiers)
                     or all(v.is_prerelease for v in releases))
        return [v for v, files in _matching(releases, specifiers, allow_pre)
                if v in pins or not all(f.file.yanked for f in files)]

    def admitted_versions(self, name: NormalizedName, specifiers: Sequence[SpecifierSet]) -> list[VersionChoice]:
        """The admitted releases judged for the target (for explanations; resolving stays lazy)."""
        return [self.index.choice(name, v, self.target) for v in self.admitted_releases(name, specifiers)]

    def _installable(self, name: NormalizedName, choice: VersionChoice) -> bool:
        if choice.has_wheel:
            return True
        return (name in self.allow_source and choice.sdist is not None
                and self.target.admits(choice.sdist.requires_python))

    def _wanted(self, marker: Marker | None, extras: frozenset[NormalizedName]) -> bool:
        if marker is None:
            return not extras  # unconditional deps come through the base candidate
        key = (id(marker), extras)
        known = self._markers.get(key)
        if known is None or known[0] is not marker:
            known = self._markers[key] = (marker, self._evaluate(marker, extras))
        return known[1]

    def _evaluate(self, marker: Marker, extras: frozenset[NormalizedName]) -> bool:
        if not extras:
            return marker.evaluate({**self.environment, "extra": ""})
        return any(marker.evaluate({**self.environment, "extra": extra}) for extra in extras) and not \
            marker.evaluate({**self.environment, "extra": ""})


@functools.lru_cache(maxsize=16384)
def _parse_dependency(line: str) -> tuple[Requirement, Req] | None:
    """A Requires-Dist line, parsed once per run however many resolutions read it."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    return requirement, _req(requirement)


def _req(requirement: Requirement, source: str = "") -> Req:
    return Req(name=canonicalize_name(requirement.name),
               extras=frozenset(canonicalize_name(e) for e in requirement.extras),
               specifier=requirement.specifier, text=str(requirement), source=source)


def root_requirements(inputs: Inputs, target: Target) -> tuple[list[Req], list[Req]]:
    """The user's requirements and constraints that apply to ``target`` (markers evaluated for it)."""
    environment = {**target.marker_environment(), "extra": ""}

    def applicable(items: Sequence[InputRequirement]) -> list[Req]:
        return [_req(item.requirement, item.source) for item in items
                if item.requirement.marker is None or item.requirement.marker.evaluate(environment)]

    return applicable(inputs.requirements), applicable(inputs.constraints)


def resolve(inputs: Inputs, target: Target, index: PrefetchingIndex, *, allow_source: Iterable[str] = (),
            permissive: bool = False, explain_failure: bool = True, max_rounds: int = 5000) -> Resolution:
    """Pin every requirement to a version with a wheel for ``target``; raise NoWheelSolution otherwise.

    With ``permissive=True`` releases without a wheel are used as a last resort and marked ``blocked``,
    which is how the report finds every blocker at once.
    """
    requirements, constraints = root_requirements(inputs, target)
    provider = WheelProvider(index=index, target=target, constraints=constraints,
                             allow_source=allow_source, pre=inputs.pre, permissive=permissive)
    for requirement in requirements:
        provider.speculate(requirement)
    resolver: Resolver[Req, Candidate, str] = Resolver(provider, BaseReporter())
    try:
        result = resolver.resolve(requirements, max_rounds=max_rounds)
    except ResolutionImpossible as exc:
        if not explain_failure:  # the caller only needs to know (the report explains through other means)
            raise NoWheelSolution(f"no wheel-only solution for {target}",
                                  involved=_cause_names(exc.causes)) from None
        blockers = explain(provider, exc.causes)
        raise NoWheelSolution(_failure_message(target, blockers), blockers=[
            (f"{b.name}{b.wanted}", f"required by {b.required_by}: {b.reason}") for b in blockers],
            details=blockers) from None
    except ResolutionTooDeep:
        raise NoWheelSolution(
            f"gave up after {max_rounds} resolution rounds for {target}: the requirements leave too many "
            "combinations to try; tighten the loosest requirements (add lower bounds) and retry."
        ) from None
    return _resolution(result, target, provider)


def _resolution(result: Any, target: Target, provider: WheelProvider) -> Resolution:
    via: dict[str, set[str]] = {}
    direct: set[str] = set()
    specifiers: dict[str, list[SpecifierSet]] = {}
    for identifier, criterion in result.criteria.items():
        name = identifier.split("[")[0]
        for info in criterion.information:
            parent = info.parent
            if parent is None or parent.name != name:  # not foo[x]'s own link to foo==v
                specifiers.setdefault(name, []).append(info.requirement.specifier)
            if parent is None:
                direct.add(name)
                via.setdefault(name, set()).add(_root_source(info.requirement.source))
            elif parent.name != name:
                via.setdefault(name, set()).add(parent.name)
    pins: dict[str, Pin] = {}
    for candidate in result.mapping.values():
        if candidate.name in pins:
            continue
        admitted = provider.admitted_releases(candidate.name, specifiers.get(candidate.name, []) +
                                              provider.constraints.get(candidate.name, []))
        # The newest release above the pin without a wheel for the target, if any: judged newest first, and
        # only until the first one is found.
        lacking = next((choice for choice in (provider.index.choice(candidate.name, v, target)
                                              for v in admitted if v > candidate.version)
                        if not choice.has_wheel), None)
        pins[candidate.name] = Pin(name=candidate.name, version=candidate.version, choice=candidate.choice,
                                   from_source=candidate.from_source,
                                   via=tuple(sorted(via.get(candidate.name, ()))),
                                   direct=candidate.name in direct, blocked=candidate.blocked,
                                   held_back=(str(lacking.version), lacking.reason or "no wheel",
                                              lacking.kind or "no-wheel")
                                   if lacking is not None else None)
    return Resolution(target=target, pins=tuple(pins[n] for n in sorted(pins)))


def _root_source(source: str) -> str:
    """'requirements.txt:3' → '-r requirements.txt' (pip-compile's spelling); other sources as they are."""
    path, colon, line = source.rpartition(":")
    if colon and line.isdigit():
        return f"-r {path}"
    return source or "command line"


def explain(provider: WheelProvider,
            causes: Collection[RequirementInformation[Req, Candidate]]) -> list[Blocker]:
    """Turn resolvelib's causes into one blocker per package: what found no wheel-bearing release, and why.

    resolvelib reports one cause per requirement it tried (motor 1.3 … 3.7 each requiring pymongo); the
    user needs the package and the reason once, with the requirers summarised.
    """
    by_package: dict[NormalizedName, list[RequirementInformation[Req, Candidate]]] = {}
    for cause in causes:
        by_package.setdefault(cause.requirement.name, []).append(cause)
    blockers = []
    for name, package_causes in by_package.items():
        package_causes.sort(key=lambda c: c.parent.version if c.parent is not None else Version("0"),
                            reverse=True)
        req, parent = package_causes[0].requirement, package_causes[0].parent
        if name == PYTHON:
            by = f"{parent.name} {parent.version}" if parent is not None else "command line"
            blockers.append(Blocker(name=name, wanted=str(req.specifier), required_by=by, versions=(),
                                    reason=f"its metadata says Requires-Python {req.specifier}, which excludes "
                                           f"Python {provider.target.python_full_version}"))
            continue
        try:
            provider.index.releases(name)
        except ProjectNotFound:
            by = f"{parent.name} {parent.version}" if parent is not None else (req.source or "command line")
            blockers.append(Blocker(name=name, wanted=str(req.specifier), required_by=by, versions=(),
                                    reason="no such project on the index"))
            continue
        releases = provider.admitted_releases(req.name, provider.constraints.get(req.name, []))
        # Stops at the first release with a wheel: only a package with none is judged in full.
        none_installable = bool(releases) and not any(
            provider._installable(name, provider.index.choice(name, v, provider.target)) for v in releases)
        specifiers = [req.specifier, *provider.constraints.get(req.name, [])]
        admitted = provider.admitted_versions(req.name, specifiers)
        wanted = str(req.specifier)
        if none_installable:
            newest = provider.index.choice(name, releases[0], provider.target)
            reason = (f"no release of {name} has a wheel for {provider.target} "
                      f"(newest, {newest.version}: {newest.reason})")
        elif not admitted:
            reason = f"no release matches {req.specifier or 'any version'}"
            if provider.constraints.get(req.name):
                reason += " together with the constraints"
        elif installable := [c for c in admitted if provider._installable(name, c)]:
            reason = f"its wheel-bearing versions ({_versions(installable)}) conflict with other requirements"
        else:
            reason = admitted[0].reason or "no wheel"
        by = f"{parent.name} {parent.version}" if parent is not None else (req.source or "command line")
        if len(package_causes) > 1:
            by += f" (and {len(package_causes) - 1} other requirement{'s' if len(package_causes) > 2 else ''})"
        blockers.append(Blocker(name=req.name, wanted=wanted, required_by=by,
                                versions=tuple(str(c.version) for c in admitted[:5]), reason=reason))
    return blockers


def _versions(choices: Sequence[VersionChoice]) -> str:
    shown = ", ".join(str(c.version) for c in choices[:3])
    return shown + (f" and {len(choices) - 3} more" if len(choices) > 3 else "")


def _failure_message(target: Target, blockers: Sequence[Blocker]) -> str:
    names = ", ".join(f"{b.name}{b.wanted}" for b in blockers) or "the requirements"
    return (f"no wheel-only solution for {target}: {names} cannot be satisfied by versions that ship a "
            f"compatible wheel. Relax or upgrade the requirement that forces it, pick another --python, or let "
            f"a package build from source with --allow-source NAME.")
