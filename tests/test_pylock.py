"""resolve -o pylock.toml: a PEP 751 lock that packaging.pylock reads back and uv installs from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.pylock import Pylock, is_valid_pylock_path
from packaging.utils import parse_wheel_filename

from fakeindex import ANY, LINUX_311, FakeIndex, sdist_name, sha
from wheelpin.cli import main
from wheelpin.inputs import parse_requirement_strings
from wheelpin.lockfile import is_pylock_path
from wheelpin.pylockfile import build_pylock
from wheelpin.pythons import find_uv
from wheelpin.resolve import Session, resolve
from wheelpin.target import make_target

HOST = f"{sys.version_info[0]}.{sys.version_info[1]}"  # uv's dry run checks requires-python on a real interpreter


def read_pylock(path: Path) -> Pylock:
    return Pylock.from_dict(tomllib.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def written(index_url: str, cache_dir: Path, tmp_path: Path, clean_env: object) -> Path:
    out = tmp_path / "pylock.toml"
    code = main(["resolve", "fastapi==0.115.0", "pydantic==2.9.2", "--python", HOST, "--platform", "manylinux",
                 "-o", str(out), "--index-url", index_url, "--cache-dir", str(cache_dir)])
    assert code == 0
    return out


def test_the_lock_is_pep_751_with_only_the_targets_wheels(written: Path, index_url: str) -> None:
    lock = read_pylock(written)
    assert (str(lock.lock_version), lock.created_by, str(lock.requires_python)) == ("1.0", "wheelpin", f"=={HOST}.*")
    assert [str(m) for m in lock.environments or ()] == [
        f'implementation_name == "cpython" and python_version == "{HOST}" and sys_platform == "linux" and '
        'platform_machine == "x86_64"']
    assert (lock.tool or {})["wheelpin"]["platform"] == "manylinux_2_28_x86_64"
    names = {p.name: p for p in lock.packages}
    assert {"fastapi", "pydantic", "pydantic-core", "starlette", "anyio"} <= set(names)
    target = make_target(HOST, "manylinux")
    for package in lock.packages:
        assert package.index == index_url and package.sdist is None
        assert package.wheels, package.name
        for wheel in package.wheels:
            assert wheel.filename.endswith(".whl") and wheel.url and wheel.url.startswith("http://127.0.0.1:")
            assert set(parse_wheel_filename(wheel.filename)[3]) & set(target.tag_ranks())
            assert wheel.size and len(wheel.hashes["sha256"]) == 64
    core = names["pydantic-core"]
    assert str(core.version) == "2.23.4"
    (wheel,) = core.wheels or ()
    assert "manylinux" in wheel.filename and f"cp{HOST.replace('.', '')}" in wheel.filename


def _uv_dry_run(lock: Path, platform: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    uv = find_uv()
    assert uv, "uv is a dev dependency"
    env = {**os.environ, "UV_NO_CONFIG": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_CACHE_DIR": str(tmp_path / "uv"),
           "UV_PREVIEW_FEATURES": "pylock"}
    return subprocess.run([uv, "pip", "install", "--dry-run", "--only-binary", ":all:", "-r", str(lock),
                           "--python", sys.executable, "--python-version", HOST, "--python-platform", platform,
                           "--target", str(tmp_path / "site")],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_uv_installs_the_lock_on_its_target_and_refuses_it_elsewhere(written: Path, tmp_path: Path) -> None:
    done = _uv_dry_run(written, "x86_64-manylinux_2_28", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Would install" in done.stderr and "pydantic-core==2.23.4" in done.stderr
    # The environments marker is what keeps an installer on another machine from taking x86_64 wheels.
    other = _uv_dry_run(written, "aarch64-manylinux_2_28", tmp_path)
    assert other.returncode != 0


def test_allow_source_writes_the_sdist_of_that_package_only() -> None:
    fake = FakeIndex()
    fake.add("app", "1.0", requires=["native"], wheels=[ANY], upload_time="2024-09-17T11:21:03.123456Z", size=900)
    fake.add("native", "2.0", wheels=["cp39-cp39-win_amd64"], sdist=True)
    session = Session(fake)
    try:
        resolution = resolve(parse_requirement_strings(["app"]), make_target("3.11", "manylinux"), session,
                             allow_source=["native"])
        lock = build_pylock(resolution, index_of=lambda name: session.project(name).index_url, command="wheelpin")
    finally:
        session.close()
    app, native = lock.packages
    assert app.sdist is None and app.wheels and app.wheels[0].size == 900
    assert app.wheels[0].upload_time is not None and app.wheels[0].upload_time.year == 2024
    assert native.wheels is None and native.sdist is not None
    assert native.sdist.name == sdist_name("native", "2.0")
    assert native.sdist.hashes == {"sha256": sha(sdist_name("native", "2.0"))}


def test_a_lock_for_a_patch_release_names_that_patch() -> None:
    fake = FakeIndex()
    fake.add("pkg", "1.0", wheels=[LINUX_311])
    session = Session(fake)
    try:
        resolution = resolve(parse_requirement_strings(["pkg"]), make_target("3.11.9", "manylinux"), session)
        lock = build_pylock(resolution, index_of=lambda name: "https://user:secret@index.example/simple/",
                            command="wheelpin")
    finally:
        session.close()
    assert str(lock.requires_python) == "==3.11.9"
    assert "python_full_version == \"3.11.9\"" in str((lock.environments or [])[0])
    assert lock.packages[0].index == "https://index.example/simple/"  # no credentials in a shared lock


@pytest.mark.parametrize(("name", "ok"), [("pylock.toml", True), ("deploy/pylock.prod.toml", True),
                                          ("pylock.3.11.toml", False), ("lock.toml", False),
                                          ("py{python}/pylock.toml", True), ("pylock..toml", False),
                                          ("Pylock.toml", False), ("pylock.toml.bak", False),
                                          ("xpylock.toml", False)])
def test_pylock_names_follow_pep_751(name: str, ok: bool) -> None:
    """As packaging.pylock judges them (which wheelpin does not import for it: see lockfile)."""
    assert is_pylock_path(name) is ok
    assert is_valid_pylock_path(Path(name.replace("{python}", "3.11"))) is ok


def test_re_locking_into_an_existing_pylock_keeps_its_pins(index_url: str, cache_dir: Path, tmp_path: Path,
                                                          clean_env: object, capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    out = tmp_path / "pylock.toml"
    common = ["--python", HOST, "-o", str(out), "--index-url", index_url, "--cache-dir", str(cache_dir)]
    assert main(["resolve", "pydantic==2.9.2", "annotated-types==0.7.0", *common]) == 0
    # Loosened: the newest annotated-types is 0.8.0, but the lock's 0.7.0 still fits and is kept.
    assert main(["resolve", "pydantic==2.9.2", "annotated-types", *common]) == 0
    assert "warning" not in capsys.readouterr().err
    assert {p.name: str(p.version) for p in read_pylock(out).packages}["annotated-types"] == "0.7.0"
