"""bench/faultproxy.py, the loopback fault proxy used against the real index, tried on the fixture index."""

from __future__ import annotations

import pytest
from faultproxy import FaultProxy

from wheelpin.cli import main

pytestmark = pytest.mark.timeout(60)


def test_resolving_through_the_fault_proxy_gives_the_direct_lock(index_url, tmp_path, capsys, clean_env):
    def lock_through(url: str, name: str) -> str:
        lock = tmp_path / f"{name}.txt"
        code = main(["resolve", "anyio", "six", "--python", "3.12", "--index-url", url, "-o", str(lock),
                     "--cache-dir", str(tmp_path / f"cache-{name}")])
        assert code == 0, capsys.readouterr().err
        return "".join(line for line in lock.read_text().splitlines(True) if not line.startswith("#"))

    proxy = FaultProxy(index_url, rate=0.25, seed=3).start()
    try:
        assert lock_through(proxy.url, "proxied") == lock_through(index_url, "direct")
    finally:
        proxy.stop()
    assert proxy.counts["503"] and proxy.counts["reset"]  # it did fail requests, of both kinds
    assert proxy.counts["requests"] > proxy.counts["503"] + proxy.counts["reset"]
