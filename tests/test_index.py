"""Behaviour of wheelpin.index: HttpIndex over a mocked HTTP transport, sdist metadata."""

from __future__ import annotations

import email.utils
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from packaging.requirements import Requirement

from wheelpin.errors import IndexUnavailable, InputError, MetadataError
from wheelpin.index import HttpIndex, NetPolicy, ProjectNotFound, sdist_metadata
from wheelpin.index.transport import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_REDIRECTS,
    RETRY_AFTER_CAP,
    backoff_delay,
    parse_retry_after,
)
from wheelpin.models import DistFile

INDEX = "https://index.example/simple/"
MIRROR = "https://mirror.example/simple/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"


# -- a small HTTP server -------------------------------------------------------------------------------
@dataclass
class Server:
    """Routes URL → handler; records every request and the body bytes it served."""

    routes: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        route = self.routes.get(str(request.url))
        response = route(request) if route else httpx.Response(404, text="not found")
        try:
            size = len(response.content)
        except httpx.ResponseNotRead:  # a streamed body: what is read of it is the test's to count
            size = 0
        with self.lock:
            self.served[str(request.url)] = self.served.get(str(request.url), 0) + size
        return response

    def index(self, urls: list[str] | None = None) -> HttpIndex:
        client = httpx.Client(transport=httpx.MockTransport(self.handle))
        return HttpIndex(urls or [INDEX], client=client)

    def json_page(self, url: str, files: list[dict[str, object]], name: str = "foo") -> None:
        body = json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files})
        self.routes[url] = lambda request: httpx.Response(200, headers={"Content-Type": JSON_TYPE}, text=body)

    def html_page(self, url: str, html: str) -> None:
        self.routes[url] = lambda request: httpx.Response(
            200, headers={"Content-Type": f"{HTML_TYPE}; charset=utf-8"}, text=html)

    def static(self, url: str, body: bytes, status: int = 200) -> None:
        self.routes[url] = lambda request: httpx.Response(status, content=body)

    def ranged(self, url: str, body: bytes) -> None:
        """Serve ``body`` honoring single ``Range: bytes=-N`` and ``bytes=a-b`` requests with 206."""

        def respond(request: httpx.Request) -> httpx.Response:
            header = request.headers.get("Range")
            if header is None:
                return httpx.Response(200, content=body)
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", header)
            assert match, header
            total = len(body)
            if match[1] == "":  # suffix range
                start, end = max(0, total - int(match[2])), total - 1
            else:
                start = int(match[1])
                end = min(total - 1, int(match[2])) if match[2] else total - 1
            return httpx.Response(206, content=body[start:end + 1],
                                  headers={"Content-Range": f"bytes {start}-{end}/{total}"})

        self.routes[url] = respond

    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


@pytest.fixture
def server() -> Server:
    return Server()


def metadata_bytes(name: str = "foo", version: str = "1.0", requires: tuple[str, ...] = ("bar>=1",)) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Requires-Python: >=3.8"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    lines += ["Provides-Extra: cli", "", "A description body that is not a header.", ""]
    return "\n".join(lines).encode()


def build_wheel(name: str = "foo", version: str = "1.0", *, padding: int = 0, metadata_first: bool = True,
                requires: tuple[str, ...] = ("bar>=1",)) -> bytes:
    """A real wheel archive; ``padding`` bytes of incompressible data make it big."""
    buffer = io.BytesIO()
    dist_info = f"{name}-{version}.dist-info"
    meta = metadata_bytes(name, version, requires)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if metadata_first:
            zf.writestr(f"{dist_info}/METADATA", meta)
        zf.writestr(f"{name}/__init__.py", "")
        if padding:
            zf.writestr(zipfile.ZipInfo(f"{name}/blob.bin"), os.urandom(padding),
                        compress_type=zipfile.ZIP_STORED)
        if not metadata_first:
            zf.writestr(f"{dist_info}/METADATA", meta)
        zf.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        zf.writestr(f"{dist_info}/RECORD", "")
    return buffer.getvalue()


def wheel_file(url: str, **kw: object) -> DistFile:
    return DistFile(filename=url.rsplit("/", 1)[1], url=url, **kw)  # type: ignore[arg-type]


