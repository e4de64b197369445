"""When to fetch ahead of the resolver: one policy behind the factory's hooks.  [schedules I/O, never waits]

The resolver is sequential; each hook starts fetches in the session's pool so that the page or metadata
file the resolver asks for next is already there.  A wrong guess costs a request, never a wrong answer, and a
failure is ignored here: the resolver meets it again and reports it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from packaging.utils import NormalizedName
from packaging.version import Version

from wheelpin.models import CoreMetadata
from wheelpin.resolve.releases import admitted_releases, marker_wanted
from wheelpin.resolve.requirements import PYTHON, Candidate, Req, parse_dependency
from wheelpin.resolve.session import Session
from wheelpin.target import Target

# Speculation: how many requirements at most, and how many releases of each are judged while looking for the
# one the resolver will likely pick.
MAX_SPECULATION = 2000
SPECULATION_DEPTH = 5
# When the resolver walks down a project's releases, each rejected for its dependencies, how many of the next
# ones get their metadata fetched: as many as it has rejected, from 4 to 16, so a walk that stops soon wastes
# little and a long one (an old pin's explanation can walk dozens) is not a wait per release.
BACKTRACK_AHEAD = 4
BACKTRACK_MAX = 16


class PrefetchPolicy:
    """One per target and run (:func:`policy_for`), so a report's tenth resolution need not walk the graph
    again."""

    def __init__(self, session: Session, target: Target) -> None:
        self.session = session
        self.target = target
        self._lock = threading.Lock()
        self._speculated: set[tuple[str, str, frozenset[NormalizedName]]] = set()

    def on_requirement(self, req: Req, *, pre: bool = False) -> None:
        """The resolver learnt ``req``: fetch its page.  resolvelib asks for the matches of a pin's
        dependencies one after another, each waiting for its page, so without this a cold resolve fetches
        its pages one at a time.

        When speculating (:attr:`Session.speculating`), then also the metadata of the release the resolver
        will most likely pick (the newest one with a wheel that the specifier admits), then the same for its
        dependencies — chained by callbacks of finished fetches, so no worker ever waits on another."""
        if self.session.closed or req.name == PYTHON:
            return
        if not self.session.speculating:
            self.session.page_future(req.name)  # a fetch asked for once the run is over is settled, not raised
            return
        key = (req.name, req.spec_key, req.extras)
        with self._lock:
            if key in self._speculated or len(self._speculated) >= MAX_SPECULATION:
                return
            self._speculated.add(key)
        with contextlib.suppress(RuntimeError):  # the pool is shut down: the run is over
            self.session.page_future(req.name).add_done_callback(lambda _page: self._page_ready(req, pre))

    def on_first_candidate(self, candidate: Candidate) -> None:
        """The resolver asked for an identifier's matches: fetch the metadata of the best one now.  resolvelib
        asks for the matches of every new dependency at once and pins them one by one later, so these fetches
        run side by side instead of one per pin."""
        self.session.prefetch_metadata(candidate.name, candidate.metadata_file, version=str(candidate.version))

    def on_rejected(self, name: NormalizedName, later: Sequence[Version], rejected: int) -> None:
        """The resolver rejected ``rejected`` releases of ``name`` and asks for the next: fetch the metadata of
        the releases after it, which it will read one after another if it goes on.  Not on a warm run, where
        judging them would only cost CPU."""
        if not self.session.online:
            return
        window = min(max(BACKTRACK_AHEAD, rejected), BACKTRACK_MAX)
        self.session.prefetch_releases(name, (self.session.choice(name, v, self.target) for v in later[:window]))

    def _page_ready(self, req: Req, pre: bool) -> None:
        try:
            for version in admitted_releases(self.session, req.name, [req], pre)[:SPECULATION_DEPTH]:
                choice = self.session.choice(req.name, version, self.target)
                if choice.has_wheel:
                    future = self.session.metadata_future(req.name, choice.wheels[0], str(version))
                    future.add_done_callback(lambda done: self._metadata_ready(req, done, pre))
                    return
        except Exception:  # noqa: BLE001 - speculation must never break the run
            return

    def _metadata_ready(self, req: Req, done: Future[CoreMetadata], pre: bool) -> None:
        try:
            for line in done.result().requires_dist:
                dep = parse_dependency(line)
                if dep is not None and (dep[0].marker is None or
                                        marker_wanted(self.session, self.target, line, dep[0].marker, req.extras)):
                    self.on_requirement(dep[1], pre=pre)
        except Exception:  # noqa: BLE001 - speculation must never break the run
            return


def policy_for(session: Session, target: Target) -> PrefetchPolicy:
    return session.memo(("prefetch-policy", target), lambda: PrefetchPolicy(session, target))
