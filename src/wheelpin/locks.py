"""Lock files of every format → the pins that apply to a target.  [pure: reads files, no network]

Which packages an installer takes from a lock, and what the lock records of each, as each tool documents it:

- requirements files (pip): every ``name==version`` line whose marker holds (:func:`wheelpin.check.lock_pins`);
- ``pylock.toml`` / ``pylock.<name>.toml`` (PEP 751): ``environments`` and ``requires-python`` must admit
  the target; each ``[[packages]]`` entry whose ``marker`` holds, with its ``wheels`` and ``sdist``;
- ``uv.lock`` (uv's docs, "The lockfile"): the graph from the project (or the workspace's ``manifest.members``),
  following each ``dependencies`` entry whose ``marker`` holds, the ``dev-dependencies`` groups asked for
  (``uv sync --no-dev``, what a deploy runs, takes none) and the ``optional-dependencies`` of the extras asked
  for; where a name has several entries (``resolution-markers`` forks), the dependency's ``version`` or the
  fork whose markers hold picks one.  The project itself and editable, directory, path and virtual members
  are local, not index releases: followed, never checked;
- ``poetry.lock`` (Poetry's docs): ``files = [{file, hash}]`` per package (Poetry 1.x kept them under
  ``[metadata.files]``); ``groups`` and ``markers`` (lock-version 2.1, Poetry 2) say which packages a
  ``poetry install --only main`` takes; ``python-versions`` is the package's requires-python;
- ``Pipfile.lock`` (Pipenv's docs): ``default`` (plus ``develop`` with ``--dev``), each with a version,
  hashes and markers only: the files are the index's.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.pylock import Package, PackageSdist, PackageWheel, Pylock, PylockValidationError, is_valid_pylock_path
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelpin import sources
from wheelpin._toml import TOMLDecodeError, loads_toml
from wheelpin.check import lock_pins
from wheelpin.errors import InputError, LockNotForTarget
from wheelpin.inputs import decode_text, parse_requirements_file
from wheelpin.lockgraph import LockPin, Requirer
from wheelpin.models import DistFile
from wheelpin.target import Target

REQUIREMENTS, PYLOCK, UV, POETRY, PIPFILE = "requirements", "pylock.toml", "uv.lock", "poetry.lock", "Pipfile.lock"
# The command that makes each tool write the lock again, for the fix column ({name}: the package).
RELOCK = {
    UV: "re-lock with 'uv lock --upgrade-package {name}' (and no no-binary setting for it)",
    POETRY: "re-lock with 'poetry update {name}'",
    PIPFILE: "re-lock with 'pipenv lock'",
    PYLOCK: "re-lock so that the lock lists that wheel (wheelpin resolve -o pylock.toml lists only the target's)",
}
_LOCAL_SOURCES = ("virtual", "editable", "directory", "path", "git", "url")


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """What of a lock a deploy installs: dependency groups beyond the main one (uv's and Poetry's groups),
    extras of the project, and Pipfile.lock's ``develop`` section."""

    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    dev: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LockRead:
    path: str
    format: str
    pins: tuple[LockPin, ...]
    skipped: tuple[str, ...] = ()  # local members and VCS/path entries, not index releases: never checked
    index_url: str | None = None  # the index the lock names, where it names one for all its packages
    extra_index_urls: tuple[str, ...] = ()
    # The project's own requirements, with their specifiers, where the lock records them (uv.lock's
    # [package.metadata] requires-dist), that apply to the target: a suggested version must meet them.
    project: tuple[Requirer, ...] = ()

    @property
    def relock(self) -> str | None:
        return RELOCK.get(self.format)


def lock_format(path: str, text: str) -> str:
    """The format, from the file's name and else from its contents."""
    name = os.path.basename(path)
    if is_valid_pylock_path(Path(name)):
        return PYLOCK
    known = {"uv.lock": UV, "poetry.lock": POETRY, "pipfile.lock": PIPFILE}
    if name.lower() in known:
        return known[name.lower()]
    head = text.lstrip()
    if head.startswith("{") and '"_meta"' in text:
        return PIPFILE
    if re.search(r"^\[\[packages\]\]", text, re.MULTILINE) and re.search(r"^lock-version\s*=", text, re.MULTILINE):
        return PYLOCK
    if re.search(r"^\[\[package\]\]", text, re.MULTILINE):
        return POETRY if re.search(r"^\[metadata\]", text, re.MULTILINE) else UV
    return REQUIREMENTS


