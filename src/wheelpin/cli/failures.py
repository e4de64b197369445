"""A failed ``resolve``, told so the user can act: which of three failures it is, and for a missing wheel the
verified fix the report would give for that Python, before any mention of building from source.

The fix is the report layer's (``python_verdict``), rendered as it comes: this module searches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheelpin.errors import NoWheelSolution, WheelpinError
from wheelpin.inputs import Inputs
from wheelpin.models import Blocker, BlockKind, relax_text
from wheelpin.report.matrix import PythonVerdict, python_verdict
from wheelpin.resolve import Session
from wheelpin.target import Target


def explain_failure(inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str],
                    failure: NoWheelSolution) -> NoWheelSolution:
    """``failure`` (a strict resolution's) reworded as one of: no release matches a requirement at all; the
    requirements conflict whatever the wheels; or no wheel for the target, with the report's fix.  The
    strict explanation stands when the report cannot be worked out (the index failing half-way)."""
    try:
        verdict = python_verdict(inputs, target, session, allow_source=allow_source)
    except WheelpinError:
        return failure
    # A blocker with a chain is a release a resolution allowed to build from source had to pin: wheels are
    # what is missing.  Without one, even sdists would not have helped.
    missing = [b for b in verdict.blockers if b.links]
    if missing:
        return _no_wheel(inputs, target, session, allow_source, verdict, missing)
    if no_release := [b for b in failure.causes if b.kind == BlockKind.NO_RELEASE]:
        return NoWheelSolution(
            "; ".join(f"{b.reason} (required by {b.required_by})" for b in no_release) + ".",
            causes=failure.causes, rows=(),
            hints=("fix: correct the version in the requirement; no --python or --allow-source can help.",))
    return NoWheelSolution(
        f"the requirements conflict for {target} whatever the wheels: even building every package from "
        "source (--allow-source), no set of releases meets them all; relax one of these:",
        causes=failure.causes)


def _no_wheel(inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str],
              verdict: PythonVerdict, missing: Sequence[Blocker]) -> NoWheelSolution:
    names = ", ".join(f"{b.name}=={b.version}" for b in missing)
    rows = [(f"{b.name}=={b.version}", f"via {' -> '.join(b.chain)}: {b.reason}" if len(b.chain) > 1
             else f"direct requirement: {b.reason}") for b in missing]
    return NoWheelSolution(f"no wheel-only solution for {target}: {names} has no wheel for it.", causes=missing,
                           rows=rows, hints=_hints(inputs, target, session, allow_source, verdict, missing))


def _hints(inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str],
           verdict: PythonVerdict, missing: Sequence[Blocker]) -> list[str]:
    """The verified fix first; another Python next; building from source last, since a source build (a C or
    Rust toolchain on the deploy host) is the failure a wheel-only lock exists to avoid."""
    hints: list[str] = []
    fixes = list(dict.fromkeys(b.fix for b in missing if b.fix))
    if fixes:
        instead = _replaced(inputs, missing)
        together = ("verified: with it" if len(fixes) == 1 else "verified: with them together")
        if verdict.fixed_by_all:
            outcome = f"{together}, a wheel-only lock exists for {target}"
        elif verdict.fixed_by_all is False:
            outcome = "each unblocks its package, but together the set is still blocked"
        else:
            outcome = "verified for its package"
        relaxed = relax_text(tuple(dict.fromkeys(c for b in missing if b.fix for c in b.relaxes)))
        hints.append(f"fix: require {'; '.join(fixes)}{instead}{relaxed} ({outcome}).")
    for b in missing:
        if not b.fix:
            hints.append(f"no fix for {b.name}: {b.note or 'none found'}.")
    hints.append("or: pick another --python; `wheelpin report` lists the Pythons that install with wheels only.")
    allowed = {canonicalize_name(name) for name in allow_source}
    buildable = [b.name for b in missing
                 if b.name not in allowed and session.choice(b.name, Version(b.version), target).sdist]
    if buildable:
        flags = " ".join(f"--allow-source {name}" for name in buildable)
        hints.append(f"last resort: {flags} builds from the sdist at install time, which needs that "
                     "package's build toolchain on every machine that installs the lock.")
    return hints


def _replaced(inputs: Inputs, missing: Sequence[Blocker]) -> str:
    """" instead of pydantic==2.9.2 (command line)": the direct requirements the fixes change, as written."""
    roots = {b.root for b in missing if b.fix}
    for b in missing:
        # A joint fix ("numpy>=1.26.0, pandas>=2.1.1") changes requirements besides the blocker's own root.
        for part in (b.fix or "").split(", "):
            try:
                roots.add(canonicalize_name(Requirement(part).name))
            except InvalidRequirement:
                continue
    written = [f"{item.requirement} ({item.source})" for item in inputs.requirements
               if canonicalize_name(item.requirement.name) in roots]
    return f" instead of {', '.join(written)}" if written else ""
