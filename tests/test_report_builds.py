"""The report says what a source build of each blocker would need (issue 12): beside the reason in the table
and markdown, in JSON (docs/report.schema.json), pure-Python sdists counted apart, and --no-classify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from indexserver import IndexServer
from sdistindex import STATIC, Release, write_index
from wheelpin.cli import main

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())
LINUX_312 = "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
TIKTOKEN_PYPROJECT = (b'[build-system]\nrequires = ["setuptools>=62.4", "wheel", "setuptools-rust>=1.5.2"]\n'
                      b'build-backend = "setuptools.build_meta"\n')
HATCH = b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
RUST_REASON = ("its sdist builds with rust (setuptools-rust>=1.5.2 in build-system.requires): a source build "
               "needs cargo and a writable CARGO_HOME")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    """app needs tiktoken 0.6.0 (cp312 wheels only, a setuptools-rust sdist) and purelib (a pure sdist only)."""
    root = write_index(tmp_path / "index", [
        Release(name="app", version="1.0", requires=("tiktoken==0.6.0", "purelib")),
        Release(name="tiktoken", version="0.6.0", wheels=(LINUX_312,), sdist=STATIC,
                sdist_files=(("pyproject.toml", TIKTOKEN_PYPROJECT), ("setup.py", b"from setuptools_rust import "
                             b"RustExtension\n"), ("Cargo.toml", b"[package]\nname='tiktoken'\n"))),
        Release(name="purelib", version="2.0", wheels=(), sdist=STATIC,
                sdist_files=(("pyproject.toml", HATCH), ("src/purelib/__init__.py", b""))),
    ])
    with IndexServer(root) as running:
        yield running


@pytest.fixture
def run(server: IndexServer, cache_dir: Path, capsys: pytest.CaptureFixture[str], clean_env: object):
    def invoke(*args: str) -> tuple[int, str]:
        code = main(["report", "app==1.0", "--python", "3.13", "--platform", "manylinux", *args,
                     "--index-url", server.url, "--cache-dir", str(cache_dir)])
        return code, capsys.readouterr().out

    return invoke


def test_each_blocker_says_what_its_source_build_needs_in_every_format(run):
    code, out = run("--format", "json")
    assert code == 1
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    (row,) = document["pythons"]
    builds = {b["name"]: b["build"] for b in row["blockers"]}
    assert builds["tiktoken"] == {"kind": "rust", "evidence": "setuptools-rust>=1.5.2 in build-system.requires",
                                  "needs": "a source build needs cargo and a writable CARGO_HOME"}
    assert builds["purelib"]["kind"] == "pure"
    assert row["builds_anywhere"] == ["purelib"] and row["status"] == "blocked"

    code, table = run()
    assert code == 1
    flat = " ".join(table.split())
    assert RUST_REASON in flat
    assert "its sdist is pure Python (build-backend hatchling.build, no extension sources): it builds anywhere" in flat
    assert "of the blockers, 1 builds anywhere (pure Python sdist), 1 needs a toolchain" in flat

    code, markdown = run("--format", "markdown")
    line = next(x for x in markdown.splitlines() if "`tiktoken==0.6.0`" in x and x.startswith("- "))
    assert line.endswith(RUST_REASON[0].upper() + RUST_REASON[1:] + ".")
    assert "- **3.13**: of the blockers, 1 builds anywhere (pure Python sdist), 1 needs a toolchain." in markdown


def test_no_classify_reads_no_sdist_it_does_not_need(run, server):
    code, out = run("--format", "json", "--no-classify")
    assert code == 1
    (row,) = json.loads(out)["pythons"]
    assert all(b["build"] is None for b in row["blockers"]) and row["builds_anywhere"] == []
    assert server.requests_for("/files/tiktoken-0.6.0.tar.gz") == []


def test_a_second_report_reads_the_verdicts_from_the_cache(run, server):
    run()
    assert len(server.requests_for("/files/tiktoken-0.6.0.tar.gz")) == 1
    server.clear_log()
    code, table = run()
    assert RUST_REASON in " ".join(table.split())
    assert server.requests_for("/files/tiktoken-0.6.0.tar.gz") == []
