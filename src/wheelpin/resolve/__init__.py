"""Resolution: a run's :class:`Session` (fetch pool and memo), the candidate factory, the resolvelib provider,
the prefetch policy and the explanation of failures.  Pure given an Index, but for the session's threads."""

from wheelpin.resolve.candidates import CandidateFactory
from wheelpin.resolve.resolver import resolve, resolve_targets
from wheelpin.resolve.session import Session

__all__ = ["CandidateFactory", "Session", "resolve", "resolve_targets"]
