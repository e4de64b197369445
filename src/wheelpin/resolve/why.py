"""Why each release of one package is, or is not, a candidate for a target: the resolver's own answers.

A release is a candidate when the pre-release and yank rules admit it (``CandidateFactory.admitted``), the
factory judges it installable (``judged`` / ``installable``: a wheel for the target, from
``wheels.choose_files``), and its metadata's Requires-Python, the authority the resolver backtracks on, does
not exclude the target.  Every release that is not one gets each reason that holds, and the smallest change of
Python or platform that would make it one (``remedy.smallest_change``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.errors import MetadataError
from wheelpin.models import BlockKind
from wheelpin.remedy import Remedy, smallest_change
from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.requirements import to_req
from wheelpin.resolve.session import Session
from wheelpin.target import Target
from wheelpin.wheels import ParsedFile, VersionChoice

YANKED = "yanked"
PRE_RELEASE = "pre-release"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    kind: str  # "yanked", "pre-release", or a BlockKind value ("no-wheel-for-python", …)
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseVerdict:
    version: Version
    candidate: bool
    reasons: tuple[Reason, ...]  # empty for a candidate
    wheel: str | None  # the wheel the target would install (also for a yanked or pre-release one that has it)
    change: Remedy | None  # for a release without a wheel for the target: the smallest change that gives one
    has_sdist: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WhyAnswer:
    name: NormalizedName
    target: Target
    releases: tuple[ReleaseVerdict, ...]  # the ones asked for, newest first
    matching: int  # how many releases the query's specifier matches
    newest_candidate: Version | None  # what a resolution of the query alone would take


def why_releases(session: Session, target: Target, query: Requirement, *, pre: bool = False,
                 limit: int | None = None) -> WhyAnswer:
    """The releases ``query``'s specifier matches (pre-releases and yanked ones included, to say why they are
    left out), newest first, the first ``limit`` of them judged.  ProjectNotFound for an unknown project."""
    name = canonicalize_name(query.name)
    factory = CandidateFactory(session, target, pre=pre)
    releases = session.releases(name)
    matching = [v for v in releases if query.specifier.contains(v, prereleases=True)]
    admitted = factory.admitted(name, [to_req(query)])
    shown = matching if limit is None else matching[:limit]
    choices = dict(zip(shown, factory.judged(name, shown), strict=True))
    # The metadata of the shown releases with a wheel, side by side: each is read for its Requires-Python.
    session.prefetch_releases(name, choices.values())
    verdicts = tuple(_verdict(session, factory, name, choices[v], v in admitted, releases[v]) for v in shown)
    return WhyAnswer(name=name, target=target, releases=verdicts, matching=len(matching),
                     newest_candidate=_newest(session, factory, name, admitted, verdicts))


def _verdict(session: Session, factory: CandidateFactory, name: NormalizedName, choice: VersionChoice,
             admitted: bool, files: Sequence[ParsedFile]) -> ReleaseVerdict:
    reasons: list[Reason] = []
    version = choice.version
    if not admitted:
        if choice.yanked:
            why = f": {' '.join(choice.yanked_reason.split())}" if choice.yanked_reason else ""
            reasons.append(Reason(kind=YANKED, text=f"yanked{why}; taken only when pinned with == ({name}=={version})"))
        if version.is_prerelease:
            reasons.append(Reason(kind=PRE_RELEASE, text="a pre-release; taken only with --pre, or when the "
                                                         "requirement names a pre-release"))
    installable = factory.installable(name, choice)
    if not installable:
        reasons.append(Reason(kind=str(choice.kind or BlockKind.NO_WHEEL), text=choice.reason or "no wheel"))
    elif excluded := _metadata_excludes(session, factory.target, name, choice):
        reasons.append(Reason(kind=str(BlockKind.REQUIRES_PYTHON), text=excluded))
    change = None if choice.has_wheel else smallest_change(choice, files, factory.target)
    return ReleaseVerdict(version=version, candidate=not reasons, reasons=tuple(reasons),
                          wheel=choice.wheels[0].filename if choice.wheels else None, change=change,
                          has_sdist=choice.sdist is not None)


def _metadata_excludes(session: Session, target: Target, name: NormalizedName, choice: VersionChoice) -> str | None:
    """The metadata's Requires-Python, when it excludes the target the page's did not (the resolver backtracks
    on it); None when it admits the target, or the metadata cannot be read (the page's word then stands)."""
    if not choice.wheels:
        return None
    try:
        meta = session.metadata(name, choice.wheels[0], version=str(choice.version))
    except MetadataError:
        return None
    if meta.requires_python and not target.admits(meta.requires_python):
        return (f"the metadata's Requires-Python {meta.requires_python} excludes Python "
                f"{target.python_full_version} (the index page does not say so)")
    return None


def _newest(session: Session, factory: CandidateFactory, name: NormalizedName, admitted: list[Version],
            shown: Sequence[ReleaseVerdict]) -> Version | None:
    """The newest admitted release that is a candidate: what resolving the query alone would take."""
    judged = {v.version: v for v in shown}
    for version, choice in zip(admitted, factory.judged(name, admitted), strict=True):
        verdict = judged.get(version)
        if verdict is not None:
            if verdict.candidate:
                return version
            continue
        if factory.installable(name, choice) and not _metadata_excludes(session, factory.target, name, choice):
            return version
    return None
