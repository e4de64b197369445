"""What the speed work could break: prefetching must never change a lock, a cold run asks each page once, and
a warm run neither asks the index anything nor loads what only the network or other commands need.

Speed itself is measured by the benchmark (bench/bench.py, `make bench`), never by a timed test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from indexserver import IndexServer
from wheelpin.errors import IndexUnavailable, NoWheelSolution
from wheelpin.index import HttpIndex
from wheelpin.index.simple_api import _json_file, parse_project_page
from wheelpin.inputs import Inputs, load_inputs, parse_requirement_strings
from wheelpin.models import CoreMetadata, DistFile, ProjectPage
from wheelpin.resolve import Session, resolve
from wheelpin.target import make_target

ROOT = Path(__file__).parent.parent
RECORDING = json.loads((ROOT / "tests" / "data" / "index" / "recording.json").read_text(encoding="utf-8"))
CASES = [(workload, target) for workload, results in sorted(RECORDING["results"].items())
         for target in sorted(results)]


class MemoryIndex:
    """The fixture index read over HTTP once per page or file: both sessions of a case read the same answers."""

    def __init__(self, inner: HttpIndex) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._pages: dict[str, ProjectPage] = {}
        self._metadata: dict[str, CoreMetadata] = {}

    def project(self, name: str) -> ProjectPage:
        with self._lock:
            cached = self._pages.get(name)
        if cached is None:
            cached = self.inner.project(name)
            with self._lock:
                self._pages[name] = cached
        return cached

    def metadata(self, name: str, file: DistFile) -> CoreMetadata:
        with self._lock:
            cached = self._metadata.get(file.url)
        if cached is None:
            cached = self.inner.metadata(name, file)
            with self._lock:
                self._metadata[file.url] = cached
        return cached


def _inputs(workload: str) -> Inputs:
    spec = RECORDING["workloads"][workload]
    if "requirement_files" in spec:
        return load_inputs(requirement_files=[str(ROOT / f) for f in spec["requirement_files"]])
    return parse_requirement_strings(spec["requirements"])


def _pins(inputs: Inputs, target_key: str, index: MemoryIndex, *, speculate: bool) -> dict[str, str] | None:
    python, platform = target_key.split("-", 1)
    session = Session(index, speculate=speculate)
    try:
        return resolve(inputs, make_target(python, platform), session, explain_failure=False).as_dict()
    except NoWheelSolution:
        return None
    finally:
        session.close()


@pytest.fixture(scope="module")
def memory_index(index_server: IndexServer) -> MemoryIndex:
    return MemoryIndex(HttpIndex([index_server.url]))


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("workload", "target"), CASES, ids=[f"{w}-{t}" for w, t in CASES])
def test_prefetch_on_and_off_give_the_same_lock_on_every_fixture_case(memory_index: MemoryIndex, workload: str,
                                                                      target: str) -> None:
    inputs = _inputs(workload)
    speculating = _pins(inputs, target, memory_index, speculate=True)
    plain = _pins(inputs, target, memory_index, speculate=False)
    assert speculating == plain
    recorded = RECORDING["results"][workload][target]
    assert plain == (recorded["pins"] if recorded["ok"] else None)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


# What a warm run (every page and metadata file in the cache, --python and --platform given) never needs,
# imported by the code that uses it (docs/architecture.md, "Start-up"):
DEFERRED = (
    "httpx", "ssl", "http", "wheelpin.index.http",  # the HTTP stack: built at the first cache miss (LazyIndex)
    "email", "zipfile", "tarfile",  # metadata parsing and range reads of wheels, sdists: only on a miss
    "wheelpin.sourcebuild",  # an sdist's build configuration: only on a miss
    "yaml", "wheelpin.detect",  # deploy files: read only when --python or --platform is left out
    "wheelpin.check", "wheelpin.locks", "packaging.pylock", "tomli_w",  # check, report --lock, a pylock -o
    "tomlkit", "wheelpin.edit",  # fix's edits
    "rich.table",  # tables: drawn only on a terminal
)

# Runs the CLI, then prints which modules of the groups a warm run must not load were loaded after all.
_PROBE = """
import json, sys
from wheelpin.cli import main
code = main(sys.argv[1:])
groups = DEFERRED
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules
                                                 if any(m == g or m.startswith(g + ".") for g in groups))}))
""".replace("DEFERRED", repr(DEFERRED))


@pytest.mark.timeout(180)
@pytest.mark.parametrize("command", ["resolve", "report"])
def test_a_warm_run_asks_the_index_nothing(index_server: IndexServer, index_url: str, tmp_path: Path,
                                           clean_env: object, command: str) -> None:
    """A warm run's floor is start-up plus reading the cache: it asks the index nothing, and loads none of the
    modules only a cache miss or another command needs.  The cold run before it fetches through them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    args = [command, "-r", str(ROOT / "examples" / "render-fastapi" / "requirements.txt"), "--python", "3.12",
            "--platform", "manylinux_2_28_x86_64", "--index-url", index_url, "--cache-dir", str(tmp_path / "c")]
    if command == "report":
        args += ["--format", "json"]
    else:
        args += ["-o", str(tmp_path / "lock.txt")]
    cold = _run(args, env)
    assert cold.returncode == 0, cold.stderr
    assert {"httpx", "ssl", "wheelpin.index.http"} <= set(json.loads(cold.stdout.splitlines()[-1])["loaded"])
    index_server.clear_log()
    warm = _run(args, env)
    assert warm.returncode == 0, warm.stderr
    assert json.loads(warm.stdout.splitlines()[-1]) == {"code": 0, "loaded": []}
    assert index_server.requests == []


