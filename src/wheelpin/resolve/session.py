"""A run's shared state: the fetch pool, and the memo of everything derived from pages and metadata.

One :class:`Session` serves every resolution of a run: a report's strict and permissive resolutions, its
fix search, for every Python.  Each page and each metadata file is fetched once; each release is grouped,
and judged for a target, once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from wheelpin.index import Index
from wheelpin.index.packed import PackedFiles
from wheelpin.models import CoreMetadata, DistFile, ProjectPage
from wheelpin.resolve.fetcher import Fetcher, Turns
from wheelpin.resolve.memo import Memo, T
from wheelpin.target import Target
from wheelpin.targetset import joint_choice
from wheelpin.wheels import Releases, VersionChoice, choose_files


class Session:
    """``speculate``: walk the dependency graph ahead of the resolver (:mod:`.prefetch`), once the run is on
    the network (:attr:`speculating`): it pays where resolutions wait for the network, and on a warm cache
    the guesses would only cost CPU (docs/architecture.md).
    ``online=False``: fetches ahead of need wait until the run goes to the network (:meth:`went_online`), so
    that a warm run never does for a guess (:class:`~wheelpin.resolve.fetcher.Fetcher`)."""

    def __init__(self, index: Index, *, workers: int = 16, speculate: bool = False, online: bool = True) -> None:
        self.speculate = speculate
        self.turns = Turns()
        self.fetcher = Fetcher(index, self.turns, workers=workers, online=online)
        self._memo = Memo(self.turns)
        # Whether a specifier admits a version: asked tens of thousands of times a report (resolvelib checks
        # every pin against every requirement each round), too often for the memo's general path.  A plain
        # dict: a value is a pure function of its key, so two threads that both compute one agree.
        self.satisfied: dict[tuple[str, Version], bool] = {}
        self._warnings_lock = threading.Lock()
        self._warnings: dict[str, None] = {}

    # -- fetching ------------------------------------------------------------------------------------
    def project(self, name: str) -> ProjectPage:
        return self.fetcher.result(self.fetcher.page_future(name))

    def metadata(self, name: str, file: DistFile, *, version: str = "") -> CoreMetadata:
        """Fetched once per (project, version, wheel or sdist): metadata is the same for every target."""
        return self.fetcher.result(self.fetcher.metadata_future(name, file, version))

    # Fetches ahead of need: prefetches and speculation (see ``online``).
    def page_future(self, name: str) -> Future[ProjectPage]:
        return self.fetcher.page_future(name, ahead=True)

    def metadata_future(self, name: str, file: DistFile, version: str) -> Future[CoreMetadata]:
        return self.fetcher.metadata_future(name, file, version, ahead=True)

    def prefetch_metadata(self, name: str, file: DistFile, *, version: str = "") -> None:
        self.metadata_future(name, file, version)

    def prefetch_releases(self, name: str, choices: Iterable[VersionChoice]) -> None:
        """Start fetching the metadata of these releases, from a wheel of each (a release without one is
        skipped: its sdist would be downloaded whole)."""
        for choice in choices:
            if choice.wheels:
                self.metadata_future(name, choice.wheels[0], str(choice.version))

    def went_online(self) -> None:
        """The run's first cache miss: fetches ahead of need start from now on."""
        self.fetcher.go_online()

    @property
    def online(self) -> bool:
        """Whether the run has gone to the network (always, for a session built ``online``)."""
        return self.fetcher.online

    @property
    def speculating(self) -> bool:
        """Whether to walk the graph ahead now: asked for, and the run has gone to the network."""
        return self.speculate and self.online

    @property
    def closed(self) -> bool:
        return self.fetcher.closed

    def close(self) -> None:
        self.fetcher.close()

    # -- derived values ------------------------------------------------------------------------------
    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from pages and metadata, computed once per run (see :class:`Memo`)."""
        return self._memo.get(key, compute)

    def recall(self, key: Hashable) -> object:
        """A memoized value if some caller computed it already, else None: for questions whose answer costs
        a download, asked where knowing what the run has learnt is enough."""
        return self._memo.recall(key)

    def releases(self, name: str) -> Releases:
        """A project's files grouped by version, newest first; a release's files are built and parsed when
        it is first looked at (a page from the cache is kept packed until then)."""
        normalized = canonicalize_name(name)
        return self._memo.get(("releases", normalized), lambda: self._group(normalized))

    def _group(self, name: NormalizedName) -> Releases:
        files = self.project(name).files
        if isinstance(files, PackedFiles):
            return Releases(name, files.take_releases(name), files.load)
        return Releases.of(name, files)

    def choice(self, name: NormalizedName, version: Version, target: Target) -> VersionChoice:
        """One release judged for ``target``: judged lazily, since resolutions only ever look at the few
        releases their specifiers admit."""
        return self._memo.get(("choice", name, version, target),
                              lambda: choose_files(version, self.releases(name)[version], target))

    def joint_choice(self, name: NormalizedName, version: Version, targets: tuple[Target, ...]) -> VersionChoice:
        """One release judged for several targets at once (``targetset.joint_choice``)."""
        if len(targets) == 1:
            return self.choice(name, version, targets[0])
        return self._memo.get(("joint choice", name, version, targets),
                              lambda: joint_choice([(t, self.choice(name, version, t)) for t in targets]))

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Run the body as one of several threads that take turns (see :class:`Turns`)."""
        with self.turns.turn():
            yield

    # -- what the user should hear -------------------------------------------------------------------
    def warn(self, message: str) -> None:
        with self._warnings_lock:
            self._warnings.setdefault(message)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings of the run, each once, in the order first given."""
        with self._warnings_lock:
            return tuple(self._warnings)