# -- JSON project pages (PEP 691) ------------------------------------------------------------------------
def test_json_page_parsing(server: Server) -> None:
    server.json_page(INDEX + "foo/", [
        {"filename": "foo-1.0-py3-none-any.whl", "url": "../../files/foo-1.0-py3-none-any.whl",
         "hashes": {"sha256": "aa" * 32}, "requires-python": ">=3.8", "yanked": False,
         "core-metadata": {"sha256": "bb" * 32}, "size": 1234, "upload-time": "2024-09-17T11:21:03.123456Z"},
        {"filename": "foo-1.1-py3-none-any.whl", "url": "foo-1.1-py3-none-any.whl", "hashes": {},
         "yanked": True, "core-metadata": True},
        {"filename": "foo-1.2-py3-none-any.whl", "url": "https://files.example/foo-1.2-py3-none-any.whl",
         "hashes": {"sha256": "cc" * 32}, "yanked": "broken build", "core-metadata": False},
        {"filename": "foo-1.3.tar.gz", "url": "/other/foo-1.3.tar.gz", "hashes": {"sha256": "dd" * 32}},
        {"filename": "foo-1.4-py3-none-any.whl", "url": "foo-1.4-py3-none-any.whl", "hashes": {},
         "dist-info-metadata": {"sha256": "ee" * 32}},
    ])
    page = server.index().project("Foo")
    assert page.name == "foo"
    assert page.index_url == INDEX
    a, b, c, d, e = page.files
    assert a.filename == "foo-1.0-py3-none-any.whl"
    assert a.url == "https://index.example/files/foo-1.0-py3-none-any.whl"
    assert (a.sha256, a.requires_python, a.yanked, a.size) == ("aa" * 32, ">=3.8", False, 1234)
    assert (a.core_metadata, a.core_metadata_sha256) == (True, "bb" * 32)
    assert (a.upload_time, b.upload_time) == ("2024-09-17T11:21:03.123456Z", None)  # PEP 700, for pylock.toml
    assert b.url == "https://index.example/simple/foo/foo-1.1-py3-none-any.whl"
    assert (b.sha256, b.requires_python, b.yanked) == (None, None, True)
    assert (b.core_metadata, b.core_metadata_sha256) == (True, None)
    assert c.url == "https://files.example/foo-1.2-py3-none-any.whl"
    assert (c.yanked, c.core_metadata, c.core_metadata_sha256) == (True, False, None)
    assert (a.yanked_reason, b.yanked_reason, c.yanked_reason) == (None, None, "broken build")
    assert d.url == "https://index.example/other/foo-1.3.tar.gz"
    assert (d.yanked, d.core_metadata, d.is_wheel) == (False, None, False)
    assert (e.core_metadata, e.core_metadata_sha256) == (True, "ee" * 32)


def test_json_page_is_asked_for_with_the_simple_api_accept_header(server: Server) -> None:
    server.json_page(INDEX + "foo/", [])
    server.index().project("foo")
    (request,) = server.requests
    assert "application/vnd.pypi.simple.v1+json" in request.headers["Accept"]


def test_project_names_are_normalized_in_the_url(server: Server) -> None:
    server.json_page(INDEX + "zope-interface/", [])
    page = server.index().project("Zope.Interface")
    assert page.name == "zope-interface"
    assert server.urls() == [INDEX + "zope-interface/"]


def test_malformed_json_page_is_index_unavailable(server: Server) -> None:
    server.routes[INDEX + "foo/"] = lambda r: httpx.Response(200, headers={"Content-Type": JSON_TYPE},
                                                             text='{"name": "foo"}')
    with pytest.raises(IndexUnavailable) as caught:
        server.index().project("foo")
    assert INDEX + "foo/" in str(caught.value)


# -- HTML project pages (PEP 503) ------------------------------------------------------------------------
HTML = """<!DOCTYPE html>
<html><body>
<h1>Links for foo</h1>
<a href="../../files/foo-1.0-py3-none-any.whl#sha256={a}" data-requires-python="&gt;=3.8,&lt;4"
   data-core-metadata="sha256={b}">foo-1.0-py3-none-any.whl</a><br/>
<a href="foo-1.1-py3-none-any.whl#sha256={c}" data-yanked="">foo-1.1-py3-none-any.whl</a><br/>
<a href="https://files.example/foo-1.2.tar.gz#md5=0123" data-yanked="bad release">foo-1.2.tar.gz</a><br/>
<a href="foo-1.3-py3-none-any.whl" data-dist-info-metadata="true">foo-1.3-py3-none-any.whl</a><br/>
</body></html>
"""


def test_html_page_parsing(server: Server) -> None:
    server.html_page(INDEX + "foo/", HTML.format(a="aa" * 32, b="bb" * 32, c="cc" * 32))
    a, b, c, d = server.index().project("foo").files
    assert a.filename == "foo-1.0-py3-none-any.whl"
    assert a.url == "https://index.example/files/foo-1.0-py3-none-any.whl"  # no fragment
    assert a.sha256 == "aa" * 32
    assert a.requires_python == ">=3.8,<4"
    assert (a.yanked, a.core_metadata, a.core_metadata_sha256) == (False, True, "bb" * 32)
    assert b.url == "https://index.example/simple/foo/foo-1.1-py3-none-any.whl"
    assert (b.sha256, b.yanked, b.core_metadata) == ("cc" * 32, True, None)
    assert (c.filename, c.url) == ("foo-1.2.tar.gz", "https://files.example/foo-1.2.tar.gz")
    assert (c.sha256, c.yanked) == (None, True)
    assert (a.yanked_reason, b.yanked_reason, c.yanked_reason) == (None, None, "bad release")
    assert (d.core_metadata, d.core_metadata_sha256, d.sha256) == (True, None, None)


# -- several indexes and failures ----------------------------------------------------------------------
def entry(filename: str) -> dict[str, object]:
    return {"filename": filename, "url": filename, "hashes": {}}


