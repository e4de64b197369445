"""A package index on 127.0.0.1 serving recorded, trimmed real index data (tests/data/index/).

The data is written by ``scripts/record_index.py``:

- ``pages/<name>.json``: PEP 691 JSON pages whose file URLs are relative (``../../files/<filename>``);
- ``metadata/<name>/<version>.metadata``: the trimmed core metadata of one release, served as the PEP 658
  ``.metadata`` file of each of its wheels whose page entry advertises ``core-metadata``;
- ``files/<filename>``: the few real files kept (wheels that must be read through HTTP range requests).

Routes: ``/simple/`` (the project list), ``/simple/<name>/`` (PEP 691 JSON when the Accept header asks for it,
else PEP 503 HTML generated from the JSON; a name that is not normalized redirects to the normalized one),
``/files/<wheel>.metadata``, ``/files/<filename>`` (with ``Range`` support).  GET and HEAD.

For tests: ``requests`` (the paths asked for, in order), ``fail_paths`` (path prefix → HTTP status to answer
instead), ``corrupt_metadata`` (wheel filenames or project names whose ``.metadata`` is served altered, so its
sha256 no longer matches the page) and ``ignore_ranges`` (answer 200 with the whole file to range requests).

Fault-injecting mode: ``faults`` (path prefix → :class:`Fault`, for a number of requests or for all) and
``chaos`` (:class:`Chaos`: faults at random, seeded).  The kinds are the network's (``TRANSIENT_FAULTS``: 5xx
and 429 with and without Retry-After, connection resets, stalls, truncated bodies, bodies that drip) and a
hostile or confused index's (``LASTING_FAULTS``: bad JSON, a captive portal's page, oversized bodies with and
without Content-Length, redirect loops, metadata whose sha256 is not the page's).  ``injected`` lists the
(path, kind) of every fault served.

By hand: ``python tests/indexserver.py [--port N] [--data DIR]`` serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)

DATA_DIR = Path(__file__).resolve().parent / "data" / "index"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_JSON_ACCEPTED = ("application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json")
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


# Faults a later try may not meet again: what a flaky network or an overloaded index does.
TRANSIENT_FAULTS = ("503", "503-retry-after", "429", "500", "502", "504", "reset", "stall", "truncate", "drip")
# Faults of a hostile or confused index (or a proxy): served again on every try.
LASTING_FAULTS = ("bad-json", "portal", "oversize", "oversize-chunked", "redirect-loop", "bad-hash")
_STATUS_FAULTS = {"503": 503, "503-retry-after": 503, "429": 429, "500": 500, "502": 502, "504": 504}
PORTAL_PAGE = (b"<!DOCTYPE html><html><head><title>Sign in to continue</title></head><body><h1>Welcome to the "
               b"guest network</h1><form method='post' action='/login'><input name='email'><button>Connect"
               b"</button></form><a href='/terms'>Terms of use</a></body></html>")
_LOOP_QUERY = "redirect-loop"


@dataclass
class Fault:
    """A fault served for the next ``times`` requests that match (None: every one)."""

    kind: str
    times: int | None = None


def lasting_faults_for(path: str) -> tuple[str, ...]:
    """The lasting faults that mean something for this path: bad JSON only on pages, bad hashes only on
    metadata files."""
    if path.startswith("/simple/"):
        return tuple(k for k in LASTING_FAULTS if k != "bad-hash")
    if path.endswith(".metadata"):
        return tuple(k for k in LASTING_FAULTS if k != "bad-json")
    return tuple(k for k in LASTING_FAULTS if k not in ("bad-json", "bad-hash"))


@dataclass
class Chaos:
    """Faults at random: each request meets one with probability ``rate``, of a lasting kind with probability
    ``lasting`` (else a transient one; stalls and drips only if ``slow``), drawn from a generator seeded with
    ``seed``."""

    rate: float
    seed: int
    lasting: float = 0.1
    # Stalls and drips cost the client a timeout each: a quick soak leaves them to the long one.
    slow: bool = True
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self, path: str) -> str | None:
        if self.rng.random() >= self.rate:
            return None
        if self.rng.random() < self.lasting:
            return self.rng.choice(lasting_faults_for(path))
        return self.rng.choice([k for k in TRANSIENT_FAULTS if self.slow or k not in ("stall", "drip")])


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class IndexData:
    """The recorded pages, metadata and files, loaded lazily and kept in memory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not (self.root / "pages").is_dir():
            raise FileNotFoundError(f"{self.root}/pages: no recorded index data (run scripts/record_index.py)")
        self.projects = sorted(p.stem for p in (self.root / "pages").glob("*.json"))
        self._lock = threading.Lock()
        self._pages: dict[str, tuple[bytes, dict[str, Any]]] = {}
        self._html: dict[str, bytes] = {}
        self._files: dict[str, tuple[str, dict[str, Any]]] | None = None

    def page(self, name: str) -> tuple[bytes, dict[str, Any]] | None:
        """The JSON bytes and parsed page of a normalized project name, or None."""
        with self._lock:
            cached = self._pages.get(name)
        if cached is not None:
            return cached
        path = self.root / "pages" / f"{name}.json"
        if name not in self.projects or not path.is_file():
            return None
        raw = path.read_bytes()
        loaded = (raw, json.loads(raw))
        with self._lock:
            self._pages[name] = loaded
        return loaded

    def html(self, name: str) -> bytes | None:
        with self._lock:
            cached = self._html.get(name)
        if cached is not None:
            return cached
        found = self.page(name)
        if found is None:
            return None
        text = render_html(found[1]).encode("utf-8")
        with self._lock:
            self._html[name] = text
        return text

    def file_entry(self, filename: str) -> tuple[str, dict[str, Any]] | None:
        """(project, page entry) of a filename listed on some page."""
        with self._lock:
            if self._files is None:
                files: dict[str, tuple[str, dict[str, Any]]] = {}
                for name in self.projects:
                    data = json.loads((self.root / "pages" / f"{name}.json").read_bytes())
                    for entry in data["files"]:
                        files[entry["filename"]] = (name, entry)
                self._files = files
            return self._files.get(filename)

    def metadata(self, wheel: str) -> bytes | None:
        """The recorded metadata of a wheel, when its page entry advertises it."""
        found = self.file_entry(wheel)
        if found is None or not wheel.endswith(".whl"):
            return None
        project, entry = found
        if not (entry.get("core-metadata") or entry.get("dist-info-metadata")):
            return None
        _name, version, _build, _tags = parse_wheel_filename(wheel)
        path = self.root / "metadata" / project / f"{version}.metadata"
        return path.read_bytes() if path.is_file() else None

    def file(self, filename: str) -> Path | None:
        if "/" in filename or filename.startswith(".") or not filename:
            return None
        path = self.root / "files" / filename
        return path if path.is_file() else None


