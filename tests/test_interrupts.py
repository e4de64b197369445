"""SIGINT / SIGTERM in the middle of a run: exit 130 / 143 with one line, no traceback, the -o file as it
was (no temp file left), and a cache the next run can use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).parent.parent
# fastapi's page and its dependencies' are served; pydantic-core's page never comes.
STALLED = "pydantic-core"


class _Proxy(BaseHTTPRequestHandler):
    """Forwards to the fixture index, except for paths naming STALLED, which it holds until released (and
    then drops: the client has given up by then)."""

    server: _StallingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if STALLED in self.path and not self.server.release.is_set():
            self.server.stalled.set()
            self.server.release.wait(60)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")}
        upstream = httpx.get(self.server.upstream + self.path, headers=headers, trust_env=False)
        self.send_response(upstream.status_code)
        for key in ("content-type", "content-range", "location", "accept-ranges"):
            if key in upstream.headers:
                self.send_header(key, upstream.headers[key])
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)


class _StallingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Proxy)
        self.upstream = upstream.rstrip("/")
        self.stalled = threading.Event()
        self.release = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the interrupted client hangs up


@pytest.fixture
def stalling(index_server) -> Iterator[_StallingServer]:
    server = _StallingServer(index_server.base_url)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _wheelpin(*args: str) -> list[str]:
    return [sys.executable, "-m", "wheelpin", *args]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                      (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_run_exits_cleanly_and_leaves_the_lock_and_cache_usable(stalling, tmp_path, clean_env,
                                                                            signum, code, word):
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.16.0\n")  # the lock of an earlier run, which must survive whole
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proxy_url = f"http://127.0.0.1:{stalling.server_address[1]}/simple/"
    process = subprocess.Popen(_wheelpin("resolve", "fastapi==0.115.0", "--python", "3.12", "-o", str(lock),
                                         "--index-url", proxy_url, "--cache-dir", str(cache)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert stalling.stalled.wait(30), "the run never reached the stalled page"
        time.sleep(0.2)  # let the other fetches land in the cache meanwhile
        started = time.monotonic()
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == code, err
    assert time.monotonic() - started < 2  # not held by the stalled fetch thread, nor the watchdog
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.strip()] == [next(
        line for line in err.splitlines() if line.startswith(word))]
    assert out == ""
    assert lock.read_text() == "six==1.16.0\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "lock.txt"]  # no temp file left
    if signum != signal.SIGINT:
        return  # one signal's cache is enough to show the next run can use it
    # the cache the interrupted run wrote into is usable by the next one, on the same (now answering) index
    stalling.release.set()
    again = subprocess.run(_wheelpin("resolve", "fastapi==0.115.0", "--python", "3.12", "-o", str(lock),
                                     "--index-url", proxy_url, "--cache-dir", str(cache)),
                           capture_output=True, text=True, env=env, timeout=30)
    assert again.returncode == 0, again.stderr
    assert "warning" not in again.stderr
    assert "pydantic-core==" in lock.read_text()
