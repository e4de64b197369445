"""A project page's files grouped by release, from their filenames alone.  [pure]

What every release must answer before its files are built (which files are its, whether every one is
yanked, which tag triples its wheels carry) is worked out once, when a page is fetched, and stored with the
page (``index.cache``): a warm run then reads the groups instead of parsing every filename again, which was
a large share of a warm resolve (docs/notes/speed.md, "Seventh pass").  ``wheels.Releases`` is built from
them.
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

# One release: its version (parsed, or as packaging spells it when read back from the cache), its files'
# positions in the page, whether every one of them is yanked, and the distinct tag triples of its wheels
# (None for an sdist).
ReleaseGroup = tuple[str | Version, list[int], bool, list[str | None]]
# While grouping: positions, [every one yanked], the distinct triples.
_Group = tuple[list[int], list[bool], dict[str | None, None]]


def group_releases(project: NormalizedName, heads: Iterable[tuple[int, str, bool]]) -> list[ReleaseGroup]:
    """Per release, from ``(position, filename, yanked)`` of each file; files that do not parse or name
    another project belong to none.  Files of a release usually come together, so a wheel with the last
    one's name-version prefix joins its group without parsing or hashing a Version again."""
    groups: dict[Version, _Group] = {}
    interned: dict[str, str] = {}
    last_prefix, last_group = "", None
    for position, filename, is_yanked in heads:
        triple = None
        if filename.endswith(".whl") and filename.count("-") >= 4:
            prefix = filename[:-4].rsplit("-", 3)[0]
            triple = filename[len(prefix) + 1:-4]
            triple = interned.setdefault(triple, triple)
            if prefix == last_prefix:
                group = last_group
            else:
                group = last_group = _group_of(groups, parse_name(filename, project))
                last_prefix = prefix
        else:
            group = _group_of(groups, parse_name(filename, project))
        if group is not None:
            group[0].append(position)
            group[1][0] = group[1][0] and is_yanked
            group[2][triple] = None
    return [(version, positions, yanked[0], list(triples)) for version, (positions, yanked, triples) in groups.items()]


def _group_of(groups: dict[Version, _Group], head: tuple[Version, str | None, int] | None) -> _Group | None:
    if head is None:
        return None
    group = groups.get(head[0])
    if group is None:
        group = groups[head[0]] = ([], [True], {})
    return group


def parse_name(filename: str, project: NormalizedName) -> tuple[Version, str | None, int] | None:
    """The version, tag triple (None for an sdist) and build number a filename gives; None when it does not
    parse or names another project."""
    if filename.endswith(".whl"):
        parts = filename[:-4].rsplit("-", 3)
        prefix = _parse_wheel_prefix(parts[0]) if len(parts) == 4 else None
        if prefix is None or prefix[0] != project:
            return None
        return prefix[1], f"{parts[1]}-{parts[2]}-{parts[3]}", prefix[2]
    try:
        sdist_name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        # Legacy uploads (.exe, .egg, .zip, names with odd versions) are not installable by a modern
        # installer; skipping them is what pip and uv do.
        return None
    return (version, None, -1) if sdist_name == project else None


def _parse_wheel_prefix(prefix: str) -> tuple[NormalizedName, Version, int] | None:
    """'name-version[-build]' of a wheel filename, validated by packaging; None when it does not parse."""
    try:
        name, version, build, _tags = parse_wheel_filename(f"{prefix}-py3-none-any.whl")
    except InvalidWheelFilename:
        return None
    return name, version, build[0] if build else -1
