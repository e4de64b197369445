"""What a source build would need, read from an sdist's own files (issue 12): the kinds and their evidence,
streaming that stops early, the byte cap, zip sdists, the sha256 check, and the cache of verdicts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import Fault, IndexServer
from sdistindex import STATIC, Release, write_index
from wheelpin.index import CachedIndex, HttpIndex, NetPolicy
from wheelpin.models import BuildKind, DistFile, SourceBuild
from wheelpin.sourcebuild import SdistContents, classify

MATURIN = b'[build-system]\nrequires = ["maturin>=1.0,<2.0"]\nbuild-backend = "maturin"\n'
SETUPTOOLS_RUST = (b'[build-system]\nrequires = ["setuptools>=62.4", "wheel", "setuptools-rust>=1.5.2"]\n'
                   b'build-backend = "setuptools.build_meta"\n')
SETUPTOOLS = b'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
HATCHLING = b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[project]\nname = "p"\n'
CARGO = b'[package]\nname = "core"\nversion = "0.1.0"\n'
# Incompressible, so a gzip of it is as big as it: what makes a download long.
NOISE = os.urandom(3 * 1024 * 1024)

# Each an sdist shaped like a real project's (the files that matter, in the order its build tool writes them).
PROJECTS = {
    # pydantic-core: maturin, a Cargo.toml and Rust sources.
    "maturin-project": (("Cargo.toml", CARGO), ("pyproject.toml", MATURIN), ("src/lib.rs", b"")),
    # tiktoken: setuptools-rust in build-system.requires, RustExtension in setup.py.
    "rust-setuptools": (("pyproject.toml", SETUPTOOLS_RUST),
                        ("setup.py", b"from setuptools_rust import RustExtension\n"), ("Cargo.toml", CARGO)),
    # markupsafe: setup.py's Extension and one C file.
    "c-extension": (("pyproject.toml", SETUPTOOLS), ("setup.py", b"from setuptools import Extension, setup\n"
                                                             b"setup(ext_modules=[Extension('ext._speedups', "
                                                             b"['src/ext/_speedups.c'])])\n"),
                    ("src/ext/_speedups.c", b"int x;\n"), ("src/ext/__init__.py", b"")),
    "pybind-project": (("pyproject.toml", b'[build-system]\nrequires = ["scikit-build-core", "pybind11"]\n'
                                          b'build-backend = "scikit_build_core.build"\n'),
                       ("src/module.cpp", b"")),
    "fortran-project": (("pyproject.toml", b'[build-system]\nrequires = ["meson-python"]\n'
                                           b'build-backend = "mesonpy"\n'),
                        ("src/solve.f90", b""), ("src/wrap.c", b"")),
    # A pure package that ships a C snippet in its docs: nothing of it is built.
    "pure-project": (("src/p/__init__.py", b""), ("docs/example.c", b""), ("pyproject.toml", HATCHLING)),
    # An old setup.py project that builds a Rust crate its setup.py does not name in any way we read.
    "cargo-only": (("setup.py", b"from setuptools import setup\nsetup(name='cargo-only')\n"),
                   ("rust/Cargo.toml", CARGO), ("rust/src/lib.rs", b"")),
    "no-config": (("README", b"hello\n"),),
    # The configuration comes first, then a big blob: the download must stop after the configuration.
    "rust-then-blob": (("pyproject.toml", MATURIN), ("data/blob.bin", NOISE)),
    "blob-then-rust": (("data/blob.bin", NOISE), ("pyproject.toml", MATURIN)),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    releases = [Release(name=name, version="1.0", wheels=(), sdist=STATIC, sdist_files=files)
                for name, files in PROJECTS.items()]
    releases.append(Release(name="zipped", version="1.0", wheels=(), sdist=STATIC, sdist_format="zip",
                            sdist_files=PROJECTS["maturin-project"]))
    releases.append(Release(name="zipped-pure", version="1.0", wheels=(), sdist=STATIC, sdist_format="zip",
                            sdist_files=PROJECTS["pure-project"]))
    with IndexServer(write_index(tmp_path_factory.mktemp("sdists"), releases)) as running:
        yield running


def sdist(index: HttpIndex, name: str) -> DistFile:
    return next(f for f in index.project(name).files if not f.is_wheel)


def build_of(server: IndexServer, name: str, **changes: object) -> SourceBuild:
    index = HttpIndex([server.url])
    file = sdist(index, name)._replace(**changes)  # type: ignore[arg-type]
    build, _keep = index.source_build(name, file)
    return build


@pytest.mark.parametrize(("name", "kind", "evidence"), [
    ("maturin-project", BuildKind.RUST, "maturin>=1.0,<2.0 in build-system.requires"),
    ("rust-setuptools", BuildKind.RUST, "setuptools-rust>=1.5.2 in build-system.requires"),
    ("c-extension", BuildKind.C, "setup.py declares ext_modules"),
    ("pybind-project", BuildKind.CXX, "pybind11 in build-system.requires"),
    ("fortran-project", BuildKind.FORTRAN, "extension sources (src/solve.f90)"),
    ("pure-project", BuildKind.PURE, "build-backend hatchling.build, no extension sources"),
    ("cargo-only", BuildKind.RUST, "rust/Cargo.toml in the sdist"),
    ("no-config", BuildKind.UNKNOWN, "no pyproject.toml or setup.py at the sdist's top"),
    ("zipped", BuildKind.RUST, "maturin>=1.0,<2.0 in build-system.requires"),
    ("zipped-pure", BuildKind.PURE, "build-backend hatchling.build, no extension sources"),
])
def test_an_sdist_is_classified_from_its_own_files(server, name, kind, evidence):
    build = build_of(server, name)
    assert (build.kind, build.evidence) == (kind, evidence)


def test_the_build_kinds_say_what_the_machine_needs():
    assert "cargo" in SourceBuild(kind=BuildKind.RUST, evidence="").needs
    assert SourceBuild(kind=BuildKind.PURE, evidence="").needs_toolchain is False
    assert SourceBuild(kind=BuildKind.UNKNOWN, evidence="").needs_toolchain is True


def test_streaming_stops_once_the_configuration_settles_the_verdict(server):
    # 3 MB of sdist under a 1 MB cap: only an early stop can read it.
    index = HttpIndex([server.url])
    index.build_cap = 1024 * 1024
    file = sdist(index, "rust-then-blob")._replace(size=None)
    build, keep = index.source_build("rust-then-blob", file)
    assert (build.kind, keep) == (BuildKind.RUST, True)


def test_an_sdist_over_the_byte_cap_is_unknown(server):
    index = HttpIndex([server.url])
    index.build_cap = 1024 * 1024
    unsized = sdist(index, "blob-then-rust")._replace(size=None)
    build, keep = index.source_build("blob-then-rust", unsized)
    assert build.kind is BuildKind.UNKNOWN and "over the 1 MiB read cap" in build.evidence and keep
    # When the index gives the size, nothing is downloaded at all.
    server.clear_log()
    build, _keep = index.source_build("blob-then-rust", sdist(index, "blob-then-rust"))
    assert build.kind is BuildKind.UNKNOWN and "3.0 MiB, over the" in build.evidence
    assert server.requests_for("/files/") == []


def test_a_download_that_does_not_match_its_sha256_is_unknown_and_not_kept(server):
    index = HttpIndex([server.url])
    build, keep = index.source_build("pure-project", sdist(index, "pure-project")._replace(sha256="0" * 64))
    assert build.kind is BuildKind.UNKNOWN and "does not match the sha256" in build.evidence
    assert keep is False


def test_a_verdict_is_cached_by_the_sdists_sha256(server, tmp_path: Path):
    first = CachedIndex(HttpIndex([server.url]), tmp_path / "cache")
    file = sdist(first.inner, "c-extension")
    assert first.source_build("c-extension", file).kind is BuildKind.C
    first.close()
    server.clear_log()
    again = CachedIndex(HttpIndex([server.url]), tmp_path / "cache", offline=True)
    assert again.source_build("c-extension", file).kind is BuildKind.C
    assert again.inner.build_requests == 0 and server.requests_for("/files/") == []
    # Offline, an sdist never classified is unknown, and says why.
    missing = again.source_build("pure-project", sdist(HttpIndex([server.url]), "pure-project"))
    assert missing.kind is BuildKind.UNKNOWN and "--offline" in missing.evidence
    again.close()


def test_a_download_failure_is_not_cached(server, tmp_path: Path):
    cached = CachedIndex(HttpIndex([server.url]), tmp_path / "cache")
    file = sdist(cached.inner, "c-extension")
    server.fail_paths = {f"/files/{file.filename}": 500}
    failed = cached.source_build("c-extension", file)
    assert failed.kind is BuildKind.UNKNOWN and "kept failing" in failed.evidence
    tries = NetPolicy().retries + 1
    assert cached.inner.build_requests == tries  # a 500 is retried as a page's is
    server.reset()
    assert cached.source_build("c-extension", file).kind is BuildKind.C
    assert cached.inner.build_requests == tries + 1
    cached.close()


@pytest.mark.parametrize("kind", ["503", "reset", "truncate"])
def test_a_download_that_fails_once_is_tried_again(server, kind: str):
    """pip and uv retry a dropped download; a verdict must not be lost to one (and a torn archive is no
    verdict on the sdist)."""
    index = HttpIndex([server.url])
    file = sdist(index, "c-extension")
    path = f"/files/{file.filename}"
    server.faults[path] = Fault(kind, times=1)
    try:
        build, keep = index.source_build("c-extension", file)
    finally:
        server.reset()
    assert (build.kind, keep) == (BuildKind.C, True), build.evidence
    assert index.build_requests == 2


def test_classification_is_pure_and_a_short_read_without_evidence_is_unknown():
    contents = SdistContents(problem="stopped")
    contents.add("pyproject.toml", HATCHLING)
    assert classify(contents) == SourceBuild(kind=BuildKind.UNKNOWN, evidence="stopped")
    contents.complete = True
    assert classify(contents).kind is BuildKind.PURE


def test_the_default_read_cap_is_shown_in_the_unit_it_is_set_in() -> None:
    from wheelpin.index.sdist_probe import BYTE_CAP, _too_big

    assert _too_big(None, BYTE_CAP).evidence == "the sdist is over the 20 MiB read cap"
    assert _too_big(25 * 1024 * 1024 + 300_000, BYTE_CAP).evidence == "the sdist is 25.3 MiB, over the 20 MiB read cap"
