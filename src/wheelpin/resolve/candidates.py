"""The candidate factory: the one place a resolution reads the session (pip's factory, in small).

It turns requirements into lazy candidate lists, candidates into their dependencies, and answers the
questions explanations ask.  Only releases with a wheel for the target are candidates, plus sdists of
packages named in ``allow_source``; in a permissive resolution the others follow, last.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import MetadataError
from wheelpin.index import ProjectNotFound
from wheelpin.resolve.prefetch import policy_for
from wheelpin.resolve.releases import admitted_releases, marker_wanted
from wheelpin.resolve.requirements import PYTHON, Candidate, Req, parse_dependency, specifier_or_empty
from wheelpin.resolve.session import Session
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice


class CandidateFactory:
    def __init__(self, session: Session, target: Target, *, constraints: Sequence[Req] = (),
                 allow_source: Iterable[str] = (), pre: bool = False, permissive: bool = False,
                 preferences: Mapping[NormalizedName, Version] | None = None,
                 overrides: Mapping[NormalizedName, Sequence[Req]] | None = None) -> None:
        self.session = session
        self.target = target
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
        self.prefetch = policy_for(session, target)
        # [tool.uv] override-dependencies: a release's requirement on one of these packages is replaced by
        # them (uv's Overrides::apply), so an upper bound a dependency got wrong no longer binds.
        self.overrides = {name: tuple(replace(r, source="") for r in reqs) for name, reqs in (overrides or {}).items()}
        self._overrides_key = tuple(sorted((name, tuple(r.text for r in reqs))
                                           for name, reqs in self.overrides.items()))

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

        def candidates() -> Iterator[Candidate]:
            blocked = []
            for version in releases:
                choice = self.session.choice(name, version, self.target)
                if self.installable(name, choice):
                    yield Candidate(name=name, version=version, extras=extras, choice=choice,
                                    from_source=not choice.has_wheel)
                elif self.permissive and (choice.any_wheel or choice.sdist):
                    blocked.append(Candidate(name=name, version=version, extras=extras, choice=choice))
            yield from blocked

        first = next(candidates(), None)
        if first is not None:
            self.prefetch.on_first_candidate(first)
        return candidates

    def satisfies(self, req: Req, candidate: Candidate) -> bool:
        return self.session.memo(("satisfied", req.spec_key, candidate.version),
                                 lambda: req.specifier.contains(candidate.version, prereleases=True))

    def dependencies(self, candidate: Candidate) -> tuple[Req, ...]:
        """Asked again by every resolution of a report (strict, permissive, each fix tried): worked out
        once per run, release and target."""
        key = ("dependencies", candidate.name, candidate.version, candidate.extras, candidate.blocked, self.target,
               self._overrides_key)
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
        if (meta.requires_python and not candidate.blocked and not self.target.admits(meta.requires_python)
                and not candidate.extras):
            # The index's page did not say (or said otherwise); the metadata is the authority, as for pip.
            return (Req(name=PYTHON, text=f"Python {meta.requires_python}",
                        specifier=specifier_or_empty(meta.requires_python)),)
        deps: list[Req] = []
        if candidate.extras:
            # foo[x]==v depends on foo==v: both identifiers then agree on one version.
            deps.append(Req(name=candidate.name, specifier=SpecifierSet(f"=={candidate.version}"),
                            text=f"{candidate.name}=={candidate.version}"))
        overridden: set[NormalizedName] = set()
        for line in meta.requires_dist:
            dep = parse_dependency(line)
            if dep is None:
                self.session.warn(f"{candidate}: ignored an invalid Requires-Dist line {line!r}")
            elif dep[1].name in self.overrides:
                if self._override_applies(line, dep[0].marker, candidate) and dep[1].name not in overridden:
                    overridden.add(dep[1].name)
                    deps += self.overrides[dep[1].name]
            elif marker_wanted(self.session, self.target, line, dep[0].marker, candidate.extras):
                deps.append(dep[1])
        for wanted in deps:
            self.prefetch.on_requirement(wanted, pre=self.pre)
        return tuple(deps)

    def _override_applies(self, line: str, marker: Marker | None, candidate: Candidate) -> bool:
        """uv replaces a requirement with its overrides whatever its marker says, except that one guarded by
        an extra stays guarded by it; wheelpin then asks the whole marker (an extra's line with a platform
        condition too is replaced only where both hold, a narrower reading than uv's)."""
        if marker is None or "extra" not in str(marker):
            return True
        return marker_wanted(self.session, self.target, line, marker, candidate.extras)

    # -- questions explanations ask ------------------------------------------------------------------
    def admitted(self, name: NormalizedName, reqs: Sequence[Req]) -> list[Version]:
        """Versions ``reqs`` and the constraints on ``name`` admit, newest first, whatever their wheels."""
        return admitted_releases(self.session, name, [*reqs, *self.constraints.get(name, ())], self.pre)

    def judged(self, name: NormalizedName, versions: Iterable[Version]) -> Iterator[VersionChoice]:
        """Each of ``versions`` judged for the target, lazily."""
        return (self.session.choice(name, v, self.target) for v in versions)

    def installable(self, name: NormalizedName, choice: VersionChoice) -> bool:
        if choice.has_wheel:
            return True
        return (name in self.allow_source and choice.sdist is not None
                and self.target.admits(choice.sdist.requires_python))


def prefer(preferred: Version | None, releases: list[Version]) -> list[Version]:
    """``releases`` (newest first) with ``preferred`` moved to the front when they hold it.  A preference the
    requirements no longer admit, or a yanked release nothing pins with ``==`` (``admitted`` leaves both out),
    is not among them: the package then moves, newest first, as if it had never been locked."""
    if preferred is None or preferred not in releases:
        return releases
    return [preferred, *(v for v in releases if v != preferred)]
