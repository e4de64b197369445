"""The Python-version matrix: which Pythons need no source build, what blocks the rest, how to fix it.

For each Python: a strict resolution (wheels only).  When that fails, a permissive one, in which releases
without a wheel are a last resort, names *every* blocker at once; for each blocker the chain of requirements
that forces it, and the smallest change to the direct requirement that brings a wheel-bearing release in,
verified by resolving again.  One shared, memoizing index serves every Python, so each page and each metadata
file is fetched once per run.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin.errors import MetadataError, NoWheelSolution, WheelpinError
from wheelpin.index import PrefetchingIndex
from wheelpin.inputs import InputRequirement, Inputs
from wheelpin.provider import Blocker as ProviderBlocker
from wheelpin.provider import Pin, Resolution, WheelProvider, resolve
from wheelpin.pythons import PythonRelease
from wheelpin.target import Target
from wheelpin.wheels import REQUIRES_PYTHON, VersionChoice, may_fit

SCHEMA_VERSION = 1
# How many releases of a direct requirement the fix search tries before giving up.
MAX_FIX_TRIES = 60
# How many releases ahead the fix search fetches metadata while it walks them oldest first: as many as the
# fetch pool runs at once and more, so that a fix twenty releases up costs two round trips, not five.
PRECHECK_WINDOW = 24


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocker:
    name: NormalizedName
    version: str  # the release the requirements force
    kind: str  # wheelpin.wheels.BLOCK_KINDS, or "conflict"
    reason: str
    chain: tuple[str, ...]  # ("pydantic==2.9.2", "pydantic-core==2.23.4")
    fix: str | None  # "pydantic>=2.12.0", verified; None when no release of the direct requirement helps
    note: str = ""  # when there is no fix, why not


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldBack:
    name: NormalizedName
    newest: str
    chosen: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonVerdict:
    python: str
    target: Target
    ok: bool
    pins: dict[str, str]
    blockers: tuple[Blocker, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    fixed_by_all: bool | None = None  # with every fix applied together, does a wheel-only lock exist?


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    platform: str
    pythons: tuple[PythonVerdict, ...]
    recommended: PythonRelease | None

    @property
    def ok(self) -> bool:
        return any(v.ok for v in self.pythons)


def build_report(inputs: Inputs, targets: Sequence[Target], index: PrefetchingIndex,
                 releases: Sequence[PythonRelease], *, allow_source: Sequence[str] = ()) -> Report:
    verdicts = _each_python(inputs, targets, index, allow_source)
    clean = [v for v in verdicts if v.ok]
    recommended = None
    if clean:
        best = max(clean, key=lambda v: (v.target.major, v.target.minor))
        known = {r.minor: r for r in releases}
        recommended = known.get(best.target.minor, PythonRelease(minor=best.target.minor, newest_patch=None))
        if best.target.patch is not None:
            recommended = PythonRelease(minor=best.target.minor, newest_patch=best.target.patch)
    return Report(platform=targets[0].platform.tag if targets else "", pythons=tuple(verdicts),
                  recommended=recommended)


def _each_python(inputs: Inputs, targets: Sequence[Target], index: PrefetchingIndex,
                 allow_source: Sequence[str]) -> list[PythonVerdict]:
    """Every Python's verdict, each in its own thread.  With a cold cache a verdict mostly waits for the index
    (the strict resolution, then the permissive one and the fix search of a blocked Python), and those waits
    now overlap instead of adding up.  The threads take turns (``index.turn()``): one runs at a time and hands
    on its turn when it waits for the network, so a warm run, all CPU, costs what a loop would.  Each verdict
    is deterministic whatever the interleaving: the index memoizes and never changes within a run."""
    if len(targets) <= 1:
        return [python_verdict(inputs, target, index, allow_source=allow_source) for target in targets]
    with ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="wheelpin-python") as pool:
        def verdict(target: Target) -> PythonVerdict:
            with index.turn():
                return python_verdict(inputs, target, index, allow_source=allow_source)

        futures = [pool.submit(verdict, target) for target in targets]
        try:
            return [future.result() for future in futures]
        except BaseException:
            # A failure (or Ctrl-C) ends the run: stop the fetches, so the other verdicts fail fast instead of
            # keeping the pool's exit waiting.
            for future in futures:
                future.cancel()
            index.close()
            raise


def python_verdict(inputs: Inputs, target: Target, index: PrefetchingIndex, *,
                   allow_source: Sequence[str] = ()) -> PythonVerdict:
    python = target.python_version if target.patch is None else target.python_full_version
    try:
        resolution = resolve(inputs, target, index, allow_source=allow_source, explain_failure=False)
    except NoWheelSolution as failure:
        _prefetch_fix_search(inputs, target, index, failure.involved)
        return _blocked_verdict(inputs, target, index, python, allow_source)
    # Only holds caused by missing wheels: an older release chosen because a newer one dropped this Python
    # (requires-python) is ordinary resolution, not something a deploy team needs to act on.
    held = tuple(HeldBack(name=p.name, newest=p.held_back[0], chosen=str(p.version), reason=p.held_back[1])
                 for p in resolution.pins if p.held_back and p.held_back[2] != REQUIRES_PYTHON)
    return PythonVerdict(python=python, target=target, ok=True, pins=resolution.as_dict(), held_back=held)


def _blocked_verdict(inputs: Inputs, target: Target, index: PrefetchingIndex, python: str,
                     allow_source: Sequence[str]) -> PythonVerdict:
    permissive = _permissive(inputs, (), target, index, allow_source)
    if permissive is None:
        # Even ignoring wheels the requirements conflict: explain what the strict resolution meets.
        try:
            resolve(inputs, target, index, allow_source=allow_source)
        except NoWheelSolution as strict_failure:
            causes = strict_failure.details
        else:  # pragma: no cover - permissive admits every strict solution
            causes = ()
        blockers = tuple(Blocker(name=cause.name, version="", kind="conflict",
                                 reason=f"required by {cause.required_by}: {cause.reason}",
                                 chain=(f"{cause.name}{cause.wanted}",), fix=None)
                         for cause in causes if isinstance(cause, ProviderBlocker))
        return PythonVerdict(python=python, target=target, ok=False, pins={}, blockers=blockers)
    blocked = [p for p in permissive.pins if p.blocked]
    blockers = tuple(Blocker(name=p.name, version=str(p.version), kind=p.choice.kind or "no-wheel",
                             reason=p.choice.reason or "no wheel", chain=_chain(permissive, p.name, inputs),
                             fix=None) for p in blocked)
    with_fixes = tuple(_with_fix(inputs, target, index, b, allow_source) for b in blockers)
    fixed_by_all = None
    fixes = [b.fix for b in with_fixes if b.fix]
    if fixes:
        fixed = _permissive(inputs, fixes, target, index, allow_source)
        # A permissive resolution without a blocked pin is a wheel-only solution: no strict run needed.
        fixed_by_all = (fixed is not None and not any(p.blocked for p in fixed.pins)) or \
            _resolves(_apply_fixes(inputs, fixes), target, index, allow_source)
    return PythonVerdict(python=python, target=target, ok=False, pins=permissive.as_dict(),
                         blockers=with_fixes, fixed_by_all=fixed_by_all)


def _chain(resolution: Resolution, name: str, inputs: Inputs) -> tuple[str, ...]:
    """The shortest path from a direct requirement to ``name``, as pins: ('pydantic==2.9.2', …)."""
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
    chain: list[str] = []
    node: str | None = root
    while node is not None:
        chain.append(f"{node}=={pins[node].version}")
        node = previous.get(node)
    return tuple(chain)


def _with_fix(inputs: Inputs, target: Target, index: PrefetchingIndex, blocker: Blocker,
              allow_source: Sequence[str]) -> Blocker:
    fix = find_fix(inputs, target, index, blocker, allow_source)
    root = canonicalize_name(blocker.chain[0].split("==")[0])
    constrained = any(canonicalize_name(c.requirement.name) == root for c in inputs.constraints)
    if fix is not None:
        return replace(blocker, fix=fix, note=f"relax the constraint on {root} too" if constrained else "")
    if not _any_wheel(index, blocker.name, target):
        note = f"no release of {blocker.name} has a wheel for {target} yet"
    else:
        note = f"no later release of {blocker.chain[0].split('==')[0]} brings a {blocker.name} with a wheel"
    return replace(blocker, note=note)


def find_fix(inputs: Inputs, target: Target, index: PrefetchingIndex, blocker: Blocker,
             allow_source: Sequence[str] = ()) -> str | None:
    """The lowest release v of the chain's direct requirement R such that ``R==v`` unblocks ``blocker``,
    returned as ``R>=v`` when that range is verified too (else as ``R==v``).  When R is the blocked package
    or depends on it directly, the metadata pre-check finds v and only the range needs verifying.

    Every answer is verified by a permissive resolution in which the blocker's package has a wheel.  The
    search is cheap where it can be: no search at all when no release of the blocked package has a wheel for
    the target; a metadata-only pre-check when R depends on the blocker directly; then the oldest remaining
    release (usually the answer), the newest (if even that does not help, nothing will), and a bisection
    between them.  Returns the requirement to write, e.g. ``pydantic>=2.12.0``.
    """
    provider = WheelProvider(index=index, target=target)
    if not _any_wheel(index, blocker.name, target):
        return None
    root_name = canonicalize_name(blocker.chain[0].split("==")[0])
    later = _later_releases(index, root_name, Version(blocker.chain[0].split("==")[1]), target)

    def prechecked() -> Iterator[VersionChoice]:
        # Oldest first, fetching metadata a few releases ahead: the answer is usually near the start, so a
        # cold cache need not fetch the metadata of every later release.
        for position, choice in enumerate(later):
            index.prefetch_releases(root_name, later[position:position + PRECHECK_WINDOW])
            if root_name == blocker.name or _may_unblock(provider, root_name, choice, blocker.name):
                yield choice

    def works(choice: VersionChoice) -> bool:
        # Pinned: with R>=v the resolver would pick the newest R whatever v is.
        return _unblocks(inputs, [f"{root_name}=={choice.version}"], target, index, blocker.name, allow_source)

    candidates = prechecked()
    first = next(candidates, None)
    if first is None:
        return None
    if len(blocker.chain) <= 2:
        # R is the blocked package or depends on it directly: the pre-check already proved that no lower
        # release brings a wheel in, so verifying the range itself is enough.
        fix = f"{root_name}>={first.version}"
        if _unblocks(inputs, [fix], target, index, blocker.name, allow_source):
            return fix
    found: VersionChoice | None = first if works(first) else None  # usually, once pre-checked
    if found is None:
        later = [first, *candidates]
        if len(later) == 1 or not works(later[-1]):
            return None
        low, high = 1, len(later) - 1  # later[0] fails and later[high] works: find the first that does
        while low < high:
            middle = (low + high) // 2
            if works(later[middle]):
                high = middle
            else:
                low = middle + 1
        found = later[high]
    fix = f"{root_name}>={found.version}"
    if _unblocks(inputs, [fix], target, index, blocker.name, allow_source):
        return fix
    return f"{root_name}=={found.version}"  # newer releases bring the blocker back: only the pin is verified


def _later_releases(index: PrefetchingIndex, name: NormalizedName, pinned: Version,
                    target: Target) -> list[VersionChoice]:
    """The releases a fix search tries for a direct requirement pinned at ``pinned``: later, final, not
    yanked, with a wheel for the target; oldest first."""
    newer = sorted(v for v in index.releases(name) if v > pinned and not v.is_prerelease)
    return [c for c in (index.choice(name, v, target) for v in newer) if c.has_wheel and not c.yanked][:MAX_FIX_TRIES]


def _prefetch_fix_search(inputs: Inputs, target: Target, index: PrefetchingIndex, involved: frozenset[str]) -> None:
    """A strict resolution just failed: while the permissive one crawls, fetch the metadata the fix search
    will most likely read first — that of the next releases of each ``==``-pinned direct requirement that
    took part in the conflict.  A guess: it costs requests, never a wrong answer."""
    for item in inputs.requirements:
        name = canonicalize_name(item.requirement.name)
        pins = [s.version for s in item.requirement.specifier if s.operator == "==" and "*" not in s.version]
        if name not in involved or len(pins) != 1:
            continue
        with contextlib.suppress(WheelpinError, InvalidVersion):
            index.prefetch_releases(name, _later_releases(index, name, Version(pins[0]), target)[:PRECHECK_WINDOW])


def _any_wheel(index: PrefetchingIndex, name: str, target: Target) -> bool:
    """Whether any release of ``name`` has a wheel for ``target``; stops judging at the first that does, and
    judges (requires-python, yanks) only releases with a wheel whose tags fit: a project with no wheel for a
    new Python is answered from its tags alone, not by judging each of its hundreds of releases."""
    return any(may_fit(files, target) and index.choice(name, version, target).has_wheel
               for version, files in index.releases(name).items())


def _may_unblock(provider: WheelProvider, root: NormalizedName, choice: VersionChoice, blocked: str) -> bool:
    """Cheap pre-check from metadata alone: does this release's requirement on ``blocked`` (if direct) admit a
    release with a wheel?  Deeper chains always go to the full check."""
    try:
        meta = provider.index.metadata(root, choice.wheels[0], version=str(choice.version))
    except MetadataError:
        return False
    environment = {**provider.environment, "extra": ""}
    for line in meta.requires_dist:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != blocked:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        admitted = provider.admitted_versions(canonicalize_name(blocked), [requirement.specifier])
        return any(c.has_wheel for c in admitted)
    return True


def _apply_fixes(inputs: Inputs, fixes: Sequence[str]) -> Inputs:
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


def _permissive(inputs: Inputs, fixes: Sequence[str], target: Target, index: PrefetchingIndex,
                allow_source: Sequence[str]) -> Resolution | None:
    """The permissive resolution of ``inputs`` with ``fixes`` applied, or None when even that conflicts.
    Memoized: the fix search, its confirmation and the all-fixes check often ask for the same one."""
    def compute() -> Resolution | None:
        try:
            return resolve(_apply_fixes(inputs, fixes), target, index, allow_source=allow_source, permissive=True)
        except NoWheelSolution:
            return None

    return index.memo(("permissive", inputs, tuple(sorted(fixes)), target, tuple(allow_source)), compute)


def _unblocks(inputs: Inputs, fixes: Sequence[str], target: Target, index: PrefetchingIndex, name: str,
              allow_source: Sequence[str]) -> bool:
    resolution = _permissive(inputs, fixes, target, index, allow_source)
    if resolution is None:
        return False
    pin = resolution.pin(name)
    return pin is None or not pin.blocked


def _resolves(inputs: Inputs, target: Target, index: PrefetchingIndex, allow_source: Sequence[str]) -> bool:
    try:
        resolve(inputs, target, index, allow_source=allow_source, explain_failure=False)
    except NoWheelSolution:
        return False
    return True


# -- renderers: each yields lines and knows nothing of where they go ------------------------------------
def report_json(report: Report) -> dict[str, object]:
    """The versioned JSON document (schema: docs/report.schema.json)."""
    return {
        "schema": SCHEMA_VERSION,
        "platform": report.platform,
        "pythons": [{
            "python": v.python,
            "ok": v.ok,
            "pins": v.pins,
            "blockers": [{"name": b.name, "version": b.version, "kind": b.kind, "reason": b.reason,
                          "chain": list(b.chain), "fix": b.fix, "note": b.note} for b in v.blockers],
            "held_back": [{"name": h.name, "newest": h.newest, "chosen": h.chosen, "reason": h.reason}
                          for h in v.held_back],
            "fixed_by_all": v.fixed_by_all,
        } for v in report.pythons],
        "recommended": None if report.recommended is None else {
            "python": report.recommended.version, "patch": report.recommended.full_version},
    }


def runtime_file_text(filename: str, release: PythonRelease) -> str:
    """runtime.txt wants ``python-3.13.9``; .python-version (and anything else) wants ``3.13``."""
    if filename.endswith("runtime.txt"):
        return f"python-{release.full_version or release.version}\n"
    return f"{release.version}\n"


def markdown_lines(report: Report) -> Iterator[str]:
    yield f"### wheelpin: wheel-only installs on {report.platform}"
    yield ""
    yield "| Python | wheel-only | packages | blockers |"
    yield "| --- | --- | --- | --- |"
    for v in report.pythons:
        blockers = ", ".join(f"`{b.name}=={b.version}`" for b in v.blockers) or "—"
        yield f"| {v.python} | {'✅ yes' if v.ok else '❌ no'} | {len(v.pins)} | {blockers} |"
    yield ""
    for v in report.pythons:
        for b in v.blockers:
            fix = f" Fix: `{b.fix}`." if b.fix else f" No fix: {b.note}." if b.note else ""
            yield f"- **{v.python}**: `{b.name}=={b.version}` — {b.reason}; via {' → '.join(b.chain)}.{fix}"
        for h in v.held_back:
            yield f"- {v.python}: {held_back_text(h)}"
    yield ""
    yield recommendation_line(report)


def held_back_text(held: HeldBack) -> str:
    return f"{held.name} {held.newest}: {held.reason}; chose {held.chosen}"


def recommendation_line(report: Report) -> str:
    if report.recommended is None:
        return "No requested Python installs with wheels only; apply the fixes above."
    patch = report.recommended.full_version
    runtime = f"python-{patch}" if patch else f"python-{report.recommended.version}"
    return (f"Recommended: Python {report.recommended.version} — runtime.txt `{runtime}`, "
            f".python-version `{report.recommended.version}`.")
