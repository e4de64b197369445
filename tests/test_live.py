"""Against the real package index (make test-live). Assertions stay true when new releases appear."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wheelpin.cli import main
from wheelpin.inputs import parse_requirements_file

pytestmark = pytest.mark.live
ROOT = Path(__file__).parent.parent
FASTAPI = ROOT / "examples" / "render-fastapi" / "requirements.txt"


def find_python(version: str) -> str | None:
    """A working pythonX.Y: on PATH, or installed by pyenv (whose shims exist even for versions not selected)."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        candidates += sorted(str(p) for p in Path(root).glob(f"versions/{version}.*/bin/python"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_render_fastapi_locks_for_312_and_pip_installs_it_wheels_only(tmp_path, capsys):
    lock = tmp_path / "lock.txt"
    assert main(["resolve", "-r", str(FASTAPI), "--python", "3.12", "-o", str(lock),
                 "--cache-dir", str(tmp_path / "cache")]) == 0
    pins = {i.requirement.name: i for i in parse_requirements_file(lock).requirements}
    assert str(pins["pydantic"].requirement.specifier) == "==2.9.2"  # pinned by the example
    assert all(item.hashes for item in pins.values())
    python312 = find_python("3.12")
    if python312 is None:
        pytest.skip("no python3.12 to check the install")
    result = subprocess.run([python312, "-m", "pip", "install", "--only-binary", ":all:", "--require-hashes",
                             "--dry-run", "--ignore-installed", "-q", "-r", str(lock)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


def test_pydantic_292_never_installs_on_314(tmp_path, capsys):
    code = main(["resolve", "pydantic==2.9.2", "--python", "3.14", "--cache-dir", str(tmp_path)])
    assert code == 1
    assert "pydantic-core==2.23.4" in capsys.readouterr().err


def test_check_catches_tiktoken_060_on_313(tmp_path, capsys):
    # A complete lock (check also wants every dependency pinned): resolved for 3.11, where 0.6.0 has wheels.
    lock = tmp_path / "lock.txt"
    assert main(["resolve", "tiktoken==0.6.0", "--python", "3.11", "-o", str(lock), "--cache-dir", str(tmp_path)]) == 0
    assert main(["check", str(lock), "--python", "3.13", "--cache-dir", str(tmp_path)]) == 1
    assert main(["check", str(lock), "--python", "3.11", "--cache-dir", str(tmp_path)]) == 0


def test_report_finds_a_fix_for_314(tmp_path, capsys):
    code = main(["report", "pydantic==2.9.2", "--python", "3.13,3.14", "--format", "json",
                 "--cache-dir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert '"pydantic-core"' in out
    assert '"fix": "pydantic>=' in out


def test_old_data_stack_pins_get_one_joint_fix_for_312(tmp_path, capsys):
    """numpy==1.24.4 and pandas==1.5.3 have no cp312 wheels, and no pandas with one admits numpy 1.24: only
    changing both together locks. Whatever is released later, those two old releases stay wheel-less for
    3.12 and the joint fix keeps naming both."""
    import json

    code = main(["report", "numpy==1.24.4", "pandas==1.5.3", "--python", "3.12", "--format", "json",
                 "--cache-dir", str(tmp_path)])
    assert code == 1
    (verdict,) = json.loads(capsys.readouterr().out)["pythons"]
    assert verdict["fixed_by_all"] is True
    assert sorted(change.split(">=")[0] for change in verdict["fix"]) == ["numpy", "pandas"]


# -- issue 12: source builds, the action's install, the pre-commit hook --------------------------------------
@pytest.mark.parametrize(("name", "version", "kind"), [
    ("tiktoken", "0.6.0", "rust"), ("pydantic-core", "2.23.4", "rust"), ("markupsafe", "2.1.5", "c"),
    ("six", "1.16.0", "pure"),
])
def test_real_sdists_are_classified_from_their_files(name, version, kind):
    from wheelpin.config import index_urls
    from wheelpin.index import HttpIndex

    index = HttpIndex(index_urls(cli_index_url=None, cli_extra=()))
    sdist = next(f for f in index.project(name).files
                 if not f.is_wheel and f.filename.lower().replace("_", "-").startswith(f"{name}-{version}."))
    build, keep = index.source_build(name, sdist)
    assert (build.kind.value, keep) == (kind, True), build.evidence


def test_the_actions_install_step_installs_wheelpin_from_the_action_path(tmp_path):
    import yaml

    step = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"][0]
    env = {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path), "GITHUB_PATH": str(tmp_path / "path.txt"),
           "WHEELPIN_ACTION_PATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    added = (tmp_path / "path.txt").read_text().strip()
    assert subprocess.run([f"{added}/wheelpin", "--version"], capture_output=True).returncode == 0


def test_pre_commit_try_repo_runs_the_hook_from_a_local_clone(tmp_path):
    clone = tmp_path / "wheelpin"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("six\n")
    (project / "runtime.txt").write_text("python-3.12.8\n")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(clone), "wheelpin-check",
                           "--files", "requirements.txt"], cwd=project, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Passed" in done.stdout