def test_the_first_index_that_has_the_project_wins(server: Server) -> None:
    server.json_page(INDEX + "foo/", [entry("foo-1.0-py3-none-any.whl")])
    server.json_page(MIRROR + "foo/", [entry("foo-9.0-py3-none-any.whl")])
    server.json_page(MIRROR + "bar/", [entry("bar-2.0-py3-none-any.whl")], name="bar")
    index = server.index([INDEX, MIRROR])
    foo = index.project("foo")
    assert [f.filename for f in foo.files] == ["foo-1.0-py3-none-any.whl"]
    assert foo.index_url == INDEX
    assert MIRROR + "foo/" not in server.urls()
    bar = index.project("bar")
    assert [f.filename for f in bar.files] == ["bar-2.0-py3-none-any.whl"]
    assert bar.index_url == MIRROR
    assert bar.files[0].url == MIRROR + "bar/bar-2.0-py3-none-any.whl"


def test_index_urls_without_trailing_slash_work(server: Server) -> None:
    server.json_page(INDEX + "foo/", [])
    assert server.index([INDEX.rstrip("/")]).project("foo").files == ()


def test_a_project_no_index_has_is_project_not_found(server: Server) -> None:
    with pytest.raises(ProjectNotFound) as caught:
        server.index([INDEX, MIRROR]).project("no-such-thing")
    error = caught.value
    assert isinstance(error, InputError)
    assert error.exit_code == 2
    assert "no-such-thing" in str(error)
    assert sorted(server.urls()) == sorted([INDEX + "no-such-thing/", MIRROR + "no-such-thing/"])


def test_http_500_is_index_unavailable_naming_the_url(server: Server) -> None:
    server.static(INDEX + "foo/", b"oops", status=500)
    with pytest.raises(IndexUnavailable) as caught:
        server.index().project("foo")
    assert caught.value.exit_code == 3
    assert INDEX + "foo/" in str(caught.value)
    assert "500" in str(caught.value)


def test_a_connection_error_is_index_unavailable(server: Server) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    server.routes[INDEX + "foo/"] = refuse
    with pytest.raises(IndexUnavailable) as caught:
        server.index().project("foo")
    assert caught.value.exit_code == 3
    assert INDEX + "foo/" in str(caught.value)


# -- wheel metadata: PEP 658 .metadata files -----------------------------------------------------------
WHEEL_URL = "https://files.example/packages/foo-1.0-py3-none-any.whl"


def test_advertised_metadata_is_used_without_touching_the_wheel(server: Server) -> None:
    meta = metadata_bytes(requires=("bar>=1", 'colorama; extra == "cli"'))
    server.static(WHEEL_URL + ".metadata", meta)
    server.static(WHEEL_URL, build_wheel())
    file = wheel_file(WHEEL_URL, core_metadata=True, core_metadata_sha256=hashlib.sha256(meta).hexdigest())
    result = server.index().metadata("foo", file)
    assert (result.name, result.version) == ("foo", "1.0")
    assert result.requires_dist == ("bar>=1", 'colorama; extra == "cli"')
    assert result.requires_python == ">=3.8"
    assert result.provides_extra == ("cli",)
    assert server.urls() == [WHEEL_URL + ".metadata"]


def test_metadata_with_the_wrong_sha256_is_a_metadata_error(server: Server) -> None:
    server.static(WHEEL_URL + ".metadata", metadata_bytes())
    file = wheel_file(WHEEL_URL, core_metadata=True, core_metadata_sha256="00" * 32)
    with pytest.raises(MetadataError) as caught:
        server.index().metadata("foo", file)
    assert caught.value.exit_code == 3
    assert "foo-1.0-py3-none-any.whl" in str(caught.value)


def test_metadata_sha256_is_compared_case_insensitively(server: Server) -> None:
    meta = metadata_bytes()
    server.static(WHEEL_URL + ".metadata", meta)
    digest = hashlib.sha256(meta).hexdigest().upper()
    file = wheel_file(WHEEL_URL, core_metadata=True, core_metadata_sha256=digest)
    assert server.index().metadata("foo", file).name == "foo"


def test_metadata_without_name_is_a_metadata_error(server: Server) -> None:
    server.static(WHEEL_URL + ".metadata", b"Metadata-Version: 2.1\nVersion: 1.0\n\n")
    with pytest.raises(MetadataError):
        server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=True))


# -- wheel metadata: range requests ----------------------------------------------------------------------
def test_range_requests_read_metadata_when_the_metadata_file_is_missing(server: Server) -> None:
    wheel = build_wheel(padding=400_000)  # METADATA first, then a big blob: the tail holds only the directory
    server.ranged(WHEEL_URL, wheel)  # no .metadata route: 404
    result = server.index().metadata("foo", wheel_file(WHEEL_URL))
    assert (result.name, result.version, result.requires_dist) == ("foo", "1.0", ("bar>=1",))
    wheel_requests = [r for r in server.requests if str(r.url) == WHEEL_URL]
    assert wheel_requests, "the wheel was never asked for"
    assert all("Range" in r.headers for r in wheel_requests), "the whole wheel was requested"
    assert any(re.fullmatch(r"bytes=-\d+", r.headers["Range"]) for r in wheel_requests)
    assert any(re.fullmatch(r"bytes=\d+-\d+", r.headers["Range"]) for r in wheel_requests)
    assert server.served[WHEEL_URL] < len(wheel) // 4


