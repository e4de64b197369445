"""The command line with the target read from the project's files, against the recorded index on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from wheelpin.cli import main


def project(root: Path, **files: str) -> Path:
    for name, text in files.items():
        (root / name.replace("__", ".")).write_text(text)
    return root


def rows(out: str) -> dict[str, bool]:
    return {v["python"]: v["ok"] for v in json.loads(out)["pythons"]}


def test_report_without_flags_takes_the_python_from_runtime_txt_and_marks_its_row(run, tmp_path):
    app = project(tmp_path, runtime__txt="python-3.12.8\n", requirements__txt="six==1.17.0\n")
    code, out, err = run("report", "-r", str(app / "requirements.txt"), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["deployed"] == "3.12.8"
    assert "3.12.8" in rows(out) and "3.12" not in rows(out)  # the deployed row is checked at its patch
    assert len(rows(out)) > 1  # and the rest of the matrix is still there
    assert "target: Python 3.12.8 from runtime.txt:1 (python-3.12.8)" in err
    assert "target: platform" not in err  # no file names one: the default, silently, as pip and uv do


def test_a_bare_report_reads_the_requirements_and_runtime_of_the_working_directory(run, tmp_path, monkeypatch):
    project(tmp_path, runtime__txt="python-3.12.8\n", requirements__txt="six==1.17.0\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("report")
    assert code == 0, err
    assert "3.12.8 (deployed)" in out
    assert "requirements.txt (no requirements were given)" in err


def test_report_exits_1_when_the_deployed_python_is_blocked(run, tmp_path):
    # pydantic-core 2.23.4 has no cp314 wheel; other Pythons in the matrix lock fine.
    app = project(tmp_path, **{".python-version": "3.14\n", "requirements.txt": "pydantic==2.9.2\n"})
    code, out, err = run("report", "-r", str(app / "requirements.txt"), "--format", "json")
    assert code == 1, err
    verdicts = rows(out)
    assert verdicts["3.14"] is False
    assert verdicts["3.13"] is True  # other rows are clean, yet the deploy is blocked: CI goes red


def test_an_explicit_python_overrides_the_files_and_keeps_the_old_exit_code(run, tmp_path):
    app = project(tmp_path, **{".python-version": "3.14\n", "requirements.txt": "pydantic==2.9.2\n"})
    code, out, err = run("report", "-r", str(app / "requirements.txt"), "--python", "3.13,3.14", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["deployed"] is None
    assert "target: Python" not in err


def test_resolve_says_which_source_it_used_when_two_disagree(run, tmp_path):
    app = project(tmp_path, Dockerfile="ARG PY=3.13\nFROM python:${PY}-slim AS app\n",
                  runtime__txt="python-3.11.9\n", requirements__txt="six==1.17.0\n")
    code, out, err = run("resolve", "-r", str(app / "requirements.txt"))
    assert code == 0, err
    assert "CPython 3.13 (requires-python checked against 3.13.0)" in out
    assert "target: Python 3.13 from Dockerfile:2" in err
    assert "note: runtime.txt:1 (python-3.11.9) says Python 3.11.9; using 3.13 from Dockerfile:2" in err


def test_a_slim_image_locks_for_its_debian_glibc(run, tmp_path):
    app = project(tmp_path, Dockerfile="FROM python:3.12-slim\n", requirements__txt="six==1.17.0\n")
    code, out, err = run("resolve", "-r", str(app / "requirements.txt"), "--python", "3.12")
    assert code == 0, err
    assert "platform manylinux_2_41_x86_64" in out  # python:3.12-slim is Debian 13: glibc 2.41
    assert "target: platform docker-slim from Dockerfile:1" in err


def test_an_alpine_image_locks_for_musllinux(run, tmp_path):
    app = project(tmp_path, Dockerfile="FROM python:3.12-alpine\n", requirements__txt="six==1.17.0\n")
    code, out, err = run("resolve", "-r", str(app / "requirements.txt"))
    assert code == 0, err
    assert "CPython 3.12" in out and "platform musllinux_1_2_x86_64" in out


def test_check_uses_the_repositorys_python_and_notes_the_locks_own(run, tmp_path):
    app = project(tmp_path, requirements__txt="six==1.17.0\n")
    lock = app / "requirements-lock.txt"
    assert run("resolve", "-r", str(app / "requirements.txt"), "--python", "3.11", "--platform", "manylinux",
               "-o", str(lock))[0] == 0
    (app / ".python-version").write_text("3.12\n")
    code, out, err = run("check", str(lock))
    assert code == 0, err
    assert "CPython 3.12" in out
    assert "header says it was made for CPython 3.11" in err


def test_a_malformed_deploy_file_is_exit_2_naming_file_and_line(run, tmp_path):
    app = project(tmp_path, requirements__txt="six\n", render__yaml="services:\n  - runtime: [python\n")
    code, out, err = run("resolve", "-r", str(app / "requirements.txt"))
    assert code == 2
    assert "render.yaml, line 3" in err and "Traceback" not in err
    assert out == ""


def test_target_prints_the_detected_target_and_its_sources(tmp_path, capsys):
    project(tmp_path, template__yaml="Globals:\n  Function:\n    Runtime: python3.12\n    Architectures: [arm64]\n"
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Role: !GetAtt R.Arn\n",
            runtime__txt="python-3.11.9\n")
    assert main(["target", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "python: 3.12 from template.yaml:3 (Runtime: python3.12)" in out
    assert "platform: lambda-arm64 from template.yaml:4" in out
    assert "runtime.txt:1 (python-3.11.9) says 3.11.9" in out


def test_report_rows_stay_within_requires_python(run, tmp_path):
    app = project(tmp_path, pyproject__toml='[project]\nname = "a"\nversion = "1"\nrequires-python = ">=3.12"\n'
                  'dependencies = ["six==1.17.0"]\n')
    code, out, err = run("report", str(app / "pyproject.toml"), "--format", "json")
    assert code == 0, err
    assert min(rows(out), key=lambda v: tuple(map(int, v.split(".")))) == "3.12"
    assert "pyproject.toml:4" in err


_SAM = ("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n"
        "    Runtime: python3.11\n    Architectures: [arm64]\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n")


def sam_layout(root: Path) -> Path:
    """SAM's standard layout: template.yaml at the top, the function's requirements in src/."""
    project(root, template__yaml=_SAM)
    (root / "src").mkdir()
    (root / "src" / "requirements.txt").write_text("six==1.17.0\n")
    return root


def test_report_finds_sams_template_above_the_requirements(run, tmp_path, monkeypatch):
    monkeypatch.chdir(sam_layout(tmp_path))
    code, out, err = run("report", "-r", "src/requirements.txt", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["deployed"] == "3.11"
    assert "target: Python 3.11 from template.yaml:5 (Runtime: python3.11)" in err
    assert "target: platform lambda-arm64 from template.yaml:6" in err
    assert "aarch64" in json.loads(out)["platform"]


def test_the_nearest_directory_with_a_deploy_file_wins_and_is_named_from_the_working_directory(run, tmp_path,
                                                                                               monkeypatch):
    monkeypatch.chdir(sam_layout(tmp_path))
    (tmp_path / "src" / ".python-version").write_text("3.12\n")
    code, out, err = run("resolve", "-r", "src/requirements.txt")
    assert code == 0, err
    assert "target: Python 3.12 from src/.python-version:1" in err
    assert "template.yaml" not in err  # the nearer directory's files are the project's, the top's are not read


def test_check_and_report_lock_find_the_template_above_the_lock(run, tmp_path, monkeypatch):
    monkeypatch.chdir(sam_layout(tmp_path))
    lock = "src/requirements-lock.txt"
    assert run("resolve", "-r", "src/requirements.txt", "-o", lock)[0] == 0
    code, out, err = run("check", lock)
    assert code == 0, err
    assert "CPython 3.11" in out and "aarch64" in out
    assert "target: Python 3.11 from template.yaml:5" in err
    code, out, err = run("report", "--lock", lock, "--format", "json")
    assert code == 0, err
    assert "target: platform lambda-arm64 from template.yaml:6" in err


def test_the_search_stops_at_the_working_directory(run, tmp_path, monkeypatch):
    sam_layout(tmp_path)
    monkeypatch.chdir(tmp_path / "src")
    code, out, err = run("resolve", "-r", "requirements.txt")
    assert code == 0, err
    assert "template.yaml" not in err and "platform manylinux" in out


def test_outside_the_working_directory_the_search_stops_at_the_repository_top(run, tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    repo = sam_layout(tmp_path / "repo")
    (repo / ".git").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    code, out, err = run("resolve", "-r", str(repo / "src" / "requirements.txt"))
    assert code == 0, err
    assert f"target: deploy files read from {repo}" in err
    assert "target: Python 3.11 from template.yaml:5" in err
    (repo / ".git").rmdir()  # outside any repository: the file's own directory only
    code, out, err = run("resolve", "-r", str(repo / "src" / "requirements.txt"))
    assert code == 0, err
    assert "template.yaml" not in err
