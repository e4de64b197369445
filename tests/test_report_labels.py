"""What a report's rows and a lock's summary say: Pythons the project excludes, rows that build from source
(--allow-source), sdists whose dependencies are dynamic, and markdown's account of the fixes (issue 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from indexserver import IndexServer
from sdistindex import DYNAMIC, STATIC, Release, write_index
from wheelpin.cli import main
from wheelpin.index import HttpIndex
from wheelpin.inputs import parse_pyproject
from wheelpin.pythons import PythonRelease
from wheelpin.report import build_report, matrix
from wheelpin.resolve import Session
from wheelpin.target import Target, make_target

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())
LINUX_313 = "cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64"
WIN_312 = "cp312-cp312-win_amd64"


@pytest.fixture
def run(index_url: str, cache_dir: Path, capsys: pytest.CaptureFixture[str], clean_env: object):
    """The CLI in-process against an index (the fixture's unless given): (exit code, stdout, stderr)."""

    def invoke(*args: str, index: str | None = None) -> tuple[int, str, str]:
        code = main([*args, "--index-url", index or index_url, "--cache-dir", str(cache_dir)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def project(tmp_path: Path, requires_python: str, *dependencies: str) -> Path:
    path = tmp_path / "pyproject.toml"
    deps = ", ".join(json.dumps(d) for d in dependencies)
    path.write_text(f'[project]\nname = "svc"\nversion = "1.0"\nrequires-python = "{requires_python}"\n'
                    f"dependencies = [{deps}]\n")
    return path


# -- the project's own requires-python ---------------------------------------------------------------------
def test_pythons_the_project_excludes_are_excluded_in_every_format(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project(tmp_path, ">=3.12", "six")
    code, out, _err = run("report", "pyproject.toml", "--python", "3.10-3.13", "--format", "json")
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    rows = {p["python"]: p for p in document["pythons"]}
    assert [rows[p]["status"] for p in ("3.10", "3.11", "3.12", "3.13")] == ["excluded", "excluded", "clean", "clean"]
    assert [rows[p]["ok"] for p in ("3.10", "3.11", "3.12", "3.13")] == [False, False, True, True]
    assert rows["3.10"]["excluded_by"] == ">=3.12" and rows["3.12"]["excluded_by"] is None
    assert rows["3.10"]["pins"] == {} and rows["3.10"]["blockers"] == []
    assert document["recommended"]["python"] == "3.13"

    code, table, _err = run("report", "pyproject.toml", "--python", "3.10-3.13")
    assert code == 0
    lines = {line.split("│")[1].strip(): line for line in table.splitlines() if line.count("│") > 2}
    assert "excluded by requires-python >=3.12" in lines["3.10"] and "yes" not in lines["3.10"]
    assert " yes " in lines["3.12"]

    code, markdown, _err = run("report", "pyproject.toml", "--python", "3.10-3.13", "--format", "markdown")
    assert code == 0
    assert "| 3.11 | ➖ excluded by requires-python >=3.12 | — | — |" in markdown
    assert "| 3.12 | ✅ yes | 1 | — |" in markdown


def test_an_excluded_python_is_never_resolved_nor_recommended(index_url, tmp_path, monkeypatch):
    inputs = parse_pyproject(project(tmp_path, "<3.13", "six"))
    resolved: list[Target] = []
    real = matrix.resolve

    def recording(inputs, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        resolved.append(target)
        return real(inputs, target, *args, **kwargs)

    monkeypatch.setattr(matrix, "resolve", recording)
    http = HttpIndex([index_url])
    session = Session(http)
    try:
        releases = [PythonRelease(minor=12, newest_patch=12), PythonRelease(minor=13, newest_patch=9)]
        report = build_report(inputs, [make_target(p, "manylinux") for p in ("3.12", "3.13")], session, releases)
    finally:
        session.close()
        http.client.close()
    assert {t.python_version for t in resolved} == {"3.12"}
    assert [v.status.value for v in report.pythons] == ["clean", "excluded"]
    assert report.recommended == PythonRelease(minor=12, newest_patch=12)  # not the newer, excluded 3.13


def test_write_runtime_never_names_an_excluded_python(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project(tmp_path, "<3.13", "six")
    code, _out, err = run("report", "pyproject.toml", "--python", "3.12-3.13", "--write-runtime", ".python-version")
    assert code == 0, err
    assert (tmp_path / ".python-version").read_text() == "3.12\n"


def test_excluded_and_blocked_rows_without_a_clean_one_exit_1(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project(tmp_path, ">=3.13", "pydantic==2.9.2")
    code, out, _err = run("report", "pyproject.toml", "--python", "3.12,3.14", "--format", "json")
    assert code == 1  # 3.14 is blocked; 3.12 neither passes nor fails
    assert [p["status"] for p in json.loads(out)["pythons"]] == ["excluded", "blocked"]


def test_a_matrix_the_project_wholly_excludes_is_an_input_error(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project(tmp_path, ">=3.12", "six")
    code, out, err = run("report", "pyproject.toml", "--python", "3.10-3.11")
    assert code == 2
    assert out == ""
    assert "pyproject.toml" in err and ">=3.12" in err and "3.10, 3.11" in err
    assert "Traceback" not in err


# -- --allow-source ----------------------------------------------------------------------------------------
@pytest.fixture
def source_index(tmp_path: Path) -> Iterator[str]:
    """pydantic-core 2.23.4 has a cp313 wheel and a static sdist; psycopg2's sdists are setup.py ones
    (dynamic), bar an old one that declares its metadata; its wheels are for Windows only."""
    root = write_index(tmp_path / "index", [
        Release(name="pydantic", version="2.9.2", requires=("pydantic-core==2.23.4", "typing-extensions>=4.6.1")),
        Release(name="pydantic-core", version="2.23.4", requires=("typing-extensions>=4.6.0,!=4.7.0",),
                wheels=(LINUX_313,), sdist=STATIC),
        Release(name="typing-extensions", version="4.12.2"),
        Release(name="psycopg2", version="2.9.10", wheels=(WIN_312,), sdist=DYNAMIC),
        Release(name="psycopg2", version="2.9.9", wheels=(WIN_312,), sdist=STATIC),
    ])
    with IndexServer(root) as server:
        yield server.url


def test_a_row_that_builds_from_source_says_so_in_every_format(run, source_index):
    args = ("report", "pydantic==2.9.2", "--allow-source", "pydantic-core", "--python", "3.13-3.14")
    code, out, _err = run(*args, "--format", "json", index=source_index)
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    rows = {p["python"]: p for p in document["pythons"]}
    assert rows["3.13"]["source_builds"] == [] and rows["3.14"]["source_builds"] == ["pydantic-core"]
    assert rows["3.14"]["status"] == "clean"

    code, table, _err = run(*args, index=source_index)
    row = next(line for line in table.splitlines() if line.startswith("│ 3.14"))
    assert "yes, with source builds: pydantic-core" in row
    # 3.13 needs no build, so it is recommended over the newer 3.14 that builds pydantic-core.
    assert table.splitlines()[-1].startswith("Recommended: Python 3.13 ")
    assert "from source" not in table.splitlines()[-1]
    code, table, _err = run("report", "pydantic==2.9.2", "--allow-source", "pydantic-core", "--python", "3.14",
                            index=source_index)
    assert "Recommended: Python 3.14 (building pydantic-core from source" in table.splitlines()[-1]

    code, markdown, _err = run(*args, "--format", "markdown", index=source_index)
    assert "| 3.14 | ✅ yes, with source builds: pydantic-core | 3 | — |" in markdown
    assert "| 3.13 | ✅ yes | 3 | — |" in markdown


def test_a_lock_with_source_builds_is_not_summarised_as_wheels_only(run, source_index, tmp_path):
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "pydantic==2.9.2", "--allow-source", "pydantic-core", "--python", "3.14",
                          "-o", str(lock), index=source_index)
    assert code == 0, err
    assert "wheels only" not in err
    assert "with source builds (--allow-source): pydantic-core" in err
    assert "built from source (--allow-source): pydantic-core" in lock.read_text()


DYNAMIC_REASON = "psycopg2 2.9.10's sdist declares its dependencies dynamically; wheelpin never runs a build backend"


def test_an_allowed_sdist_with_dynamic_dependencies_fails_resolve_with_the_reason(run, source_index):
    code, out, err = run("resolve", "psycopg2==2.9.10", "--allow-source", "psycopg2", "--python", "3.12",
                         index=source_index)
    assert code == 1, err
    assert DYNAMIC_REASON in " ".join(err.split())
    assert out == "" and "Traceback" not in err


def test_an_allowed_sdist_with_dynamic_dependencies_is_a_blocker_in_the_report(run, source_index):
    code, out, err = run("report", "psycopg2==2.9.10", "--allow-source", "psycopg2", "--python", "3.12",
                         "--format", "json", index=source_index)
    assert code == 1, err
    (row,) = json.loads(out)["pythons"]
    (blocker,) = row["blockers"]
    assert (blocker["name"], blocker["version"]) == ("psycopg2", "2.9.10")
    assert DYNAMIC_REASON in blocker["reason"]


def test_resolution_moves_past_a_dynamic_sdist_to_one_it_can_read(run, source_index):
    # As it moves past a release without a wheel: the newest release it can install without a build backend.
    code, out, err = run("resolve", "psycopg2", "--allow-source", "psycopg2", "--python", "3.12",
                         index=source_index)
    assert code == 0, err
    assert "psycopg2==2.9.9" in out


# -- markdown: the fixes' verdict ----------------------------------------------------------------------------
def test_markdown_gives_the_verdict_with_every_fix_applied(run):
    code, out, _err = run("report", "pydantic==2.9.2", "--python", "3.14", "--format", "markdown")
    assert code == 1
    assert "- **3.14**: with every fix applied: a wheel-only lock exists." in out


def test_markdown_says_when_no_fix_exists_instead_of_apply_the_fixes(run):
    # numpy 2.3.0 requires Python 3.11 and no later numpy returns to 3.10: no fix on 3.10.
    code, out, _err = run("report", "numpy==2.3.0", "--python", "3.10-3.11", "--format", "markdown")
    assert code == 0
    assert "apply the fixes" not in out
    assert "- **3.10**: no fix found for this Python; the newest clean Python is 3.11." in out
    code, out, _err = run("report", "numpy==2.3.0", "--python", "3.10", "--format", "markdown")
    assert code == 1
    assert "apply the fixes" not in out
    assert "no fix was found" in out.splitlines()[-1]


def test_the_recommendation_prefers_a_wheel_only_python_to_a_newer_one_that_builds_from_source():
    """--allow-source lets 3.12 build core from its sdist; 3.11 installs from wheels alone, so 3.11 is the
    Python to deploy on (the tool exists to avoid the build)."""
    from fakeindex import LINUX_311, FakeIndex
    from wheelpin.inputs import parse_requirement_strings
    from wheelpin.report import build_report
    from wheelpin.resolve import Session
    from wheelpin.target import make_target

    fake = FakeIndex()
    fake.add("core", "1.0", wheels=[LINUX_311], sdist=True)
    session = Session(fake)
    try:
        report = build_report(parse_requirement_strings(["core"]),
                              [make_target(p, "manylinux") for p in ("3.11", "3.12")], session,
                              [PythonRelease(minor=11, newest_patch=None), PythonRelease(minor=12, newest_patch=None)],
                              allow_source=["core"])
    finally:
        session.close()
    assert [v.source_builds for v in report.pythons] == [(), ("core",)]
    assert report.recommended is not None and report.recommended.minor == 11