def test_a_metadata_member_far_from_the_tail_costs_one_more_request(server: Server) -> None:
    """The tail holds the zip directory; the METADATA member (40 KB here, bigger than any fixed read-ahead)
    sits at the start of a big wheel and arrives in a single further range."""
    description = os.urandom(30_000).hex()  # incompressible
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("foo-1.0.dist-info/METADATA", metadata_bytes() + description.encode())
        zf.writestr(zipfile.ZipInfo("foo/blob.bin"), os.urandom(400_000), compress_type=zipfile.ZIP_STORED)
        zf.writestr("foo-1.0.dist-info/RECORD", "")
    server.ranged(WHEEL_URL, buffer.getvalue())
    result = server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False))
    assert result.requires_dist == ("bar>=1",)
    assert len([r for r in server.requests if str(r.url) == WHEEL_URL]) == 2


def test_a_big_wheel_with_a_big_zip_directory_is_read_in_two_requests(server: Server) -> None:
    """A wheel the index says is big gets a bigger first range, which holds a zip directory of 3,000 files
    (about 150 KB) that a 64 KiB range would not."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("foo-1.0.dist-info/METADATA", metadata_bytes())
        zf.writestr(zipfile.ZipInfo("foo/blob.bin"), os.urandom(1_200_000))
        for i in range(3000):
            zf.writestr(f"foo/module_with_a_long_name_{i:05d}.py", "")
    wheel = buffer.getvalue()
    server.ranged(WHEEL_URL, wheel)
    result = server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False, size=len(wheel)))
    assert result.requires_dist == ("bar>=1",)
    assert len([r for r in server.requests if str(r.url) == WHEEL_URL]) == 2
    assert server.served[WHEEL_URL] < len(wheel) // 3


def test_range_requests_are_used_when_the_index_says_there_is_no_metadata_file(server: Server) -> None:
    server.ranged(WHEEL_URL, build_wheel(padding=200_000, metadata_first=False))
    result = server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False))
    assert result.requires_dist == ("bar>=1",)
    assert WHEEL_URL + ".metadata" not in server.urls()
    assert server.served[WHEEL_URL] < 200_000


def test_range_requests_on_a_wheel_smaller_than_the_first_range(server: Server) -> None:
    server.ranged(WHEEL_URL, build_wheel())
    assert server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False)).version == "1.0"


def test_a_server_that_ignores_range_still_works(server: Server) -> None:
    wheel = build_wheel(padding=200_000)
    server.static(WHEEL_URL, wheel)  # always 200 with the whole body
    result = server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False))
    assert (result.name, result.requires_dist) == ("foo", ("bar>=1",))


def test_a_wheel_without_metadata_is_a_metadata_error(server: Server) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("foo/__init__.py", "")
    server.static(WHEEL_URL, buffer.getvalue())
    with pytest.raises(MetadataError):
        server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False))


def test_an_unadvertised_index_stops_guessing_metadata_files(server: Server) -> None:
    index = server.index()
    wheel = build_wheel()
    urls = [f"https://files.example/packages/foo-1.{i}-py3-none-any.whl" for i in range(12)]
    for url in urls:
        server.ranged(url, wheel)
    for url in urls:
        assert index.metadata("foo", wheel_file(url)).name == "foo"  # core_metadata=None: index is silent
    guesses = [u for u in server.urls() if u.endswith(".metadata")]
    assert 1 <= len(guesses) <= 5


@pytest.mark.timeout(60)
def test_guesses_asked_side_by_side_stop_at_the_sample_until_it_is_answered(server: Server) -> None:
    """A cold run reads many projects' wheels at once.  On an index that serves no .metadata files, the
    guesses in flight before the first answers come back are bounded by the sample that decides."""
    from concurrent.futures import ThreadPoolExecutor

    from wheelpin.index.http import GUESS_SAMPLE

    index = server.index()
    wheel = build_wheel(padding=200_000)
    urls = [f"https://files.example/packages/p{i}-1.0-py3-none-any.whl" for i in range(12)]

    def slow_miss(request: httpx.Request) -> httpx.Response:
        time.sleep(0.2)  # every fetch has guessed or gone to ranges before the first miss is known
        return httpx.Response(404)

    for url in urls:
        server.ranged(url, wheel)
        server.routes[url + ".metadata"] = slow_miss
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        names = list(pool.map(lambda u: index.metadata(u.rsplit("/", 1)[1].split("-")[0],
                                                         wheel_file(u, size=len(wheel))).name, urls))
    assert names == ["foo"] * len(urls)
    guesses = [u for u in server.urls() if u.endswith(".metadata")]
    assert len(guesses) == GUESS_SAMPLE


def test_a_guess_the_network_failed_says_nothing_of_the_index() -> None:
    """Guesses lost to the network are not left in flight: they would hold the sample open for ever."""
    from wheelpin.index.http import GUESS_SAMPLE, Guesses

    guesses = Guesses()
    for i in range(GUESS_SAMPLE):
        assert guesses.worth(f"p{i}")
        guesses.unanswered()
    assert guesses.worth("another")
    guesses.record("another", hit=True)


def test_an_unadvertised_index_that_serves_metadata_files_keeps_being_asked(server: Server) -> None:
    index = server.index()
    urls = [f"https://files.example/packages/foo-1.{i}-py3-none-any.whl" for i in range(8)]
    for url in urls:
        server.static(url + ".metadata", metadata_bytes())
    for url in urls:
        assert index.metadata("foo", wheel_file(url)).name == "foo"
    assert [u for u in server.urls() if not u.endswith(".metadata")] == []


def test_misses_in_some_projects_do_not_stop_guessing_for_the_others(server: Server) -> None:
    """A mirror that lacks the .metadata files of a few projects' newest uploads: those projects are read
    by ranges from then on, the others are still asked for their .metadata files."""
    index = server.index()
    wheel = build_wheel(padding=200_000)
    for name in ("new1", "new2"):
        url = f"https://files.example/packages/{name}-2.0-py3-none-any.whl"
        server.ranged(url, build_wheel(name, "2.0", padding=200_000))
        assert index.metadata(name, wheel_file(url, size=300_000)).name == name
    urls = [f"https://files.example/packages/foo-1.{i}-py3-none-any.whl" for i in range(8)]
    for url in urls:
        server.ranged(url, wheel)
        server.static(url + ".metadata", metadata_bytes())
    for url in urls:
        assert index.metadata("foo", wheel_file(url, size=len(wheel))).name == "foo"
    assert [u for u in server.urls() if u in urls] == []  # every foo wheel came from its .metadata file
    again = "https://files.example/packages/new1-2.1-py3-none-any.whl"
    server.ranged(again, build_wheel("new1", "2.1", padding=200_000))
    index.metadata("new1", wheel_file(again, size=300_000))
    assert again + ".metadata" not in server.urls()  # new1 missed once: not asked again


# -- sdist metadata --------------------------------------------------------------------------------------
def sdist(files: dict[str, str], root: str = "foo-1.0") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


PKG_INFO_22 = """Metadata-Version: 2.2
Name: foo
Version: 1.0
Requires-Python: >=3.9
Requires-Dist: bar>=1
Requires-Dist: baz; extra == "x"
Provides-Extra: x

