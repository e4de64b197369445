"""Shared fixtures: the recorded package index on 127.0.0.1, a cache directory, a clean environment.

Tests never reach the real index: they pass ``--index-url`` (the ``index_url`` fixture) explicitly, and
``clean_env`` removes the machine's PIP_*/UV_*/WHEELPIN_* settings for tests that read the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from fakeindex import FakeIndex
from indexserver import IndexServer
from wheelpin.index import transport
from wheelpin.resolve import Session

# Variables whose prefixes configure an index, a cache or a config file for wheelpin, pip or uv.
_ISOLATED_PREFIXES = ("PIP_", "UV_", "WHEELPIN_")


@pytest.fixture(autouse=True)
def no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output wraps to COLUMNS, which pytest-xdist's workers have set (80) where a plain run has not: each test
    starts without it, and one about wrapping sets it itself."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sleeps between retries: the index client waits 0 s, whatever the server's Retry-After.
    (Tests of the backoff itself import ``backoff_delay`` before this replaces it.)"""
    monkeypatch.setattr(transport, "backoff_delay", lambda retry, retry_after: 0.0)


@pytest.fixture(scope="session")
def index_server() -> Iterator[IndexServer]:
    """The recorded index (tests/data/index) served on 127.0.0.1 for the whole session."""
    with IndexServer() as server:
        yield server


@pytest.fixture
def index_url(index_server: IndexServer) -> Iterator[str]:
    """The fixture server's simple-API URL, with its request log cleared and no faults injected.

    Faults a test injects (``fail_paths``, ``corrupt_metadata``, ``ignore_ranges``) are undone after it.
    """
    index_server.reset()
    yield index_server.url
    index_server.reset()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """An empty wheelpin cache directory of the test's own."""
    path = tmp_path / "cache"
    path.mkdir()
    return path


@pytest.fixture
def fake() -> FakeIndex:
    """An empty in-memory index for a test to fill (modules that need a prefilled one define their own)."""
    return FakeIndex()


@pytest.fixture
def session(fake: FakeIndex) -> Iterator[Session]:
    """A Session over ``fake``, closed after the test."""
    opened = Session(fake)
    yield opened
    opened.close()


@pytest.fixture
def run(index_url: str, cache_dir: Path, capsys: pytest.CaptureFixture[str],
        clean_env: object) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process against the fixture index, with a cache of the test's own and no machine
    configuration: returns (exit code, stdout, stderr).  Modules that need another index define their own."""
    from wheelpin.cli import main

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--index-url", index_url, "--cache-dir", str(cache_dir)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def clean_env() -> Iterator[MutableMapping[str, str]]:
    """os.environ without PIP_*/UV_*/WHEELPIN_* for the duration of the test (restored afterwards).

    On top of that it isolates from the machine's own configuration: pip's config files are not read
    (PIP_CONFIG_FILE=os.devnull), nor uv's (UV_NO_CONFIG=1); uv never downloads an interpreter
    (UV_PYTHON_DOWNLOADS=never); and 127.0.0.1 bypasses any proxy.  Yields os.environ.
    """
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.upper().startswith(_ISOLATED_PREFIXES):
            del os.environ[key]
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    os.environ["UV_NO_CONFIG"] = "1"
    os.environ["UV_PYTHON_DOWNLOADS"] = "never"
    for key in ("NO_PROXY", "no_proxy"):
        existing = [h for h in os.environ.get(key, "").split(",") if h]
        os.environ[key] = ",".join([*existing, *(h for h in ("127.0.0.1", "localhost") if h not in existing)])
    try:
        yield os.environ
    finally:
        os.environ.clear()
        os.environ.update(saved)


# Hypothesis: one fixed, derandomized profile, so the fuzz tests are fast and every run tries the same inputs.
settings.register_profile("wheelpin", derandomize=True, max_examples=40, deadline=None, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("wheelpin")
