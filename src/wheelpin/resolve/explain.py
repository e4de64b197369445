"""Why a strict resolution failed: resolvelib's causes → one :class:`Blocker` per package.  [pure]

resolvelib reports one cause per requirement it tried (motor 1.3 … 3.7 each requiring pymongo); the user
needs the package and the reason once, with the requirers summarised.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from packaging.utils import NormalizedName
from packaging.version import Version
from resolvelib.structs import RequirementInformation

from wheelpin.index import ProjectNotFound
from wheelpin.models import Blocker, BlockKind
from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.releases import admitted_releases
from wheelpin.resolve.requirements import PYTHON, Candidate, Req
from wheelpin.wheels import VersionChoice, why_none

Cause = RequirementInformation[Req, Candidate]


def explain(factory: CandidateFactory, causes: Collection[Cause]) -> list[Blocker]:
    by_package: dict[NormalizedName, list[Cause]] = {}
    for cause in causes:
        by_package.setdefault(cause.requirement.name, []).append(cause)
    blockers = []
    for name, package_causes in by_package.items():
        package_causes.sort(key=lambda c: c.parent.version if c.parent is not None else Version("0"),
                            reverse=True)
        blockers.append(_blocker(factory, name, package_causes))
    return blockers


def _blocker(factory: CandidateFactory, name: NormalizedName, causes: Sequence[Cause]) -> Blocker:
    req, parent = causes[0].requirement, causes[0].parent
    if name == PYTHON:
        by = f"{parent.name} {parent.version}" if parent is not None else "command line"
        return Blocker(name=name, kind=BlockKind.REQUIRES_PYTHON, wanted=str(req.specifier), required_by=by,
                       reason=f"its metadata says Requires-Python {req.specifier}, which excludes "
                              f"Python {factory.target.python_full_version}")
    by = f"{parent.name} {parent.version}" if parent is not None else (req.source or "command line")
    try:
        factory.session.releases(name)
    except ProjectNotFound:
        return Blocker(name=name, kind=BlockKind.CONFLICT, wanted=str(req.specifier), required_by=by,
                       reason="no such project on the index")
    if len(causes) > 1:
        by += f" (and {len(causes) - 1} other requirement{'s' if len(causes) > 2 else ''})"
    admitted = list(factory.judged(name, factory.admitted(name, [req])))
    kind, reason = _why(factory, causes, admitted)
    return Blocker(name=req.name, kind=kind, wanted=str(req.specifier), required_by=by,
                   versions=tuple(str(c.version) for c in admitted[:5]), reason=reason)


def _why(factory: CandidateFactory, causes: Sequence[Cause],
         admitted: Sequence[VersionChoice]) -> tuple[BlockKind, str]:
    req = causes[0].requirement
    name = req.name
    if not admitted_releases(factory.session, name, [req], factory.pre):  # constraints aside
        return BlockKind.NO_RELEASE, _no_release(factory, req)
    releases = factory.admitted(name, [])
    # Stops at the first release with a wheel: only a package with none is judged in full.
    if releases and not any(factory.installable(name, c) for c in factory.judged(name, releases)):
        return why_none(name, list(factory.judged(name, releases)), factory.target)
    if not admitted:
        limits = ", ".join(f"{name}{c.specifier}" for c in factory.constraints.get(name, ()))
        return BlockKind.CONFLICT, f"no release matches {req.specifier} together with the constraints ({limits})"
    if any(factory.installable(name, c) for c in admitted):
        return BlockKind.CONFLICT, _conflict(factory, causes)
    return why_none(name, admitted, factory.target, spec=str(req.specifier))


def _conflict(factory: CandidateFactory, causes: Sequence[Cause]) -> str:
    """The requirements on a package that no wheel-bearing release meets together, one per requirer (causes
    from older releases of the same parent are alternatives resolvelib tried, not further demands), and
    whether any release at all would."""
    per_requirer: dict[str, Cause] = {}
    for cause in causes:  # newest parent first
        parent = cause.parent
        per_requirer.setdefault(parent.name if parent is not None else "", cause)
    chosen = list(per_requirer.values())
    reqs = [c.requirement for c in chosen]
    name = reqs[0].name
    regardless = not admitted_releases(factory.session, name, [*reqs, *factory.constraints.get(name, ())],
                                       factory.pre)
    return f"conflicting requirements {_requirements(chosen)}: no release{'' if regardless else ' with a wheel'} " \
           "meets them all"


def _no_release(factory: CandidateFactory, req: Req) -> str:
    """No release at all matches the requirement: name the newest there is, as pip's "from versions" does, and
    say so when only a pre-release or a yanked release would have matched."""
    name = req.name
    releases = factory.session.releases(name)
    newest = next((v for v in releases if (factory.pre or not v.is_prerelease) and not releases.yanked(v)), None)
    reason = f"no release of {name} matches {req.specifier}"
    reason += f"; the newest release is {newest}" if newest else f"; {name} has no installable release"
    matching = [v for v in releases if req.specifier.contains(v, prereleases=True)]
    if matching and all(v.is_prerelease for v in matching) and not factory.pre:
        reason += f" (pre-release {max(matching)} matches: pass --pre to allow it)"
    elif matching:
        reason += f" ({max(matching)} matches but is yanked)"
    return reason


def _requirements(causes: Sequence[Cause]) -> str:
    """The distinct requirements on a package and who makes them: "werkzeug<2 (command line), werkzeug>=3.0.0
    (flask 3.0.0)", at most four."""
    seen: dict[str, str] = {}
    for cause in causes:
        parent = cause.parent
        by = f"{parent.name} {parent.version}" if parent is not None else (cause.requirement.source or "command line")
        seen.setdefault(f"{cause.requirement.name}{cause.requirement.specifier}", by)
    shown = [f"{text} ({by})" for text, by in list(seen.items())[:4]]
    return ", ".join(shown) + (f" and {len(seen) - 4} more" if len(seen) > 4 else "")


def failure_message(target: object, blockers: Sequence[Blocker]) -> str:
    """One paragraph for the failure, worded by what went wrong; the CLI adds the report's verified fix."""
    if missing := [b for b in blockers if b.kind == BlockKind.NO_RELEASE]:
        return "no lock is possible: " + "; ".join(f"{b.reason} (required by {b.required_by})" for b in missing)
    names = ", ".join(f"{b.name}{b.wanted}" for b in blockers) or "the requirements"
    if blockers and all(b.kind == BlockKind.CONFLICT for b in blockers):
        return f"no wheel-only solution for {target}: the requirements on {names} conflict."
    return (f"no wheel-only solution for {target}: {names} cannot be satisfied by versions that ship a "
            "compatible wheel. `wheelpin report` names the requirement to change; another --python may work.")
