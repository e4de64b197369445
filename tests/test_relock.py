"""Re-locking onto an existing -o lock: its pins are kept where they still fit, as pip-compile and uv keep
them; --upgrade / --upgrade-package set them aside.  End to end, against the recorded index on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from wheelpin.cli import main
from wheelpin.cli.commands import lock_command
from wheelpin.inputs import parse_requirements_file

ROOT = Path(__file__).parent.parent
LLM = ROOT / "examples" / "llm-app" / "requirements.txt"  # tiktoken==0.6.0, openai>=1.30, python-dotenv, tenacity
# Older releases than the newest the fixture index holds (python-dotenv 1.2.4, tenacity 9.2.1, openai 3.54.0).
OLD_LOCK = "python-dotenv==1.2.1\ntenacity==9.1.2\nopenai==2.0.0\nanyio==4.12.1\nsix==1.17.0\n"


def pins_of(lock: Path) -> dict[str, str]:
    return {item.requirement.name: str(next(iter(item.requirement.specifier)).version)
            for item in parse_requirements_file(lock).requirements}


def relock(run, lock: Path, *args: str, requirements: Path = LLM, python: str = "3.12") -> dict[str, str]:
    code, _out, err = run("resolve", "-r", str(requirements), "--python", python, "-o", str(lock), *args)
    assert code == 0, err
    assert "warning" not in err
    return pins_of(lock)


def test_a_relock_keeps_the_existing_locks_pins_and_drops_what_is_no_longer_required(run, tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(OLD_LOCK)
    pins = relock(run, lock)
    assert {n: pins[n] for n in ("python-dotenv", "tenacity", "openai", "anyio")} == {
        "python-dotenv": "1.2.1", "tenacity": "9.1.2", "openai": "2.0.0", "anyio": "4.12.1"}
    assert pins["tiktoken"] == "0.6.0"
    assert "six" not in pins  # nothing requires it any more
    # The hashed lock it wrote is read back the same way: a second re-lock changes nothing at all.
    text = lock.read_text()
    assert "--hash=sha256:" in text
    relock(run, lock)
    assert lock.read_text() == text


def test_upgrade_moves_every_pin_to_the_newest_release_and_stays_out_of_the_header(run, tmp_path):
    lock = tmp_path / "lock.txt"
    for flag in ("--upgrade", "-U"):
        lock.write_text(OLD_LOCK)
        pins = relock(run, lock, flag)
        assert {n: pins[n] for n in ("python-dotenv", "tenacity", "openai")} == {
            "python-dotenv": "1.2.4", "tenacity": "9.2.1", "openai": "3.54.0"}
        command = lock.read_text().splitlines()[3]
        assert flag not in command.split() and "resolve -r" in command


def test_upgrade_package_moves_only_that_package(run, tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(OLD_LOCK)
    pins = relock(run, lock, "--upgrade-package", "tenacity")
    assert {n: pins[n] for n in ("python-dotenv", "tenacity", "openai", "anyio")} == {
        "python-dotenv": "1.2.1", "tenacity": "9.2.1", "openai": "2.0.0", "anyio": "4.12.1"}
    # uv's semantics: openai moves, its dependency anyio keeps its pin (openai 3.54.0 still accepts it).
    lock.write_text(OLD_LOCK)
    pins = relock(run, lock, "-P", "OpenAI", "-Ppython_dotenv")
    assert {n: pins[n] for n in ("python-dotenv", "tenacity", "openai", "anyio")} == {
        "python-dotenv": "1.2.4", "tenacity": "9.1.2", "openai": "3.54.0", "anyio": "4.12.1"}
    assert "-P" not in lock.read_text().splitlines()[3]


def test_upgrade_package_with_a_version_limits_the_new_version(run, tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(OLD_LOCK)
    pins = relock(run, lock, "-P", "tenacity==9.1.4", "--upgrade-package=openai<3")
    assert pins["tenacity"] == "9.1.4"
    assert pins["openai"] == "2.54.0"  # the newest 2.x
    assert pins["python-dotenv"] == "1.2.1"
    command = lock.read_text().splitlines()[3]
    assert "tenacity==9.1.4" not in command and "openai<3" not in command and " -P " not in command


def test_a_pin_the_requirements_no_longer_admit_moves_and_the_rest_stay(run, tmp_path):
    requirements = tmp_path / "requirements.in"
    requirements.write_text("python-dotenv>=1.2.3\ntenacity\n")
    lock = tmp_path / "lock.txt"
    lock.write_text("python-dotenv==1.2.1\ntenacity==9.1.2\n")
    assert relock(run, lock, requirements=requirements) == {"python-dotenv": "1.2.4", "tenacity": "9.1.2"}


def test_each_python_of_a_templated_output_reads_its_own_lock(run, tmp_path):
    (tmp_path / "lock-3.11.txt").write_text("tenacity==9.1.2\npython-dotenv==1.2.2\n")
    (tmp_path / "lock-3.12.txt").write_text("tenacity==9.1.3\n")
    requirements = tmp_path / "requirements.in"
    requirements.write_text("tenacity\npython-dotenv\n")
    code, _out, err = run("resolve", "-r", str(requirements), "--python", "3.11-3.12",
                          "-o", str(tmp_path / "lock-{python}.txt"))
    assert code == 0, err
    assert pins_of(tmp_path / "lock-3.11.txt") == {"tenacity": "9.1.2", "python-dotenv": "1.2.2"}
    assert pins_of(tmp_path / "lock-3.12.txt") == {"tenacity": "9.1.3", "python-dotenv": "1.2.4"}


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00 not text",  # not UTF-8
    b"tenacity==9.1.2\nthis is (not a requirement\n",  # one line pip would refuse
    b"-r missing-include.txt\n",
    b"tenacity>=9\npython-dotenv\n",  # requirements, but no pins: an input file given as -o by mistake?
])
def test_an_existing_output_that_is_no_lock_warns_once_and_is_resolved_without_it(run, tmp_path, content):
    lock = tmp_path / "lock.txt"
    lock.write_bytes(content)
    code, _out, err = run("resolve", "tenacity", "python-dotenv", "--python", "3.12", "-o", str(lock))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(lock) in warnings[0] and "resolving without its pins" in warnings[0]
    assert "Traceback" not in err
    assert pins_of(lock) == {"tenacity": "9.2.1", "python-dotenv": "1.2.4"}


def test_a_bad_upgrade_package_is_exit_2_before_any_work(run, index_server, tmp_path):
    for bad in ("tenacity>=", "tenacity @ https://example.invalid/t.whl", "uvicorn[standard]"):
        code, _out, err = run("resolve", "tenacity", "--python", "3.12", "-P", bad)
        assert code == 2, err
        assert "--upgrade-package" in err and "Traceback" not in err
    assert not [r for r in index_server.requests if r.startswith("/simple/")]


def test_the_header_leaves_out_every_spelling_of_the_upgrade_options():
    argv = ["resolve", "-r", "in.txt", "-U", "--upgrade", "-P", "a", "-Pb", "-P=c", "--upgrade-package", "d",
            "--upgrade-package=e", "--upgrade-p", "f", "-o", "lock.txt", "--", "-U"]
    assert lock_command(argv) == "wheelpin resolve -r in.txt -o lock.txt -- -U"


def test_resolve_help_explains_the_upgrade_options(capsys):
    with pytest.raises(SystemExit):
        main(["resolve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "-U, --upgrade" in text and "-P NAME, --upgrade-package NAME" in text
    assert "its pins are kept where they still fit" in text
