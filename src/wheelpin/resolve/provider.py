"""The resolvelib provider: resolvelib's contract (``resolvelib.providers.AbstractProvider``), delegating
every question about releases to the candidate factory."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from resolvelib import AbstractProvider
from resolvelib.structs import RequirementInformation

from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.requirements import Candidate, Req

Information = Mapping[str, Iterator[RequirementInformation[Req, Candidate]]]
Causes = Sequence[RequirementInformation[Req, Candidate]]


class WheelProvider(AbstractProvider):  # type: ignore[type-arg]
    def __init__(self, factory: CandidateFactory) -> None:
        self.factory = factory

    def identify(self, requirement_or_candidate: Req | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(self, identifier: str, resolutions: Mapping[str, Candidate],
                       candidates: Mapping[str, Iterator[Candidate]], information: Information,
                       backtrack_causes: Causes) -> Any:
        return _preference(identifier, information, cause_names(backtrack_causes))

    def narrow_requirement_selection(self, identifiers: Iterable[str], resolutions: Mapping[str, Candidate],
                                     candidates: Mapping[str, Iterator[Candidate]], information: Information,
                                     backtrack_causes: Causes) -> Iterable[str]:
        # resolvelib >= 1.1 asks this once per round: pick the one identifier get_preference would, working
        # out the backtrack causes once instead of once per identifier.
        causes = cause_names(backtrack_causes)
        return [min(identifiers, key=lambda identifier: _preference(identifier, information, causes))]

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Req]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> Callable[[], Iterator[Candidate]]:
        excluded = {c.version for c in incompatibilities[identifier]}
        return self.factory.find_candidates(list(requirements[identifier]), excluded)

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        return self.factory.satisfies(requirement, candidate)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Req]:
        return self.factory.dependencies(candidate)


def _preference(identifier: str, information: Information, causes: set[str]) -> tuple[bool, bool, bool, str]:
    infos = list(information[identifier])
    pinned = any(info.requirement.pinned for info in infos)
    direct = any(info.parent is None for info in infos)
    # As pip does: work on the packages involved in the last conflict (and their parents) first, so a dead
    # end is found, and backjumped over, in few rounds.
    return (not causes or identifier.split("[")[0] not in causes), not pinned, not direct, identifier


def cause_names(backtrack_causes: Collection[RequirementInformation[Req, Candidate]]) -> set[str]:
    causes: set[str] = {cause.requirement.name for cause in backtrack_causes}
    causes |= {cause.parent.name for cause in backtrack_causes if cause.parent is not None}
    return causes
