"""A loopback proxy in front of the configured package index that fails a share of requests, as a flaky
network or an overloaded index does: HTTP 503 with ``Retry-After: 0``, or a reset connection.

The upstream is the index wheelpin itself would use (``--upstream``, else WHEELPIN_INDEX_URL, PIP_INDEX_URL,
pip's configuration, pip's default); no index host is named here.  Project pages are rewritten so that their
file URLs (metadata files and wheels, usually on another host) go through the proxy too.

    python bench/faultproxy.py [--rate 0.25] [--seed 1]          # serve until Ctrl-C
    python bench/faultproxy.py --measure 5 -- -r examples/render-fastapi/requirements.txt --python 3.12

``--measure N`` resolves once directly (the clean lock), then N times through the proxy, each with a cold
cache of its own, and prints each run's exit code, time, faults served and whether its lock is the clean one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from wheelpin.config import index_urls

_FORWARDED_REQUEST = ("accept", "range", "user-agent")
_FORWARDED_RESPONSE = ("content-type", "content-range", "accept-ranges", "retry-after")
_HREF = re.compile(r'href="([^"]+)"')


class _QuietServer(ThreadingHTTPServer):
    """A client that drops a kept-alive connection (wheelpin exiting) is no error worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FaultProxy:
    """Serves ``/simple/…`` from the upstream index and ``/x/<scheme>/<host>/<path>`` from anywhere."""

    def __init__(self, upstream: str, *, rate: float, seed: int) -> None:
        self.upstream = upstream.rstrip("/") + "/"
        self.rate, self._rng, self._lock = rate, random.Random(seed), threading.Lock()
        self.counts: Counter[str] = Counter()
        self.client = httpx.Client(follow_redirects=True, timeout=60, trust_env=True)
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/simple/"

    def start(self) -> FaultProxy:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.client.close()

    def fault(self) -> str | None:
        with self._lock:
            self.counts["requests"] += 1
            if self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(("503", "reset"))
            self.counts[kind] += 1
            return kind

    def proxied(self, url: str) -> str:
        parts = urlsplit(url)
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/x/{parts.scheme}/{parts.netloc}{parts.path}"

    def upstream_url(self, path: str) -> str | None:
        if path.startswith("/simple/"):
            return self.upstream + path[len("/simple/"):]
        match = re.fullmatch(r"/x/(https?)/([^/]+)(/.*)", path)
        return f"{match[1]}://{match[2]}{match[3]}" if match else None

    def rewrite(self, body: bytes, content_type: str, base: str) -> bytes:
        """A project page whose file URLs point at the proxy."""
        if "json" in content_type:
            page: dict[str, Any] = json.loads(body)
            for entry in page.get("files", []):
                entry["url"] = self.proxied(urljoin(base, entry["url"]))
            return json.dumps(page).encode()
        text = body.decode("utf-8", "replace")
        return _HREF.sub(lambda m: f'href="{self.proxied(urljoin(base, m[1]))}"', text).encode()


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK wait between them

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        fault = self.proxy.fault()
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault == "503":
            self._answer(503, b"injected 503\n", {"Content-Type": "text/plain", "Retry-After": "0"})
            return
        target = self.proxy.upstream_url(self.path.split("?", 1)[0])
        if target is None:
            self._answer(404, b"not proxied\n", {"Content-Type": "text/plain"})
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED_REQUEST}
        try:
            response = self.proxy.client.get(target, headers=headers)
        except httpx.HTTPError as exc:
            self._answer(502, f"upstream: {type(exc).__name__}\n".encode(), {"Content-Type": "text/plain"})
            return
        body = response.content
        kept = {k: v for k, v in response.headers.items() if k.lower() in _FORWARDED_RESPONSE}
        if self.path.startswith("/simple/") and response.status_code == 200:
            body = self.proxy.rewrite(body, kept.get("content-type", ""), str(response.url))
        self._answer(response.status_code, body, kept)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def pins(lock: Path) -> str:
    return "".join(line for line in lock.read_text().splitlines(keepends=True) if not line.startswith("#"))


def resolve(args: list[str], index_url: str, work: Path, name: str) -> tuple[int, float, Path, str]:
    lock = work / f"{name}.txt"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "wheelpin", "resolve", *args, "--index-url", index_url,
                           "--cache-dir", str(work / f"cache-{name}"), "-o", str(lock)],
                          capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    return done.returncode, time.monotonic() - started, lock, lines[-1] if lines else ""


def measure(proxy: FaultProxy, runs: int, args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="faultproxy-") as tmp:
        work = Path(tmp)
        code, took, lock, last = resolve(args, proxy.upstream, work, "clean")
        print(f"clean run (direct): exit {code}, {took:.1f} s")
        if code != 0:
            print(last)
            return 1
        clean = pins(lock)
        same = 0
        for run in range(runs):
            before = Counter(proxy.counts)
            code, took, lock, last = resolve(args, proxy.url, work, f"run{run}")
            served = proxy.counts - before
            verdict = ("same lock" if pins(lock) == clean else "DIFFERENT LOCK") if code == 0 else last
            same += code == 0 and pins(lock) == clean
            print(f"run {run + 1}: exit {code}, {took:.1f} s, {served['requests']} requests, "
                  f"{served['503']} answered 503, {served['reset']} reset: {verdict}")
        print(f"{same} of {runs} runs through the proxy gave the clean lock; faults served: "
              f"{proxy.counts['503']} x 503, {proxy.counts['reset']} resets in {proxy.counts['requests']} requests")
        return 0 if same == runs else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", help="the index to proxy (default: the one wheelpin is configured with)")
    parser.add_argument("--rate", type=float, default=0.25, help="share of requests failed (default 0.25)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=int, metavar="N", help="resolve N times through the proxy, then exit")
    parser.add_argument("wheelpin_args", nargs="*", help="after --: the resolve arguments for --measure")
    args = parser.parse_args(argv)
    proxy = FaultProxy(index_urls(cli_index_url=args.upstream)[0], rate=args.rate, seed=args.seed).start()
    try:
        if args.measure:
            return measure(proxy, args.measure, args.wheelpin_args)
        print(f"failing {args.rate:.0%} of requests at {proxy.url} (upstream: the configured index); Ctrl-C stops",
              flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
