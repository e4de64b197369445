"""A hostile or careless index cannot make wheelpin run code, leak credentials, or write a wrong hash; a
plain-http index is refused off loopback unless trusted."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexserver import IndexServer
from synthindex import Release, build_index
from wheelpin.cli import main
from wheelpin.config import refuse_plain_http, trusted_hosts
from wheelpin.errors import InputError
from wheelpin.inputs import parse_requirements_file

# Every test here talks to a server on 127.0.0.1 or runs subprocesses: a hang must fail, not stall CI.
pytestmark = pytest.mark.timeout(60)

LINUX_312 = "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
LINUX_311 = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def _code_that_marks(marker: Path) -> str:
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"


def _booby_trapped(name: str, marker: Path, *, static: bool) -> Release:
    """An sdist whose build — setup.py, or the in-tree backend its pyproject names — would write ``marker``."""
    code = _code_that_marks(marker)
    pyproject = ('[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
                 f'[project]\nname = "{name}"\nversion = "1.0"\n' + ('dependencies = ["alpha"]\n' if static else
                                                                    'dynamic = ["dependencies"]\n'))
    return Release(name, "1.0", requires=["alpha"], wheel_tags=[], static_sdist_metadata=static,
                   sdist={"setup.py": code, "backend.py": code, "pyproject.toml": pyproject})


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[tuple[IndexServer, dict[str, bytes], Path]]:
    marker = tmp_path / "code-ran"
    files = build_index(tmp_path / "index", [
        Release("alpha", "1.0"),
        Release("alpha", "1.1", wheel_tags=["py3-none-any", "py2-none-any"]),
        Release("beta", "2.0", requires=["alpha>=1.1"], wheel_tags=[LINUX_312, LINUX_311, "cp312-cp312-win_amd64"]),
        _booby_trapped("static-sdist", marker, static=True),
        _booby_trapped("dynamic-sdist", marker, static=False),
    ])
    with IndexServer(tmp_path / "index") as server:
        yield server, files, marker


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], clean_env: object, tmp_path: Path):
    def invoke(*args: str) -> tuple[int, str, str]:
        argv = list(args)
        if "--cache-dir" not in argv:
            argv += ["--cache-dir", str(tmp_path / "cache")]
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.mark.timeout(60)
def test_resolving_never_runs_code_from_the_index_even_with_allow_source(synthetic, run, tmp_path):
    server, _files, marker = synthetic
    common = ("--python", "3.12", "--index-url", server.url)
    code, out, err = run("resolve", "static-sdist", "--allow-source", "static-sdist", *common)
    assert code == 0, err
    assert "static-sdist==1.0" in out and "built from its sdist" in out  # its static metadata was read
    code, _out, err = run("resolve", "dynamic-sdist", "--allow-source", "dynamic-sdist", *common)
    # Finding its dependencies would need a build: the release cannot install, and the failure says why.
    assert code == 1 and "never runs a build backend" in err
    code, _out, err = run("report", "static-sdist", "dynamic-sdist", "--allow-source", "static-sdist",
                          "--allow-source", "dynamic-sdist", "--python", "3.12", "--index-url", server.url)
    assert code in (0, 1, 3) and "Traceback" not in err
    assert server.requests_for("/files/static-sdist") or server.requests_for("/files/static_sdist")
    assert not marker.exists()


@pytest.mark.timeout(60)
def test_every_hash_in_the_lock_is_the_sha256_of_a_wheel_the_target_installs(synthetic, run, tmp_path):
    server, files, _marker = synthetic
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "beta", "--python", "3.12", "-o", str(lock), "--index-url", server.url)
    assert code == 0, err
    pins = {item.requirement.name: (item.requirement, set(item.hashes))
            for item in parse_requirements_file(lock).requirements}
    assert set(pins) == {"alpha", "beta"}
    expected = {"alpha": {"alpha-1.1-py3-none-any.whl"}, "beta": {f"beta-2.0-{LINUX_312}.whl"}}
    for name, (_requirement, hashes) in pins.items():
        downloaded = {hashlib.sha256(httpx.get(server.file_url(f), trust_env=False).content).hexdigest()
                      for f in expected[name]}
        assert downloaded == {hashlib.sha256(files[f]).hexdigest() for f in expected[name]}
        assert hashes == downloaded, name  # those wheels exactly, nothing else


SECRET = "s3cret-T0KEN-4f9a"


def _every_output(*texts: str, under: Path) -> bytes:
    found = b"\n".join(t.encode() for t in texts)
    for path in under.rglob("*"):
        if path.is_file():
            found += b"\n" + path.read_bytes()
    return found


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _authorizations(server: IndexServer) -> set[str | None]:
    return {r.headers.get("authorization") for r in server.log}


@pytest.mark.timeout(60)
def test_credentials_in_the_url_are_used_and_never_printed_cached_or_locked(index_server, index_url, run,
                                                                           tmp_path):
    secret_url = index_url.replace("http://", f"http://alice:{SECRET}@")
    lock = tmp_path / "out" / "lock.txt"
    lock.parent.mkdir()
    outputs = []
    for args in (["resolve", "fastapi==0.115.0", "--python", "3.12", "-o", str(lock)],
                 ["check", str(lock), "--python", "3.12"],
                 ["report", "fastapi==0.115.0", "--python", "3.12", "--format", "json"],
                 ["resolve", "surely-not-a-project-wheelpin", "--python", "3.12"]):
        code, out, err = run(*args, "--index-url", secret_url)
        assert code == (2 if "surely" in args[1] else 0), err
        outputs += [out, err]
    assert _authorizations(index_server) == {_basic("alice", SECRET)}  # every request, files included
    everything = _every_output(*outputs, under=tmp_path)
    assert SECRET.encode() not in everything
    assert base64.b64encode(f"alice:{SECRET}".encode()) not in everything


@pytest.mark.timeout(60)
def test_netrc_and_keyring_credentials_are_used_and_never_shown(index_server, index_url, run, tmp_path,
                                                                monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login bob password {SECRET}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    code, out, err = run("resolve", "six", "--python", "3.12", "--index-url", index_url)
    assert code == 0, err
    assert _authorizations(index_server) == {_basic("bob", SECRET)}

    # keyring: off by default (the user name alone is sent); the keyring command when asked for
    netrc.write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    keyring = bin_dir / "keyring"
    keyring.write_text(f'#!/bin/sh\n[ "$1" = get ] && [ "$3" = carol ] && echo "{SECRET}-kr" && exit 0\nexit 1\n')
    keyring.chmod(keyring.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    user_url = index_url.replace("http://", "http://carol@")
    index_server.clear_log()
    code, out2, err2 = run("resolve", "six", "--python", "3.12", "--index-url", user_url, "--refresh")
    assert code == 0, err2
    assert _authorizations(index_server) == {_basic("carol", "")}
    index_server.clear_log()
    code, out3, err3 = run("resolve", "six", "--python", "3.12", "--index-url", user_url, "--refresh",
                           "--keyring-provider", "subprocess")
    assert code == 0, err3
    assert _authorizations(index_server) == {_basic("carol", f"{SECRET}-kr")}
    everything = _every_output(out, err, out2, err2, out3, err3, under=tmp_path / "cache")
    assert SECRET.encode() not in everything


def test_a_plain_http_index_off_loopback_is_refused_before_any_request(run, tmp_path):
    code, _out, err = run("resolve", "six", "--python", "3.12", "--index-url",
                          f"http://alice:{SECRET}@192.0.2.7/simple/")
    assert code == 2
    assert "plain http" in err and "--trusted-host 192.0.2.7" in err
    assert SECRET not in err


def test_trusted_hosts_come_from_the_option_pip_variables_and_pip_config(clean_env, tmp_path):
    urls = ["http://mirror.internal/simple/", "http://[::1]:8080/simple/", "http://localhost:3141/root/"]
    with pytest.raises(InputError, match="mirror.internal"):
        refuse_plain_http(urls, trusted_hosts())
    refuse_plain_http(urls, trusted_hosts(["mirror.internal"]))
    refuse_plain_http(["http://mirror.internal:8080/simple/"], trusted_hosts(["mirror.internal:8080"]))
    with pytest.raises(InputError):
        refuse_plain_http(["http://mirror.internal:8080/simple/"], trusted_hosts(["mirror.internal:9090"]))
    clean_env["PIP_TRUSTED_HOST"] = "other.host mirror.internal"
    refuse_plain_http(urls, trusted_hosts())
    del clean_env["PIP_TRUSTED_HOST"]
    config = tmp_path / "pip.conf"
    config.write_text("[global]\ntrusted-host =\n    other.host\n    mirror.internal\n")
    clean_env["PIP_CONFIG_FILE"] = str(config)
    refuse_plain_http(urls, trusted_hosts())
    refuse_plain_http(["https://anything.example/simple/"], [])  # https needs no trust


def test_the_lock_and_report_name_the_index_without_credentials(index_url, run, tmp_path):
    code, out, _err = run("report", "six", "--python", "3.12", "--format", "json", "--index-url",
                          index_url.replace("http://", f"http://dave:{SECRET}@"))
    assert code == 0
    assert SECRET not in json.dumps(json.loads(out))
