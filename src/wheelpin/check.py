"""Would pip install this lock on a target with wheels only?  [pure given a Session]

pip refuses a hashed lock when a pin has no wheel for the target, when no hash on a line is that wheel's,
when a pin's metadata excludes the target's Python, when a pin requires a package the lock does not list
(hash-checking mode installs nothing unhashed), and when one pin requires a version of another that the lock
does not pin.  The first three are judged per pin from the project page; the last two from every pin's
metadata (:mod:`wheelpin.lockgraph`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin.errors import IndexUnavailable, InputError
from wheelpin.index import ProjectNotFound
from wheelpin.inputs import Inputs
from wheelpin.lockgraph import Edges, LockPin, Requirer, requirement_edges
from wheelpin.models import BlockKind, DistFile
from wheelpin.resolve import Session
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice, choose_files, group_by_version


class ProblemKind(str, Enum):
    NO_RELEASE = "no-release"
    NO_WHEEL = "no-wheel"
    REQUIRES_PYTHON = "requires-python"  # the pin's metadata excludes the target
    HASH_UNKNOWN = "hash-unknown"  # no hash on the line is a file of the release
    HASH_SDIST = "hash-sdist"  # the line hashes the sdist: the installer would build from source
    HASH_OTHER_TARGET = "hash-other-target"  # the line hashes wheels of another target only
    LOCK_SDIST = "lock-sdist-only"  # the lock lists only the sdist, though the index has a wheel for the target
    LOCK_OTHER_WHEELS = "lock-other-wheels"  # the lock lists wheels, none for the target; the index has one
    MISSING = "missing"  # the pin requires a package the lock does not pin
    CONFLICT = "conflict"  # another pin requires a version this pin is not

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    kind: ProblemKind
    why: str
    fix: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCheck:
    name: NormalizedName
    version: Version
    source: str
    problems: tuple[Problem, ...] = ()
    nearest: Version | None = None  # a version with a wheel for the target that the other pins accept

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str | None:
        """Why the pin fails, every problem in one sentence; None when it passes."""
        return "; ".join(p.why for p in self.problems) or None


def pinned_version(item_source: str, text: str, specifier_ops: list[tuple[str, str]]) -> Version:
    if len(specifier_ops) != 1 or specifier_ops[0][0] not in ("==", "===") or "*" in specifier_ops[0][1]:
        raise InputError(
            f"{item_source}: {text!r} is not pinned to one version; check reads a lock, where every line is "
            "'name==version' (as written by 'wheelpin resolve' or 'pip freeze')."
        )
    try:
        return Version(specifier_ops[0][1])
    except InvalidVersion:
        raise InputError(
            f"{item_source}: {text!r} pins {specifier_ops[0][1]!r}, which is not a PEP 440 version; write the "
            "version the index lists, e.g. 'name==1.2.3'."
        ) from None


def lock_pins(inputs: Inputs, target: Target) -> list[LockPin]:
    """The lock's lines that apply to ``target`` (markers evaluated for it), in file order."""
    environment = {**target.marker_environment(), "extra": ""}
    pins = []
    for item in inputs.requirements:
        req = item.requirement
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        version = pinned_version(item.source, str(req), [(s.operator, s.version) for s in req.specifier])
        pins.append(LockPin(name=canonicalize_name(req.name), version=version, source=item.source,
                            extras=frozenset(canonicalize_name(e) for e in req.extras), hashes=item.hashes))
    return pins


def check_lock(inputs: Inputs, target: Target, session: Session) -> list[PinCheck]:
    """One result per pin of a requirements lock that applies to ``target``, in the lock's order."""
    return check_pins(lock_pins(inputs, target), target, session)


