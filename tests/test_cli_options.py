"""The command line as pip and uv users expect it (issue 12): -v / -q, --no-progress and NO_COLOR, check
--format json (docs/check.schema.json), shell completion, and an unknown option shown with the subcommand's
usage."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from wheelpin.check import ProblemKind
from wheelpin.cli import main
from wheelpin.cli.completion import completion_script
from wheelpin.cli.parser import build_parser

ROOT = Path(__file__).parent.parent
CHECK_SCHEMA = json.loads((ROOT / "docs" / "check.schema.json").read_text())
LLM = ROOT / "examples" / "llm-app" / "requirements.txt"


# -- unknown options -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["check", "lock.txt"], ["report", "six"], ["resolve", "six"]])
def test_an_unknown_option_is_reported_with_the_subcommands_usage(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--no-such-option"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: wheelpin {command[0]} ")
    assert f"wheelpin {command[0]}: error: unrecognized arguments: --no-such-option" in err


def test_an_unknown_option_before_any_command_keeps_the_top_level_usage(capsys):
    with pytest.raises(SystemExit):
        main(["--no-such-option", "targets"])
    assert "usage: wheelpin [-h]" in capsys.readouterr().err


# -- verbosity -----------------------------------------------------------------------------------------------
def test_quiet_drops_information_and_keeps_warnings_and_errors(run, tmp_path):
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "six", "--python", "3.12", "-o", str(lock))
    assert code == 0 and "wrote" in err
    for spelling in (["-q", "resolve"], ["resolve", "-q"]):  # before the command, as uv takes it, or after
        code, _out, err = run(*spelling, "six", "--python", "3.12", "-o", str(lock))
        assert code == 0 and err == ""
    code, _out, err = run("resolve", "-q", "no-such-project-anywhere", "--python", "3.12")
    assert code == 2 and err.startswith("error:")


def test_quiet_keeps_a_warning_and_twice_quiet_drops_it(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six\nhttps://files.example/foo-1.0-py3-none-any.whl\n")  # warned, no error
    assert "warning:" in run("resolve", "-q", "-r", str(requirements), "--python", "3.12")[2]
    assert run("resolve", "-qq", "-r", str(requirements), "--python", "3.12")[2] == ""


def test_verbose_says_what_was_fetched(run):
    code, _out, err = run("resolve", "-v", "six", "--python", "3.12")
    assert code == 0
    assert "fetched 1 project pages" in err and "requests" in err
    code, _out, err = run("resolve", "-vv", "six", "--python", "3.12", "--refresh")
    assert "fetched page: six" in err


# -- progress and colour -------------------------------------------------------------------------------------
def test_no_progress_silences_the_progress_line_on_a_terminal(run, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats the captured streams as a terminal
    _code, _out, err = run("resolve", "six", "--python", "3.12", "--refresh")
    assert "resolving" in err or "fetched" in err
    _code, _out, err = run("resolve", "six", "--python", "3.12", "--refresh", "--no-progress")
    assert "resolving" not in err and "fetched" not in err


def test_no_color_is_honoured(run, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    _code, out, _err = run("report", "six", "--python", "3.12", "--no-progress")
    assert "\x1b[32m" in out  # the green "yes"
    monkeypatch.setenv("NO_COLOR", "1")
    _code, out, _err = run("report", "six", "--python", "3.12", "--no-progress")
    assert "\x1b[32m" not in out and "\x1b[31m" not in out


# -- check --format json -------------------------------------------------------------------------------------
def test_check_writes_json_that_its_schema_documents(run, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "-r", str(LLM), "--python", "3.11", "-o", str(lock))[0] == 0
    code, out, _err = run("check", str(lock), "--python", "3.11", "--format", "json")
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert document["ok"] is True and document["python"] == "3.11" and document["pins"]

    pinned = tmp_path / "pinned.txt"
    pinned.write_text("tiktoken==0.6.0\n")
    code, out, _err = run("check", str(pinned), "--python", "3.13", "--platform", "manylinux_2_17_x86_64",
                          "--format", "json")
    assert code == 1
    document = json.loads(out)
    jsonschema.validate(document, CHECK_SCHEMA)
    (pin,) = document["pins"]
    assert pin == {**pin, "name": "tiktoken", "version": "0.6.0", "ok": False, "nearest": "0.8.0",
                   "source": f"{pinned}:1"}
    assert pin["problems"][0]["kind"] == "no-wheel" and "cp313" in pin["problems"][0]["why"]


def test_check_json_names_the_free_threaded_build_as_the_report_does(run, tmp_path):
    pinned = tmp_path / "pinned.txt"
    pinned.write_text("six==1.17.0\n")
    code, out, _err = run("check", str(pinned), "--python", "3.13t", "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert (code, document["python"]) == (0, "3.13t")


def test_the_check_schema_names_every_problem_kind():
    kinds = CHECK_SCHEMA["properties"]["pins"]["items"]["properties"]["problems"]["items"]["properties"]["kind"]
    assert set(kinds["enum"]) == {k.value for k in ProblemKind}


# -- completion ----------------------------------------------------------------------------------------------
def bash_complete(script: str, words: list[str]) -> list[str]:
    """What bash offers for the last of ``words`` (the word being completed), with the script loaded."""
    array = " ".join(f"'{w}'" for w in words)
    program = (f'{script}\nCOMP_WORDS=({array}); COMP_CWORD={len(words) - 1}; _wheelpin; '
               'printf "%s\\n" "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_bash_completes_commands_options_and_their_values(tmp_path):
    script = completion_script(build_parser(), "bash")
    assert bash_complete(script, ["wheelpin", "rep"]) == ["report"]
    assert "--format" in bash_complete(script, ["wheelpin", "report", "--fo"])
    assert bash_complete(script, ["wheelpin", "-v", "check", "--format", ""]) == ["table", "json", "github"]
    assert "lambda" in bash_complete(script, ["wheelpin", "resolve", "--platform", "la"])
    assert bash_complete(script, ["wheelpin", "completion", "f"]) == ["fish"]
    assert "--no-classify" in bash_complete(script, ["wheelpin", "report", "--no-"])


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_command_and_option(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for name in ("resolve", "report", "check", "targets", "target", "completion"):
        assert name in script
    assert "no-classify" in script and "table markdown json github" in script and "bash zsh fish" in script
    if shutil.which(shell):  # a syntax check where the shell is installed
        subprocess.run([shell, "-n"], input=script, text=True, check=True)
