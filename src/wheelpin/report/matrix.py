"""The Python-version matrix: which Pythons need no source build, what blocks the rest, how to fix it.

For each Python: a strict resolution (wheels only).  When that fails, a permissive one, in which releases
without a wheel are a last resort, names *every* blocker at once; for each blocker the chain of requirements
that forces it, and the fix search's verified fix.  One session serves every Python, so each page and each
metadata file is fetched once per run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import Enum

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.inputs import Inputs
from wheelpin.models import Blocker, BlockKind, HeldBack, Pin, Resolution
from wheelpin.pythons import PythonRelease
from wheelpin.report.fixes import NO_LATER, FixSearch, any_wheel
from wheelpin.report.joint import JointSearch
from wheelpin.resolve import Session, resolve
from wheelpin.target import Target
from wheelpin.wheels import unchecked_blocking

JOINT_NOTE = "one fix: change these requirements together"
UNCHECKED_NOTE = "wheelpin pins only index releases"


class VerdictStatus(str, Enum):
    """A Python's row in the report; the value is what JSON output carries."""

    CLEAN = "clean"  # installs with wheels only, bar the source builds --allow-source permits
    BLOCKED = "blocked"  # some package would build from source
    EXCLUDED = "excluded"  # the project's own requires-python excludes it: not resolved at all
    NOT_OFFERED = "not offered"  # the platform has no such Python (a preset's list): not resolved at all

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonVerdict:
    python: str
    target: Target
    ok: bool
    pins: dict[str, str]
    blockers: tuple[Blocker, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    fixed_by_all: bool | None = None  # with every fix applied together, does a wheel-only lock exist?
    fix: tuple[str, ...] = ()  # the verified changes that together give this Python a wheel-only lock
    # Packages taken from their sdist because --allow-source names them: the row is clean, not wheel-only.
    source_builds: tuple[NormalizedName, ...] = ()
    excluded_by: str | None = None  # the project's requires-python, when it excludes this Python
    offered: bool = True  # False: the platform has no such Python (a preset's list), so nothing was resolved

    @property
    def status(self) -> VerdictStatus:
        if not self.offered:
            return VerdictStatus.NOT_OFFERED
        if self.excluded_by is not None:
            return VerdictStatus.EXCLUDED
        return VerdictStatus.CLEAN if self.ok else VerdictStatus.BLOCKED


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    platform: str
    pythons: tuple[PythonVerdict, ...]
    recommended: PythonRelease | None
    # The Python the project deploys (read from its files): its row alone decides ok, so CI goes red with it.
    deployed: str | None = None

    @property
    def ok(self) -> bool:
        if self.deployed is not None:
            return any(v.ok for v in self.pythons if v.python == self.deployed)
        return any(v.ok for v in self.pythons)

    @property
    def platforms(self) -> str:
        """Each platform tag with the Pythons it serves, for titles: a preset's tag may change with the Python."""
        by_tag: dict[str, list[str]] = {}
        for v in self.pythons:
            by_tag.setdefault(v.target.platform.tag, []).append(v.python)
        if len(by_tag) <= 1:
            return self.platform
        return ", ".join(f"{tag} ({', '.join(pythons)})" for tag, pythons in by_tag.items())


def build_report(inputs: Inputs, targets: Sequence[Target], session: Session,
                 releases: Sequence[PythonRelease], *, allow_source: Sequence[str] = (),
                 not_offered: Collection[Target] = ()) -> Report:
    """Raises InputError, before any resolution, when the project's requires-python excludes every target."""
    if targets and not any(t.admits(inputs.requires_python) for t in targets):
        raise InputError(_all_excluded(inputs, targets, releases))
    judged = iter(_each_python(inputs, [t for t in targets if t not in not_offered], session, allow_source))
    verdicts = [PythonVerdict(python=t.python, target=t, ok=False, pins={}, offered=False)
                if t in not_offered else next(judged) for t in targets]
    clean = [v for v in verdicts if v.ok]
    recommended = None
    if clean:
        # The newest Python that needs no build at all, before any that --allow-source lets build something;
        # of 3.13 and 3.13t both clean, the usual build, which every platform offers.
        best = max(clean, key=lambda v: (not v.source_builds, v.target.major, v.target.minor,
                                         not v.target.freethreaded))
        known = {r.minor: r for r in releases}
        recommended = known.get(best.target.minor, PythonRelease(minor=best.target.minor, newest_patch=None))
        if best.target.patch is not None:
            recommended = PythonRelease(minor=best.target.minor, newest_patch=best.target.patch)
        recommended = replace(recommended, freethreaded=best.target.freethreaded)
    return Report(platform=targets[0].platform.tag if targets else "", pythons=tuple(verdicts),
                  recommended=recommended)


def _each_python(inputs: Inputs, targets: Sequence[Target], session: Session,
                 allow_source: Sequence[str]) -> list[PythonVerdict]:
    """Every Python's verdict, each in its own thread: with a cold cache a verdict mostly waits for the index,
    and those waits overlap instead of adding up.  The threads take turns (``session.turn()``): one runs at a
    time and hands on its turn when it waits for the network, so a warm run, all CPU, costs what a loop would.
    Each verdict is deterministic whatever the interleaving: the session memoizes, and the index never changes
    within a run."""
    if len(targets) <= 1:
        return [python_verdict(inputs, target, session, allow_source=allow_source) for target in targets]
    with ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="wheelpin-python") as pool:
        def verdict(target: Target) -> PythonVerdict:
            with session.turn():
                return python_verdict(inputs, target, session, allow_source=allow_source)

        futures = [pool.submit(verdict, target) for target in targets]
        try:
            return [future.result() for future in futures]
        except BaseException:
            # A failure (or Ctrl-C) ends the run: stop the fetches, so the other verdicts fail fast instead of
            # keeping the pool's exit waiting.
            for future in futures:
                future.cancel()
            session.close()
            raise