def check_pins(pins: Sequence[LockPin], target: Target, session: Session, *,
               relock: str | None = None, project: Sequence[Requirer] = ()) -> list[PinCheck]:
    """One result per pin, in order.  A pin that carries the files its lock lists is judged by those files
    alone (the index is asked only when none fits, to say whether another file or version would);
    ``relock`` is the lock's own tool's re-lock command ("{name}": the package), for the fixes; ``project``
    the project's own requirements, which a suggested version must meet too."""
    for pin in pins:  # every page at once: the pool fetches them in parallel
        if pin.files is None:
            session.page_future(pin.name)
    choices = {pin.source: _choice(session, pin, target) for pin in pins}
    edges = requirement_edges(session, target, pins, _metadata_choices(session, pins, choices, target))
    problems = _requirement_problems(pins, edges, target, relock)
    results = []
    for pin in pins:
        choice = choices[pin.source]
        own = (_listed_problem(session, pin, choice, target, relock) if pin.files is not None
               else _release_problem(session, pin, choice, target, relock))
        # The metadata's Requires-Python is news unless the page's already ruled the release out.
        page_said = choice is not None and choice.kind is BlockKind.REQUIRES_PYTHON
        python = None if page_said else _python_problem(pin, edges, target)
        found = [p for p in (own, python) if p is not None]
        nearest = None
        if any(p.kind in _NEEDS_ANOTHER_VERSION for p in found) and _on_index(session, pin):
            own_project = [r for r in project if canonicalize_name(r.requirement.name) == pin.name]
            nearest, fix = _suggestion(session, pin, target, _requirers(session, pin, pins, edges, target),
                                       own_project)
            found = [p if p.fix or p.kind not in _NEEDS_ANOTHER_VERSION else replace(p, fix=fix) for p in found]
        results.append(PinCheck(name=pin.name, version=pin.version, source=pin.source,
                                problems=(*found, *problems.get(pin.source, ())), nearest=nearest))
    return results


# Problems that another version of the same package may not have.
_NEEDS_ANOTHER_VERSION = frozenset({ProblemKind.NO_RELEASE, ProblemKind.NO_WHEEL, ProblemKind.REQUIRES_PYTHON})


def _choice(session: Session, pin: LockPin, target: Target) -> VersionChoice | None:
    if pin.files is not None:  # the lock's own files, judged as the index's would be
        groups = group_by_version(pin.name, pin.files)
        return choose_files(pin.version, groups[pin.version], target) if pin.version in groups else None
    if pin.version not in session.releases(pin.name):
        return None
    return session.choice(pin.name, pin.version, target)


def _metadata_choices(session: Session, pins: Sequence[LockPin], choices: Mapping[str, VersionChoice | None],
                      target: Target) -> dict[str, VersionChoice | None]:
    """Where each pin's metadata is read when its lock records no dependencies: the index's files (the
    index says which have a .metadata file; a lock's URL may name a file the index no longer serves)."""
    return {pin.source: session.choice(pin.name, pin.version, target)
            if pin.files is not None and pin.dependencies is None and _on_index(session, pin) else choices[pin.source]
            for pin in pins}


def _requirers(session: Session, pin: LockPin, pins: Sequence[LockPin], edges: Edges,
               target: Target) -> Sequence[Requirer]:
    """The requirements on ``pin``'s package that a fix must meet.  uv.lock and pylock.toml record which
    package depends on which, not the versions it accepts: those come from the requirers' metadata."""
    requirers = edges.requirers.get(pin.name, ())
    if not any(not r.requirement.specifier for r in requirers):
        return requirers
    by = [replace(r.by, dependencies=None) for r in requirers]
    fetched = requirement_edges(session, target, by, _metadata_choices(session, by, {
        p.source: _choice(session, p, target) for p in by}, target))
    return fetched.requirers.get(pin.name, requirers)


def _on_index(session: Session, pin: LockPin) -> bool:
    """Whether the index has the pinned release; for a lock that lists its files, an index that does not
    know the project is no failure of the lock's, only a fix that cannot be looked up."""
    try:
        return pin.files is None or pin.version in session.releases(pin.name)
    except (ProjectNotFound, IndexUnavailable):
        return False


