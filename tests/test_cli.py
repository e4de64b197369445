"""End-to-end tests of the command line against the recorded index on 127.0.0.1."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheeloracle import compatible_wheel_hashes, page
from wheelpin.cli import GC_THRESHOLDS, main
from wheelpin.inputs import parse_requirements_file

ROOT = Path(__file__).parent.parent
FASTAPI = ROOT / "examples" / "render-fastapi" / "requirements.txt"
LLM = ROOT / "examples" / "llm-app" / "requirements.txt"


@pytest.fixture
def run(index_url: str, cache_dir: Path, capsys: pytest.CaptureFixture[str], clean_env: object):
    """Run the CLI in-process against the fixture index: returns (exit code, stdout, stderr)."""

    def invoke(*args: str, index: str | None = None) -> tuple[int, str, str]:
        argv = [*args, "--index-url", index or index_url]
        if "--cache-dir" not in args:
            argv += ["--cache-dir", str(cache_dir)]
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def pins_of(lock: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    parsed = parse_requirements_file(lock)
    return {item.requirement.name: (str(next(iter(item.requirement.specifier)).version), item.hashes)
            for item in parsed.requirements}


def test_resolve_render_fastapi_for_311_writes_a_lock_hashed_with_the_targets_wheels(run, tmp_path):
    lock = tmp_path / "requirements-lock.txt"
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.11", "--platform", "manylinux",
                          "-o", str(lock))
    assert code == 0, err
    pins = pins_of(lock)
    assert pins["fastapi"][0] == "0.115.0"
    assert pins["pydantic"][0] == "2.9.2"
    assert pins["pydantic-core"][0] == "2.23.4"
    assert {"uvicorn", "uvloop", "httptools", "argon2-cffi", "cryptography", "six"} <= set(pins)
    for name, (version, hashes) in pins.items():
        expected = compatible_wheel_hashes(name, version, minor=11)
        assert expected, f"{name}=={version} has no 3.11 wheel in the fixture"
        assert set(hashes) == expected, name
    text = lock.read_text()
    assert "--python 3.11" in text.splitlines()[3]
    assert "# via pydantic" in text


def test_resolve_for_314_fails_naming_pydantic_core_and_writes_nothing(run, tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("previous lock\n")
    code, out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.14", "-o", str(lock))
    assert code == 1
    assert "pydantic-core==2.23.4" in err
    assert "via pydantic==2.9.2 -> pydantic-core==2.23.4" in err
    assert "cp314" in err
    assert len(err.splitlines()) < 15  # a short table, not a derivation
    assert lock.read_text() == "previous lock\n"
    assert out == ""


def test_resolve_prints_the_lock_without_output_file(run):
    code, out, _err = run("resolve", "fastapi==0.115.0", "--python", "3.12")
    assert code == 0
    assert "fastapi==0.115.0 \\" in out
    assert "# via command line" in out


def test_resolve_several_pythons_writes_one_lock_each(run, tmp_path):
    pattern = str(tmp_path / "requirements-{python}.txt")
    code, _out, err = run("resolve", "-r", str(LLM), "--python", "3.11-3.12", "-o", pattern)
    assert code == 0, err
    assert pins_of(tmp_path / "requirements-3.11.txt")["tiktoken"][0] == "0.6.0"
    assert pins_of(tmp_path / "requirements-3.12.txt")["tiktoken"][0] == "0.6.0"


def test_resolve_several_pythons_without_a_placeholder_writes_one_lock_for_all(run, tmp_path):
    lock = tmp_path / "x.txt"
    code, _out, err = run("resolve", "-r", str(LLM), "--python", "3.11,3.12", "-o", str(lock))
    assert code == 0, err
    targets = [line for line in lock.read_text().splitlines() if line.startswith("# target:")]
    assert [t.split()[3] for t in targets] == ["3.11", "3.12"]


def test_check_passes_a_fresh_lock_and_catches_tiktoken_060_on_313(run, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "-r", str(LLM), "--python", "3.11", "-o", str(lock))[0] == 0
    code, out, _err = run("check", str(lock), "--python", "3.11")
    assert code == 0
    assert "ok" in out
    pinned = tmp_path / "pinned.txt"
    pinned.write_text("tiktoken==0.6.0\n")
    code, out, _err = run("check", str(pinned), "--python", "3.13", "--platform", "manylinux_2_17_x86_64")
    assert code == 1
    assert "tiktoken==0.6.0" in out
    assert "cp313" in out
    assert "nearest version with a wheel: 0.8.0" in out


def test_check_flags_a_lock_hashed_for_another_python(run, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "pydantic-core==2.23.4", "--python", "3.11", "-o", str(lock))[0] == 0
    code, out, _err = run("check", str(lock), "--python", "3.12")
    assert code == 1
    assert "another target" in out


def test_pyproject_with_extra(run, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "app"\nversion = "1"\ndependencies = ["fastapi==0.115.0"]\n'
                         '[project.optional-dependencies]\nserver = ["gunicorn"]\n')
    code, out, _err = run("resolve", str(pyproject), "--extra", "server", "--python", "3.12")
    assert code == 0
    assert "gunicorn==" in out
    assert "fastapi==0.115.0" in out


def test_metadata_read_through_range_requests_only(run, index_server):
    code, _out, err = run("resolve", "python-jose[cryptography]", "--python", "3.12")
    assert code == 0, err
    six = [r for r in index_server.log if r.path.startswith("/files/six-")]
    wheel_reads = [r for r in six if r.path.endswith(".whl")]
    assert wheel_reads, "six's metadata should come from its wheel"
    assert all("range" in {k.lower() for k in r.headers} for r in wheel_reads)


def test_offline_uses_the_warm_cache_and_fails_cleanly_when_cold(run, index_server, tmp_path):
    assert run("resolve", "fastapi==0.115.0", "--python", "3.12")[0] == 0
    index_server.fail_paths = {"/": 500}
    code, out, _err = run("resolve", "fastapi==0.115.0", "--python", "3.12", "--offline")
    assert code == 0
    assert "starlette==" in out
    code, _out, err = run("resolve", "fastapi==0.115.0", "--python", "3.12", "--offline", "--cache-dir",
                          str(tmp_path / "cold"))
    assert code == 3
    assert "--offline" in err


def test_corrupted_metadata_is_refused(run, index_server):
    index_server.corrupt_metadata = {"fastapi"}
    code, _out, err = run("resolve", "fastapi==0.115.0", "--python", "3.12")
    assert code == 3
    assert "sha256" in err
    assert "fastapi" in err


def test_server_error_is_exit_3(run, index_server):
    index_server.fail_paths = {"/simple/fastapi/": 500}
    code, _out, err = run("resolve", "fastapi==0.115.0", "--python", "3.12")
    assert code == 3
    assert "HTTP 500" in err


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["resolve", "-r", "no-such-file.txt"], 2, ["no-such-file.txt"]),
        (["resolve", "fastapi>=>1"], 2, ["fastapi>=>1"]),
        (["resolve", "surely-not-a-project-wheelpin"], 2, ["surely-not-a-project-wheelpin"]),
        (["resolve", "fastapi", "--platform", "manylinux_9_99_sparc"], 2, ["manylinux_9_99_sparc"]),
        (["resolve", "fastapi", "--python", "2.7"], 2, ["2.7"]),
        (["resolve", "fastapi", "--python", "three"], 2, ["three"]),
        (["check", "no-such-lock.txt"], 2, ["no-such-lock.txt"]),
    ],
)
def test_bad_input_is_one_paragraph_and_exit_2(run, args, code, words):
    got, _out, err = run(*args)
    assert got == code
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_bad_line_in_a_requirements_file_names_file_and_line(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("fastapi==0.115.0\nuvicorn[standard===0.32\n")
    code, _out, err = run("resolve", "-r", str(requirements))
    assert code == 2
    assert "requirements.txt, line 2" in err


def test_unreachable_index_is_exit_3_without_traceback(tmp_path, clean_env):
    clean_env["WHEELPIN_RETRIES"] = "1"  # a subprocess: the test's zero backoff does not reach it
    result = subprocess.run(
        [sys.executable, "-m", "wheelpin", "resolve", "fastapi", "--python", "3.12",
         "--index-url", "http://127.0.0.1:9/simple/", "--cache-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "127.0.0.1:9" in result.stderr
    assert "after 2 tries (last: ConnectError" in " ".join(result.stderr.split())  # wrapped to the terminal


@pytest.mark.timeout(60)
def test_the_program_skips_the_interpreters_teardown_and_loses_no_output(run, index_url, cache_dir):
    # The teardown frees every object of the run one at a time: the program exits without it (an object
    # left for it is never finalized), yet atexit hooks run, the lock it printed to a pipe arrives whole, and
    # the exit code is kept.
    asked = ["resolve", "-r", str(FASTAPI), "--python", "3.12"]
    _code, expected, _err = run(*asked)
    args = [*asked, "--index-url", index_url, "--cache-dir", str(cache_dir)]  # as run() gives them
    program = ("import atexit, gc, sys\n"
               "class Left:\n    def __del__(self): print('teardown ran', file=sys.stderr)\n"
               "left = Left()\n"
               "seen = []\n"
               "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append(gc.get_threshold()))\n"
               "atexit.register(lambda: print('atexit ran; collections at', seen, file=sys.stderr))\n"
               f"sys.argv = ['wheelpin', *{args!r}]\n"
               "from wheelpin.cli import main\nseen.append('run')\nraise SystemExit(main())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=50, env=env)
    assert done.returncode == 0, done.stderr
    assert "teardown ran" not in done.stderr
    assert "atexit ran" in done.stderr
    # Nor are the collector's thresholds lowered at the end, which would set off a collection of every young
    # object the run built just before it exits.
    collections = ast.literal_eval(done.stderr.split("collections at ", 1)[1].splitlines()[0])
    assert all(t == GC_THRESHOLDS for t in collections[collections.index("run") + 1:])
    assert done.stdout == expected and "--hash=sha256:" in expected
    musl = program.replace("'3.12'", "'3.12', '--platform', 'musllinux'")
    failing = subprocess.run([sys.executable, "-c", musl], capture_output=True, text=True, timeout=50, env=env)
    assert failing.returncode == 1
    assert "no release of pymongo has a wheel" in failing.stderr


def test_a_package_without_any_wheel_for_the_target_is_named_quickly(run):
    """motor needs pymongo, which has no musllinux wheel in any release: say so, don't backtrack for minutes."""
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.12", "--platform", "musllinux")
    assert code == 1
    assert "no release of pymongo has a wheel" in err
    assert "motor" in err


