"""--allow-source and sdists whose dependencies are dynamic (issue 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer
from sdistindex import DYNAMIC, STATIC, Release, write_index
from wheelpin.cli import main

ROOT = Path(__file__).parent.parent
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
