#!/usr/bin/env python3
"""Record trimmed, real package-index data for the offline test suite (tests/indexserver.py serves it).

Not run by the tests: a developer runs it by hand, against the live index, when the recorded data should be
refreshed or a workload added::

    PYTHONPATH=src python scripts/record_index.py            # default workloads and targets
    PYTHONPATH=src python scripts/record_index.py --python 3.12 --platform manylinux_2_28_x86_64

What it does:

1. Resolves every workload (the examples' requirements files plus a few extra requirement sets) with
   wheelpin's own resolver for every target, through a recording layer that notes each project page and each
   metadata file the resolver asks for.  Resolutions that fail are expected for some targets; what they
   touched is recorded all the same.
2. For every project touched, keeps a window of versions: from the oldest version the resolver read metadata
   of, pinned, or saw pinned with ``==`` (by the user or by a Requires-Dist), up to the newest release.  Every
   file of the window is kept except wheels for platforms no test uses.
3. Records the core metadata (header fields only: no long description, no URLs) of every version in the
   window that has a wheel for any of the targets, and advertises it on the page (``core-metadata`` with the
   sha256 of the trimmed file).
4. Projects named by ``--range-only`` (default: six) are kept to the pinned version, get no ``.metadata``
   file and no ``core-metadata`` key, and their wheels are downloaded for real, so clients must read
   METADATA through HTTP range requests.
5. Writes ``recording.json``: the targets, the workloads and what each resolution gave on the live index,
   then (unless ``--no-verify``) resolves everything again against the recorded data, served on 127.0.0.1,
   and fails if any result differs.

The live index comes from configuration only (``--index-url``, else WHEELPIN_INDEX_URL, UV_*, PIP_INDEX_URL,
pip's config, pip's own default): no index host name is written in this repository, and every URL recorded
is relative to the fixture server.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402
from packaging.tags import Tag  # noqa: E402
from packaging.utils import (  # noqa: E402
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version  # noqa: E402

from wheelpin.config import index_urls  # noqa: E402
from wheelpin.errors import NoWheelSolution, WheelpinError  # noqa: E402
from wheelpin.index import (  # noqa: E402
    HttpIndex,
    ProjectNotFound,
    parse_core_metadata,
    parse_project_page,
)
from wheelpin.index.simple_api import SIMPLE_ACCEPT  # noqa: E402
from wheelpin.inputs import Inputs, load_inputs  # noqa: E402
from wheelpin.models import CoreMetadata, DistFile, ProjectPage  # noqa: E402
from wheelpin.resolve import Session, resolve  # noqa: E402
from wheelpin.target import Target, make_target  # noqa: E402
from wheelpin.wheels import choices_for  # noqa: E402

DEFAULT_PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
DEFAULT_TARGETS = [(python, "manylinux_2_28_x86_64") for python in DEFAULT_PYTHONS] + [
    (python, platform)
    for platform in ("musllinux_1_2_x86_64", "manylinux_2_17_x86_64")
    for python in ("3.11", "3.12", "3.13")
]
# Requirement sets recorded beside the examples' requirements files (the "smallest fix" searches need them).
EXTRA_WORKLOADS = {"pydantic": ["pydantic>=2.9.2"], "tiktoken": ["tiktoken>=0.6.0"]}
RANGE_ONLY = ["six"]

# Header fields kept in recorded metadata; everything else (the long description, URLs, authors, licences,
# classifiers) is dropped: it is large, and may name the index's hosts.
KEPT_FIELDS = {
    "metadata-version", "name", "version", "requires-dist", "requires-python", "provides-extra", "dynamic",
    "summary",
}  # fmt: skip
REQUIRED_FIELDS = {"metadata-version", "name", "version"}
# email.feedparser's own test for a header line (or a continuation line).
_HEADER_LINE = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
# Wheels for platforms no test uses are dropped to keep the data small (Linux aarch64 is kept for the
# two-arch locks of docker-slim-arm64 and lambda-arm64).
_KEPT_PLATFORM = re.compile(r"^(any|win_amd64|macosx_.*|(many|musl)linux.*_(x86_64|aarch64))$")
_LINUX_ARCH = "^(many|musl)linux.*_{arch}$"
_DROPPED_INTERPRETER = re.compile(r"^(pp|graalpy|ip|jy)", re.IGNORECASE)

T = TypeVar("T")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the recording layer -----------------------------------------------------------------------------------
@dataclasses.dataclass
class RecordedPage:
    page: ProjectPage
    entries: list[dict[str, Any]]  # the index's own file entries (PEP 691), for yank reasons and sizes


class RecordingIndex:
    """An Index over an HttpIndex that remembers every page and metadata file asked for, across runs.

    Answers are memoized, so the same page or metadata file is fetched once however many workloads and
    targets ask for it; metadata is kept as the raw bytes the index served.
    """

    def __init__(self, http: HttpIndex) -> None:
        self.http = http
        self._lock = threading.Lock()
        self._pages: dict[str, Future[RecordedPage | None]] = {}
        self._metadata: dict[tuple[str, str, bool], Future[tuple[CoreMetadata, bytes | None, str]]] = {}
        self.touched: set[str] = set()
        # (project, version) → the filename whose metadata was read for it first.
        self.requested: dict[str, dict[Version, str]] = {}
        self.sources: Counter[str] = Counter()  # how metadata was obtained: "metadata-file" or "ranges"

    # Index protocol
    def project(self, name: str) -> ProjectPage:
        normalized = canonicalize_name(name)
        with self._lock:
            self.touched.add(normalized)
        recorded = self._once(self._pages, normalized, lambda: self._fetch_page(normalized))
        if recorded is None:
            raise ProjectNotFound(f"no project named {name!r} on the index")
        return recorded.page

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        project = canonicalize_name(name)
        version = file_version(file.filename, project)
        if version is None:
            raise WheelpinError(f"cannot tell the version of {file.filename}")
        with self._lock:
            self.requested.setdefault(project, {}).setdefault(version, file.filename)
        key = (project, str(version), file.is_wheel)
        meta, _raw, _filename = self._once(self._metadata, key, lambda: self._fetch_metadata(name, file))
        return meta

    # recorded data
    def page(self, name: str) -> RecordedPage | None:
        future = self._pages.get(name)
        return future.result() if future is not None else None

    def raw_metadata(self, project: str, version: Version) -> tuple[bytes, str] | None:
        future = self._metadata.get((project, str(version), True))
        if future is None or future.exception() is not None:
            return None
        _meta, raw, filename = future.result()
        return (raw, filename) if raw is not None else None

    # fetching
    def _fetch_page(self, normalized: str) -> RecordedPage | None:
        for index_url in self.http.index_urls:
            response = self.http._get(f"{index_url}{normalized}/", headers={"Accept": SIMPLE_ACCEPT},
                                      missing_ok=True)
            if response is None:
                continue
            files = parse_project_page(response)
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if content_type.endswith("+json") or content_type == "application/json":
                entries = list(response.json()["files"])
            else:  # an HTML page: rebuild the entries from what it said
                entries = [_entry_from_file(f) for f in files]
            page = ProjectPage(name=normalized, index_url=index_url, files=tuple(files))
            return RecordedPage(page=page, entries=entries)
        return None

    def _fetch_metadata(self, name: str, file: DistFile) -> tuple[CoreMetadata, bytes | None, str]:
        if not file.is_wheel:
            return self.http.metadata(name, file), None, file.filename
        raw, source = fetch_raw_metadata(self.http, file)
        with self._lock:
            self.sources[source] += 1
        return parse_core_metadata(raw, file.filename), raw, file.filename

    def _once(self, store: dict[Any, Future[T]], key: Any, fetch: Callable[[], T]) -> T:
        with self._lock:
            future = store.get(key)
            owner = future is None
            if future is None:
                future = store[key] = Future()
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:  # noqa: BLE001 - handed to every caller
                future.set_exception(exc)
        return future.result()


def _entry_from_file(file: DistFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"filename": file.filename, "url": file.url, "hashes": {}, "yanked": file.yanked}
    if file.sha256:
        entry["hashes"]["sha256"] = file.sha256
    if file.requires_python:
        entry["requires-python"] = file.requires_python
    if file.size is not None:
        entry["size"] = file.size
    return entry


def fetch_raw_metadata(http: HttpIndex, file: DistFile) -> tuple[bytes, str]:
    """The raw METADATA of a wheel: its ``.metadata`` file when the index serves one, else by ranges.

    The ``.metadata`` file is always tried (whatever the page says), and its sha256 is checked when the page
    gives one; then wheelpin's own range-request path reads the METADATA member out of the remote zip.
    """
    raw = http._metadata_file(dataclasses.replace(file, core_metadata=True))
    if raw is not None:
        return raw, "metadata-file"
    return http._metadata_by_ranges(file), "ranges"


def file_version(filename: str, project: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return version if name == project else None


def wheel_tags(filename: str) -> frozenset[Tag]:
    return parse_wheel_filename(filename)[3]


def kept_wheel(filename: str) -> bool:
    """Whether a wheel is for a platform some test may use (not PyPy/GraalPy, not i686/aarch64/...)."""
    tags = wheel_tags(filename)
    if all(_DROPPED_INTERPRETER.match(t.interpreter) for t in tags):
        return False
    return any(_KEPT_PLATFORM.match(t.platform) for t in tags)


# -- metadata trimming ---------------------------------------------------------------------------------------
def trim_metadata(raw: bytes, forbidden: Iterable[str] = ()) -> bytes:
    """Only the header fields the tests need; the body (long description) and URL-bearing fields go.

    Lines are kept byte for byte (only line endings become ``\\n``), so wheelpin parses the trimmed file
    exactly as it parsed the original.  A kept optional field that mentions a forbidden host is dropped too.
    """
    text = raw.decode("utf-8", "surrogateescape")
    fields: list[list[str]] = []
    for line in text.splitlines():
        # The headers end where the email parser (wheelpin's and installers') ends them: at an empty line or
        # at one that is neither a header nor a continuation.  A line of only blanks is a continuation (seen
        # inside multi-line License fields), not the end.
        if not _HEADER_LINE.match(line):
            break
        if line[0] in " \t" and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    banned = [h.lower() for h in forbidden if h]
    kept: list[str] = []
    for lines in fields:
        name = lines[0].split(":", 1)[0].strip().lower()
        if name not in KEPT_FIELDS:
            continue
        block = "\n".join(lines)
        if name not in REQUIRED_FIELDS and any(h in block.lower() for h in banned):
            continue
        kept.append(block)
    return ("\n".join(kept) + "\n").encode("utf-8", "surrogateescape")


# -- workloads and targets -------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    requirement_files: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()

    def inputs(self) -> Inputs:
        return load_inputs(requirement_files=[str(ROOT / f) for f in self.requirement_files],
                           requirement_args=list(self.requirements))

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.requirement_files:
            out["requirement_files"] = list(self.requirement_files)
        if self.requirements:
            out["requirements"] = list(self.requirements)
        return out


def default_workloads() -> list[Workload]:
    workloads = [Workload(name=path.parent.name, requirement_files=(str(path.relative_to(ROOT)),))
                 for path in sorted((ROOT / "examples").glob("*/requirements.txt"))]
    workloads += [Workload(name=name, requirements=tuple(reqs)) for name, reqs in EXTRA_WORKLOADS.items()]
    return workloads


def target_key(target: Target) -> str:
    return f"{target.python_version}-{target.platform.tag}"


@dataclasses.dataclass
class Outcome:
    pins: dict[str, str] | None = None
    blockers: list[list[str]] | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.pins is not None:
            return {"ok": True, "pins": self.pins}
        if self.blockers is not None:
            return {"ok": False, "blockers": self.blockers}
        return {"ok": False, "error": self.error}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(pins=data.get("pins"), blockers=data.get("blockers"), error=data.get("error"))

    def essence(self) -> Any:
        """What must not change between the live index and the recorded data.

        The pins, or the blocked requirements: a blocker's explanation may list other versions or wheel
        platforms than it did live, since the recorded pages keep a window of versions and no wheels for
        platforms the tests do not use.
        """
        if self.pins is not None:
            return ("pins", self.pins)
        if self.blockers is not None:
            return ("blocked", sorted(b[0] for b in self.blockers))
        return ("error", (self.error or "").split(":")[0])


def run_all(index: Any, workloads: Sequence[Workload], targets: Sequence[Target], *,
            workers: int) -> dict[str, dict[str, Outcome]]:
    results: dict[str, dict[str, Outcome]] = {}
    for workload in workloads:
        inputs = workload.inputs()
        for target in targets:
            started = time.monotonic()
            prefetching = Session(index, workers=workers)
            try:
                resolution = resolve(inputs, target, prefetching)
                pins = resolution.as_dict()
                outcome = Outcome(pins=pins)
                summary = f"{len(pins)} pins"
            except NoWheelSolution as exc:
                outcome = Outcome(blockers=[list(b) for b in exc.blockers])
                summary = "no wheel-only solution: " + ", ".join(b[0] for b in exc.blockers)
            except WheelpinError as exc:
                outcome = Outcome(error=str(exc))
                summary = f"error: {exc}"
            finally:
                prefetching.close()
            results.setdefault(workload.name, {})[target_key(target)] = outcome
            log(f"  {workload.name:16} {target_key(target):28} {summary} "
                f"({time.monotonic() - started:.1f}s)")
    return results


# -- trimming -------------------------------------------------------------------------------------------------------


def exact_pins(requirement: str) -> tuple[str, Version] | None:
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return None
    for spec in req.specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            try:
                return canonicalize_name(req.name), Version(spec.version)
            except ValueError:
                return None
    return None


def anchor_versions(recorder: RecordingIndex, workloads: Sequence[Workload],
                    results: dict[str, dict[str, Outcome]]) -> dict[str, set[Version]]:
    """Per project, the versions the window must reach down to: read, pinned, or pinned with ``==``."""
    anchors: dict[str, set[Version]] = {}

    def add(name: str, version: Version) -> None:
        anchors.setdefault(canonicalize_name(name), set()).add(version)

    for project, versions in recorder.requested.items():
        for version in versions:
            add(project, version)
    for by_target in results.values():
        for outcome in by_target.values():
            for name, pinned_version in (outcome.pins or {}).items():
                add(name, Version(pinned_version))
            for requirement, _why in outcome.blockers or ():
                if pinned := exact_pins(requirement):
                    add(*pinned)
    for workload in workloads:
        for item in workload.inputs().requirements:
            if pinned := exact_pins(str(item.requirement)):
                add(*pinned)
    for (_project, _version, is_wheel), future in list(recorder._metadata.items()):
        if not is_wheel or future.exception() is not None:
            continue
        meta = future.result()[0]
        for line in meta.requires_dist:
            if pinned := exact_pins(line):
                add(*pinned)
    return anchors


@dataclasses.dataclass
class ProjectPlan:
    name: str
    window: list[Version]
    entries: list[tuple[Version, dict[str, Any], DistFile]]  # kept files, oldest version first
    metadata_versions: list[Version]  # versions whose core metadata is recorded
    range_only: bool


def plan_project(name: str, recorded: RecordedPage, anchors: set[Version], targets: Sequence[Target],
                 range_only: bool) -> ProjectPlan:
    by_filename = {str(e["filename"]): e for e in recorded.entries}
    versions: dict[Version, list[DistFile]] = {}
    for file in recorded.page.files:
        version = file_version(file.filename, name)
        if version is None:
            continue  # legacy uploads (.exe, .egg, odd names): no installer uses them
        if file.is_wheel and not kept_wheel(file.filename):
            continue
        versions.setdefault(version, []).append(file)
    if not versions:
        return ProjectPlan(name=name, window=[], entries=[], metadata_versions=[], range_only=range_only)
    finals = [v for v in versions if not v.is_prerelease] or list(versions)
    present = [v for v in anchors if v in versions]
    if range_only:
        window = sorted(present) or [max(finals)]
    else:
        low = min(present) if present else max(finals)
        window = sorted(v for v in versions if v >= low)
    kept_files = [f for v in window for f in versions[v]]
    installable: set[Version] = set()
    for target in targets:
        installable.update(c.version for c in choices_for(name, kept_files, target) if c.has_wheel)
    entries = [(v, by_filename.get(f.filename) or _entry_from_file(f), f)
               for v in window for f in sorted(versions[v], key=lambda f: f.filename)]
    metadata_versions = [] if range_only else [v for v in window if v in installable]
    return ProjectPlan(name=name, window=window, entries=entries, metadata_versions=metadata_versions,
                       range_only=range_only)


def metadata_wheel(plan: ProjectPlan, version: Version, targets: Sequence[Target]) -> DistFile:
    """The wheel wheelpin itself would read metadata from: the best one for the first target it fits."""
    files = [f for v, _e, f in plan.entries if v == version]
    for target in targets:
        for choice in choices_for(plan.name, files, target):
            if choice.version == version and choice.wheels:
                return choice.wheels[0]
    raise AssertionError(f"{plan.name} {version}: no wheel for any target")


# -- writing ------------------------------------------------------------------------------------------------------
def dump_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def dump_page(page: dict[str, Any]) -> str:
    """PEP 691 JSON, sorted keys, one file entry per line: deterministic, compact and diff-friendly."""
    head = {k: v for k, v in page.items() if k != "files"}
    lines = [json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for f in page["files"]]
    body = json.dumps(head, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    return '{"files": [\n' + ",\n".join(lines) + "\n],\n" + body[1:] + "\n"


def forbidden_hosts(http: HttpIndex, recorder: RecordingIndex) -> set[str]:
    hosts = {urlsplit(u).hostname or "" for u in http.index_urls}
    for name in recorder.touched:
        recorded = recorder.page(name)
        if recorded is not None:
            hosts.update(urlsplit(f.url).hostname or "" for f in recorded.page.files)
    try:
        from pip._internal.models.index import PyPI

        hosts.update({PyPI.netloc, PyPI.file_storage_domain})
    except ImportError:
        pass
    return {h.lower() for h in hosts if h and h not in ("127.0.0.1", "localhost")}


def scrub(value: Any, hosts: set[str]) -> bool:
    text = json.dumps(value).lower() if not isinstance(value, str) else value.lower()
    return any(h in text for h in hosts)


def write_data(out: Path, plans: Sequence[ProjectPlan], metadata: dict[tuple[str, Version], bytes],
               wheels: dict[str, bytes], hosts: set[str]) -> None:
    for sub in ("pages", "metadata", "files"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
        (out / sub).mkdir(parents=True)
    for plan in plans:
        if not plan.window:
            continue
        files = []
        for version, entry, file in plan.entries:
            item: dict[str, Any] = {
                "filename": file.filename,
                "url": "../../files/" + quote(file.filename),
                "hashes": {"sha256": (entry.get("hashes") or {}).get("sha256") or file.sha256},
                "yanked": entry.get("yanked", False),
            }
            if isinstance(item["yanked"], str) and scrub(item["yanked"], hosts):
                item["yanked"] = True
            if entry.get("requires-python"):
                item["requires-python"] = entry["requires-python"]
            if entry.get("size") is not None:
                item["size"] = entry["size"]
            trimmed = metadata.get((plan.name, version))
            if file.is_wheel and trimmed is not None:
                item["core-metadata"] = {"sha256": hashlib.sha256(trimmed).hexdigest()}
            files.append(item)
        page = {"meta": {"api-version": "1.1"}, "name": plan.name,
                "versions": [str(v) for v in plan.window], "files": files}
        (out / "pages" / f"{plan.name}.json").write_text(dump_page(page), encoding="utf-8")
        for version in plan.metadata_versions:
            data = metadata.get((plan.name, version))
            if data is None:
                continue
            path = out / "metadata" / plan.name / f"{version}.metadata"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for filename, data in wheels.items():
        (out / "files" / filename).write_bytes(data)


def check_no_hosts(out: Path, hosts: set[str]) -> list[str]:
    bad = []
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix != ".whl":
            text = path.read_bytes().lower()
            if any(h.encode() in text for h in hosts):
                bad.append(str(path))
    return bad


# -- main -----------------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-url", help="the live index (default: wheelpin's configuration, as the CLI)")
    parser.add_argument("--out", default=str(ROOT / "tests" / "data" / "index"),
                        help="where to write (default: tests/data/index)")
    parser.add_argument("--python", nargs="+", metavar="X.Y",
                        help="target Pythons (default: 3.9–3.15 on manylinux_2_28, 3.11–3.13 on the others)")
    parser.add_argument("--platform", nargs="+", metavar="TAG",
                        help="target platforms (default: manylinux_2_28_x86_64, musllinux_1_2_x86_64, "
                             "manylinux_2_17_x86_64)")
    parser.add_argument("--requirements", nargs="+", metavar="FILE",
                        help="requirements files to record (default: examples/*/requirements.txt)")
    parser.add_argument("--extra", nargs="+", metavar="REQ", action="append",
                        help="an extra workload: requirement strings resolved together (repeatable; default: "
                             + "; ".join(" ".join(r) for r in EXTRA_WORKLOADS.values()) + ")")
    parser.add_argument("--range-only", nargs="*", default=RANGE_ONLY, metavar="NAME",
                        help="projects served without .metadata files, real wheels only (default: six)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent fetches (default: 16)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip resolving everything again against the recorded data")
    parser.add_argument("--add-linux-wheels", metavar="ARCH",
                        help="record nothing new but this architecture's manylinux/musllinux wheels (e.g. aarch64) "
                             "for the versions OUT already holds, with their core metadata, so that every existing "
                             "answer stays as it is")
    parser.add_argument("--verify-only", action="store_true",
                        help="record nothing: resolve the workloads of OUT/recording.json against the recorded "
                             "data and compare with the live results it holds (no network)")
    return parser.parse_args(argv)


def make_targets(args: argparse.Namespace) -> list[Target]:
    if args.python is None and args.platform is None:
        pairs = DEFAULT_TARGETS
    else:
        platforms = args.platform or ["manylinux_2_28_x86_64", "musllinux_1_2_x86_64", "manylinux_2_17_x86_64"]
        pairs = [(p, plat) for plat in platforms for p in (args.python or DEFAULT_PYTHONS)]
    return [make_target(python, platform) for python, platform in pairs]


def make_workloads(args: argparse.Namespace) -> list[Workload]:
    if args.requirements is None and args.extra is None:
        return default_workloads()
    workloads = []
    for path in args.requirements or ():
        resolved = Path(path).resolve()
        shown = str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)
        workloads.append(Workload(name=resolved.parent.name, requirement_files=(shown,)))
    for reqs in args.extra or ():
        workloads.append(Workload(name=canonicalize_name(Requirement(reqs[0]).name), requirements=tuple(reqs)))
    return workloads


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out).resolve()
    if args.verify_only:
        return verify_recording(out, args)
    if args.add_linux_wheels:
        return add_linux_wheels(out, args.add_linux_wheels, args)
    targets = make_targets(args)
    workloads = make_workloads(args)
    range_only = {canonicalize_name(n) for n in args.range_only}
    http = HttpIndex(index_urls(cli_index_url=args.index_url))
    recorder = RecordingIndex(http)

    log(f"resolving {len(workloads)} workloads for {len(targets)} targets")
    started = time.monotonic()
    results = run_all(recorder, workloads, targets, workers=args.workers)
    log(f"resolved in {time.monotonic() - started:.0f}s: {len(recorder.touched)} projects, "
        f"{sum(len(v) for v in recorder.requested.values())} metadata files read "
        f"({dict(recorder.sources)}), {http.requests} requests")

    anchors = anchor_versions(recorder, workloads, results)
    plans = []
    for name in sorted(recorder.touched):
        recorded = recorder.page(name)
        if recorded is None:
            log(f"  {name}: not on the index, skipped")
            continue
        plans.append(plan_project(name, recorded, anchors.get(name, set()), targets, name in range_only))

    # Core metadata of every installable version of every window, trimmed.
    hosts = forbidden_hosts(http, recorder)
    wanted: list[tuple[str, Version, DistFile | None]] = []
    for plan in plans:
        for version in plan.metadata_versions:
            have = recorder.raw_metadata(plan.name, version)
            wanted.append((plan.name, version, None if have else metadata_wheel(plan, version, targets)))
    log(f"recording metadata of {len(wanted)} versions "
        f"({sum(1 for w in wanted if w[2] is not None)} not read while resolving)")
    sources: Counter[str] = Counter()

    def fetch(item: tuple[str, Version, DistFile | None]) -> tuple[str, Version, bytes]:
        name, version, file = item
        if file is None:
            have = recorder.raw_metadata(name, version)
            assert have is not None
            raw = have[0]
        else:
            raw, source = fetch_raw_metadata(http, file)
            sources[source] += 1
        trimmed = trim_metadata(raw, hosts)
        meta = parse_core_metadata(trimmed, f"{name} {version}")
        if meta != parse_core_metadata(raw, f"{name} {version}"):
            raise SystemExit(f"{name} {version}: trimming the metadata changed what wheelpin reads of it")
        if canonicalize_name(meta.name) != name or Version(meta.version) != version:
            log(f"  warning: {name} {version}: the metadata says {meta.name} {meta.version}")
        return name, version, trimmed

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        metadata = {(n, v): data for n, v, data in pool.map(fetch, wanted)}
    log(f"  fetched: {dict(sources)}")

    # Real wheels of the range-only projects.
    wheels: dict[str, bytes] = {}
    for plan in plans:
        if not plan.range_only:
            continue
        for _version, _entry, file in plan.entries:
            if file.is_wheel:
                data = http._download(file.url).content
                if file.sha256 and hashlib.sha256(data).hexdigest() != file.sha256:
                    raise SystemExit(f"{file.filename}: the download does not match its sha256")
                wheels[file.filename] = data
                log(f"  downloaded {file.filename} ({len(data)} bytes)")

    write_data(out, plans, metadata, wheels, hosts)
    recording = {
        "targets": [target_key(t) for t in targets],
        "workloads": {w.name: w.describe() for w in workloads},
        "results": {w: {t: o.as_json() for t, o in sorted(by.items())} for w, by in sorted(results.items())},
        "projects": {p.name: {"versions": [str(v) for v in p.window],
                              "metadata": len(p.metadata_versions), "range_only": p.range_only}
                     for p in plans if p.window},
    }
    (out / "recording.json").write_text(dump_json(recording), encoding="utf-8")
    bad = check_no_hosts(out, hosts)
    if bad:
        log("error: these files name an index host: " + ", ".join(bad))
        return 1
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"wrote {out}: {len(plans)} projects, {len(metadata)} metadata files, {size / 1e6:.1f} MB")

    if args.no_verify:
        return 0
    return verify(out, workloads, targets, results, workers=args.workers)


def add_linux_wheels(out: Path, arch: str, args: argparse.Namespace) -> int:
    """Add one architecture's Linux wheels to the recorded pages, for the versions they already hold only.

    A full re-recording would move every window to today's releases and change the answers the tests
    expect; this keeps the windows and adds only files no x86_64 target can install, so every recorded result
    stays (``verify_recording`` then checks it).  A version whose metadata was not recorded (it had no wheel
    for the recorded targets) gets it from one of the new wheels."""
    wanted = re.compile(_LINUX_ARCH.format(arch=re.escape(arch)))
    http = HttpIndex(index_urls(cli_index_url=args.index_url))
    recorder = RecordingIndex(http)
    pages = sorted((out / "pages").glob("*.json"))
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(lambda path: recorder.project(path.stem), pages))
        hosts = forbidden_hosts(http, recorder)
        added = sum(pool.map(lambda path: _add_wheels_to_page(path, wanted, recorder, http, hosts), pages))
    bad = check_no_hosts(out, forbidden_hosts(http, recorder))
    if bad:
        log("error: these files name an index host: " + ", ".join(bad))
        return 1
    log(f"added {added} {arch} wheels to {len(pages)} pages")
    return 0 if args.no_verify else verify_recording(out, args)


def _add_wheels_to_page(path: Path, wanted: re.Pattern[str], recorder: RecordingIndex, http: HttpIndex,
                        hosts: set[str]) -> int:
    page = json.loads(path.read_text(encoding="utf-8"))
    name = page["name"]
    window = [Version(v) for v in page["versions"]]
    have = {f["filename"] for f in page["files"]}
    recorded = recorder.page(name)
    assert recorded is not None
    new = [(e, f) for e, f in zip(_entries_by_file(recorded), recorded.page.files, strict=True)
           if f.is_wheel and f.filename not in have and file_version(f.filename, name) in window
           and any(wanted.match(t.platform) for t in wheel_tags(f.filename))]
    if not new:
        return 0
    metadata_dir = path.parent.parent / "metadata" / name
    for entry, file in new:
        version = file_version(file.filename, name)
        meta_path = metadata_dir / f"{version}.metadata"
        if not meta_path.exists():
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            meta_path.write_bytes(trim_metadata(fetch_raw_metadata(http, file)[0], hosts))
        item: dict[str, Any] = {
            "filename": file.filename, "url": "../../files/" + quote(file.filename),
            "hashes": {"sha256": (entry.get("hashes") or {}).get("sha256") or file.sha256},
            "yanked": entry.get("yanked", False),
            "core-metadata": {"sha256": hashlib.sha256(meta_path.read_bytes()).hexdigest()},
        }
        if isinstance(item["yanked"], str) and scrub(item["yanked"], hosts):
            item["yanked"] = True
        if entry.get("requires-python"):
            item["requires-python"] = entry["requires-python"]
        if entry.get("size") is not None:
            item["size"] = entry["size"]
        page["files"].append(item)
    order = {v: i for i, v in enumerate(window)}
    page["files"].sort(key=lambda f: (order.get(file_version(f["filename"], name) or Version("0"), -1),
                                      f["filename"]))
    path.write_text(dump_page(page), encoding="utf-8")
    log(f"  {name}: {len(new)} wheels")
    return len(new)


def _entries_by_file(recorded: RecordedPage) -> list[dict[str, Any]]:
    by_filename = {str(e["filename"]): e for e in recorded.entries}
    return [by_filename.get(f.filename) or _entry_from_file(f) for f in recorded.page.files]


def verify_recording(out: Path, args: argparse.Namespace) -> int:
    recording = json.loads((out / "recording.json").read_text(encoding="utf-8"))
    workloads = [Workload(name=name, requirement_files=tuple(d.get("requirement_files", ())),
                          requirements=tuple(d.get("requirements", ())))
                 for name, d in recording["workloads"].items()]
    keys = recording["targets"]
    if args.python or args.platform:
        wanted = {target_key(t) for t in make_targets(args)}
        keys = [k for k in keys if k in wanted]
    targets = [make_target(*key.split("-", 1)) for key in keys]
    expected = {w: {t: Outcome.from_json(o) for t, o in by.items() if t in keys}
                for w, by in recording["results"].items()}
    return verify(out, workloads, targets, expected, workers=args.workers)


def verify(out: Path, workloads: Sequence[Workload], targets: Sequence[Target],
           expected: dict[str, dict[str, Outcome]], *, workers: int) -> int:
    """Resolve everything again against the recorded data on 127.0.0.1: the results must not change."""
    sys.path.insert(0, str(ROOT / "tests"))
    from indexserver import IndexServer

    log("verifying against the recorded data")
    with IndexServer(out) as server:
        http = HttpIndex([server.url])
        try:
            got = run_all(http, workloads, targets, workers=workers)
        finally:
            http.client.close()
    differences = 0
    for workload, by_target in expected.items():
        for key, outcome in by_target.items():
            mine = got[workload][key]
            if mine.essence() != outcome.essence():
                differences += 1
                log(f"  DIFFERS {workload} {key}:\n    live:     {outcome.as_json()}\n"
                    f"    recorded: {mine.as_json()}")
            elif mine.as_json() != outcome.as_json():
                log(f"  same outcome, other wording: {workload} {key}:\n    live:     {outcome.as_json()}\n"
                    f"    recorded: {mine.as_json()}")
    log("verified: every result is the same" if not differences else f"{differences} results differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
