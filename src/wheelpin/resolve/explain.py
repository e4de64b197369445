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
from wheelpin.resolve.requirements import PYTHON, Candidate, Req
from wheelpin.wheels import VersionChoice

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
    kind, reason = _why(factory, req, admitted)
    return Blocker(name=req.name, kind=kind, wanted=str(req.specifier), required_by=by,
                   versions=tuple(str(c.version) for c in admitted[:5]), reason=reason)


def _why(factory: CandidateFactory, req: Req, admitted: Sequence[VersionChoice]) -> tuple[BlockKind, str]:
    name = req.name
    releases = factory.admitted(name, [])
    # Stops at the first release with a wheel: only a package with none is judged in full.
    if releases and not any(factory.installable(name, c) for c in factory.judged(name, releases)):
        newest = next(factory.judged(name, releases[:1]))  # with what --allow-source found of its sdist
        return (newest.kind or BlockKind.NO_WHEEL,
                f"no release of {name} has a wheel for {factory.target} (newest, {newest.version}: {newest.reason})")
    if not admitted:
        reason = f"no release matches {req.specifier or 'any version'}"
        if factory.constraints.get(name):
            reason += " together with the constraints"
        return BlockKind.CONFLICT, reason
    if installable := [c for c in admitted if factory.installable(name, c)]:
        return (BlockKind.CONFLICT,
                f"its wheel-bearing versions ({_versions(installable)}) conflict with other requirements")
    return admitted[0].kind or BlockKind.NO_WHEEL, admitted[0].reason or "no wheel"


def _versions(choices: Sequence[VersionChoice]) -> str:
    shown = ", ".join(str(c.version) for c in choices[:3])
    return shown + (f" and {len(choices) - 3} more" if len(choices) > 3 else "")


def failure_message(target: object, blockers: Sequence[Blocker]) -> str:
    names = ", ".join(f"{b.name}{b.wanted}" for b in blockers) or "the requirements"
    return (f"no wheel-only solution for {target}: {names} cannot be satisfied by versions that ship a "
            f"compatible wheel. Relax or upgrade the requirement that forces it, pick another --python, or let "
            f"a package build from source with --allow-source NAME.")