def test_pre_flag_admits_pre_releases(run):
    """lxml's newest releases in the recorded index are 7.0 pre-releases."""
    code, out, _err = run("resolve", "lxml", "--python", "3.12")
    assert code == 0
    stable = next(line for line in out.splitlines() if line.startswith("lxml=="))
    code, out, _err = run("resolve", "lxml", "--python", "3.12", "--pre")
    assert code == 0
    pre = next(line for line in out.splitlines() if line.startswith("lxml=="))
    assert stable.startswith("lxml==6.") and pre.startswith("lxml==7.0.0")


def test_credentials_in_the_index_url_never_reach_the_lock_or_messages(run, index_url, tmp_path):
    with_password = index_url.replace("http://", "http://alice:s3cret@")
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "six", "--python", "3.12", "-o", str(lock), index=with_password)
    assert code == 0
    assert "s3cret" not in lock.read_text()
    assert "alice:****@" in lock.read_text()
    code, _out, err = run("resolve", "surely-not-a-project-wheelpin", index=with_password)
    assert code == 2
    assert "s3cret" not in err


def test_unwritable_output_is_an_input_error(run, tmp_path):
    code, _out, err = run("resolve", "six", "--python", "3.12", "-o", str(tmp_path / "missing" / "lock.txt"))
    assert code == 2
    assert "missing" in err
    assert "Traceback" not in err


