"""Project pages: PEP 691 JSON or PEP 503 HTML → condensed file entries, and their cache form."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

import httpx

from wheelpin.config import redact_url
from wheelpin.errors import IndexUnavailable
from wheelpin.models import DistFile, ProjectPage

SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)


def parse_project_page(response: httpx.Response) -> list[DistFile]:
    """PEP 691 JSON or PEP 503 HTML → file entries with absolute URLs."""
    base = str(response.url)
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if content_type.endswith("+json") or content_type == "application/json":
        try:
            data = response.json()
            return [_json_file(entry, base) for entry in data["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexUnavailable(
                f"the project page {redact_url(base)} is not valid PEP 691 JSON ({exc}): the index is misbehaving; "
                "retry, or use another --index-url."
            ) from None
    parser = _AnchorParser(base)
    parser.feed(response.text)
    return parser.files


def _json_file(entry: dict[str, object], base: str) -> DistFile:
    hashes = entry.get("hashes") or {}
    assert isinstance(hashes, dict)
    core = entry.get("core-metadata", entry.get("dist-info-metadata"))
    core_sha = core.get("sha256") if isinstance(core, dict) else None
    yanked = entry.get("yanked", False)
    size = entry.get("size")
    requires_python = entry.get("requires-python")
    upload_time = entry.get("upload-time")
    return DistFile(
        filename=str(entry["filename"]),
        url=_absolute(base, str(entry["url"])),
        sha256=hashes.get("sha256"),
        requires_python=str(requires_python) if requires_python else None,
        yanked=bool(yanked),
        yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
        # PEP 691: a dict of hashes (possibly empty) or a bool.
        core_metadata=None if core is None else core is not False,
        core_metadata_sha256=core_sha,
        size=size if isinstance(size, int) else None,
        upload_time=upload_time if isinstance(upload_time, str) and upload_time else None,
    )


def _absolute(base: str, url: str) -> str:
    # urljoin costs more than the rest of a file entry; most indexes give absolute URLs.
    return url if url.startswith(("https://", "http://")) else urljoin(base, url)


class _AnchorParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.files: list[DistFile] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            href = dict(attrs).get("href")
            if href:
                self.base = urljoin(self.base, href)
        if tag != "a":
            return
        attributes = dict(attrs)
        href = attributes.get("href")
        if not href:
            return
        url, fragment = urldefrag(urljoin(self.base, href))
        filename = url.rsplit("/", 1)[-1]
        sha256 = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
        core = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        core_sha = core[len("sha256="):] if core and core.startswith("sha256=") else None
        self.files.append(DistFile(
            filename=filename, url=url, sha256=sha256,
            requires_python=attributes.get("data-requires-python") or None,
            yanked="data-yanked" in attributes,
            yanked_reason=attributes.get("data-yanked") or None,  # PEP 592: the attribute's value is the reason
            core_metadata=None if core is None else core.lower() != "false",
            core_metadata_sha256=core_sha,
        ))



def page_to_data(page: ProjectPage) -> dict[str, Any]:
    """A compact, JSON-ready form of a condensed page, for the cache: one list of fields per file."""
    return {"name": page.name, "index_url": page.index_url, "files": [list(f) for f in page.files]}


def page_from_data(data: dict[str, Any]) -> ProjectPage:
    make = DistFile._make
    return ProjectPage(name=data["name"], index_url=data["index_url"], files=tuple(make(f) for f in data["files"]))