def render_html(page: dict[str, Any]) -> str:
    """PEP 503 HTML (with PEP 592 yanks, PEP 658/714 metadata attributes) for a PEP 691 JSON page."""
    name = html.escape(page["name"])
    lines = ["<!DOCTYPE html>", "<html>", "<head>", '<meta name="pypi:repository-version" content="1.1">',
             f"<title>Links for {name}</title>", "</head>", "<body>", f"<h1>Links for {name}</h1>"]
    for entry in page["files"]:
        href = entry["url"]
        sha256 = (entry.get("hashes") or {}).get("sha256")
        if sha256:
            href += f"#sha256={sha256}"
        attrs = [f'href="{html.escape(href)}"']
        if entry.get("requires-python"):
            attrs.append(f'data-requires-python="{html.escape(entry["requires-python"])}"')
        yanked = entry.get("yanked")
        if yanked:
            reason = yanked if isinstance(yanked, str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        core = entry.get("core-metadata", entry.get("dist-info-metadata"))
        if core:
            value = f"sha256={core['sha256']}" if isinstance(core, dict) and core.get("sha256") else "true"
            attrs.append(f'data-dist-info-metadata="{value}"')
            attrs.append(f'data-core-metadata="{value}"')
        lines.append(f"<a {' '.join(attrs)}>{html.escape(entry['filename'])}</a><br/>")
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def render_root(projects: list[str], as_json: bool) -> bytes:
    if as_json:
        data = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in projects]}
        return (json.dumps(data, sort_keys=True) + "\n").encode()
    anchors = "".join(f'<a href="{quote(n)}/">{html.escape(n)}</a><br/>\n' for n in projects)
    return (f"<!DOCTYPE html>\n<html>\n<head><title>Simple index</title></head>\n<body>\n{anchors}"
            "</body>\n</html>\n").encode()