def test_check_refuses_an_empty_lock(run, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing pinned\n")
    code, _out, err = run("check", str(empty))
    assert code == 2
    assert "empty.txt" in err


def test_main_leaves_the_callers_garbage_collection_thresholds_as_they_were(tmp_path, capsys):
    import gc

    before = gc.get_threshold()
    assert main(["resolve", "-r", str(tmp_path / "missing.txt"), "--cache-dir", str(tmp_path / "c")]) == 2
    assert gc.get_threshold() == before


def test_a_run_uses_the_raised_garbage_collection_thresholds(run, monkeypatch):
    """A run builds a few hundred thousand long-lived objects and almost no cycles: the collector runs with
    mypy's thresholds for the run (measured in docs/architecture.md)."""
    import gc

    from wheelpin import cli
    from wheelpin.cli import commands

    seen = []
    original = commands.resolve_targets

    def recording(*args, **kwargs):
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    monkeypatch.setattr(commands, "resolve_targets", recording)
    code, _out, _err = run("resolve", "idna", "--python", "3.12")
    assert code == 0
    assert seen == [cli.GC_THRESHOLDS]


def bare_lock(path: Path, pins: dict[str, str]) -> Path:
    path.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
    return path


def test_check_catches_a_312_lock_that_lacks_exceptiongroup_on_310(run, tmp_path):
    """anyio needs exceptiongroup below 3.11 only; anyio, idna and typing-extensions are pure, so only the
    metadata tells."""
    lock = tmp_path / "lock.txt"
    assert run("resolve", "anyio==4.16.0", "--python", "3.12", "-o", str(lock))[0] == 0
    assert "exceptiongroup" not in pins_of(lock)
    assert run("check", str(lock), "--python", "3.12")[0] == 0
    code, out, _err = run("check", str(lock), "--python", "3.10")
    assert code == 1
    assert 'anyio==4.16.0: missing: exceptiongroup>=1.0.2; python_version < "3.11" required by anyio==4.16.0' in out
    assert "lock.txt:" in out


def test_check_catches_pydantic_core_that_pydantic_does_not_accept(run, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "pydantic==2.9.2", "--python", "3.12", "-o", str(lock))[0] == 0
    pins = {name: version for name, (version, _hashes) in pins_of(lock).items()}
    assert pins["pydantic-core"] == "2.23.4"
    assert run("check", str(bare_lock(tmp_path / "bare.txt", pins)), "--python", "3.12")[0] == 0
    code, out, _err = run("check", str(bare_lock(tmp_path / "bad.txt", {**pins, "pydantic-core": "2.27.1"})),
                          "--python", "3.12")
    assert code == 1
    assert ("pydantic-core==2.27.1: conflict: pydantic-core==2.27.1 does not satisfy pydantic-core==2.23.4 "
            "required by pydantic==2.9.2") in out


def test_check_tells_a_made_up_hash_and_the_sdists_hash_from_another_targets(run, tmp_path):
    made_up = tmp_path / "made-up.txt"
    made_up.write_text(f"six==1.17.0 --hash=sha256:{'ab' * 32}\n")
    code, out, _err = run("check", str(made_up), "--python", "3.12")
    assert code == 1
    assert "no hash on the line is a file of six 1.17.0 on the index" in out
    assert "another target" not in out
    sdist = tmp_path / "sdist.txt"
    sdist.write_text("six==1.17.0 --hash=sha256:ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81\n")
    code, out, _err = run("check", str(sdist), "--python", "3.12")
    assert code == 1
    assert "the lock hashes the sdist six-1.17.0.tar.gz" in out
    assert "which hashes the wheel six-1.17.0-py2.py3-none-any.whl" in out


def test_check_names_pydantic_as_the_fix_when_pydantic_core_has_no_wheel_for_314(run, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "pydantic==2.9.2", "--python", "3.13", "--platform", "manylinux_2_17_x86_64",
               "-o", str(lock))[0] == 0
    code, out, _err = run("check", str(lock), "--python", "3.14", "--platform", "manylinux_2_17_x86_64")
    assert code == 1
    row = next(line for line in out.splitlines() if line.strip().startswith("pydantic-core==2.23.4"))
    assert "no wheel for cp314" in row
    assert "required by pydantic==2.9.2 (pydantic-core==2.23.4): upgrade pydantic" in row
    assert "nearest version" not in row


def _cpython(minor: int) -> str | None:
    """A real CPython 3.<minor>: pyenv's newest patch of it, else one on PATH."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        root = ""
    found = sorted((p for p in Path(root).glob(f"versions/3.{minor}.*/bin/python3.{minor}")
                    if p.parents[1].name.replace(".", "").isdigit()),
                   key=lambda p: Version(p.parents[1].name)) if root else []
    return str(found[-1]) if found else shutil.which(f"python3.{minor}")


def _pip_for_target_pythons(tmp_path: Path) -> Path:
    """A directory holding only this interpreter's pip, to put on the target interpreter's PYTHONPATH.

    The fixture index keeps metadata, not wheels, so pip must resolve from PEP 658 files alone: pip before 25.3
    (pypa/pip#13482), as the pyenv interpreters ship, downloads every chosen wheel even in --dry-run.
    """
    pip = pytest.importorskip("pip")
    if Version(pip.__version__) < Version("25.3"):
        pytest.skip(f"pip {pip.__version__} downloads wheels in --dry-run; the fixture index has none")
    only_pip = tmp_path / "only-pip"
    only_pip.mkdir()
    (only_pip / "pip").symlink_to(Path(pip.__file__).parent)
    return only_pip


def _start_pip(python: str, pins: dict[str, str], index_url: str, pip_dir: Path, work: Path) -> subprocess.Popen[str]:
    """pip on the target's own interpreter, wheels only for the target's platform, resolving the lock's pins.

    Without hashes: in hash-checking mode pip downloads each file to verify it, and the fixture has no files.
    Hash-checking mode's other effect, refusing any package the lock does not pin, is judged from --report.
    """
    work.mkdir()
    bare_lock(work / "pins.txt", pins)
    command = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--only-binary", ":all:",
               "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
               "--platform", "manylinux2014_x86_64", "--target", str(work / "target"), "--no-cache-dir",
               "--disable-pip-version-check", "--index-url", index_url, "--report", str(work / "report.json"),
               "-r", str(work / "pins.txt")]
    env = {**os.environ, "PYTHONPATH": str(pip_dir)}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _pip_accepts(process: subprocess.Popen[str], pins: dict[str, str], work: Path) -> tuple[bool, str]:
    output, _ = process.communicate(timeout=100)
    if process.returncode != 0:
        return False, output
    installed = {canonicalize_name(item["metadata"]["name"])
                 for item in json.loads((work / "report.json").read_text())["install"]}
    unpinned = installed - {canonicalize_name(name) for name in pins}
    return not unpinned, f"would also install {sorted(unpinned)}\n{output}"


@pytest.mark.timeout(120)
def test_check_agrees_with_real_pip_on_the_targets_interpreter(run, index_url, tmp_path):
    pythons = {minor: _cpython(minor) for minor in (10, 12)}
    if not all(pythons.values()):
        pytest.skip(f"needs CPython 3.10 and 3.12 (found {pythons})")
    pip_dir = _pip_for_target_pythons(tmp_path)
    locks: dict[str, tuple[int, dict[str, str]]] = {}
    for case, requirement, minor in [("good", "fastapi==0.115.0", 10), ("missing", "anyio==4.16.0", 12),
                                     ("conflict", "pydantic==2.9.2", 12)]:
        lock = tmp_path / f"{case}-lock.txt"
        assert run("resolve", requirement, "--python", f"3.{minor}", "-o", str(lock))[0] == 0
        locks[case] = (10 if case == "missing" else minor, {n: v for n, (v, _h) in pins_of(lock).items()})
    locks["conflict"][1]["pydantic-core"] = "2.27.1"
    started = {case: _start_pip(pythons[minor], pins, index_url, pip_dir, tmp_path / case)  # type: ignore[arg-type]
               for case, (minor, pins) in locks.items()}  # at once: each pip waits on the index, not the CPU
    verdicts = {}
    for case, (minor, pins) in locks.items():
        check_code, out, _err = run("check", str(bare_lock(tmp_path / f"{case}.txt", pins)), "--python", f"3.{minor}")
        pip_ok, pip_output = _pip_accepts(started[case], pins, tmp_path / case)
        assert (check_code == 0) == pip_ok, f"{case}: check said\n{out}\npip said\n{pip_output}"
        verdicts[case] = pip_ok
    assert verdicts == {"good": True, "missing": False, "conflict": False}


def test_the_lock_header_leaves_out_the_local_cache_dir(run, tmp_path):
    """The header records how to rerun the lock; where this machine keeps its cache is no part of that."""
    lock = tmp_path / "lock.txt"
    cache = tmp_path / "my-private-cache"
    for spelling in (["--cache-dir", str(cache)], [f"--cache-dir={cache}"], ["--cache-d", str(cache)]):
        code, _out, err = run("resolve", "six", "--python", "3.12", *spelling, "-o", str(lock))
        assert code == 0, err
        command = lock.read_text().splitlines()[3]
        assert "my-private-cache" not in command and "--cache" not in command
        assert "resolve six --python 3.12 -o" in command


@pytest.mark.parametrize("name", ["lock.toml", "lock-{python}.TOML", "pylock.3.12.toml", "pylock.{python}.toml"])
def test_resolve_refuses_toml_output_not_named_as_pep_751_names_locks_before_resolving(run, index_server, tmp_path,
                                                                                      name):
    out = tmp_path / name
    code, _out, err = run("resolve", "six", "--python", "3.12", "-o", str(out))
    assert code == 2
    assert "pylock.toml or pylock.NAME.toml" in err and "requirements-lock.txt" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [tmp_path / "cache"]
    assert not [r for r in index_server.requests if r.startswith("/simple/")]  # refused before any work


@pytest.mark.parametrize("name", ["Dockerfile", "myruntime.txt", "python-version", "deploy"])
def test_write_runtime_refuses_other_file_names_before_any_work(run, index_server, tmp_path, name):
    target = tmp_path / name
    target.write_text("FROM python:3.12-slim\n")
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(target))
    assert code == 2
    assert "runtime.txt" in err and ".python-version" in err and name in err
    assert target.read_text() == "FROM python:3.12-slim\n"
    assert not [r for r in index_server.requests if r.startswith("/simple/")]


@pytest.mark.parametrize(("name", "content"), [
    ("runtime.txt", "FROM python:3.12-slim\nRUN pip install .\n"),
    ("runtime.txt", "python-3.11\npython-3.12\n"),
    (".python-version", "this is my notes file\n"),
    (".python-version", "\x00\x01binary"),
])
def test_write_runtime_never_overwrites_a_file_that_holds_something_else(run, index_server, tmp_path, name,
                                                                          content):
    target = tmp_path / "sub" / name
    target.parent.mkdir()
    target.write_text(content)
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(target))
    assert code == 2
    assert "will not overwrite" in err and str(target) in err
    assert target.read_text() == content
    assert not [r for r in index_server.requests if r.startswith("/simple/")]


@pytest.mark.parametrize(("name", "content", "written"), [
    ("runtime.txt", "python-3.11.4\n", "python-3.12."),
    (".python-version", "# pinned by the team\n3.11\n", "3.12\n"),
    (".python-version", "pypy3.10-7.3.12\n", "3.12\n"),
])
def test_write_runtime_replaces_an_older_version_file(run, tmp_path, name, content, written):
    target = tmp_path / name
    target.write_text(content)
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(target))
    assert code == 0, err
    assert target.read_text().startswith(written)


def test_a_yanked_release_pinned_with_double_equals_warns_with_its_reason(run, tmp_path):
    """click 8.2.2 is yanked on the recorded index, with a reason."""
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "click==8.2.2", "--python", "3.12", "-o", str(lock))
    assert code == 0, err
    reason = "Unintended change in behavior of boolean options and None"
    assert f"warning: click==8.2.2 is yanked: {reason}" in err
    lines = lock.read_text().splitlines()
    assert f"    # yanked: {reason}" in lines
    assert pins_of(lock)["click"][0] == "8.2.2"  # the comment keeps the lock installable
    code, out, err = run("resolve", "click", "--python", "3.12")
    assert code == 0 and "yanked" not in err + out


# -- file names are never project names (dependency confusion), and lines off the index -------------------
def test_a_lock_file_argument_is_refused_and_never_looked_up_on_the_index(run, index_server, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (("resolve", "poetry.lock"), ("resolve", "uv.lock"), ("fix", "uv.lock"), ("report", "-r", "uv.lock")):
        code, out, err = run(*argv, "--python", "3.12")
        assert code == 2, (argv, err)
        flat = " ".join(err.split())
        lock = argv[-1]
        assert f"`wheelpin check {lock}`" in flat and f"`wheelpin report --lock {lock}`" in flat, flat
        assert "not supported yet" not in flat and "later" not in flat and "Traceback" not in err
        assert out == ""
    asked = [r for r in index_server.requests if r.startswith("/simple/")]
    assert not asked, asked


def test_a_bare_file_name_is_refused_before_any_index_request(run, index_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # none of these files exists here
    for argv, words in ((("resolve", "Dockerfile"), ["deploy file", "wheelpin target DIR", "-r FILE"]),
                        (("resolve", "environment.yml"), ["conda environment file", "-r FILE"]),
                        (("report", "docker-compose.yml"), ["-r FILE"]),
                        (("fix", "Dockerfile"), ["deploy file"])):
        code, out, err = run(*argv, "--python", "3.12")
        flat = " ".join(err.split())
        assert code == 2, (argv, err)
        assert all(word in flat for word in words) and f"`{argv[1]}>=0`" in flat, flat
        assert out == "" and "Traceback" not in err
    asked = [r for r in index_server.requests if r.startswith("/simple/")]
    assert not asked, asked


def test_a_dotted_project_name_like_ruamel_yaml_still_resolves_from_the_index(tmp_path, monkeypatch):
    from fakeindex import FakeIndex
    from wheelpin.cli.commands import gather_inputs
    from wheelpin.cli.parser import build_parser
    from wheelpin.resolve import Session, resolve
    from wheelpin.target import make_target

    monkeypatch.chdir(tmp_path)
    index = FakeIndex()
    index.add("ruamel.yaml", "0.18.6")
    index.add("discord.py", "2.4.0")
    args = build_parser().parse_args(["resolve", "ruamel.yaml", "discord.py", "--python", "3.12"])
    inputs = gather_inputs(args)
    session = Session(index)
    try:
        resolution = resolve(inputs, make_target("3.12", "manylinux"), session)
    finally:
        session.close()
    assert {p.name: str(p.version) for p in resolution.pins} == {"ruamel-yaml": "0.18.6", "discord-py": "2.4.0"}


def test_a_requirements_txt_argument_is_read_like_dash_r(run, index_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("six\n")
    code, out, err = run("resolve", "requirements.txt", "--python", "3.12")
    assert code == 0, err
    assert "six==1.17.0" in out and "# via -r requirements.txt" in out
    assert not [r for r in index_server.requests if "requirements" in r]
    code, _out, err = run("resolve", "missing.txt", "--python", "3.12")
    assert code == 2 and "missing.txt" in err and "not found" in err
    assert not [r for r in index_server.requests if "missing" in r]


def test_dash_e_dot_and_lines_off_the_index_no_longer_abort_the_file(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "me"\nversion = "1"\nrequires-python = ">=3.11"\ndependencies = ["six"]\n')
    (tmp_path / "requirements.txt").write_text(
        "-e .\nidna\npkg @ git+https://git.example/pkg.git\ngit+https://git.example/other.git#egg=other\n"
        "./libs/foo\n")
    code, out, err = run("resolve", "-r", "requirements.txt", "--python", "3.12", "-o", "lock.txt")
    assert code == 1, err  # the lock is written, but it cannot promise the source builds it carries
    assert set(pins_of(tmp_path / "lock.txt")) == {"six", "idna"}
    warnings = [line for line in err.splitlines() if line.startswith("warning:") and "not checked" in line]
    assert warnings == [
        f"warning: requirements.txt:{n}: {text} not checked: builds from source; wheelpin pins only index releases"
        for n, text in [(3, "pkg @ git+https://git.example/pkg.git"),
                        (4, "git+https://git.example/other.git#egg=other"), (5, "./libs/foo")]]
    assert "pkg" not in out and "other" not in out


def test_resolve_carries_lines_off_the_index_into_the_lock_and_fails_on_source_builds(run, tmp_path, monkeypatch):
    """Issue 8: a VCS or path line is written into the lock verbatim, as pip-compile carries it, and a lock
    that builds it from source is no wheel-only lock unless --allow-source names it; ``-e .`` is the project."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "me"\nversion = "1"\ndependencies = ["six"]\n')
    (tmp_path / "requirements.txt").write_text(
        "-e .\ngit+https://git.example/requests.git@v2.31.0#egg=requests\n./vendor/foo\nidna\n")
    code, _out, err = run("resolve", "-r", "requirements.txt", "--python", "3.12", "-o", "lock.txt")
    assert code == 1
    text = (tmp_path / "lock.txt").read_text()
    assert text.endswith("# not checked by wheelpin: builds from source\n"
                         "git+https://git.example/requests.git@v2.31.0#egg=requests\n"
                         "# not checked by wheelpin: builds from source\n./vendor/foo\n")
    assert set(pins_of(tmp_path / "lock.txt")) == {"six", "idna"}
    said = " ".join(err.split())
    assert "wheels only for CPython 3.12 on manylinux_2_28_x86_64, except 2 lines wheelpin cannot check" in said
    assert "error: the lock is not wheel-only" in said and "(requirements.txt:2)" in said
    assert "./vendor/foo (requirements.txt:3)" in said
    (tmp_path / "requirements.txt").write_text("git+https://git.example/requests.git@v2.31.0#egg=requests\nidna\n")
    code, out, err = run("resolve", "-r", "requirements.txt", "--python", "3.12", "--allow-source", "requests")
    assert code == 0, err
    assert "git+https://git.example/requests.git@v2.31.0#egg=requests\n" in out


def test_a_wheel_url_that_fits_the_target_is_carried_but_does_not_fail(run, tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("idna\nhttps://files.example/foo-1.0-py3-none-any.whl\n")
    code, out, err = run("resolve", "-r", str(reqs), "--python", "3.12")
    assert code == 0, err
    assert "# not checked by wheelpin: a wheel from outside the index\nhttps://files.example/foo-1.0" in out
    reqs.write_text("idna\nhttps://files.example/foo-1.0-cp311-cp311-win_amd64.whl\n")
    code, out, err = run("resolve", "-r", str(reqs), "--python", "3.12")
    assert code == 1 and "a wheel for another platform or Python" in err


def test_check_still_refuses_a_lock_line_off_the_index(run, tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.17.0\npkg @ git+https://git.example/pkg.git\n")
    code, _out, err = run("check", str(lock), "--python", "3.12")
    assert code == 2
    assert "lock.txt, line 2" in err and "direct reference" in err


# -- messages that send the user the right way (issue 8) -------------------------------------------------
def _words(text: str) -> str:
    return " ".join(text.split())


def _newest(project: str) -> Version:
    return max(v for v in (Version(f["filename"].split("-")[1]) for f in page(project)["files"]
                           if f["filename"].endswith(".whl")) if not v.is_prerelease)


def test_resolve_failing_for_a_missing_wheel_shows_the_reports_fix_first_and_allow_source_last(run):
    code, out, _err = run("report", "pydantic==2.9.2", "--python", "3.14", "--format", "json")
    (blocker,) = json.loads(out)["pythons"][0]["blockers"]
    assert blocker["fix"]
    code, out, err = run("resolve", "pydantic==2.9.2", "--python", "3.14")
    assert (code, out) == (1, "")
    text = _words(err)
    fix = text.index(f"fix: require {blocker['fix']} instead of pydantic==2.9.2 (command line) (verified")
    assert fix < text.index("last resort: --allow-source pydantic-core")
    assert "--allow-source" not in text[:fix]


def test_resolve_tells_a_version_no_release_has(run):
    code, out, err = run("resolve", "fastapi==99.0", "--python", "3.12")
    assert (code, out) == (1, "")
    assert _words(err).startswith(f"error: no release of fastapi matches ==99.0; the newest release is "
                                  f"{_newest('fastapi')} (required by command line).")
    assert "last resort" not in err and "wheel-only" not in err


def test_resolve_tells_requirements_that_conflict_whatever_the_wheels(run):
    code, out, err = run("resolve", "fastapi==0.115.0", "starlette>=0.40", "--python", "3.12")
    assert (code, out) == (1, "")
    text = _words(err)
    assert "the requirements conflict for CPython 3.12 on manylinux_2_28_x86_64 whatever the wheels" in text
    assert "starlette>=0.40 (command line)" in text and "(fastapi 0.115.0)" in text
    assert "no release meets them all" in text
    assert "last resort" not in text


def test_report_blames_the_musllinux_wheel_no_pymongo_release_has(run):
    """The newest recorded pymongo excludes 3.10 by requires-python; no release has a musllinux wheel."""
    code, out, _err = run("report", "motor", "--python", "3.10", "--platform", "musllinux", "--format", "json")
    assert code == 1
    (blocker,) = json.loads(out)["pythons"][0]["blockers"]
    files = page("pymongo")["files"]
    assert not any("musllinux" in f["filename"] for f in files)
    newest_for_310 = max(Version(f["filename"].split("-")[1]) for f in files if f["filename"].endswith(".whl")
                         and Version("3.10.0") in SpecifierSet(f.get("requires-python") or ""))
    assert blocker["version"] == str(newest_for_310)
    assert blocker["kind"] == "no-wheel-for-platform"
    assert blocker["reason"].startswith("no release of pymongo")
    assert "has a wheel for musllinux_1_2_x86_64 cp310" in blocker["reason"]
    assert not blocker["reason"].startswith("requires-python")


def test_report_names_the_nearest_wheel_and_the_glibc_it_needs(run):
    code, out, _err = run("report", "orjson", "--python", "3.15", "--format", "json")
    assert code == 1
    (blocker,) = json.loads(out)["pythons"][0]["blockers"]
    (wheel,) = [f["filename"] for f in page("orjson")["files"]
                if f"-{blocker['version']}-cp315-" in f["filename"] and "manylinux" in f["filename"]
                and "x86_64" in f["filename"]]
    assert wheel.endswith("manylinux_2_39_x86_64.whl")
    assert f"the nearest wheel is {wheel}, which needs glibc 2.39" in blocker["reason"]
    assert "…" not in blocker["reason"]


def test_error_text_wraps_to_the_columns_and_stays_one_line_a_row_in_a_pipe(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.14")
    assert code == 1
    long = [line for line in err.splitlines() if len(line) > 80 and " " in line.strip()]
    assert not long, long  # only a single token too long to break (a wheel filename) may pass 80
    assert len(err.splitlines()) > 6
    monkeypatch.delenv("COLUMNS")
    _code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.14")
    (row,) = [line for line in err.splitlines() if line.startswith("  pydantic-core==2.23.4:")]
    assert "no wheel for cp314" in row  # one line a row, for grep


def test_report_detail_lines_wrap_to_the_columns_and_stay_one_line_an_item_in_a_pipe(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _err = run("report", "pydantic==2.9.2", "--python", "3.14")
    assert code == 1
    long = [line for line in out.splitlines() if len(line) > 80 and " " in line.strip()]
    assert not long, long  # only a single token too long to break may pass 80
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  3.14: pydantic-core==2.23.4:"))
    indent = len("  3.14: ")
    continued = lines[first + 1]
    assert continued[:indent] == " " * indent and continued[indent] != " "  # under the item's text
    monkeypatch.delenv("COLUMNS")
    _code, out, _err = run("report", "pydantic==2.9.2", "--python", "3.14")
    (row,) = [line for line in out.splitlines() if line.startswith("  3.14: pydantic-core==2.23.4:")]
    assert "no wheel for cp314" in row and "fix: pydantic>=" in row  # one line an item, for grep


# -- free-threaded CPython -----------------------------------------------------------------------------------
def test_a_free_threaded_lock_skips_releases_without_cp313t_wheels(run, tmp_path):
    """On the recorded index regex's newest releases ship cp313 wheels only and watchfiles 1.3.0 only an abi3
    one, which a free-threaded interpreter cannot load: 3.13t gets the newest releases with cp313t wheels."""
    free, usual = tmp_path / "lock-3.13t.txt", tmp_path / "lock-3.13.txt"
    code, _out, err = run("resolve", "regex", "watchfiles", "--python", "3.13t", "-o", str(free))
    assert code == 0, err
    code, _out, err = run("resolve", "regex", "watchfiles", "--python", "3.13", "-o", str(usual))
    assert code == 0, err
    free_pins, usual_pins = pins_of(free), pins_of(usual)
    for name in ("regex", "watchfiles"):
        version, hashes = free_pins[name]
        assert Version(version) < Version(usual_pins[name][0]), name
        expected = compatible_wheel_hashes(name, version, minor=13, freethreaded=True)
        assert expected and set(hashes) == expected, name
        assert not compatible_wheel_hashes(name, usual_pins[name][0], minor=13, freethreaded=True)
    assert free_pins["watchfiles"][0] == "1.2.0" and usual_pins["watchfiles"][0] == "1.3.0"
    header = free.read_text().splitlines()
    assert "# target: CPython 3.13t (free-threaded) (requires-python checked against 3.13.0), platform " \
           "manylinux_2_28_x86_64" in header
    assert any("never abi3 (free-threaded)" in line for line in header)


def test_a_free_threaded_python_is_its_own_report_row(run):
    """cryptography ships abi3 wheels only: clean on 3.13, blocked on 3.13t, and 3.13 is recommended."""
    code, out, err = run("report", "cryptography", "--python", "3.13,3.13t", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, json.loads((ROOT / "docs" / "report.schema.json").read_text()))
    assert [(p["python"], p["status"]) for p in document["pythons"]] == [("3.13", "clean"), ("3.13t", "blocked")]
    blockers = {b["name"]: b for b in document["pythons"][1]["blockers"]}
    assert "cp313t" in blockers["cryptography"]["reason"]
    assert "abi3 wheels do not load on a free-threaded build" in blockers["cryptography"]["reason"]
    assert document["recommended"]["python"] == "3.13"


def test_the_default_report_matrix_has_no_free_threaded_rows(run):
    code, out, err = run("report", "six", "--format", "json")
    assert code == 0, err
    assert not [p for p in json.loads(out)["pythons"] if p["python"].endswith("t")]


def test_a_free_threaded_recommendation_is_written_to_python_version_but_not_runtime_txt(run, tmp_path):
    python_version, runtime = tmp_path / ".python-version", tmp_path / "runtime.txt"
    code, _out, err = run("report", "six", "--python", "3.13t", "--write-runtime", str(python_version))
    assert code == 0, err
    assert python_version.read_text() == "3.13t\n"
    code, out, err = run("report", "six", "--python", "3.13t", "--write-runtime", str(runtime))
    assert code == 0, err
    assert not runtime.exists() and "cannot name the free-threaded build" in err
    assert "Recommended: Python 3.13t (free-threaded)" in out and "runtime.txt" not in out


# -- --write-runtime and the values each platform reads ------------------------------------------------------
def test_runtime_txt_gets_the_newest_patch_with_no_uv_on_path(run, tmp_path, monkeypatch):
    """The patch comes from the uv package wheelpin depends on: PATH is empty and the interpreter seems to
    live elsewhere (a --target install, a shim), so neither finds a uv."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "elsewhere" / "python"))
    runtime = tmp_path / "runtime.txt"
    code, out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(runtime))
    assert code == 0, err
    assert re.fullmatch(r"python-3\.12\.\d+\n", runtime.read_text()), runtime.read_text()
    assert f"runtime.txt `{runtime.read_text().strip()}`" in out


def test_write_runtime_sets_the_python_line_of_tool_versions_and_keeps_the_others(run, tmp_path):
    tools = tmp_path / ".tool-versions"
    tools.write_text("# team tools\nnodejs 22.11.0\npython 3.11.4 3.10.9\nterraform 1.9.8\n")
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(tools))
    assert code == 0, err
    lines = tools.read_text().splitlines()
    assert lines[:2] == ["# team tools", "nodejs 22.11.0"] and lines[3] == "terraform 1.9.8"
    assert re.fullmatch(r"python 3\.12\.\d+", lines[2]), lines
    fresh = tmp_path / "new" / ".tool-versions"
    fresh.parent.mkdir()
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(fresh))
    assert code == 0, err
    assert re.fullmatch(r"python 3\.12\.\d+\n", fresh.read_text())


def test_write_runtime_never_overwrites_a_tool_versions_that_is_something_else(run, tmp_path):
    tools = tmp_path / ".tool-versions"
    tools.write_text("these are my notes about tools\n")
    code, _out, err = run("report", "six", "--python", "3.12", "--write-runtime", str(tools))
    assert code == 2 and "will not overwrite" in err
    assert tools.read_text() == "these are my notes about tools\n"


@pytest.mark.parametrize(("platform", "expected"), [
    ("render", r"set for render: PYTHON_VERSION=3\.13\.\d+ "),
    ("lambda", r"set for lambda: Runtime: python3\.13 \(SAM template\.yaml; serverless\.yml: runtime: python3\.13\)"),
    ("lambda-arm64", r"set for lambda: Runtime: python3\.13, Architectures: \[arm64\] "),
    ("docker-slim", r"set for docker-slim: FROM python:3\.13-slim\n"),
    ("alpine-arm64", r"set for alpine: FROM --platform=linux/arm64 python:3\.13-alpine\n"),
    ("app-engine", r"set for app-engine: runtime: python313 \(app\.yaml\)"),
    ("railway", r"set for railway: RAILPACK_PYTHON_VERSION=3\.13\.\d+ "),
])
def test_the_report_prints_what_the_platform_reads_besides_version_files(run, platform, expected):
    code, out, err = run("report", "six", "--python", "3.13", "--platform", platform)
    assert code == 0, err
    assert re.search(expected, out), out


def test_a_platform_that_reads_only_version_files_gets_no_extra_values(run):
    code, out, err = run("report", "six", "--python", "3.13", "--platform", "heroku-24")
    assert code == 0, err
    assert "set for" not in out


def test_the_detected_platform_gets_its_values_in_markdown(run, tmp_path):
    (tmp_path / "render.yaml").write_text("services:\n  - type: web\n    name: app\n    runtime: python\n")
    (tmp_path / "requirements.txt").write_text("six\n")
    code, out, err = run("report", "-r", str(tmp_path / "requirements.txt"), "--python", "3.12",
                         "--format", "markdown")
    assert code == 0, err
    assert re.search(r"^- set for render: PYTHON_VERSION=3\.12\.\d+ ", out, re.MULTILINE), out


def test_check_reads_a_free_threaded_locks_header(run, tmp_path):
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "regex", "--python", "3.13t", "-o", str(lock))
    assert code == 0, err
    code, out, err = run("check", str(lock), "--python", "3.13t", "--platform", "manylinux")
    assert code == 0, err
    assert "header says" not in err and "CPython 3.13t (free-threaded)" in out
    code, _out, err = run("check", str(lock), "--python", "3.13", "--platform", "manylinux")
    assert "header says it was made for CPython 3.13t (free-threaded) on manylinux_2_28_x86_64" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX symlinks and FIFOs")
@pytest.mark.timeout(120)
def test_resolve_o_writes_through_a_symlink_and_into_a_fifo(run, tmp_path):
    import threading

    real = tmp_path / "locks" / "lock.txt"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.11", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and "fastapi==0.115.0" in real.read_text()
    fifo = tmp_path / "lock.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.11", "-o", str(fifo))
    reader.join(30)
    assert code == 0, err
    assert got and b"fastapi==0.115.0" in got[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def _widen(lock: Path, encoding: str) -> Path:
    """The lock as PowerShell 5's `pip freeze > lock.txt` writes it: CRLF, a BOM, UTF-16 (or UTF-32)."""
    wide = lock.with_name(f"wide-{lock.name}")
    bom = "\ufeff" if encoding == "utf-16-be" else ""  # Python's utf-16 and utf-32 codecs write their own BOM
    wide.write_bytes((bom + lock.read_text(encoding="utf-8").replace("\n", "\r\n")).encode(encoding))
    return wide


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_check_reads_a_utf16_lock_as_resolve_r_does(run, tmp_path, encoding):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "-r", str(LLM), "--python", "3.11,3.12", "-o", str(lock))[0] == 0
    wide = _widen(lock, encoding)
    code, out, err = run("check", str(wide), "--python", "3.11")
    assert (code, err.count("Traceback")) == (0, 0), out + err
    assert "ok" in out
    code, out, err = run("check", str(wide))  # the targets come from the lock's header, read the same way
    assert code == 0, out + err
    assert "the 2 targets" in err
    single = tmp_path / "single.txt"
    assert run("resolve", "-r", str(LLM), "--python", "3.11", "-o", str(single))[0] == 0
    _code, out, err = run("check", str(_widen(single, encoding)), "--python", "3.12")
    assert "header says it was made for CPython 3.11" in " ".join(err.split()), err


@pytest.mark.timeout(180)
def test_a_warm_report_asks_the_index_nothing_and_an_offline_one_agrees(run, index_server):
    """A report's Pythons race, and each speculates: neither the wheel a release's metadata is read from nor
    a guess may take a warm run back to the network, or make --offline fail after an online run."""
    args = ("report", "pydantic==2.9.2", "fastapi==0.115.0", "--python", "3.10-3.13", "--format", "json")
    code, cold, _err = run(*args)
    assert code in (0, 1) and json.loads(cold)["pythons"]
    index_server.clear_log()
    for _ in range(3):
        assert run(*args)[:2] == (code, cold)
    assert index_server.requests == []
    assert run(*args, "--offline")[:2] == (code, cold)
