"""CI (issue 12): --format github (annotations and the job summary), the composite action's steps run as a
script with GitHub's environment, and the pre-commit hook (its manifest validated, its entry run)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wheelpin._toml import loads_toml
from wheelpin.cli import main
from wheelpin.cli.github import annotation, escape_data, escape_property
from wheelpin.cli.hook import main as hook_main

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
RENDER = ROOT / "examples" / "render-fastapi" / "requirements.txt"
EXPRESSION = re.compile(r"\$\{\{\s*([a-z_.]+)\s*\}\}")


def test_workflow_commands_escape_what_the_runner_decodes():
    assert escape_data("50%\nnext") == "50%25%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    assert annotation("error", "no wheel", source="requirements.txt:4", title="wheelpin: x") == (
        "::error file=requirements.txt,line=4,title=wheelpin%3A x::no wheel")
    assert annotation("warning", "m", source="command line") == "::warning::m"


# -- --format github -----------------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: object) -> Path:
    """A checkout with the render-fastapi requirements, as GitHub Actions lays it out."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(RENDER, checkout / "requirements.txt")
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(checkout))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return checkout


def test_report_annotates_the_direct_requirement_line_of_a_transitive_blocker(project, index_url, cache_dir,
                                                                                capsys):
    argv = ["report", "-r", str(project / "requirements.txt"), "--python", "3.14", "--platform", "manylinux",
            "--index-url", index_url, "--cache-dir", str(cache_dir)]
    (project.parent / "summary.md").write_text("earlier step\n")
    assert main([*argv, "--format", "github"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    # pydantic-core is not in the file: pydantic==2.9.2, line 4, brings it in.
    line = next(e for e in errors if "pydantic-core" in e)
    assert line.startswith("::error file=requirements.txt,line=4,title=wheelpin%3A pydantic-core ")
    assert "Fix: pydantic>=" in line
    assert "wheel-only installs on" in out  # the table is still printed
    summary = (project.parent / "summary.md").read_text()
    assert summary.startswith("earlier step\n### wheelpin: wheel-only installs on")  # appended, not replaced
    assert "`pydantic-core==" in summary


def test_github_format_is_opt_in(project, index_url, cache_dir, capsys):
    argv = ["report", "-r", str(project / "requirements.txt"), "--python", "3.14", "--platform", "manylinux",
            "--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert main(argv) == 1
    assert "::error" not in capsys.readouterr().out
    assert not (project.parent / "summary.md").exists()


def test_check_annotates_the_lock_lines_that_fail(project, index_url, cache_dir, capsys):
    (project / "lock.txt").write_text("# lock\ntiktoken==0.6.0\n")
    code = main(["check", "lock.txt", "--python", "3.13", "--platform", "manylinux_2_17_x86_64", "--format",
                 "github", "--index-url", index_url, "--cache-dir", str(cache_dir)])
    assert code == 1
    out = capsys.readouterr().out
    (error,) = [line for line in out.splitlines() if line.startswith("::error")]
    assert error.startswith("::error file=lock.txt,line=2,title=wheelpin%3A tiktoken==0.6.0::")
    assert "nearest version with a wheel: 0.8.0" in error
    summary = (project.parent / "summary.md").read_text()
    assert "| `tiktoken==0.6.0` |" in summary and "❌ 1 of 1 pins" in summary


# -- the action ----------------------------------------------------------------------------------------------
def action_env(inputs: dict[str, str], step: dict[str, object]) -> dict[str, str]:
    """The step's env with its ${{ }} expressions evaluated as the runner would, from ``inputs`` and the
    action's defaults."""
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    values["github.action_path"] = str(ROOT)
    env = {}
    for key, value in dict(step.get("env", {})).items():  # type: ignore[call-overload]
        env[key] = EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
    return env


def run_action(checkout: Path, inputs: dict[str, str], index_url: str,
               cache_dir: Path) -> subprocess.CompletedProcess[str]:
    """Every step but the install (it needs an index to install from: test_live runs it), with a `wheelpin`
    on PATH that runs this checkout's source, in GitHub's environment."""
    shim = checkout.parent / "bin"
    shim.mkdir(exist_ok=True)
    wheelpin = shim / "wheelpin"
    wheelpin.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT / 'src'} exec {sys.executable} -m wheelpin \"$@\"\n")
    wheelpin.chmod(wheelpin.stat().st_mode | stat.S_IEXEC)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "WHEELPIN_"))}
    base.update(PATH=f"{shim}{os.pathsep}{os.environ['PATH']}", GITHUB_ACTIONS="true",
                GITHUB_WORKSPACE=str(checkout), GITHUB_STEP_SUMMARY=str(checkout.parent / "summary.md"),
                GITHUB_PATH=str(checkout.parent / "path.txt"), RUNNER_TEMP=str(checkout.parent),
                WHEELPIN_INDEX_URL=index_url, WHEELPIN_CACHE_DIR=str(cache_dir))
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite" and steps[0]["name"] == "Install wheelpin"
    assert '"$WHEELPIN_ACTION_PATH"' in steps[0]["run"] and action_env({}, steps[0]) == {
        "WHEELPIN_ACTION_PATH": str(ROOT)}
    done = None
    for step in steps[1:]:
        assert step["shell"] == "bash"
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=checkout, capture_output=True, text=True,
                              env={**base, **action_env(inputs, step)})
    assert done is not None
    return done


