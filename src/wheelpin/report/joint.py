"""The joint fix search: when no one requirement change gives a Python a wheel-only lock, the smallest set of
direct requirements to change together.  [pure given a Session]

The case it exists for is the data stack with old pins: ``numpy==1.24.4`` and ``pandas==1.5.3`` on 3.12.
Each blocker searched alone, with every other ``==`` pin held, has no fix (every pandas with a cp312 wheel
needs a newer numpy), yet ``numpy>=1.26.0, pandas>=2.1.1`` locks.  The search:

1. relaxes the blockers' direct requirements to ``>=`` the release they are pinned at and resolves strictly;
   while that fails, it also relaxes the ``==``-pinned direct requirements that took part in the conflict,
   up to :data:`MAX_SET` requirements;
2. keeps, one at a time, the original requirement of each relaxed one where the set still locks without
   changing it (fewer changed requirements first);
3. for each requirement left, the lowest release that still locks (oldest first, then a bisection);
4. verifies the whole set, as the user will write it, by one more resolution.

Every resolution counts against a budget (:data:`MAX_RESOLUTIONS` per Python); a search cut short says so,
and never claims there is no fix.  Requirements pinned by ``-c`` constraint files are never relaxed; when
they take part in the conflict the search names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import NoWheelSolution
from wheelpin.models import Blocker, Resolution
from wheelpin.report.fixes import BUDGET_NOTE, FIX_ROUNDS, FixSearch, apply_fixes
from wheelpin.resolve import resolve

MAX_RESOLUTIONS = 30
MAX_SET = 4


class OutOfBudget(Exception):
    """The search spent its resolutions before it could answer."""


@dataclass(frozen=True, slots=True)
class JointOutcome:
    """What the joint search found: ``changes`` (verified together) or why there are none."""

    changes: tuple[str, ...] = ()  # ("numpy>=1.26.0", "pandas>=2.1.1")
    note: str = ""  # when there is no set: "no fix found within the search budget", the blocking constraint…


class JointSearch:
    def __init__(self, search: FixSearch, permissive: Resolution, *, budget: int | None = None) -> None:
        self.search = search
        self.permissive = permissive  # the pins the blocked inputs resolve to: where each relaxation starts
        self.left = MAX_RESOLUTIONS if budget is None else budget
        self.constrained = {canonicalize_name(c.requirement.name): c for c in search.inputs.constraints}
        self.direct = {canonicalize_name(r.requirement.name) for r in search.inputs.requirements}

    def find(self, blockers: Sequence[Blocker]) -> JointOutcome:
        try:
            relaxed = self._grow([b.root for b in blockers])
            if isinstance(relaxed, JointOutcome):
                return relaxed
            kept = self._fewest(relaxed)
            bounds = {name: self._lowest(name, kept) for name in kept}
        except OutOfBudget:
            return JointOutcome(note=BUDGET_NOTE)
        changes = tuple(f"{name}>={bounds[name]}" for name in sorted(bounds))
        if self._locks_as_written(changes):
            return JointOutcome(changes=changes)
        # The ranges let the resolver wander into a release that brings a blocker back; the pins it found
        # are verified all the same.
        return JointOutcome(changes=tuple(f"{name}=={kept[name]}" for name in sorted(kept)))

    # -- the steps -------------------------------------------------------------------------------------
    def _grow(self, roots: Sequence[NormalizedName]) -> dict[NormalizedName, Version] | JointOutcome:
        """Relax ``roots`` and, while the set does not lock, the direct requirements in the conflict: the
        relaxed names with the release each got in the first strict resolution that succeeded."""
        relaxed: list[NormalizedName] = []
        blocking: NormalizedName | None = None
        for name in roots:
            if name in self.constrained:
                return self._constraint_blocks(name)
            if name in self.direct and name not in relaxed:
                relaxed.append(name)
        while relaxed:
            outcome = self._strict({name: self._relaxed(name) for name in relaxed})
            if isinstance(outcome, Resolution):
                return {name: pin.version for name in relaxed if (pin := outcome.pin(name)) is not None}
            involved = sorted(canonicalize_name(name) for name in outcome.involved)
            more = [name for name in involved
                    if name in self.direct and name not in relaxed and self.permissive.pin(name) is not None]
            blocking = next((name for name in involved if name in self.constrained), None)
            # ``>=``: the blockers' own roots may already number more than MAX_SET, and then nothing is
            # added and the same memoized resolution would come back forever.
            if not more or len(relaxed) >= MAX_SET:
                break
            relaxed.extend(more[:MAX_SET - len(relaxed)])
        if blocking is not None:
            return self._constraint_blocks(blocking)
        return JointOutcome(note=f"no set of up to {MAX_SET} requirement changes locks with wheels only")

    def _fewest(self, relaxed: dict[NormalizedName, Version]) -> dict[NormalizedName, Version]:
        """Drop each relaxation the set locks without, keeping the user's requirement as written."""
        kept = dict(relaxed)
        for name in list(kept):
            if len(kept) == 1:
                break
            trial = {other: self._relaxed(other) for other in kept if other != name}
            outcome = self._strict(trial)
            if isinstance(outcome, Resolution):
                del kept[name]
                kept.update({other: pin.version for other in kept if (pin := outcome.pin(other)) is not None})
        return kept

    def _lowest(self, name: NormalizedName, kept: Mapping[NormalizedName, Version]) -> Version:
        """The lowest release of ``name`` that locks with the other kept requirements relaxed: the oldest
        candidate first (usually the answer), then a bisection up to the release the resolver chose."""
        start = self._start(name)
        chosen = kept[name]
        later = [c.version for c in self.search.later_releases(name, start) if c.version <= chosen]
        if not later or later[-1] != chosen:
            later.append(chosen)
        others = {other: self._relaxed(other) for other in kept if other != name}

        def locks(version: Version) -> bool:
            return isinstance(self._strict({**others, name: f"{name}=={version}"}), Resolution)

        if len(later) == 1 or locks(later[0]):
            return later[0]
        low, high = 1, len(later) - 1  # later[0] fails, later[high] (the resolver's choice) locks
        while low < high:
            middle = (low + high) // 2
            if locks(later[middle]):
                high = middle
            else:
                low = middle + 1
        return later[high]

    def _locks_as_written(self, changes: Sequence[str]) -> bool:
        self._spend()
        return self.search.resolves(changes)

    # -- helpers ---------------------------------------------------------------------------------------
    def _start(self, name: NormalizedName) -> Version:
        pin = self.permissive.pin(name)
        assert pin is not None, name  # only names the permissive resolution pinned are relaxed
        return pin.version

    def _relaxed(self, name: NormalizedName) -> str:
        return f"{name}>={self._start(name)}"

    def _strict(self, changes: Mapping[NormalizedName, str]) -> Resolution | NoWheelSolution:
        """A strict resolution of the inputs with ``changes`` applied, or its failure; memoized per run, and
        each one computed counts against the budget."""
        search = self.search
        fixes = tuple(sorted(changes.values()))

        def compute() -> Resolution | NoWheelSolution:
            self._spend()
            try:
                return resolve(apply_fixes(search.inputs, fixes), search.target, search.session,
                               allow_source=search.allow_source, explain_failure=False, max_rounds=FIX_ROUNDS)
            except NoWheelSolution as failure:
                if failure.cut_short:
                    raise OutOfBudget from None  # a resolution that gave up proves nothing: say so
                return failure

        key = ("joint-strict", search.inputs, fixes, search.target, search.allow_source)
        return search.session.memo(key, compute)

    def _spend(self) -> None:
        if self.left <= 0:
            raise OutOfBudget
        self.left -= 1

    def _constraint_blocks(self, name: NormalizedName) -> JointOutcome:
        constraint = self.constrained[name]
        return JointOutcome(note=f"the constraint {constraint.requirement} ({constraint.source}) takes part; "
                                 "wheelpin never changes constraints: relax it to let a fix through")
