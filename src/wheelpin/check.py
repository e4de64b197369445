"""Does a lockfile install on a target with wheels only?  [pure given an Index]"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin.errors import InputError
from wheelpin.index import Index
from wheelpin.inputs import Inputs
from wheelpin.target import Target
from wheelpin.wheels import VersionChoice, choices_for


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCheck:
    name: NormalizedName
    version: Version
    source: str
    ok: bool
    reason: str | None = None  # why it fails
    nearest: Version | None = None  # the closest version that has a wheel for the target


def pinned_version(item_source: str, text: str, specifier_ops: list[tuple[str, str]]) -> Version:
    if len(specifier_ops) != 1 or specifier_ops[0][0] not in ("==", "===") or "*" in specifier_ops[0][1]:
        raise InputError(
            f"{item_source}: {text!r} is not pinned to one version; check reads a lock, where every line is "
            "'name==version' (as written by 'wheelpin resolve' or 'pip freeze')."
        )
    try:
        return Version(specifier_ops[0][1])
    except InvalidVersion:
        raise InputError(
            f"{item_source}: {text!r} pins {specifier_ops[0][1]!r}, which is not a PEP 440 version; write the "
            "version the index lists, e.g. 'name==1.2.3'."
        ) from None


def check_lock(inputs: Inputs, target: Target, index: Index) -> list[PinCheck]:
    """One result per pin that applies to ``target`` (markers evaluated for it)."""
    environment = {**target.marker_environment(), "extra": ""}
    hashes_of = _hashes_by_line(inputs)
    results = []
    for item in inputs.requirements:
        req = item.requirement
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        version = pinned_version(item.source, str(req), [(s.operator, s.version) for s in req.specifier])
        name = canonicalize_name(req.name)
        choices = choices_for(name, index.project(name).files, target)
        by_version = {c.version: c for c in choices}
        choice = by_version.get(version)
        if choice is None:
            results.append(PinCheck(name=name, version=version, source=item.source, ok=False,
                                    reason="no such release on the index", nearest=_nearest(version, choices)))
            continue
        allowed = hashes_of.get(item.source)
        if choice.has_wheel and allowed and not allowed & {w.sha256 for w in choice.wheels}:
            results.append(PinCheck(name=name, version=version, source=item.source, ok=False, reason=(
                "this version has wheels for the target, but the lock's hashes are for another target's "
                "wheels: re-lock with 'wheelpin resolve' for this target")))
            continue
        reason = choice.reason
        results.append(PinCheck(name=name, version=version, source=item.source, ok=reason is None,
                                reason=reason, nearest=None if reason is None else _nearest(version, choices)))
    return results


def _hashes_by_line(inputs: Inputs) -> dict[str, set[str]]:
    """sha256 digests given per requirement line."""
    return {item.source: set(item.hashes) for item in inputs.requirements if item.hashes}


def _nearest(version: Version, choices: list[VersionChoice]) -> Version | None:
    """The wheel-bearing, non-yanked final release closest to ``version`` in release order; newer wins ties."""
    ordered = sorted((c for c in choices if c.has_wheel and not c.yanked and not c.version.is_prerelease),
                     key=lambda c: c.version)
    if not ordered:
        return None
    newer = [c.version for c in ordered if c.version > version]
    older = [c.version for c in ordered if c.version < version]
    all_versions = sorted({c.version for c in choices} | {version})
    position = all_versions.index(version)

    def distance(v: Version) -> int:
        return abs(all_versions.index(v) - position)

    options = ([newer[0]] if newer else []) + ([older[-1]] if older else [])
    return min(options, key=lambda v: (distance(v), v < version))