def test_the_action_reports_with_annotations_and_a_summary(project, index_url, cache_dir):
    done = run_action(project, {"python": "3.14", "platform": "manylinux"}, index_url, cache_dir)
    assert done.returncode == 1, done.stderr
    assert "::error file=requirements.txt,line=4," in done.stdout
    assert "### wheelpin: wheel-only installs on" in (project.parent / "summary.md").read_text()


def test_the_action_checks_a_lock(project, index_url, cache_dir):
    (project / "lock.txt").write_text("six==1.17.0\n")
    done = run_action(project, {"command": "check", "requirements": "lock.txt", "python": "3.12"}, index_url,
                      cache_dir)
    assert done.returncode == 0, done.stderr
    assert "ok: all 1 pins" in done.stdout
    assert "✅ all 1 pins" in (project.parent / "summary.md").read_text()


def test_the_action_refuses_an_unknown_command_as_an_annotation(project, index_url, cache_dir):
    done = run_action(project, {"command": "fix"}, index_url, cache_dir)
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=wheelpin::the 'command' input is check or report, not 'fix'")


def test_the_example_workflow_uses_the_actions_inputs():
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions" / "wheelpin.yml").read_text())
    for step in workflow["jobs"]["wheelpin"]["steps"]:
        if "OWNER/wheelpin" in step.get("uses", ""):
            assert set(step["with"]) <= set(ACTION["inputs"])


# -- the pre-commit hook -------------------------------------------------------------------------------------
def test_the_hook_manifest_is_valid_and_its_entry_is_a_console_script():
    manifest = ROOT / ".pre-commit-hooks.yaml"
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    (hook,) = HOOKS
    scripts = loads_toml((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert hook["id"] == "wheelpin-check" and scripts[hook["entry"]] == "wheelpin.cli.hook:main"
    files = re.compile(hook["files"])
    for path in ("requirements.txt", "app/requirements-dev.in", "requirements-lock.txt", "constraints.txt",
                 "uv-lock.txt", "pyproject.toml", "uv.lock", "app/poetry.lock", "Pipfile", "Pipfile.lock",
                 "pylock.toml", "pylock.dev.toml"):
        assert files.search(path), path
    for path in ("README.txt", "src/app.py", "notes/lockdown.md", "pylock.a.b.toml", "Cargo.lock", "Pipfile.txt"):
        assert not files.search(path), path


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: object) -> Path:
    """A repository whose deploy files say Python 3.13 (runtime.txt), with a lock and a requirements file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "runtime.txt").write_text("python-3.13.1\n")
    (repo / "requirements-lock.txt").write_text("tiktoken==0.6.0\n")
    (repo / "requirements.in").write_text("six\n")
    monkeypatch.chdir(repo)
    return repo


def test_the_hook_checks_locks_and_resolves_requirements_on_the_detected_target(repository, index_url, cache_dir,
                                                                                 capsys):
    index = ["--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert hook_main([*index, "requirements.in"]) == 0
    assert "requirements.in resolves with wheels only for" in capsys.readouterr().out
    # The lock pins tiktoken 0.6.0, which has no cp313 wheel: runtime.txt's 3.13 is the target.
    assert hook_main([*index, "--platform", "manylinux_2_17_x86_64", "requirements.in", "requirements-lock.txt"]) == 1
    captured = capsys.readouterr()
    assert "tiktoken==0.6.0" in captured.out and "cp313" in captured.out
    assert "runtime.txt" in captured.err


def test_the_hook_works_offline_from_the_cache_and_fails_clearly_on_a_miss(repository, index_url, cache_dir,
                                                                           capsys):
    index = ["--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert hook_main([*index, "--offline", "requirements.in"]) == 3
    assert "--offline: the project page of 'six' is not in the cache" in capsys.readouterr().err
    assert hook_main([*index, "requirements.in"]) == 0
    assert hook_main([*index, "--offline", "requirements.in"]) == 0


@pytest.mark.parametrize("fixture", ["uv/uv.lock", "poetry/poetry.lock", "pipenv/Pipfile.lock", "pylock/pylock.toml"])
def test_the_hook_checks_each_lock_format_as_check_does(repository, index_url, cache_dir, capsys, fixture):
    # Each fixture lock installs with wheels only on 3.12; on 3.14 pydantic-core 2.23.4 has no wheel.
    lock = ROOT / "tests" / "data" / "locks" / fixture
    index = ["--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert hook_main([*index, "--python", "3.12", str(lock)]) == 0
    assert capsys.readouterr().out.startswith("ok: all ")
    assert hook_main([*index, "--python", "3.14", str(lock)]) == 1
    captured = capsys.readouterr()
    assert "pydantic-core==2.23.4" in captured.out and "no wheel for cp314" in captured.out
    assert "not a valid requirement" not in captured.err


def test_the_hook_resolves_a_pipfile_and_a_pyproject_with_wheels_only(repository, index_url, cache_dir, capsys):
    (repository / "Pipfile").write_text('[packages]\nsix = "==1.17.0"\n')
    (repository / "pyproject.toml").write_text('[project]\nname = "a"\nversion = "1"\ndependencies = ["six"]\n')
    index = ["--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert hook_main([*index, "Pipfile", "pyproject.toml"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "ok: Pipfile resolves with wheels only" in out and "ok: pyproject.toml resolves with wheels only" in out