def _listed_problem(session: Session, pin: LockPin, choice: VersionChoice | None, target: Target,
                    relock: str | None) -> Problem | None:
    """What the files the lock lists for the pin stand in the way of.  When none is a wheel for the target,
    the index says whether that is the lock's doing (it has one: re-lock) or the release's (another version)."""
    if choice is not None and choice.has_wheel:
        return None
    listed = "the lock lists no file of this version" if choice is None else f"the lock lists {choice.reason}"
    index = session.choice(pin.name, pin.version, target) if _on_index(session, pin) else None
    if index is None or not index.has_wheel:
        return Problem(kind=ProblemKind.NO_WHEEL, why=listed)
    fix = (relock or "re-lock so that the lock lists it").format(name=pin.name)
    wheel = index.wheels[0].filename
    if choice is not None and choice.sdist is not None and not choice.wheels:
        return Problem(kind=ProblemKind.LOCK_SDIST, why=(
            f"the lock lists only the sdist {choice.sdist.filename}, though the index has a wheel for the target "
            f"({wheel}): the installer would build {pin.name} from source"), fix=f"{fix}, so that it lists {wheel}")
    return Problem(kind=ProblemKind.LOCK_OTHER_WHEELS, why=(
        f"{listed}, though the index has a wheel for the target ({wheel})"), fix=f"{fix}, so that it lists {wheel}")


def _release_problem(session: Session, pin: LockPin, choice: VersionChoice | None,
                     target: Target, relock: str | None = None) -> Problem | None:
    """What the pin's own release and hashes stand in the way of, judged from the project page."""
    if choice is None:
        return Problem(kind=ProblemKind.NO_RELEASE, why="no such release on the index")
    if not choice.has_wheel:
        return Problem(kind=ProblemKind.NO_WHEEL, why=choice.reason or "no wheel for the target")
    if pin.hashes and not set(pin.hashes) & {w.sha256 for w in choice.wheels}:
        files = [p.file for p in session.releases(pin.name)[pin.version]]
        return _hash_problem(pin, choice, files, target, relock)
    return None


def _python_problem(pin: LockPin, edges: Edges, target: Target) -> Problem | None:
    # The page's requires-python can be missing or differ from the metadata's, which the installer obeys.
    spec = edges.excluded_python.get(pin.source)
    if spec is None:
        return None
    return Problem(kind=ProblemKind.REQUIRES_PYTHON,
                   why=f"its metadata's Requires-Python {spec} excludes Python {target.python_full_version}")


def _relock(target: Target, relock: str | None = None, name: str = "") -> str:
    if relock is not None:
        return relock.format(name=name)
    return f"re-lock with 'wheelpin resolve --python {target.python} --platform {target.platform.tag}'"


def _hash_problem(pin: LockPin, choice: VersionChoice, files: Sequence[DistFile], target: Target,
                  relock: str | None) -> Problem:
    """The line's hashes name none of the target's wheels: say which files they do name, since each case has
    its own remedy."""
    wheel = choice.wheels[0].filename
    given = set(pin.hashes)
    if choice.sdist is not None and choice.sdist.sha256 in given:
        return Problem(kind=ProblemKind.HASH_SDIST, why=(
            f"the lock hashes the sdist {choice.sdist.filename}, not a wheel, so the installer would build "
            f"{pin.name} from source (and refuse with --only-binary)"),
            fix=f"{_relock(target, relock, pin.name)}, which hashes the wheel {wheel}")
    others = sorted(f.filename for f in files if f.sha256 in given)
    if others:
        return Problem(kind=ProblemKind.HASH_OTHER_TARGET, why=(
            "this version has wheels for the target, but the lock's hashes are for another target's wheels "
            f"({_few(others)})"), fix=f"{_relock(target, relock, pin.name)}, which hashes {wheel}")
    return Problem(kind=ProblemKind.HASH_UNKNOWN, why=(
        f"no hash on the line is a file of {pin.name} {pin.version} on the index "
        f"(sha256:{sorted(given)[0][:12]}…): the installer would refuse the download as tampered with"),
        fix=f"find out where the hash came from (an edited lock, or a file replaced on the index), then "
            f"{_relock(target, relock, pin.name)}")


