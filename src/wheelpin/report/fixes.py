"""The fix search: for a blocker, the smallest change to its direct requirement that brings a wheel-bearing
release in, verified by resolving again.  [pure given a Session]

A :class:`FixSearch` holds what every step needs (the inputs, the target, the session) and answers over typed
``(name, Version)`` chains.  Each answer is verified by a permissive resolution in which the blocker's package
has a wheel.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import MetadataError, NoWheelSolution, WheelpinError
from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.models import Blocker, Resolution, relax_text
from wheelpin.pins import single_pin
from wheelpin.resolve import CandidateFactory, Session, resolve
from wheelpin.resolve.requirements import parse_dependency
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice

# How many releases of a direct requirement the fix search tries before giving up.
MAX_FIX_TRIES = 60
# How many releases ahead the fix search fetches metadata while it walks them oldest first: a first batch of
# PRECHECK_FIRST, each next batch twice the last, up to PRECHECK_WINDOW.  The answer is usually among the
# first few releases, so a fixed window of 24 fetched mostly metadata nothing read (ml-training-2023: 65 of
# 183 metadata files); doubling keeps a fix twenty releases up at three round trips.
PRECHECK_FIRST = 4
PRECHECK_WINDOW = 24
# How a note that only the joint search may still answer begins.
NO_LATER = "no later release"
# What a search cut short says: never that there is no fix.
BUDGET_NOTE = "no fix found within the search budget"
# Rounds a resolution that verifies a candidate fix may take (a resolve's own limit is 5000).  A fix that
# locks takes a few hundred; one that cannot lock because a package with no wheel at all stays required
# backtracks through every combination first: render-fastapi on 3.15 with pydantic>=2.14.0 gives up after
# 5000 rounds, 5.8 s of CPU, where 1000 rounds cost 1.9 s (docs/notes/speed.md).
FIX_ROUNDS = 1000


class FixSearch:
    def __init__(self, inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str] = ()) -> None:
        self.inputs = inputs
        self.target = target
        self.session = session
        self.allow_source = tuple(allow_source)
        self.factory = CandidateFactory(session, target, pre=inputs.pre)
        self.cut_short = False  # some verifying resolution gave up after FIX_ROUNDS

    # -- the answer ----------------------------------------------------------------------------------
    def with_fix(self, blocker: Blocker) -> Blocker:
        """``blocker`` with its verified fix, or with a note saying why there is none."""
        fix = self.find(blocker)
        root = blocker.root
        if fix is not None:
            # apply_fixes dropped every constraint on the package: the fix is verified only with them relaxed.
            relaxes = tuple(f"{c.requirement} ({c.source})" for c in self.inputs.constraints
                            if canonicalize_name(c.requirement.name) == root)
            return replace(blocker, fix=fix, relaxes=relaxes,
                           note="also" + relax_text(relaxes).removeprefix(" and") if relaxes else "")
        if not any_wheel(self.session, blocker.name, self.target):
            return replace(blocker, note=f"no release of {blocker.name} has a wheel for this target at all, so no "
                                                 "requirement change helps")
        if self.cut_short:
            return replace(blocker, note=BUDGET_NOTE)
        return replace(blocker, note=f"{NO_LATER} of {root} alone brings a {blocker.name} with a wheel")

    def find(self, blocker: Blocker) -> str | None:
        """The lowest release v of the chain's direct requirement R such that ``R==v`` unblocks ``blocker``,
        returned as ``R>=v`` when that range is verified too (else as ``R==v``).

        Cheap where it can be: no search at all when no release of the blocked package has a wheel for the
        target; a metadata-only pre-check when R depends on the blocker directly; then the oldest remaining
        release (usually the answer), the newest (if even that does not help, nothing will), and a bisection
        between them.
        """
        if not any_wheel(self.session, blocker.name, self.target):
            return None
        root, pinned = blocker.links[0]
        candidates = self._prechecked(root, self.later_releases(root, pinned), blocker.name)
        first = next(candidates, None)
        if first is None:
            return None
        if len(blocker.links) <= 2:
            # R is the blocked package or depends on it directly: the pre-check already proved that no lower
            # release brings a wheel in, so verifying the range itself is enough.
            fix = f"{root}>={first.version}"
            if self.unblocks([fix], blocker.name):
                return fix
        found = first if self._pin_works(root, first, blocker.name) else self._bisect(root, first, candidates,
                                                                                       blocker.name)
        if found is None:
            return None
        fix = f"{root}>={found.version}"
        if self.unblocks([fix], blocker.name):
            return fix
        return f"{root}=={found.version}"  # newer releases bring the blocker back: only the pin is verified

    def _prechecked(self, root: NormalizedName, later: list[VersionChoice], blocked: str) -> Iterator[VersionChoice]:
        # Oldest first, fetching metadata ahead in growing batches (PRECHECK_FIRST): the answer is usually near.
        ahead, batch = 0, PRECHECK_FIRST
        for position, choice in enumerate(later):
            if position >= ahead and root != blocked:
                self.session.prefetch_releases(root, later[ahead:ahead + batch])
                ahead, batch = ahead + batch, min(2 * batch, PRECHECK_WINDOW)
            if root == blocked or self._may_unblock(root, choice, blocked):
                yield choice

    def _bisect(self, root: NormalizedName, first: VersionChoice, rest: Iterator[VersionChoice],
                blocked: str) -> VersionChoice | None:
        """The first of ``[first, *rest]`` whose pin unblocks, knowing ``first``'s does not: None when even
        the newest does not."""
        later = [first, *rest]
        if len(later) == 1 or not self._pin_works(root, later[-1], blocked):
            return None
        low, high = 1, len(later) - 1  # later[0] fails and later[high] works: find the first that does
        while low < high:
            middle = (low + high) // 2
            if self._pin_works(root, later[middle], blocked):
                high = middle
            else:
                low = middle + 1
        return later[high]

    def _pin_works(self, root: NormalizedName, choice: VersionChoice, blocked: str) -> bool:
        # Pinned: with R>=v the resolver would pick the newest R whatever v is.
        return self.unblocks([f"{root}=={choice.version}"], blocked)

    # -- what the search reads -----------------------------------------------------------------------
    def later_releases(self, name: NormalizedName, pinned: Version) -> list[VersionChoice]:
        """The releases tried for a direct requirement pinned at ``pinned`` (:func:`later_releases`)."""
        return later_releases(self.factory, name, pinned)

    def prefetch(self, involved: frozenset[str]) -> None:
        """A strict resolution failed: while the permissive one crawls, fetch the search's first batch (it
        fetches each next one as it gets there; a full window was mostly never read) of each ``==`` pin in it."""
        for item in self.inputs.requirements:
            name = canonicalize_name(item.requirement.name)
            pinned = single_pin(item.requirement.specifier)
            if name not in involved or pinned is None:
                continue
            with contextlib.suppress(WheelpinError):
                self.session.prefetch_releases(name, self.later_releases(name, pinned)[:PRECHECK_FIRST])

    def _may_unblock(self, root: NormalizedName, choice: VersionChoice, blocked: str) -> bool:
        """Cheap pre-check from metadata alone: does this release's requirement on ``blocked`` (if direct)
        admit a release with a wheel?  Deeper chains always go to the full check."""
        try:
            meta = self.session.metadata(root, choice.wheels[0], version=str(choice.version))
        except MetadataError:
            return False
        environment = {**self.target.marker_environment(), "extra": ""}
        for line in meta.requires_dist:
            dep = parse_dependency(line)
            if dep is None or dep[1].name != blocked:
                continue
            requirement, req = dep
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            return any(c.has_wheel for c in self.factory.judged(req.name, self.factory.admitted(req.name, [req])))
        return True

    # -- verifying -----------------------------------------------------------------------------------
    def permissive(self, fixes: Sequence[str]) -> Resolution | None:
        """The permissive resolution of the inputs with ``fixes`` applied, or None when even that conflicts.
        Memoized: the search, its confirmation and the all-fixes check often ask for the same one."""
        key = ("permissive", self.inputs, tuple(sorted(fixes)), self.target, self.allow_source)
        return self.session.memo(key, lambda: self._verify(fixes, permissive=True))

    def unblocks(self, fixes: Sequence[str], name: str) -> bool:
        resolution = self.permissive(fixes)
        if resolution is None:
            return False
        pin = resolution.pin(name)
        return pin is None or not pin.blocked

    def resolves(self, fixes: Sequence[str]) -> bool:
        """Whether the inputs with ``fixes`` applied have a wheel-only lock (a strict resolution)."""
        return self._verify(fixes, permissive=False) is not None

    def _verify(self, fixes: Sequence[str], *, permissive: bool) -> Resolution | None:
        try:  # the unchanged inputs' permissive resolution is the report's own: the resolve's full budget
            return resolve(apply_fixes(self.inputs, fixes), self.target, self.session, allow_source=self.allow_source,
                           permissive=permissive, explain_failure=False, fixed=fixed_names(fixes),
                           max_rounds=FIX_ROUNDS if fixes else 5000)
        except NoWheelSolution as failure:
            self.cut_short |= failure.cut_short
            return None


def later_releases(factory: CandidateFactory, name: NormalizedName, pinned: Version) -> list[VersionChoice]:
    """Later, final, not yanked releases with a wheel for the factory's target, oldest first, as many as the
    search may try.  Judged only while needed, and only where the tags alone allow a wheel (any_wheel's test):
    a pin hundreds of releases old is asked about on every Python of a report."""
    releases = factory.session.releases(name)
    newer = (v for v in sorted(v for v in releases if v > pinned and not v.is_prerelease)
             if releases.may_fit(v, factory.target))
    return list(itertools.islice((c for c in factory.judged(name, newer) if c.has_wheel and not c.yanked),
                                 MAX_FIX_TRIES))


def any_wheel(session: Session, name: str, target: Target) -> bool:
    """Whether any release of ``name`` has a wheel for ``target``; stops judging at the first that does, and
    judges (requires-python, yanks) only releases with a wheel whose tags fit: a project with no wheel for a
    new Python is answered from its tags alone, not by judging each of its hundreds of releases."""
    normalized = canonicalize_name(name)

    def compute() -> bool:
        releases = session.releases(normalized)
        return any(releases.may_fit(version, target) and session.choice(normalized, version, target).has_wheel
                   for version in releases)

    # Asked for each blocker by the search, its note and the report's check for a hopeless Python.
    return session.memo(("any wheel", normalized, target), compute)


def fixed_names(fixes: Sequence[str]) -> frozenset[NormalizedName]:
    return frozenset(canonicalize_name(Requirement(text).name) for text in fixes)


def apply_fixes(inputs: Inputs, fixes: Sequence[str]) -> Inputs:
    """``inputs`` with each fixed package's direct requirement replaced by the fix (extras and markers kept).

    Constraints on a fixed package are dropped: they are part of what the fix changes (the report says so).
    Of two fixes for one package the higher bound wins."""
    wanted: dict[str, Requirement] = {}
    for text in fixes:
        fix = Requirement(text)
        name = canonicalize_name(fix.name)
        if name not in wanted or _bound(fix) > _bound(wanted[name]):
            wanted[name] = fix
    changed: list[InputRequirement] = []
    for item in inputs.requirements:
        replacement = wanted.get(canonicalize_name(item.requirement.name))
        if replacement is None:
            changed.append(item)
            continue
        requirement = Requirement(str(item.requirement))
        requirement.specifier = SpecifierSet(str(replacement.specifier))
        changed.append(replace(item, requirement=requirement, source=f"{item.source} (fixed)"))
    constraints = tuple(c for c in inputs.constraints if canonicalize_name(c.requirement.name) not in wanted)
    return replace(inputs, requirements=tuple(changed), constraints=constraints)


def _bound(requirement: Requirement) -> Version:
    return max((Version(s.version) for s in requirement.specifier), default=Version("0"))