"""

PKG_INFO_21 = """Metadata-Version: 2.1
Name: foo
Version: 1.0

"""

PYPROJECT_STATIC = """
[project]
name = "foo"
version = "1.0"
requires-python = ">=3.9"
dependencies = ["bar>=1", "tomli; python_version < '3.11'"]

[project.optional-dependencies]
cli = ["click>=8", "colorama; sys_platform == 'win32' or os_name == 'nt'"]
"""


def evaluate(line: str, extra: str = "", **env: str) -> bool:
    marker = Requirement(line).marker
    if marker is None:
        return True
    return marker.evaluate({"python_version": "3.11", "sys_platform": "linux", "os_name": "posix", **env,
                            "extra": extra})


def test_sdist_pkg_info_2_2_with_static_deps_is_accepted() -> None:
    meta = sdist_metadata(sdist({"PKG-INFO": PKG_INFO_22, "setup.py": "raise SystemExit"}), "foo-1.0.tar.gz")
    assert (meta.name, meta.version, meta.requires_python) == ("foo", "1.0", ">=3.9")
    assert meta.requires_dist == ("bar>=1", 'baz; extra == "x"')


def test_sdist_pkg_info_2_1_with_a_static_pyproject_is_accepted() -> None:
    archive = sdist({"PKG-INFO": PKG_INFO_21, "pyproject.toml": PYPROJECT_STATIC})
    meta = sdist_metadata(archive, "foo-1.0.tar.gz")
    assert (meta.name, meta.version) == ("foo", "1.0")
    by_name = {Requirement(line).name: line for line in meta.requires_dist}
    assert set(by_name) == {"bar", "tomli", "click", "colorama"}
    # Plain dependencies keep their own markers and apply without an extra.
    assert evaluate(by_name["bar"]) and evaluate(by_name["tomli"], python_version="3.10")
    assert not evaluate(by_name["tomli"], python_version="3.12")
    # Optional dependencies apply only with their extra, and their own marker still counts.
    assert not evaluate(by_name["click"]) and evaluate(by_name["click"], extra="cli")
    assert not evaluate(by_name["click"], extra="other")
    assert not evaluate(by_name["colorama"], extra="cli")  # linux
    assert evaluate(by_name["colorama"], extra="cli", sys_platform="win32")
    assert not evaluate(by_name["colorama"], extra="", sys_platform="win32", os_name="nt")
    assert set(meta.provides_extra) == {"cli"}


def test_sdist_in_a_zip_is_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("foo-1.0/PKG-INFO", PKG_INFO_22)
    assert sdist_metadata(buffer.getvalue(), "foo-1.0.zip").requires_dist[0] == "bar>=1"


@pytest.mark.parametrize("files", [
    {"PKG-INFO": PKG_INFO_21, "pyproject.toml": '[project]\nname = "foo"\nversion = "1.0"\n'
                                                'dynamic = ["dependencies"]\n'},
    {"PKG-INFO": PKG_INFO_22.replace("Provides-Extra: x", "Provides-Extra: x\nDynamic: Requires-Dist")},
    {"PKG-INFO": PKG_INFO_21, "setup.py": "from setuptools import setup; setup()"},
], ids=["pyproject-dynamic", "pkg-info-dynamic", "setup-py-only"])
def test_sdist_with_dynamic_dependencies_is_a_metadata_error(files: dict[str, str]) -> None:
    with pytest.raises(MetadataError) as caught:
        sdist_metadata(sdist(files), "foo-1.0.tar.gz")
    message = str(caught.value)
    assert "foo-1.0.tar.gz" in message
    assert "build backend" in message and "never" in message


def test_sdist_with_dynamic_version_but_static_dependencies_is_accepted() -> None:
    pyproject = PYPROJECT_STATIC.replace('version = "1.0"', 'dynamic = ["version"]')
    meta = sdist_metadata(sdist({"PKG-INFO": PKG_INFO_21, "pyproject.toml": pyproject}), "foo-1.0.tar.gz")
    assert {Requirement(line).name for line in meta.requires_dist} >= {"bar", "tomli"}


def test_a_damaged_sdist_is_a_metadata_error() -> None:
    with pytest.raises(MetadataError):
        sdist_metadata(b"this is not a tarball", "foo-1.0.tar.gz")


def test_http_index_reads_sdist_metadata_from_the_archive(server: Server) -> None:
    url = "https://files.example/packages/foo-1.0.tar.gz"
    server.static(url, sdist({"PKG-INFO": PKG_INFO_22}))
    meta = server.index().metadata("foo", DistFile(filename="foo-1.0.tar.gz", url=url))
    assert meta.requires_dist == ("bar>=1", 'baz; extra == "x"')


def test_a_wheel_that_fits_in_the_first_range_is_never_guessed_at(server: Server) -> None:
    """The index serves a .metadata file but does not say so; the page gives the wheel's size, and a wheel that
    small comes whole in the first range: one request, no guess."""
    wheel = build_wheel()
    server.ranged(WHEEL_URL, wheel)
    server.static(WHEEL_URL + ".metadata", metadata_bytes())
    result = server.index().metadata("foo", wheel_file(WHEEL_URL, size=len(wheel)))
    assert result.requires_dist == ("bar>=1",)
    assert server.urls() == [WHEEL_URL]


def test_an_index_whose_unadvertised_metadata_files_mostly_miss_stops_being_asked(server: Server) -> None:
    """Three in four guesses hit: not enough to pay for the misses' extra round trips."""
    index = server.index()
    wheel = build_wheel(padding=200_000)
    urls = [f"https://files.example/packages/foo-1.{i}-py3-none-any.whl" for i in range(16)]
    for position, url in enumerate(urls):
        server.ranged(url, wheel)
        if position % 4:
            server.static(url + ".metadata", metadata_bytes())
    for url in urls:
        assert index.metadata("foo", wheel_file(url, size=len(wheel))).name == "foo"
    guesses = [u for u in server.urls() if u.endswith(".metadata")]
    assert len(guesses) < 8