def _requirement_problems(pins: Sequence[LockPin], edges: Edges, target: Target,
                          relock: str | None) -> dict[str, list[Problem]]:
    """Missing and conflicting requirements, filed under the line to change: the requiring pin's for a missing
    package, the pinned one's for a version that does not satisfy."""
    found: dict[str, list[Problem]] = {}
    by_name: dict[NormalizedName, LockPin] = {}
    for pin in pins:
        first = by_name.setdefault(pin.name, pin)
        if first.version != pin.version:
            found.setdefault(pin.source, []).append(Problem(
                kind=ProblemKind.CONFLICT, why=f"conflict: {pin.text} contradicts {first.text} at {first.source}",
                fix=f"keep one pin of {pin.name}"))
    for name, requirers in edges.requirers.items():
        pinned = by_name.get(name)
        for r in requirers:
            if pinned is None:
                found.setdefault(r.by.source, []).append(Problem(
                    kind=ProblemKind.MISSING, why=f"missing: {r.requirement} required by {r.by.text}",
                    fix=f"the lock must pin {name} too: {_relock(target, relock, r.by.name)}"))
            elif not r.requirement.specifier.contains(pinned.version, prereleases=True):
                found.setdefault(pinned.source, []).append(Problem(
                    kind=ProblemKind.CONFLICT,
                    why=f"conflict: {pinned.text} does not satisfy {r.requirement} required by {r.by.text}",
                    fix=f"pin a {name} that {r.by.text} accepts, or change {r.by.name}; then "
                        f"{_relock(target, relock, name)}"))
    return found


def _few(names: Sequence[str]) -> str:
    return ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")


def _suggestion(session: Session, pin: LockPin, target: Target, requirers: Sequence[Requirer],
                project: Sequence[Requirer] = ()) -> tuple[Version | None, str]:
    """A nearest version that every other pin's requirement and the project's own accept; else the
    requirements that rule out every version with a wheel, whose requirers are what should change."""
    others = [r for r in requirers if r.by.name != pin.name] + list(project)
    choices = [session.choice(pin.name, v, target) for v in session.releases(pin.name)]
    accepted = [c for c in choices
                if all(r.requirement.specifier.contains(c.version, prereleases=True) for r in others)]
    nearest = _nearest(pin.version, accepted, choices)
    if nearest is not None:
        return nearest, ""
    usable = [c.version for c in choices if c.has_wheel and not c.yanked and not c.version.is_prerelease]
    if not usable:
        return None, (f"no release of {pin.name} has a wheel for {target}: deploy on a Python or platform that "
                      f"has one ('wheelpin report' lists them) or drop what requires {pin.name}")
    # Name the requirements that exclude a version with a wheel: changing their requirers is the way out.
    forcing = [r for r in others if any(not r.requirement.specifier.contains(v, prereleases=True) for v in usable)]
    return None, "; ".join(f"the project {r.by.name} requires {r.requirement.name}{r.requirement.specifier}: relax "
                           "it in its pyproject.toml and re-lock" if r in project else
                           f"required by {r.by.text} ({r.requirement.name}{r.requirement.specifier}): "
                           f"upgrade {r.by.name}" for r in forcing)


def _nearest(version: Version, accepted: list[VersionChoice], choices: list[VersionChoice]) -> Version | None:
    """The wheel-bearing, non-yanked final release among ``accepted`` closest to ``version`` in the order of
    all releases (``choices``); newer wins ties."""
    ordered = sorted(c.version for c in accepted if c.has_wheel and not c.yanked and not c.version.is_prerelease)
    if not ordered:
        return None
    newer = [v for v in ordered if v > version]
    older = [v for v in ordered if v < version]
    all_versions = sorted({c.version for c in choices} | {version})
    position = all_versions.index(version)

    def distance(v: Version) -> int:
        return abs(all_versions.index(v) - position)

    options = ([newer[0]] if newer else []) + ([older[-1]] if older else [])
    return min(options, key=lambda v: (distance(v), v < version))
