"""Each host is looked up once per run, and a stalled lookup is sent again (wheelpin.index.lookups)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest

from wheelpin.errors import NoWheelSolution
from wheelpin.index import HttpIndex
from wheelpin.index.lookups import MAX_QUERIES, AddressInfo, Lookups, system_lookup
from wheelpin.index.transport import make_client
from wheelpin.inputs import parse_requirements_file
from wheelpin.resolve import Session, resolve
from wheelpin.target import make_target

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).parent.parent
LOOPBACK: list[AddressInfo] = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]


class Counted:
    """A lookup that counts its calls; ``answers`` says what each call does, in order (the last repeats)."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers) or [LOOPBACK]
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[AddressInfo]:
        with self.lock:
            self.calls += 1
            answer = self.answers[min(self.calls, len(self.answers)) - 1]
        if isinstance(answer, threading.Event):
            answer.wait(30)  # a lost packet: answered only when the test ends
            return LOOPBACK
        if isinstance(answer, OSError):
            raise answer
        assert isinstance(answer, list)
        return answer


def test_many_connections_at_once_share_one_lookup() -> None:
    release = threading.Event()
    slow = Counted()

    def lookup(host: str, port: int) -> list[AddressInfo]:
        release.wait(5)
        return slow(host, port)

    lookups = Lookups(lookup, hedge_after=30)
    got: list[list[AddressInfo]] = []
    threads = [threading.Thread(target=lambda: got.append(lookups.addresses("index.test", 443, 10)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert got == [LOOPBACK] * 8
    assert slow.calls == 1
    lookups.addresses("index.test", 443, 10)
    assert slow.calls == 1  # remembered
    lookups.addresses("files.test", 443, 10)
    assert slow.calls == 2  # another host is looked up on its own


def test_a_stalled_lookup_is_sent_again_and_the_first_answer_wins() -> None:
    lost = threading.Event()
    lookup = Counted(lost, LOOPBACK)
    try:
        assert Lookups(lookup, hedge_after=0.05).addresses("index.test", 443, 10) == LOOPBACK
        assert lookup.calls == 2
    finally:
        lost.set()


def test_lookups_that_never_answer_end_in_a_timeout_after_a_bounded_number_of_queries() -> None:
    lost = threading.Event()
    lookup = Counted(lost)
    try:
        with pytest.raises(TimeoutError):
            Lookups(lookup, hedge_after=0.05).addresses("index.test", 443, 0.5)
        assert lookup.calls == MAX_QUERIES
    finally:
        lost.set()


def test_a_failed_lookup_is_not_kept() -> None:
    again = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    lookup = Counted(*[again] * MAX_QUERIES, LOOPBACK)
    lookups = Lookups(lookup, hedge_after=30)
    with pytest.raises(socket.gaierror):
        lookups.addresses("index.test", 443, 10)
    assert lookup.calls == MAX_QUERIES  # a transient failure is asked again at once, a bounded number of times
    assert lookups.addresses("index.test", 443, 10) == LOOPBACK  # the next connection (a retry) asks afresh


def test_a_name_that_does_not_exist_is_asked_once() -> None:
    lookup = Counted(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with pytest.raises(socket.gaierror):
        Lookups(lookup, hedge_after=30).addresses("no-such-index.test", 443, 10)
    assert lookup.calls == 1


def test_a_missing_host_is_a_connect_error_the_retries_see() -> None:
    lookup = Counted(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with make_client(lookups=Lookups(lookup)) as client, pytest.raises(httpx.ConnectError):
        client.get("http://no-such-index.test/simple/")


def test_a_cold_resolve_looks_the_index_up_once(index_url: str, clean_env) -> None:
    """The request count behind the speed device: connections opened side by side ask the lookup table once
    each, and the system resolver is asked once for the run."""
    system = Counted()
    connections = 0

    class Counting(Lookups):
        def addresses(self, host: str, port: int, timeout: float | None) -> list[AddressInfo]:
            nonlocal connections
            connections += 1
            return super().addresses(host, port, timeout)

    def lookup(host: str, port: int) -> list[AddressInfo]:
        system(host, port)
        return system_lookup(host, port)

    http = HttpIndex([index_url], client=make_client(lookups=Counting(lookup)))
    session = Session(http)
    inputs = parse_requirements_file(ROOT / "examples" / "render-fastapi" / "requirements.txt")
    try:
        resolve(inputs, make_target("3.12", "manylinux"), session)
    except NoWheelSolution:
        pass
    finally:
        session.close()
        http.client.close()
    assert connections > 1  # the fetch pool opened several connections at once
    assert system.calls == 1


def test_through_a_proxy_the_proxy_looks_hosts_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a proxy in the environment httpx's own proxy transports carry the requests, as before."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    lookup = Counted()
    with make_client(lookups=Lookups(lookup)) as client, pytest.raises((httpx.ProxyError, httpx.ConnectError)):
        client.get("http://index.test/simple/")
    assert lookup.calls == 0


def test_an_answer_is_kept_for_a_while_not_for_ever() -> None:
    now = [0.0]
    lookup = Counted()
    lookups = Lookups(lookup, keep_for=300, clock=lambda: now[0])
    lookups.addresses("index.test", 443, 10)
    now[0] = 299.0
    lookups.addresses("index.test", 443, 10)
    assert lookup.calls == 1
    now[0] = 301.0
    lookups.addresses("index.test", 443, 10)
    assert lookup.calls == 2