def python_verdict(inputs: Inputs, target: Target, session: Session, *,
                   allow_source: Sequence[str] = ()) -> PythonVerdict:
    python = target.python
    if not target.admits(inputs.requires_python):
        # The project says it does not run there (pip refuses to install it there): nothing to resolve.
        return PythonVerdict(python=python, target=target, ok=False, pins={}, excluded_by=inputs.requires_python)
    off_index = unchecked_blockers(inputs, target, allow_source)
    try:
        resolution = resolve(inputs, target, session, allow_source=allow_source, explain_failure=False)
    except NoWheelSolution as failure:
        search = FixSearch(inputs, target, session, allow_source)
        search.prefetch(failure.involved)
        blocked = _blocked_verdict(search, python)
        if not off_index:
            return blocked
        # No change of index requirements makes a line that builds from source install from wheels.
        return replace(blocked, blockers=blocked.blockers + off_index,
                       fixed_by_all=False if blocked.fixed_by_all is not None else None)
    # Only holds caused by missing wheels: an older release chosen because a newer one dropped this Python
    # (requires-python) is ordinary resolution, not something a deploy team needs to act on.
    held = tuple(p.held_back for p in resolution.pins
                 if p.held_back is not None and p.held_back.kind != BlockKind.REQUIRES_PYTHON)
    return PythonVerdict(python=python, target=target, ok=not off_index, pins=resolution.as_dict(),
                         held_back=held, blockers=off_index,
                         source_builds=tuple(p.name for p in resolution.pins if p.from_source))


def unchecked_blockers(inputs: Inputs, target: Target, allow_source: Sequence[str] = ()) -> tuple[Blocker, ...]:
    """The VCS, URL and path lines that keep this Python from a clean "yes" (issue 8): each builds from source
    (unless --allow-source names it) or is a wheel that does not fit; no fix, since wheelpin pins only index
    releases."""
    return tuple(Blocker(name=item.name or NormalizedName(item.text), kind=BlockKind.SDIST_ONLY
                         if item.builds_from_source else BlockKind.NO_WHEEL, reason=reason, note=UNCHECKED_NOTE)
                 for item, reason in unchecked_blocking(inputs.unchecked, (target,), allow_source))


def _blocked_verdict(search: FixSearch, python: str) -> PythonVerdict:
    target = search.target
    permissive = search.permissive(())
    if permissive is None:
        return PythonVerdict(python=python, target=target, ok=False, pins={}, blockers=_conflicts(search))
    blockers = tuple(Blocker(name=p.name, version=str(p.version), kind=p.choice.kind or BlockKind.NO_WHEEL,
                             reason=p.choice.reason or "no wheel", links=_chain(permissive, p.name),
                             sdist=p.choice.sdist)
                     for p in permissive.pins if p.blocked)
    fixed, fix, fixed_by_all = _fixes(search, permissive, blockers)
    return PythonVerdict(python=python, target=target, ok=False, pins=permissive.as_dict(), blockers=fixed,
                         fixed_by_all=fixed_by_all, fix=fix)