# -- retries, timeouts and bounds (wheelpin.index.transport) ---------------------------------------------
class Flaky:
    """A route that answers with ``failures`` (responses, or exceptions raised) in turn, then ``final``."""

    def __init__(self, failures: list[httpx.Response | Exception], final: httpx.Response) -> None:
        self.failures, self.final = list(failures), final

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return self.final


def page_response() -> httpx.Response:
    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "foo", "files": [entry("foo-1.0-py3-none-any.whl")]})
    return httpx.Response(200, headers={"Content-Type": JSON_TYPE}, text=body)


def policy_index(server: Server, **policy: object) -> tuple[HttpIndex, list[tuple[int, float | None]]]:
    """An index whose backoff records (retry, Retry-After) and waits 0 s."""
    waits: list[tuple[int, float | None]] = []

    def backoff(retry: int, retry_after: float | None) -> float:
        waits.append((retry, retry_after))
        return 0.0

    client = httpx.Client(transport=httpx.MockTransport(server.handle), max_redirects=MAX_REDIRECTS)
    return HttpIndex([INDEX], client=client, policy=NetPolicy(backoff=backoff, **policy)), waits  # type: ignore[arg-type]


def test_dns_failures_are_connect_errors_and_retried_until_the_index_answers(server: Server) -> None:
    # What four concurrent cold resolves met on a busy machine: the resolver's lookups failing for a while.
    def dns_failure(request: httpx.Request) -> httpx.ConnectError:
        return httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    request = httpx.Request("GET", INDEX + "foo/")
    server.routes[INDEX + "foo/"] = Flaky([dns_failure(request) for _ in range(3)], page_response())
    index, waits = policy_index(server)
    assert [f.filename for f in index.project("foo").files] == ["foo-1.0-py3-none-any.whl"]
    assert server.urls() == [INDEX + "foo/"] * 4
    assert waits == [(1, None), (2, None), (3, None)]


def test_retry_after_is_passed_to_the_backoff(server: Server) -> None:
    busy = [httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(429, headers={"Retry-After": "2"})]
    server.routes[INDEX + "foo/"] = Flaky(busy, page_response())
    index, waits = policy_index(server)
    index.project("foo")
    assert waits == [(1, 7.0), (2, 2.0)]


