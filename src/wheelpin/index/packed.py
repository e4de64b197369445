"""A project page's files kept as the cache stores them: one JSON array per file, decoded on demand.  [pure]

A big project lists 10,000–15,000 files and a run holds dozens of pages, but a resolution only ever looks at
the few releases its specifiers admit.  As DistFile tuples a file costs about 1 KB of Python objects; as a
slice of the stored bytes, about 400 bytes and one ``msgspec.Raw`` view.  So a page is kept as its stored
bytes, and a file becomes a DistFile only when the release it belongs to is judged (``wheels.Releases``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import msgspec
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from wheelpin.models import DistFile
from wheelpin.releasegroups import ReleaseGroup, group_releases


# The stored order of a file's fields is DistFile's, except that ``yanked`` comes second, so that grouping a
# page by release reads the filename and the yank flag of each file and skips the rest without building it.
def to_stored(file: DistFile) -> tuple[object, ...]:
    return (file.filename, file.yanked, file.url, file.sha256, file.requires_python, file.core_metadata,
            file.core_metadata_sha256, file.size, file.yanked_reason, file.upload_time)


# One stored file: to_stored's order.
_Stored = tuple[str, bool, str, str | None, str | None, bool | None, str | None, int | None, str | None, str | None]


def _from_stored(f: _Stored) -> DistFile:
    return DistFile(f[0], f[2], f[3], f[4], f[1], f[5], f[6], f[7], f[8], f[9])


class _Head(msgspec.Struct, array_like=True):
    filename: str
    yanked: bool  # the stored array's further fields are skipped


class _Heads(msgspec.Struct):
    files: list[_Head]


_HEADS = msgspec.json.Decoder(_Heads)
_CHECK_CHUNK = 1024
_FILES = msgspec.json.Decoder(list[_Stored])


class PackedFiles(Sequence[DistFile]):
    """The files of a stored page: ``raws`` are views into ``value``, the stored entry (a JSON object whose
    ``files`` member holds one array per file, in page order).  Equal to any sequence of the same DistFiles."""

    __slots__ = ("_raws", "_releases", "_value", "decoded")

    def __init__(self, value: bytes, raws: list[msgspec.Raw], releases: Sequence[ReleaseGroup]) -> None:
        self._value = value
        self._raws = raws
        self._releases: Sequence[ReleaseGroup] | None = releases  # the page's files by release, as stored
        self.decoded = 0  # DistFiles built so far: what laziness saves is counted, not timed

    def check(self) -> None:
        """Raise msgspec's error if some file is not of the stored shape (a damaged or foreign entry), or some
        release names a file the page does not have or a version that does not parse, before anything relies
        on it; a thousand files at a
        time, so that checking holds no page's DistFiles."""
        for start in range(0, len(self._raws), _CHECK_CHUNK):
            _FILES.decode(b"[" + b",".join(self._raws[start:start + _CHECK_CHUNK]) + b"]")
        count = len(self._raws)
        checked: list[ReleaseGroup] = []
        for spelled, positions, yanked, triples in self._releases or ():
            if any(p >= count for p in positions):
                raise msgspec.ValidationError("a stored release names a file the page does not have")
            try:  # parsed here once, so that a version no resolution could read is a miss, not a crash
                version = Version(spelled) if isinstance(spelled, str) else spelled
            except InvalidVersion as exc:
                raise msgspec.ValidationError(str(exc)) from None
            checked.append((version, positions, yanked, triples))
        self._releases = checked

    def take_releases(self, project: NormalizedName) -> Sequence[ReleaseGroup]:
        """The page's release groups, handed over once (``wheels.Releases`` keeps them in a leaner form, and
        a page's stored groups of 50,000 files would otherwise stay in memory beside them); asked again, they
        are worked out anew from the stored filenames."""
        releases, self._releases = self._releases, None
        if releases is not None:
            return releases
        heads = _HEADS.decode(self._value).files
        return group_releases(project, ((i, h.filename, h.yanked) for i, h in enumerate(heads)))

    def load(self, positions: Sequence[int]) -> list[DistFile]:
        """The files at ``positions``, decoded in one call."""
        self.decoded += len(positions)
        joined = b"[" + b",".join(self._raws[p] for p in positions) + b"]"
        return [_from_stored(f) for f in _FILES.decode(joined)]

    def __len__(self) -> int:
        return len(self._raws)

    @overload
    def __getitem__(self, index: int) -> DistFile: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[DistFile, ...]: ...
    def __getitem__(self, index: int | slice) -> DistFile | tuple[DistFile, ...]:
        if isinstance(index, slice):
            return tuple(self.load(range(len(self._raws))[index]))
        return self.load([range(len(self._raws))[index]])[0]

    def __iter__(self) -> Iterator[DistFile]:
        return iter(self.load(range(len(self._raws))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PackedFiles({len(self)} files)"