def read_lock(path: str, target: Target, selection: Selection = Selection()) -> LockRead:
    """The pins of the lock at ``path`` that an installer on ``target`` takes, in the lock's order."""
    text = _read(path)
    form = lock_format(path, text)
    if form == REQUIREMENTS:
        inputs = parse_requirements_file(path, references=False)  # a VCS or path line has no wheel to check
        return LockRead(path=path, format=form, pins=tuple(lock_pins(inputs, target)), index_url=inputs.index_url,
                        extra_index_urls=inputs.extra_index_urls)
    if form == PIPFILE:
        return _read_pipfile(path, text, target, selection)
    try:
        data = loads_toml(text)
    except TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); a {form} is TOML as its tool writes it.") from None
    readers: dict[str, Callable[[str, str, dict[str, Any], Target, Selection], LockRead]] = {
        PYLOCK: _read_pylock, UV: _read_uv, POETRY: _read_poetry}
    return readers[form](path, text, data, target, selection)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the path of a lock file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc}); give a lock file you can read.") from None
    return decode_text(data, path)  # a BOM's UTF-16 or UTF-32 too, as resolve -r reads the same file


def _package_lines(text: str, header: str) -> dict[tuple[str, str], int]:
    """The line of each ``header`` table by the (normalized name, version) that follows it, for messages."""
    found: dict[tuple[str, str], int] = {}
    start, name = 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == header:
            start, name = number, ""
        elif start and (m := re.match(r'^name\s*=\s*"([^"]+)"', stripped)):
            name = canonicalize_name(m.group(1))
        elif start and name and (m := re.match(r'^version\s*=\s*"([^"]+)"', stripped)):
            found.setdefault((name, m.group(1)), start)
            start = 0
    return found


def _version(value: object, where: str) -> Version:
    try:
        return Version(str(value))
    except InvalidVersion:
        raise InputError(f"{where}: version {value!r} is not a PEP 440 version; is the lock damaged?") from None


def _marker(text: object, where: str) -> Marker | None:
    if not text:
        return None
    try:
        return Marker(str(text))
    except InvalidMarker:
        raise InputError(f"{where}: the marker {text!r} is not PEP 508; is the lock damaged?") from None


def _holds(marker: Marker | None, target: Target, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> bool:
    """Whether ``marker`` holds on the target with these extras and groups.  Lock files may use PEP 751's
    ``extras`` and ``dependency_groups`` sets (pipenv writes ``'dev' in dependency_groups``), which only the
    lock-file evaluation context knows."""
    if marker is None:
        return True
    environment = target.marker_environment()
    try:
        return any(marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras))
    except UndefinedEnvironmentName:
        sets: dict[str, str | AbstractSet[str]] = {**environment, "extras": frozenset(extras),
                                                   "dependency_groups": frozenset(groups)}
        try:
            return marker.evaluate(sets, context="lock_file")
        except UndefinedEnvironmentName as exc:
            raise InputError(f"the marker {marker} uses {exc}, which no installer defines; is the lock damaged?"
                             ) from None


def _python_bound(path: str, requires_python: str, target: Target) -> None:
    """uv and Poetry refuse to install a lock on a Python outside the project's requires-python."""
    if requires_python and not target.admits(requires_python):
        raise LockNotForTarget(f"{path} was locked for Python {requires_python}, which excludes Python "
                               f"{target.python_full_version}: its tool refuses to install it there.",
                               requires_python=requires_python)


def _file(filename: str, url: str, digest: object, *, size: object = None, upload_time: object = None) -> DistFile:
    text = str(digest or "")
    sha256 = text.split(":", 1)[1] if text.startswith("sha256:") else None
    return DistFile(filename=filename, url=url, sha256=sha256, size=size if isinstance(size, int) else None,
                    upload_time=str(upload_time) if upload_time else None)


