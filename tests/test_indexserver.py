"""The fixture index itself: what it serves, and that the recorded data is consistent and host-free."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest
from packaging.utils import parse_wheel_filename

from indexserver import DATA_DIR, IndexServer, parse_range, wants_json

JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=10, trust_env=False) as c:
        yield c


def page(name: str) -> dict:
    return json.loads((DATA_DIR / "pages" / f"{name}.json").read_text(encoding="utf-8"))


def six_wheel() -> dict:
    return next(f for f in page("six")["files"] if f["filename"].endswith(".whl"))


def pydantic_core_wheel() -> dict:
    return next(f for f in page("pydantic-core")["files"]
                if f["filename"].startswith("pydantic_core-2.23.4-cp311-cp311-manylinux_2_17_x86_64"))


# -- pages ------------------------------------------------------------------------------------------------------
def test_json_page_when_asked_for(index_url: str, client: httpx.Client) -> None:
    response = client.get(index_url + "pydantic-core/", headers={"Accept": JSON_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_ACCEPT
    data = response.json()
    assert data["meta"]["api-version"] == "1.1"
    assert data["name"] == "pydantic-core"
    assert "2.23.4" in data["versions"]
    wheel = next(f for f in data["files"] if f["filename"] == pydantic_core_wheel()["filename"])
    assert wheel["url"] == f"../../files/{wheel['filename']}"
    assert len(wheel["hashes"]["sha256"]) == 64
    assert wheel["core-metadata"]["sha256"]


def test_html_page_otherwise(index_url: str, client: httpx.Client) -> None:
    for accept in (None, "text/html", "application/vnd.pypi.simple.v1+json;q=0, text/html"):
        headers = {"Accept": accept} if accept else {}
        response = client.get(index_url + "pydantic-core/", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    wheel = pydantic_core_wheel()
    sha = wheel["core-metadata"]["sha256"]
    anchor = next(line for line in response.text.splitlines() if wheel["filename"] + "<" in line)
    assert f'href="../../files/{wheel["filename"]}#sha256={wheel["hashes"]["sha256"]}"' in anchor
    assert 'data-requires-python="&gt;=3.8"' in anchor
    assert f'data-core-metadata="sha256={sha}"' in anchor
    assert f'data-dist-info-metadata="sha256={sha}"' in anchor


def test_html_page_parses_like_the_json_one(index_url: str, client: httpx.Client) -> None:
    from wheelpin.index import parse_project_page

    def fields(accept: str) -> list[tuple[object, ...]]:
        response = client.get(index_url + "pydantic-core/", headers={"Accept": accept})
        return [(f.filename, f.url, f.sha256, f.requires_python, f.yanked, f.core_metadata,
                 f.core_metadata_sha256) for f in parse_project_page(response)]

    from_json = fields(JSON_ACCEPT)
    assert from_json == fields("text/html")
    assert any(f[5] for f in from_json) and any(f[4] is False for f in from_json)


def test_names_are_normalized_by_redirect(index_url: str, client: httpx.Client) -> None:
    response = client.get(index_url + "Pydantic_Core/", headers={"Accept": JSON_ACCEPT})
    assert response.status_code == 301
    assert response.headers["location"] == "/simple/pydantic-core/"
    followed = client.get(index_url + "Pydantic.Core", headers={"Accept": JSON_ACCEPT}, follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["name"] == "pydantic-core"


def test_root_index_lists_projects(index_url: str, client: httpx.Client) -> None:
    names = [p["name"] for p in client.get(index_url, headers={"Accept": JSON_ACCEPT}).json()["projects"]]
    assert {"pydantic", "pydantic-core", "six", "tiktoken"} <= set(names)
    assert 'href="six/"' in client.get(index_url).text


def test_unknown_things_are_404(index_url: str, client: httpx.Client) -> None:
    base = index_url.removesuffix("simple/")
    assert client.get(index_url + "no-such-project/").status_code == 404
    assert client.get(index_url + "No_Such_Project/").status_code == 404
    assert client.get(base + "files/no_such-1.0-py3-none-any.whl").status_code == 404
    assert client.get(base + "files/no_such-1.0-py3-none-any.whl.metadata").status_code == 404
    assert client.get(base + "elsewhere").status_code == 404
    # six is served range-only: no .metadata file, though its wheel exists.
    assert client.get(base + f"files/{six_wheel()['filename']}.metadata").status_code == 404
    # Wheels other than six are listed but not stored.
    assert client.get(base + f"files/{pydantic_core_wheel()['filename']}").status_code == 404


# -- metadata --------------------------------------------------------------------------------------------------
def test_metadata_matches_the_advertised_sha256(index_server: IndexServer, index_url: str,
                                                client: httpx.Client) -> None:
    wheel = pydantic_core_wheel()
    response = client.get(index_server.file_url(wheel["filename"]) + ".metadata")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == wheel["core-metadata"]["sha256"]
    message = BytesParser().parsebytes(response.content)
    assert (message["Name"].lower().replace("_", "-"), message["Version"]) == ("pydantic-core", "2.23.4")
    assert any(r.startswith("typing-extensions") for r in message.get_all("Requires-Dist"))
    assert index_server.requests == [f"/files/{wheel['filename']}.metadata"]


def test_corrupted_metadata_breaks_the_sha256(index_server: IndexServer, index_url: str,
                                              client: httpx.Client) -> None:
    wheel = pydantic_core_wheel()
    index_server.corrupt_metadata.add("pydantic-core")
    response = client.get(index_server.file_url(wheel["filename"]) + ".metadata")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() != wheel["core-metadata"]["sha256"]
    assert BytesParser().parsebytes(response.content)["Version"] == "2.23.4"


def test_injected_failures(index_server: IndexServer, index_url: str, client: httpx.Client) -> None:
    index_server.fail_paths["/simple/pydantic/"] = 500
    assert client.get(index_url + "pydantic/").status_code == 500
    assert client.get(index_url + "pydantic-core/").status_code == 200  # a prefix of a path, not of a name
    index_server.fail_paths["/simple/"] = 503
    assert client.get(index_url + "pydantic-core/").status_code == 503
    assert client.get(index_url + "pydantic/").status_code == 500  # the longest prefix wins
    assert index_server.requests == ["/simple/pydantic/", "/simple/pydantic-core/", "/simple/pydantic-core/",
                                     "/simple/pydantic/"]


# -- files and ranges -------------------------------------------------------------------------------------------
def test_six_wheel_is_served_whole_and_by_ranges(index_server: IndexServer, index_url: str,
                                                 client: httpx.Client) -> None:
    wheel = six_wheel()
    url = index_server.file_url(wheel["filename"])
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert hashlib.sha256(whole.content).hexdigest() == wheel["hashes"]["sha256"]
    size = len(whole.content)
    assert size == wheel["size"]

    head = client.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(size)
    assert head.headers["accept-ranges"] == "bytes"
    assert head.content == b""

    tail = client.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes {size - 100}-{size - 1}/{size}"
    assert tail.content == whole.content[-100:]

    middle = client.get(url, headers={"Range": "bytes=10-19"})
    assert (middle.status_code, middle.content) == (206, whole.content[10:20])
    assert middle.headers["content-range"] == f"bytes 10-19/{size}"

    # A suffix longer than the file is the whole file, still as a 206.
    big = client.get(url, headers={"Range": "bytes=-1000000"})
    assert (big.status_code, big.content) == (206, whole.content)
    assert big.headers["content-range"] == f"bytes 0-{size - 1}/{size}"

    assert client.get(url, headers={"Range": f"bytes={size}-"}).status_code == 416

    index_server.ignore_ranges = True
    ignored = client.get(url, headers={"Range": "bytes=-100"})
    assert (ignored.status_code, ignored.content) == (200, whole.content)


def test_six_metadata_is_readable_from_its_wheel(index_server: IndexServer, index_url: str,
                                                 client: httpx.Client) -> None:
    from wheelpin.index import HttpIndex

    index = HttpIndex([index_url])
    try:
        files = index.project("six").files
        wheel = next(f for f in files if f.is_wheel)
        assert wheel.core_metadata is None  # the page is silent: clients must find the metadata themselves
        meta = index.metadata("six", wheel)
    finally:
        index.client.close()
    assert meta.name == "six"
    assert meta.version == six_wheel()["filename"].split("-")[1]
    ranged = [r for r in index_server.log if r.path.endswith(".whl")]
    assert ranged and all("range" in r.headers for r in ranged)


def test_parse_range() -> None:
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=-1000", 100) == (0, 99)
    assert parse_range("bytes=95-200", 100) == (95, 99)
    assert parse_range("bytes=100-", 100) is None
    assert parse_range("bytes=-0", 100) is None
    with pytest.raises(ValueError):
        parse_range("bytes=0-1,5-6", 100)


def test_wants_json() -> None:
    assert wants_json("application/vnd.pypi.simple.v1+json, text/html;q=0.01")
    assert wants_json("text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.2")
    assert not wants_json("text/html")
    assert not wants_json("")
    assert not wants_json("application/vnd.pypi.simple.v1+json;q=0")


# -- the recorded data -----------------------------------------------------------------------------------------
def test_recorded_data_is_consistent() -> None:
    kept_fields = {"metadata-version", "name", "version", "requires-dist", "requires-python",
                   "provides-extra", "dynamic", "summary"}
    for path in sorted((DATA_DIR / "pages").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["name"] == path.stem
        digests: dict[str, str] = {}
        for entry in data["files"]:
            assert entry["url"] == "../../files/" + entry["filename"], entry
            core = entry.get("core-metadata")
            if core:
                version = str(parse_wheel_filename(entry["filename"])[1])
                if version not in digests:
                    recorded = DATA_DIR / "metadata" / path.stem / f"{version}.metadata"
                    digests[version] = hashlib.sha256(recorded.read_bytes()).hexdigest()
                assert core["sha256"] == digests[version], entry["filename"]
    for path in sorted((DATA_DIR / "metadata").rglob("*.metadata")):
        raw = path.read_bytes()
        headers, _, body = raw.partition(b"\n\n")
        assert body == b"", f"{path}: the long description was not dropped"
        for line in raw.decode().splitlines():
            if line and line[0] not in " \t":
                assert line.split(":", 1)[0].lower() in kept_fields, (path, line)
        assert b"://" not in raw, path


def test_recorded_pages_name_no_host() -> None:
    # Every URL is relative to the fixture server; only a yank reason may hold a (project's) URL.
    for path in sorted((DATA_DIR / "pages").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["files"]:
            rest = {k: v for k, v in entry.items() if k != "yanked"}
            assert "://" not in json.dumps(rest), (path.name, entry["filename"])


def test_six_wheel_is_a_real_zip() -> None:
    wheel = six_wheel()
    data = (DATA_DIR / "files" / wheel["filename"]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n.endswith(".dist-info/METADATA") for n in archive.namelist())


def uv_binary() -> str | None:
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


@pytest.mark.skipif(uv_binary() is None, reason="uv is not installed")
def test_uv_reads_the_fixture(index_server: IndexServer, index_url: str, clean_env: object,
                              tmp_path: Path) -> None:
    """uv resolves from the fixture alone: pages, .metadata files, and six's METADATA through ranges."""
    requirements = tmp_path / "requirements.in"
    requirements.write_text("ecdsa\n")
    result = subprocess.run(
        [str(uv_binary()), "pip", "compile", "--quiet", "--no-cache", "--only-binary", ":all:",
         "--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28", "--index-url", index_url,
         str(requirements)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"six=={six_wheel()['filename'].split('-')[1]}" in result.stdout
    six = [r for r in index_server.log if r.path == f"/files/{six_wheel()['filename']}"]
    assert six and all(r.method == "HEAD" or "range" in r.headers for r in six)