def wants_json(accept: str) -> bool:
    """Whether the Accept header asks for PEP 691 JSON (with a non-zero quality)."""
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() in _JSON_ACCEPTED:
            q = next((p.split("=", 1)[1] for p in params if p.replace(" ", "").startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return True
    return False


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` → inclusive (start, end); None if unsatisfiable.

    Raises ValueError for a header this server does not honour (several ranges, another unit): the whole
    file is then served, as RFC 9110 allows.
    """
    m = _RANGE_RE.match(header.strip())
    if not m or (not m[1] and not m[2]):
        raise ValueError(header)
    if not m[1]:
        suffix = int(m[2])
        if suffix == 0 or size == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(m[1])
    end = int(m[2]) if m[2] else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def corrupt(data: bytes) -> bytes:
    """The same metadata, subtly altered: it still parses, but its sha256 no longer matches."""
    return data.replace(b"\nVersion:", b"\nSummary: tampered with\nVersion:", 1) if b"\nVersion:" in data \
        else data + b"X-Tampered: yes\n"


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-response (a resolver exiting with prefetches in flight) are not errors."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class IndexServer:
    """A threaded HTTP index on 127.0.0.1 (port 0 picks a free one) serving recorded data.

    Use ``start()``/``stop()`` or ``with IndexServer() as server:``; ``server.url`` is the simple-API URL.
    """

    def __init__(self, data_dir: str | Path = DATA_DIR, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data = IndexData(Path(data_dir))
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._log: list[Request] = []
        # Fault injection, flipped by tests (and reset by reset()).
        self.fail_paths: dict[str, int] = {}
        self.corrupt_metadata: set[str] = set()
        self.ignore_ranges = False
        self.faults: dict[str, Fault] = {}
        self.chaos: Chaos | None = None
        self.injected: list[tuple[str, str]] = []
        # Sizes and pace of the faults (tests with a 1 MB cap, or a 0.1 s timeout, rely on these).
        self.oversize_bytes = 2 * 1024 * 1024
        self.stall_seconds = 1.0
        self.drip_interval = 0.02
        self.retry_after = "1"
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> IndexServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"index": self})
        httpd = _QuietServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"indexserver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # stalls and drips in progress end now
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def url(self) -> str:
        """The simple-API URL to give as ``--index-url``."""
        return f"{self.base_url}simple/"

    def file_url(self, filename: str) -> str:
        return f"{self.base_url}files/{quote(filename)}"

    # -- inspection and fault injection ------------------------------------------------------------------
    @property
    def requests(self) -> list[str]:
        """Paths asked for so far, in order (a copy)."""
        with self._lock:
            return [r.path for r in self._log]

    @property
    def log(self) -> list[Request]:
        """Every request so far, with its method and headers (a copy)."""
        with self._lock:
            return list(self._log)

    def requests_for(self, prefix: str) -> list[str]:
        return [p for p in self.requests if p.startswith(prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def reset(self) -> None:
        """Forget the request log and every injected fault."""
        with self._lock:
            self._log.clear()
            self.fail_paths = {}
            self.corrupt_metadata = set()
            self.ignore_ranges = False
            self.faults = {}
            self.chaos = None
            self.injected = []

    def _fault(self, path: str) -> str | None:
        """The fault to serve for this request, if any (and counted down / recorded)."""
        with self._lock:
            matches = [p for p in self.faults if path.startswith(p) and self.faults[p].times != 0]
            kind = None
            if matches:
                fault = self.faults[max(matches, key=len)]
                if fault.times is not None:
                    fault.times -= 1
                kind = fault.kind
            elif self.chaos is not None:
                kind = self.chaos.pick(path)
            if kind is not None:
                self.injected.append((path, kind))
            return kind

    def _record(self, request: Request) -> None:
        with self._lock:
            self._log.append(request)

    def _failure(self, path: str) -> int | None:
        with self._lock:
            matches = [p for p in self.fail_paths if path.startswith(p)]
            return self.fail_paths[max(matches, key=len)] if matches else None

    def _corrupted(self, wheel: str) -> bool:
        with self._lock:
            if wheel in self.corrupt_metadata:
                return True
        try:
            name = canonicalize_name(parse_wheel_filename(wheel)[0])
        except (InvalidWheelFilename, InvalidSdistFilename):
            return False
        with self._lock:
            return name in {canonicalize_name(n) for n in self.corrupt_metadata}


class _Handler(BaseHTTPRequestHandler):
    index: IndexServer  # set on the per-server subclass
    _mangle: str | None = None  # this request's altering fault (truncate, drip, bad-hash)
    protocol_version = "HTTP/1.1"
    server_version = "wheelpin-test-index/1.0"
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the client's delayed
    # ACK of the headers (about 40 ms a response on Linux loopback).
    disable_nagle_algorithm = True
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # silence: the request log is in IndexServer.log

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    # -- routing -----------------------------------------------------------------------------------------
    def _serve(self, *, head: bool) -> None:
        path = urlsplit(self.path).path
        self.index._record(Request(self.command, path, {k.lower(): v for k, v in self.headers.items()}))
        status = self.index._failure(path)
        if status is not None:
            self._send(status, f"injected failure {status}\n".encode(), "text/plain", head=head)
            return
        if urlsplit(self.path).query == _LOOP_QUERY:  # once in a redirect loop, never out of it
            self._send(302, b"", "text/plain", head=head, extra={"Location": f"{path}?{_LOOP_QUERY}"})
            return
        # Truncation, drips and bad hashes alter the answer this request would get (see _send, _file).
        self._mangle = self.index._fault(path)
        if self._mangle is not None and self._inject(self._mangle, path, head=head):
            return
        parts = [unquote(p) for p in path.split("/")]
        # "/simple/" → ["", "simple", ""]; "/simple/six/" → ["", "simple", "six", ""]
        if parts[1:] == ["simple", ""] or parts[1:] == ["simple"]:
            if path == "/simple":
                self._redirect("/simple/", head=head)
                return
            as_json = wants_json(self.headers.get("Accept", ""))
            self._send(200, render_root(self.index.data.projects, as_json),
                       JSON_TYPE if as_json else "text/html; charset=utf-8", head=head)
            return
        if len(parts) in (3, 4) and parts[1] == "simple" and (len(parts) == 3 or parts[3] == ""):
            self._project(parts[2], trailing_slash=len(parts) == 4, head=head)
            return
        if len(parts) == 3 and parts[1] == "files":
            self._file(parts[2], head=head)
            return
        self._not_found(head)

    def _project(self, name: str, *, trailing_slash: bool, head: bool) -> None:
        normalized = canonicalize_name(name)
        if normalized != name or not trailing_slash:
            if self.index.data.page(normalized) is None:
                self._not_found(head)
                return
            self._redirect(f"/simple/{quote(normalized)}/", head=head)
            return
        if wants_json(self.headers.get("Accept", "")):
            found = self.index.data.page(normalized)
            if found is None:
                self._not_found(head)
                return
            self._send(200, found[0], JSON_TYPE, head=head)
            return
        text = self.index.data.html(normalized)
        if text is None:
            self._not_found(head)
            return
        self._send(200, text, "text/html; charset=utf-8", head=head)

    def _file(self, filename: str, *, head: bool) -> None:
        if filename.endswith(".metadata"):
            wheel = filename[: -len(".metadata")]
            data = self.index.data.metadata(wheel)
            if data is None:
                self._not_found(head)
                return
            if self.index._corrupted(wheel) or self._mangle == "bad-hash":
                data = corrupt(data)
            self._send(200, data, "application/octet-stream", head=head)
            return
        path = self.index.data.file(filename)
        if path is None:
            self._not_found(head)
            return
        data = path.read_bytes()
        range_header = self.headers.get("Range")
        if range_header and not self.index.ignore_ranges:
            try:
                span = parse_range(range_header, len(data))
            except ValueError:
                span = (0, len(data) - 1)
                range_header = None
            if span is None:
                self._send(416, b"", "application/octet-stream", head=head,
                           extra={"Content-Range": f"bytes */{len(data)}", "Accept-Ranges": "bytes"})
                return
            if range_header:
                start, end = span
                self._send(206, data[start:end + 1], "application/octet-stream", head=head,
                           extra={"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"})
                return
        self._send(200, data, "application/octet-stream", head=head,
                   extra={} if self.index.ignore_ranges else {"Accept-Ranges": "bytes"})

    # -- faults --------------------------------------------------------------------------------------------
    def _inject(self, kind: str, path: str, *, head: bool) -> bool:
        """Serve the fault instead of the answer; False for the faults that alter the answer instead."""
        if kind in _STATUS_FAULTS:
            extra = {"Retry-After": self.index.retry_after} if kind.endswith("retry-after") else {}
            self._send(_STATUS_FAULTS[kind], f"injected {kind}\n".encode(), "text/plain", head=head, extra=extra)
        elif kind == "reset":  # RST instead of an answer: SO_LINGER 0, then close
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif kind == "stall":  # read the request, then say nothing until the client gives up
            self.index._stopping.wait(self.index.stall_seconds)
            self.close_connection = True
        elif kind == "portal":
            self._send(200, PORTAL_PAGE, "text/html; charset=utf-8", head=head)
        elif kind == "bad-json" and path.startswith("/simple/"):
            self._send(200, b'{"meta": {"api-version": "1.1"}, "files": [{"filename": ', JSON_TYPE, head=head)
        elif kind == "redirect-loop":
            self._send(302, b"", "text/plain", head=head, extra={"Location": f"{path}?{_LOOP_QUERY}"})
        elif kind in ("oversize", "oversize-chunked"):
            self._oversize(chunked=kind == "oversize-chunked", head=head)
        else:
            return False
        return True

    def _oversize(self, *, chunked: bool, head: bool) -> None:
        """A body of ``oversize_bytes`` (whitespace: valid nowhere), announced or chunked, written as fast as the
        client reads it; a client that hangs up ends it."""
        size, piece = self.index.oversize_bytes, b" " * 65536
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(size))
        self.end_headers()
        if head:
            return
        try:
            for start in range(0, size, len(piece)):
                data = piece[: size - start]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    # -- responses -----------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, *, head: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if head:
            return
        mangle = getattr(self, "_mangle", None) if status in (200, 206) else None
        if mangle == "truncate":  # half the announced body, then the connection closes
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif mangle == "drip":
            self._drip(body)
        else:
            self.wfile.write(body)

    def _drip(self, body: bytes) -> None:
        """16 bytes every ``drip_interval``: never silent long enough for a socket timeout."""
        try:
            for start in range(0, len(body), 16):
                self.wfile.write(body[start:start + 16])
                if self.index._stopping.wait(self.index.drip_interval):
                    break
        except OSError:
            pass
        self.close_connection = True

    def _redirect(self, location: str, *, head: bool) -> None:
        self._send(301, b"", "text/plain", head=head, extra={"Location": location})

    def _not_found(self, head: bool) -> None:
        self._send(404, b"not found\n", "text/plain", head=head)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the recorded index data on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--data", default=str(DATA_DIR), help=f"recorded data directory (default: {DATA_DIR})")
    args = parser.parse_args(argv)
    server = IndexServer(args.data, port=args.port).start()
    print(f"serving {len(server.data.projects)} projects from {args.data} at {server.url}", flush=True)
    print("press Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
