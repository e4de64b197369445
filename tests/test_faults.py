"""The command line against the fixture index serving faults (tests/indexserver.py's fault mode): what a flaky
network does is retried into the right lock, what a hostile index does is a clear exit 3 that writes nothing,
and neither leaves anything behind that spoils the next clean run."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexserver import Fault, IndexServer
from wheelpin.cli import main

pytestmark = pytest.mark.timeout(60)
# Pages, PEP 658 metadata files, and a wheel read by range requests (six's page advertises no metadata).
# Small, so that each of these runs takes a fraction of a second.
REQUIREMENTS = ("typing-inspection", "six")
PAGE = "/simple/typing-extensions/"
METADATA = "/files/typing_extensions-4.16.0-py3-none-any.whl.metadata"
WHEEL = "/files/six-"
# Every path a run of REQUIREMENTS asks for, by kind.
PAGES = ("/simple/typing-inspection/", PAGE, "/simple/six/")
METADATA_FILES = ("/files/typing_inspection-0.4.5-py3-none-any.whl.metadata", METADATA)
_reference: dict[str, str] = {}


def pins(lock: str) -> str:
    """A lock without its header (which repeats the command line, --retries and --timeout included)."""
    return "".join(line for line in lock.splitlines(keepends=True) if not line.startswith("#"))


@pytest.fixture
def resolve(index_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_env: object):
    """Resolve REQUIREMENTS in-process with -o; returns (exit code, stderr, the lock's pins or None)."""

    def invoke(*options: str, cache: str = "cache") -> tuple[int, str, str | None]:
        lock = tmp_path / "lock.txt"
        lock.unlink(missing_ok=True)
        code = main(["resolve", *REQUIREMENTS, "--python", "3.12", "-o", str(lock), "--index-url", index_url,
                     "--cache-dir", str(tmp_path / cache), *options])
        return code, capsys.readouterr().err, pins(lock.read_text()) if lock.exists() else None

    return invoke


@pytest.fixture
def reference(resolve, index_server: IndexServer) -> str:
    """The lock of a clean run with a cache of its own (computed once)."""
    if "lock" not in _reference:
        code, err, lock = resolve(cache="reference-cache")
        assert code == 0 and lock is not None, err
        _reference["lock"] = lock
    index_server.clear_log()
    return _reference["lock"]


def assert_fails_cleanly(outcome: tuple[int, str, str | None], *expected: str) -> None:
    code, err, lock = outcome
    assert code == 3, err
    assert lock is None  # nothing at -o
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err


def assert_next_clean_run_locks(resolve, server: IndexServer, reference: str) -> None:
    """Same cache directory as the failed run: nothing it kept may change the lock."""
    server.reset()
    code, err, lock = resolve()
    assert code == 0, err
    assert lock == reference


@pytest.mark.parametrize("kinds", [
    ("503", "503-retry-after", "429", "500", "502", "504"),
    ("reset", "truncate", "504", "truncate", "reset", "truncate"),
])
def test_transient_faults_are_retried_into_the_right_lock(resolve, reference, index_server, kinds):
    """Each path of the run (pages, metadata files, a wheel read by ranges) fails twice, each its own way."""
    paths = (*PAGES, *METADATA_FILES, WHEEL)
    for path, kind in zip(paths, kinds, strict=True):
        index_server.faults[path] = Fault(kind, times=2)
    code, err, lock = resolve("--retries", "2")
    assert code == 0, err
    assert lock == reference
    served = sorted((next(p for p in paths if path.startswith(p)), kind) for path, kind in index_server.injected)
    assert served == sorted((p, k) for p, k in zip(paths, kinds, strict=True) for _twice in "12")


@pytest.mark.parametrize(("kind", "message"), [
    ("503", "(last: HTTP 503)"),
    ("503-retry-after", "(last: HTTP 503)"),
    ("reset", "(last: ReadError"),
    ("truncate", "(last: RemoteProtocolError"),
])
def test_a_fault_that_outlasts_the_retries_is_exit_3_naming_url_error_and_tries(
        resolve, reference, index_server, kind, message):
    index_server.faults[PAGE] = Fault(kind)
    assert_fails_cleanly(resolve("--retries", "2"), PAGE, message, "after 3 tries")
    assert index_server.requests_for(PAGE) == [PAGE] * 3
    assert_next_clean_run_locks(resolve, index_server, reference)


@pytest.mark.parametrize(("kind", "message"), [("stall", "(last: ReadTimeout"), ("drip", "(last: too slow")])
def test_a_stalled_or_dripping_response_is_a_timeout_not_a_hang(resolve, reference, index_server, kind, message):
    index_server.faults[PAGE] = Fault(kind)
    assert_fails_cleanly(resolve("--retries", "1", "--timeout", "0.1"), PAGE, message, "after 2 tries")
    assert_next_clean_run_locks(resolve, index_server, reference)


@pytest.mark.parametrize(("kind", "path", "message"), [
    ("bad-json", PAGE, "is not valid PEP 691 JSON"),
    ("portal", PAGE, "is not a project page"),
    ("redirect-loop", PAGE, "redirects in a loop"),
    ("redirect-loop", METADATA, "redirects in a loop"),
    ("redirect-loop", WHEEL, "redirects in a loop"),
    ("oversize", PAGE, "announces 2,097,152 bytes"),
    ("oversize-chunked", PAGE, "more than 1,048,576 bytes arrived"),
    ("oversize-chunked", WHEEL, "more than 1,048,576 bytes arrived"),
    ("bad-hash", METADATA, "does not match the sha256 the index gives"),
])
def test_a_hostile_index_is_exit_3_at_once_and_leaves_nothing_behind(
        resolve, reference, index_server, clean_env, kind, path, message):
    clean_env["WHEELPIN_MAX_RESPONSE_BYTES"] = str(1024 * 1024)
    index_server.faults[path] = Fault(kind)
    assert_fails_cleanly(resolve("--retries", "3"), path.removeprefix("/files/").removesuffix(".metadata"), message)
    # Not retried: every try would meet the same answer.
    assert len(index_server.injected) == 1, index_server.injected
    assert_next_clean_run_locks(resolve, index_server, reference)


def test_metadata_with_the_wrong_sha256_is_never_cached(resolve, reference, index_server):
    index_server.faults[METADATA] = Fault("bad-hash")
    assert resolve()[0] == 3
    index_server.reset()
    assert resolve("--offline")[0] == 3  # the metadata was not kept: offline, the run cannot finish
    assert_next_clean_run_locks(resolve, index_server, reference)
    assert METADATA in index_server.requests


def test_wheelpin_retries_sets_the_tries_and_retries_overrides_it(resolve, index_server, clean_env):
    index_server.faults[PAGE] = Fault("503")
    clean_env["WHEELPIN_RETRIES"] = "1"
    assert_fails_cleanly(resolve(), "after 2 tries")
    assert_fails_cleanly(resolve("--retries", "0"), "after 1 try ")
    assert len(index_server.requests_for(PAGE)) == 3


@pytest.mark.parametrize(("variable", "value"), [("WHEELPIN_RETRIES", "many"), ("WHEELPIN_RETRIES", "-1"),
                                                 ("WHEELPIN_TIMEOUT", "0"), ("WHEELPIN_TIMEOUT", "soon"),
                                                 ("WHEELPIN_MAX_RESPONSE_BYTES", "0")])
def test_a_bad_network_setting_is_exit_2_naming_it(resolve, clean_env, variable, value):
    clean_env[variable] = value
    code, err, lock = resolve()
    assert code == 2 and lock is None
    assert f"{variable}={value!r}" in err


@pytest.mark.parametrize("option", [("--retries", "-1"), ("--timeout", "0"), ("--timeout", "nan")])
def test_a_bad_retries_or_timeout_option_is_a_usage_error(resolve, option):
    with pytest.raises(SystemExit) as caught:
        resolve(*option)
    assert caught.value.code == 2