def test_backoff_is_exponential_with_jitter_and_honours_a_capped_retry_after() -> None:
    delays = [backoff_delay(retry, None) for retry in range(1, 8) for _ in range(20)]
    for retry in range(1, 8):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (retry - 1))
        mine = delays[(retry - 1) * 20: retry * 20]
        assert all(ceiling / 2 <= d <= ceiling for d in mine)
        assert len(set(mine)) > 1  # jittered
    assert backoff_delay(1, 3.0) == 3.0
    assert backoff_delay(4, 0.0) == 0.0
    assert backoff_delay(1, 3600.0) == RETRY_AFTER_CAP


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= (parse_retry_after(in_a_minute) or 0) <= 61
    assert parse_retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_after_the_last_try_the_error_names_the_url_the_status_and_the_tries(server: Server) -> None:
    server.static(INDEX + "foo/", b"busy", status=503)
    index, _waits = policy_index(server, retries=2)
    with pytest.raises(IndexUnavailable) as caught:
        index.project("foo")
    assert caught.value.exit_code == 3
    assert f"could not read {INDEX}foo/ after 3 tries (last: HTTP 503)" in str(caught.value)
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 501])
def test_other_error_statuses_are_not_retried(server: Server, status: int) -> None:
    server.static(INDEX + "foo/", b"no", status=status)
    index, waits = policy_index(server)
    with pytest.raises(IndexUnavailable, match=f"HTTP {status}"):
        index.project("foo")
    assert len(server.requests) == 1 and waits == []


def test_a_read_timeout_and_a_reset_are_retried(server: Server) -> None:
    request = httpx.Request("GET", INDEX + "foo/")
    failures: list[httpx.Response | Exception] = [httpx.ReadTimeout("timed out", request=request),
                                                  httpx.RemoteProtocolError("Server disconnected", request=request)]
    server.routes[INDEX + "foo/"] = Flaky(failures, page_response())
    index, waits = policy_index(server)
    assert index.project("foo").files
    assert len(waits) == 2


@pytest.mark.timeout(10)
def test_closing_the_index_ends_retries_still_waiting(server: Server) -> None:
    server.static(INDEX + "foo/", b"busy", status=503)
    client = httpx.Client(transport=httpx.MockTransport(server.handle))
    index = HttpIndex([INDEX], client=client, policy=NetPolicy(backoff=lambda retry, retry_after: 60.0))
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: outcome.append(pytest.raises(IndexUnavailable, index.project, "foo")
                                                            .value))
    worker.start()
    while not server.requests:
        time.sleep(0.001)
    started = time.monotonic()
    index.close()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - started < 2
    assert "the run ended" in str(outcome[0])
    assert len(server.requests) == 1


def test_a_redirect_loop_is_index_unavailable_and_not_retried(server: Server) -> None:
    server.routes[INDEX + "foo/"] = lambda request: httpx.Response(302, headers={"Location": INDEX + "foo/"})
    index, waits = policy_index(server)
    with pytest.raises(IndexUnavailable, match="redirects in a loop"):
        index.project("foo")
    assert len(server.requests) == MAX_REDIRECTS + 1 and waits == []


def test_a_response_announcing_more_than_the_cap_is_refused_before_its_body_is_read(server: Server) -> None:
    read: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(100):
            read.append(1)
            yield b" " * 65536

    server.routes[INDEX + "foo/"] = lambda request: httpx.Response(
        200, headers={"Content-Type": JSON_TYPE, "Content-Length": str(100 * 65536)}, content=body())
    index, waits = policy_index(server, max_bytes=1024 * 1024)
    with pytest.raises(IndexUnavailable, match="announces 6,553,600 bytes") as caught:
        index.project("foo")
    assert caught.value.exit_code == 3 and not read and waits == []


def test_a_body_beyond_the_cap_is_cut_off_as_it_streams(server: Server) -> None:
    read: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(1000):  # 64 MB, were it all read
            read.append(1)
            yield b" " * 65536

    server.routes[INDEX + "foo/"] = lambda request: httpx.Response(
        200, headers={"Content-Type": JSON_TYPE}, content=body())
    index, _waits = policy_index(server, max_bytes=1024 * 1024)
    with pytest.raises(IndexUnavailable, match="more than 1,048,576 bytes arrived"):
        index.project("foo")
    assert len(read) == 17  # the 1 MB allowed, and the chunk that crossed it: memory stays bounded


CAPTIVE_PORTAL = """<html><head><meta http-equiv="refresh" content="0; url=/login"></head>
<body><a href="https://portal.example/login">Sign in</a>
<form action="/login"><input name="user"></form></body></html>"""


@pytest.mark.parametrize("html", [CAPTIVE_PORTAL, "<html><body><script>location='/login'</script></body></html>",
                                  '<html><body><a href="/help">Help</a> <a href="/login">Sign in</a></body></html>'])
def test_html_that_is_no_project_page_is_index_unavailable(server: Server, html: str) -> None:
    server.html_page(INDEX + "foo/", html)
    with pytest.raises(IndexUnavailable, match="is not a project page") as caught:
        server.index().project("foo")
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("html", [
    '<html><body><a href="../../f/foo-1.0.tar.gz">foo-1.0.tar.gz</a><a href="/">up</a></body></html>',
    "<!DOCTYPE html><html><head><title>Links for foo</title></head><body><h1>Links for foo</h1></body></html>",
    '<html><head><meta name="pypi:repository-version" content="1.0"><script></script></head><body></body></html>',
])
def test_pep_503_pages_stay_accepted_even_empty_or_with_a_stray_link(server: Server, html: str) -> None:
    server.html_page(INDEX + "foo/", html)
    server.index().project("foo")


def test_a_page_of_another_content_type_is_index_unavailable(server: Server) -> None:
    server.routes[INDEX + "foo/"] = lambda request: httpx.Response(
        200, headers={"Content-Type": "application/pdf"}, content=b"%PDF-1.4")
    with pytest.raises(IndexUnavailable, match="neither PEP 691 JSON nor PEP 503 HTML"):
        server.index().project("foo")