@pytest.mark.timeout(120)
def test_a_cold_resolve_asks_for_each_page_once_and_for_no_page_it_does_not_pin(index_server: IndexServer,
                                                                                index_url: str) -> None:
    """The network floor of a cold resolve is a page per pinned project and a metadata read per pinned
    release, plus the releases backtracking reads.  Pages: exactly the pinned projects, each once.  Metadata:
    one request per file; on this case the resolver reads nine releases above the floor, all backtracking
    (langchain-core walks down eight releases and langchain-openai one, as uv's resolver does too).  Fetched
    ahead and not read: a walk's next releases, below where it stopped, a window at most; and a project's
    best candidate when the resolver first asks for it (uuid-utils 1.2.0, which a later requirement rules
    out).  A change that reads one release more, or asks twice for one, fails here."""
    from wheelpin.resolve.prefetch import BACKTRACK_MAX

    inputs = load_inputs(requirement_files=[str(ROOT / "examples" / "render-fastapi" / "requirements.txt")])
    session = Session(HttpIndex([index_url]))
    read: set[tuple[str, str]] = set()
    metadata = session.metadata

    def reading(name: str, file: DistFile, *, version: str = "") -> object:
        read.add((canonicalize_name(name), version))
        return metadata(name, file, version=version)

    session.metadata = reading  # type: ignore[assignment,method-assign]
    try:
        resolution = resolve(inputs, make_target("3.12", "manylinux_2_28_x86_64"), session)
    finally:
        session.close()
    pages = [p for p in index_server.requests if p.endswith("/")]
    pinned = {p.name: p.version for p in resolution.pins}
    assert sorted(pages) == sorted(f"/simple/{name}/" for name in pinned)
    requests = [p for p in index_server.requests if not p.endswith("/")]
    fetched = {_release(p.rsplit("/", 1)[-1]) for p in requests}
    assert len(requests) == len(fetched)
    assert read <= fetched
    walked = sorted(name for name, version in read if Version(version) != pinned[name])
    assert walked == ["langchain-core"] * 8 + ["langchain-openai"]
    ahead = fetched - read
    below = [name for name, version in ahead if Version(version) < pinned[name]]
    assert set(below) <= set(walked)
    assert all(below.count(name) <= BACKTRACK_MAX for name in below)
    best = [name for name, version in ahead if Version(version) > pinned[name]]
    assert sorted(best) == sorted(set(best))


def _release(filename: str) -> tuple[str, str]:
    name, version = filename.removesuffix(".metadata").split("-")[:2]
    return canonicalize_name(name), str(Version(version))


def _page_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/vnd.pypi.simple.v1+json"},
                          request=httpx.Request("GET", "https://example.invalid/simple/x/"))


@pytest.mark.parametrize("page", sorted((ROOT / "tests" / "data" / "index" / "pages").glob("*.json")),
                         ids=lambda p: p.stem)
def test_the_lean_page_decoder_gives_exactly_what_the_lenient_one_does(page: Path) -> None:
    raw = page.read_bytes()
    lenient = [_json_file(entry, "https://example.invalid/simple/x/") for entry in json.loads(raw)["files"]]
    assert parse_project_page(_page_response(raw)) == lenient


def test_a_page_with_fields_of_unexpected_types_is_read_by_the_lenient_decoder() -> None:
    """PEP 691 says what each field holds; an index that sends a null size or an empty requires-python must
    still be read as before, not refused."""
    entry = {"filename": "x-1.0-py3-none-any.whl", "url": "x-1.0-py3-none-any.whl", "hashes": {"sha256": "ab"},
             "size": None, "requires-python": "", "core-metadata": None, "yanked": "", "extra": [1, 2]}
    files = parse_project_page(_page_response(json.dumps({"files": [entry]}).encode()))
    assert files == [DistFile(filename="x-1.0-py3-none-any.whl",
                              url="https://example.invalid/simple/x/x-1.0-py3-none-any.whl", sha256="ab")]


def test_a_page_that_is_not_json_is_an_index_error() -> None:
    with pytest.raises(IndexUnavailable, match="not valid PEP 691 JSON"):
        parse_project_page(_page_response(b'{"files": [}'))


@pytest.mark.timeout(180)
def test_the_bench_timeline_times_every_request_a_cold_run_makes(index_server: IndexServer, index_url: str,
                                                                 tmp_path: Path, clean_env: object) -> None:
    """bench/timeline.py, the tool that found where cold runs wait: its counts are the server's."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "TIMELINE_JSON": str(tmp_path / "events.json")}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "timeline.py"), "resolve", "-r",
                          str(ROOT / "examples" / "render-fastapi" / "requirements.txt"), "--python", "3.12",
                          "--platform", "manylinux_2_28_x86_64", "--index-url", index_url, "--cache-dir",
                          str(tmp_path / "c"), "-o", str(tmp_path / "lock.txt")],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    served = index_server.requests
    assert f"requests {len(served)}: " in run.stderr
    events = json.loads((tmp_path / "events.json").read_text())["events"]
    assert sum(kind.startswith("request") for kind, *_ in events) == len(served)
    assert any(kind == "read page" for kind, *_ in events) and any(kind == "cache write" for kind, *_ in events)