def _fixes(search: FixSearch, permissive: Resolution,
           blockers: Sequence[Blocker]) -> tuple[tuple[Blocker, ...], tuple[str, ...], bool | None]:
    """Each blocker with its own fix; when those do not lock together (or some blocker has none), the joint
    search's one fix for them all.  Returns the blockers, the verified changes, and whether they lock."""
    with_fixes = tuple(search.with_fix(b) for b in blockers)
    fixes = tuple(dict.fromkeys(b.fix for b in with_fixes if b.fix))
    fixed_by_all = False if fixes else None
    if _hopeless(search, with_fixes):
        # The page alone shows that some blocker has no wheel for this target in any release: no set of
        # changes gives a wheel-only lock, and the resolutions that would show it are the costliest a report
        # runs (a strict one that backtracks until its budget is spent).
        return with_fixes, (), fixed_by_all
    if fixes:
        fixed = search.permissive(fixes)
        # A permissive resolution without a blocked pin is a wheel-only solution: no strict run needed.
        if (fixed is not None and not any(p.blocked for p in fixed.pins)) or search.resolves(fixes):
            return with_fixes, fixes, True
    outcome = JointSearch(search, permissive).find(with_fixes)
    if outcome.changes:
        together = ", ".join(outcome.changes)
        return tuple(replace(b, fix=together, note=JOINT_NOTE, relaxes=()) for b in with_fixes), outcome.changes, True
    # The joint search's reason completes the notes that said only that no release alone helps.
    noted = tuple(replace(b, note=f"{b.note}; {outcome.note}") if not b.fix and b.note.startswith(NO_LATER) else b
                  for b in with_fixes)
    return noted, (), fixed_by_all


def _hopeless(search: FixSearch, blockers: Sequence[Blocker]) -> bool:
    """Whether some blocker without a fix is a package no release of which has a wheel for the target (the
    note that ``with_fix`` gave it says so)."""
    return any(not b.fix and not any_wheel(search.session, b.name, search.target) for b in blockers)


def _conflicts(search: FixSearch) -> tuple[Blocker, ...]:
    """Even ignoring wheels the requirements conflict: what the strict resolution meets, explained."""
    try:
        resolve(search.inputs, search.target, search.session, allow_source=search.allow_source)
    except NoWheelSolution as strict_failure:
        causes = strict_failure.causes
    else:  # pragma: no cover - permissive admits every strict solution
        causes = ()
    return tuple(replace(cause, kind=BlockKind.CONFLICT, reason=f"required by {cause.required_by}: {cause.reason}",
                         versions=()) for cause in causes)


def _chain(resolution: Resolution, name: str) -> tuple[tuple[NormalizedName, Version], ...]:
    """The shortest path from a direct requirement to ``name``, as pins."""
    pins: dict[str, Pin] = {p.name: p for p in resolution.pins}
    start = pins[canonicalize_name(name)]
    previous: dict[str, str | None] = {start.name: None}
    queue: deque[str] = deque([start.name])
    root: str = start.name
    while queue:
        current = queue.popleft()
        if pins[current].direct:
            root = current
            break
        for parent in pins[current].via:
            if parent in pins and parent not in previous:
                previous[parent] = current
                queue.append(parent)
    chain: list[tuple[NormalizedName, Version]] = []
    node: str | None = root
    while node is not None:
        chain.append((pins[node].name, pins[node].version))
        node = previous.get(node)
    return tuple(chain)


def _all_excluded(inputs: Inputs, targets: Sequence[Target], releases: Sequence[PythonRelease]) -> str:
    asked = ", ".join(t.python for t in targets)
    where = inputs.requires_python_source or "the project"
    admitted = [r.version for r in releases
                if replace(targets[0], minor=r.minor, patch=None).admits(inputs.requires_python)]
    hint = f" (of the known releases: {', '.join(admitted)})" if admitted else ""
    return (f"{where} declares requires-python {inputs.requires_python!r}, which excludes every requested "
            f"Python ({asked}): nothing to report; ask for Pythons it admits with --python{hint}, or change "
            "requires-python.")