@pytest.mark.parametrize("body", ['{"files": ["foo-1.0.tar.gz"]}', '{"files": [{"filename": "f", "hashes": []}]}',
                                  '{"files": {"a": 1}}', "[1, 2]"])
def test_json_of_the_wrong_shape_is_index_unavailable_not_a_crash(server: Server, body: str) -> None:
    server.routes[INDEX + "foo/"] = lambda request: httpx.Response(
        200, headers={"Content-Type": JSON_TYPE}, text=body)
    with pytest.raises(IndexUnavailable, match="not valid PEP 691 JSON"):
        server.index().project("foo")


def test_a_file_url_httpx_cannot_send_is_index_unavailable_not_a_crash(server: Server) -> None:
    index, _waits = policy_index(server)
    with pytest.raises(IndexUnavailable, match="InvalidURL"):
        index.metadata("foo", wheel_file("https://files.example/\x00/foo-1.0-py3-none-any.whl", core_metadata=True))


def test_a_certificate_that_fails_verification_is_not_retried_and_names_pips_settings(server: Server) -> None:
    # Behind a TLS proxy that re-signs traffic the same certificate fails every try: six tries help nobody.
    def untrusted(request: httpx.Request) -> httpx.ConnectError:
        return httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                                  "certificate in certificate chain", request=request)

    request = httpx.Request("GET", INDEX + "foo/")
    server.routes[INDEX + "foo/"] = Flaky([untrusted(request) for _ in range(6)], page_response())
    index, waits = policy_index(server)
    with pytest.raises(IndexUnavailable) as caught:
        index.project("foo")
    assert server.urls() == [INDEX + "foo/"] and waits == []
    assert "could not be verified" in str(caught.value) and "PIP_CERT" in str(caught.value)


def test_the_lazy_index_says_when_it_is_first_asked_before_it_builds_the_client() -> None:
    """The run's first cache miss is when fetches ahead of need may start (Session.went_online)."""
    from wheelpin.index.lazy import LazyIndex

    events: list[str] = []

    class Built:
        def project(self, name: str) -> str:
            events.append(f"asked {name}")
            return name

    def build() -> Built:
        events.append("built")
        return Built()

    lazy = LazyIndex(["https://example.invalid/simple"], build)  # type: ignore[arg-type]
    lazy.when_first_used(lambda: events.append("first use"))
    assert events == []
    lazy.project("a")
    lazy.project("b")
    lazy.when_first_used(lambda: events.append("late"))  # asked already: called at once
    assert events == ["first use", "built", "asked a", "asked b", "late"]


def test_the_lazy_index_builds_once_even_when_the_build_fails() -> None:
    """A CA bundle that cannot be loaded fails every build alike: each fetch of the run gets the same error,
    and the bundle is not loaded again for each."""
    from wheelpin.errors import InputError
    from wheelpin.index.lazy import LazyIndex

    builds: list[int] = []

    def build() -> object:
        builds.append(1)
        raise InputError("the CA bundle /nowhere/ca.pem could not be loaded")

    lazy = LazyIndex(["https://example.invalid/simple"], build)  # type: ignore[arg-type]
    for name in ("a", "b", "c"):
        with pytest.raises(InputError, match="could not be loaded"):
            lazy.project(name)
    assert builds == [1]
    assert not lazy.built and lazy.requests == 0


# -- a whole file is checked against the index's sha256 ----------------------------------------------------
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_sdist_read_whole_is_checked_against_its_sha256(server: Server) -> None:
    url = "https://files.example/packages/foo-1.0.tar.gz"
    archive = sdist({"PKG-INFO": PKG_INFO_22})
    server.static(url, archive)
    file = DistFile(filename="foo-1.0.tar.gz", url=url, sha256=_sha(archive))
    assert server.index().metadata("foo", file).requires_dist == ("bar>=1", 'baz; extra == "x"')
    with pytest.raises(MetadataError, match="does not match the sha256"):
        server.index().metadata("foo", file._replace(sha256="0" * 64))


@pytest.mark.parametrize("ignores_ranges", [True, False])
def test_a_wheel_that_came_whole_is_checked_against_its_sha256(server: Server, ignores_ranges: bool) -> None:
    """A server that ignores ranges sends all of it, and a small wheel comes whole in the first range: either
    way the bytes the metadata is read from are the wheel's, and can be checked."""
    wheel = build_wheel()
    (server.static if ignores_ranges else server.ranged)(WHEEL_URL, wheel)
    file = wheel_file(WHEEL_URL, core_metadata=False, sha256=_sha(wheel))
    assert server.index().metadata("foo", file).version == "1.0"
    with pytest.raises(MetadataError, match="does not match the sha256"):
        server.index().metadata("foo", file._replace(sha256="0" * 64))


def test_a_big_wheel_read_by_ranges_is_not_refused_for_its_sha256(server: Server) -> None:
    """Only part of it is read: the sha256 cannot be checked, and is not held against it."""
    wheel = build_wheel(padding=200_000)
    server.ranged(WHEEL_URL, wheel)
    assert server.index().metadata("foo", wheel_file(WHEEL_URL, core_metadata=False, sha256="0" * 64)).version == "1.0"