def _url_filename(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


# -- pylock.toml (PEP 751) -----------------------------------------------------------------------------
def _read_pylock(path: str, text: str, data: dict[str, Any], target: Target, selection: Selection) -> LockRead:
    try:
        lock = Pylock.from_dict(data)
    except PylockValidationError as exc:
        raise InputError(f"{path}: not a valid PEP 751 lock ({exc}).") from None
    environment: dict[str, str | AbstractSet[str]] = {
        **target.marker_environment(), "extras": frozenset(selection.extras),
        "dependency_groups": frozenset(selection.groups or lock.default_groups or ())}
    if lock.environments and not any(m.evaluate(environment, context="lock_file") for m in lock.environments):
        raise LockNotForTarget(f"{path} is locked for {' or '.join(str(m) for m in lock.environments)}, which "
                               f"excludes {target}: an installer refuses it there; lock for that target too.")
    if lock.requires_python and not target.admits(str(lock.requires_python)):
        raise LockNotForTarget(f"{path} has requires-python {lock.requires_python}, which excludes Python "
                               f"{target.python_full_version}: an installer refuses it; lock for that Python too.",
                               requires_python=str(lock.requires_python))
    lines = _package_lines(text, "[[packages]]")
    applying = [p for p in lock.packages
                if p.marker is None or p.marker.evaluate(environment, context="lock_file")]
    excluded = {(p.name, str(p.version)) for p in lock.packages if p not in applying}
    pins, skipped = [], []
    for package in applying:
        if package.version is None or package.is_direct:
            local = package.directory or package.archive or package.vcs
            where_from = getattr(local, "path", None) or getattr(local, "url", None) or "not from an index"
            skipped.append(f"{package.name} ({type(local).__name__.removeprefix('Package').lower()} {where_from})"
                           if local is not None else f"{package.name} (not from an index)")
            continue
        where = f"{path}:{lines.get((package.name, str(package.version)), 1)}"
        pins.append(LockPin(name=package.name, version=package.version, source=where,
                            files=tuple(_pylock_files(package)), requires_python=_str(package.requires_python),
                            dependencies=_pylock_dependencies(package, excluded)))
    return LockRead(path=path, format=PYLOCK, pins=tuple(pins), skipped=tuple(skipped))


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _pylock_files(package: Package) -> Iterator[DistFile]:
    entries: list[PackageWheel | PackageSdist] = [*(package.wheels or ()), *([package.sdist] if package.sdist else [])]
    for entry in entries:
        upload = entry.upload_time.isoformat() if entry.upload_time else None
        yield _file(entry.filename, entry.url or entry.path or "", f"sha256:{entry.hashes.get('sha256', '')}",
                    size=entry.size, upload_time=upload)


def _pylock_dependencies(package: Package, excluded: set[tuple[NormalizedName, str]]) -> tuple[str, ...] | None:
    """PEP 751 ``dependencies`` name other entries of the lock (by name, and version where several share a
    name); an entry whose marker excludes the target is no dependency there.  None when the lock has none."""
    if package.dependencies is None:
        return None
    lines = []
    for dependency in package.dependencies:
        name, version = canonicalize_name(str(dependency.get("name", ""))), dependency.get("version")
        if not name or (version is not None and (name, str(version)) in excluded):
            continue
        if version is None and any(n == name for n, _v in excluded):
            continue  # ambiguous, and one candidate is excluded: trust the lock's markers
        lines.append(f"{name}=={version}" if version is not None else name)
    return tuple(lines)


# -- uv.lock -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _UvGraph:
    path: str
    target: Target
    entries: list[dict[str, Any]]
    by_name: dict[NormalizedName, list[int]]

    def pick(self, dependency: Mapping[str, Any]) -> int | None:
        """The entry a dependency means: by its version where it gives one, else the only entry of that
        name, else the fork whose resolution-markers hold on the target."""
        found = self.by_name.get(canonicalize_name(str(dependency.get("name", ""))), [])
        version = dependency.get("version")
        if version is not None:
            found = [i for i in found if str(self.entries[i].get("version")) == str(version)]
        if len(found) > 1:
            found = [i for i in found if any(_holds(_marker(m, self.path), self.target)
                                             for m in self.entries[i].get("resolution-markers", []))]
        return found[0] if found else None


def _uv_local(entry: Mapping[str, Any]) -> str | None:
    source = entry.get("source", {})
    kind = next((k for k in _LOCAL_SOURCES if k in source), None)
    return None if kind is None else f"{kind} {source[kind]}"


def _uv_dependency_line(dependency: Mapping[str, Any], extra: str | None = None) -> str:
    name = str(dependency.get("name"))
    extras = dependency.get("extra") or []
    line = name + (f"[{','.join(extras)}]" if extras else "")
    if dependency.get("version") is not None:
        line += f"=={dependency['version']}"
    markers = [f"({dependency['marker']})"] if dependency.get("marker") else []
    if extra is not None:
        markers.append(f'extra == "{extra}"')
    return line + (f"; {' and '.join(markers)}" if markers else "")


def _uv_roots(data: Mapping[str, Any], entries: list[dict[str, Any]]) -> list[int]:
    members = {canonicalize_name(m) for m in data.get("manifest", {}).get("members", [])}
    if members:
        return [i for i, e in enumerate(entries) if canonicalize_name(e.get("name", "")) in members
                and _uv_local(e) is not None]
    return [i for i, e in enumerate(entries)
            if any(e.get("source", {}).get(k) == "." for k in ("virtual", "editable", "directory"))]


def _read_uv(path: str, text: str, data: dict[str, Any], target: Target, selection: Selection) -> LockRead:
    _python_bound(path, str(data.get("requires-python") or ""), target)
    entries: list[dict[str, Any]] = list(data.get("package", []))
    graph = _UvGraph(path, target, entries, {})
    for i, entry in enumerate(entries):
        graph.by_name.setdefault(canonicalize_name(str(entry.get("name", ""))), []).append(i)
    roots = _uv_roots(data, entries)
    if not roots:
        raise InputError(f"{path}: no project or workspace member in the lock (a [[package]] with source "
                         "virtual or editable '.'); is it a uv.lock?")
    wanted: dict[int, set[str]] = {}
    queue = [_uv_root_dependencies(entries[i], selection) for i in roots]
    for i in roots:
        wanted[i] = set()
    while queue:
        dependencies = queue.pop(0)
        for dependency in dependencies:
            if not _holds(_marker(dependency.get("marker"), path), target):
                continue
            picked = graph.pick(dependency)
            if picked is None:
                continue  # not in the lock: the check names it missing, from the dependency records
            extras = set(dependency.get("extra") or [])
            known = wanted.get(picked)
            if known is not None and extras <= known:
                continue
            wanted[picked] = (known or set()) | extras
            entry = entries[picked]
            more = list(entry.get("dependencies", [])) if known is None else []
            for extra in extras - (known or set()):
                more += entry.get("optional-dependencies", {}).get(extra, [])
            queue.append(more)
    read = _uv_read(path, text, entries, wanted, roots)
    return replace(read, project=tuple(_uv_project_requirements(path, entries, roots, target)))


def _uv_project_requirements(path: str, entries: list[dict[str, Any]], roots: Sequence[int],
                             target: Target) -> Iterator[Requirer]:
    """The members' ``[package.metadata] requires-dist`` entries on index packages (name, specifier,
    marker), those that hold on the target."""
    for i in roots:
        entry = entries[i]
        member = LockPin(name=canonicalize_name(str(entry.get("name", ""))),
                         version=_version(entry.get("version") or "0", path), source=path)
        for item in entry.get("metadata", {}).get("requires-dist", []):
            if not isinstance(item, dict) or any(k in item for k in _LOCAL_SOURCES):
                continue
            marker = _marker(item.get("marker"), path)
            if not item.get("specifier") or not _holds(marker, target):
                continue
            try:
                requirement = Requirement(f"{item['name']}{item['specifier']}")
            except (InvalidRequirement, KeyError):
                continue
            yield Requirer(requirement=requirement, by=member)


def _uv_root_dependencies(entry: Mapping[str, Any], selection: Selection) -> list[Mapping[str, Any]]:
    dependencies = list(entry.get("dependencies", []))
    for group in selection.groups:
        dependencies += entry.get("dev-dependencies", {}).get(group, [])
    for extra in selection.extras:
        dependencies += entry.get("optional-dependencies", {}).get(extra, [])
    return dependencies


def _uv_read(path: str, text: str, entries: list[dict[str, Any]], wanted: Mapping[int, set[str]],
             roots: Sequence[int]) -> LockRead:
    lines = _package_lines(text, "[[package]]")
    pins, skipped = [], []
    for i in sorted(wanted):
        entry = entries[i]
        name = canonicalize_name(str(entry.get("name")))
        where = f"{path}:{lines.get((name, str(entry.get('version'))), 1)}"
        local = _uv_local(entry)
        if local is not None:
            if i not in roots:
                skipped.append(f"{name} ({local})")
            continue
        files = [_file(_url_filename(w["url"]), w["url"], w.get("hash"), size=w.get("size"),
                       upload_time=w.get("upload-time")) for w in entry.get("wheels", []) if "url" in w]
        sdist = entry.get("sdist")
        if isinstance(sdist, dict) and "url" in sdist:
            files.append(_file(_url_filename(sdist["url"]), sdist["url"], sdist.get("hash"), size=sdist.get("size")))
        dependencies = [_uv_dependency_line(d) for d in entry.get("dependencies", [])]
        for extra, items in entry.get("optional-dependencies", {}).items():
            dependencies += [_uv_dependency_line(d, extra) for d in items]
        pins.append(LockPin(name=name, version=_version(entry.get("version"), where), source=where,
                            extras=frozenset(canonicalize_name(e) for e in wanted[i]), files=tuple(files),
                            dependencies=tuple(dependencies)))
    return LockRead(path=path, format=UV, pins=tuple(pins), skipped=tuple(skipped))


# -- poetry.lock ---------------------------------------------------------------------------------------
def poetry_specifier(constraint: str) -> str | None:
    """A Poetry version constraint as a PEP 440 specifier (the translation ``sources`` reads pyproject.toml's
    Poetry tables with); None for what one specifier cannot say (``||`` alternatives) or cannot parse: the
    caller then checks only that the package is locked."""
    try:
        return str(SpecifierSet(sources.poetry_specifier(constraint)))
    except ValueError:  # InvalidSpecifier is one
        return None


def _poetry_dependency_lines(entry: Mapping[str, Any]) -> Iterator[str]:
    """``[package.dependencies]`` as PEP 508 lines; a dependency Poetry marks optional belongs to the extras
    of ``[package.extras]`` that name it."""
    extras_of: dict[NormalizedName, list[str]] = {}
    for extra, items in entry.get("extras", {}).items():
        for item in items:
            extras_of.setdefault(canonicalize_name(re.split(r"[\s(\[<>=!~;]", str(item).strip(), maxsplit=1)[0]),
                                 []).append(extra)
    for name, value in entry.get("dependencies", {}).items():
        for spec in value if isinstance(value, list) else [value]:
            table = spec if isinstance(spec, dict) else {"version": spec}
            markers = [f"({table['markers']})"] if table.get("markers") else []
            if table.get("optional"):
                wanted = extras_of.get(canonicalize_name(name), [])
                if not wanted:
                    continue
                markers.append("(" + " or ".join(f'extra == "{e}"' for e in wanted) + ")")
            extras = table.get("extras") or []
            specifier = poetry_specifier(str(table.get("version", "*"))) or ""
            yield (name + (f"[{','.join(extras)}]" if extras else "") + specifier
                   + (f"; {' and '.join(markers)}" if markers else ""))


def _poetry_applies(entry: Mapping[str, Any], groups: set[str], target: Target, selection: Selection,
                    where: str) -> bool:
    """Lock-version 2.1 (Poetry 2) records each package's ``groups`` and, per group, its ``markers``; older
    locks have a ``category`` (1.x) or nothing, and every package applies (markers, where given, still
    count)."""
    in_groups = entry.get("groups")
    if in_groups is not None and not groups & set(in_groups):
        return False
    if in_groups is None and entry.get("category") is not None and entry["category"] not in groups:
        return False
    markers = entry.get("markers")
    if isinstance(markers, dict):  # per group; a group of the package's without an entry has no marker
        return any(g not in markers or _holds(_marker(markers[g], where), target, selection.extras)
                   for g in groups & set(in_groups or markers))
    return _holds(_marker(markers, where), target, selection.extras)


def _read_poetry(path: str, text: str, data: dict[str, Any], target: Target, selection: Selection) -> LockRead:
    _python_bound(path, poetry_specifier(str(data.get("metadata", {}).get("python-versions", "*"))) or "", target)
    groups = {"main", *selection.groups}
    legacy_files = data.get("metadata", {}).get("files", {})  # Poetry 1.x: [metadata.files], by name
    lines = _package_lines(text, "[[package]]")
    pins, skipped = [], []
    for entry in data.get("package", []):
        name = canonicalize_name(str(entry.get("name", "")))
        where = f"{path}:{lines.get((name, str(entry.get('version'))), 1)}"
        if not _poetry_applies(entry, groups, target, selection, where):
            continue
        source = entry.get("source", {})
        if source.get("type") in ("directory", "file", "git", "url"):
            skipped.append(f"{name} ({source.get('type')} {source.get('url', '')})")
            continue
        listed = entry.get("files") or legacy_files.get(entry.get("name"), legacy_files.get(name, []))
        # Poetry records file names and hashes, not URLs: the index's page has those.
        files = tuple(_file(str(f["file"]), "", f.get("hash")) for f in listed if "file" in f)
        python = str(entry.get("python-versions", "*"))
        pins.append(LockPin(name=name, version=_version(entry.get("version"), where), source=where,
                            files=files, dependencies=tuple(_poetry_dependency_lines(entry)),
                            requires_python=None if python.strip() in ("", "*") else poetry_specifier(python)))
    return LockRead(path=path, format=POETRY, pins=tuple(pins), skipped=tuple(skipped))


# -- Pipfile.lock --------------------------------------------------------------------------------------
def _read_pipfile(path: str, text: str, target: Target, selection: Selection) -> LockRead:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); a Pipfile.lock is JSON as pipenv writes it.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a Pipfile.lock (no default section); give the lock pipenv wrote.")
    pins, skipped = [], []
    seen: set[str] = set()
    for section in ("default", "develop") if selection.dev else ("default",):
        for name, entry in (data.get(section) or {}).items():
            where = f"{path}:{_json_key_line(text, name)}"
            groups = ("dev",) if section == "develop" else ()
            if name in seen or not isinstance(entry, dict) or not _holds(_marker(entry.get("markers"), where),
                                                                         target, groups=groups):
                continue  # a package in both sections is installed once, as pipenv install --dev does
            seen.add(name)
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                what = next((k for k in ("git", "path", "file", "editable") if k in entry), "no version")
                skipped.append(f"{name} ({what})")
                continue
            hashes = tuple(h.split(":", 1)[1] for h in entry.get("hashes", []) if h.startswith("sha256:"))
            pins.append(LockPin(name=canonicalize_name(name), version=_version(version[2:], where), source=where,
                                extras=frozenset(canonicalize_name(e) for e in entry.get("extras", [])),
                                hashes=hashes))
    sources = [s.get("url") for s in data.get("_meta", {}).get("sources", []) if isinstance(s, dict)]
    urls = [str(u) for u in sources if u]
    return LockRead(path=path, format=PIPFILE, pins=tuple(pins), skipped=tuple(skipped),
                    index_url=urls[0] if urls else None, extra_index_urls=tuple(urls[1:]))


def _json_key_line(text: str, key: str) -> int:
    position = text.find(f'"{key}": {{')
    return text.count("\n", 0, position) + 1 if position >= 0 else 1
