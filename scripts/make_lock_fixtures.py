"""Make the lock fixtures under tests/data/locks/ with the real tools, against the recorded index on 127.0.0.1.

    python scripts/make_lock_fixtures.py [--poetry PATH] [--pipenv PATH]

The recorded index (tests/data/index) is served on 127.0.0.1:18751 (a fixed port, so the locks' URLs do not
change between runs), and every tool is pointed at it alone, so only loopback URLs land in the fixtures.
The packages chosen have wheels and PEP 658 metadata in the recording: locking never builds an sdist.

- uv/: ``uv lock`` of a project (fastapi 0.115.0, pydantic 2.9.2 — whose pydantic-core 2.23.4 has no cp314
  wheel — uvicorn 0.32.0), with a workspace member, a dependency for Windows only, a dependency that forks
  on the Python version (resolution-markers) and a dev group;
- uv-sdist-only/: the same uv.lock with anyio's ``wheels`` removed (a lock that lists only the sdist of a
  release that has a wheel: what uv writes under ``no-binary-package``, made here without building);
- pylock/: ``uv export --format pylock.toml`` of the uv project;
- poetry/: ``poetry lock`` (Poetry 2) of the same dependencies;
- pipenv/: ``pipenv lock`` of the same dependencies.

Poetry and Pipenv are not dependencies of wheelpin: install them in a throwaway venv
(``python -m venv /tmp/tools && /tmp/tools/bin/pip install poetry pipenv``) and pass their paths.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from indexserver import IndexServer  # noqa: E402

OUT = ROOT / "tests" / "data" / "locks"
PORT = 18751
DEPENDENCIES = ["fastapi==0.115.0", "pydantic==2.9.2", "uvicorn==0.32.0"]
DEV = ["httpx==0.28.1"]

UV_PROJECT = f"""\
[project]
name = "render-fastapi"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
{"".join(f'    "{d}",{chr(10)}' for d in DEPENDENCIES)}\
    "tzdata; sys_platform == 'win32'",
    "python-dateutil==3.0.0; python_version < '3.13'",
    "python-dateutil==4.0.0; python_version >= '3.13'",
    "helper",
]

[dependency-groups]
dev = [{", ".join(f'"{d}"' for d in DEV)}]

[tool.uv.sources]
helper = {{ workspace = true }}

[tool.uv.workspace]
members = ["libs/helper"]
"""
HELPER = """\
[project]
name = "helper"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["idna"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


SERVER = IndexServer(port=PORT)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed; fixtures not written")
    # A tool that fetched an sdist was about to build it (its metadata): the fixture must not need that.
    sdists = [p for p in SERVER.requests if p.startswith("/files/") and not p.endswith((".whl", ".metadata"))]
    if sdists:
        raise SystemExit(f"{command[0]} fetched {sdists[0]}: choose packages whose metadata needs no build")


def isolated_env(scratch: Path) -> dict[str, str]:
    """The environment with no index, cache or config of this machine's: the tools see only 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PIP_", "UV_", "POETRY_", "PIPENV_"))}
    env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(scratch / "uv-cache"),
               PIP_CONFIG_FILE=os.devnull, POETRY_CONFIG_DIR=str(scratch / "poetry-config"),
               POETRY_CACHE_DIR=str(scratch / "poetry-cache"), POETRY_VIRTUALENVS_CREATE="false",
               PIPENV_VENV_IN_PROJECT="1", PIPENV_CACHE_DIR=str(scratch / "pipenv-cache"),
               PIPENV_IGNORE_VIRTUALENVS="1", WORKON_HOME=str(scratch / "venvs"), NO_PROXY="127.0.0.1")
    return env


def make_uv(index: str, scratch: Path, env: dict[str, str], uv: str) -> None:
    project = scratch / "uv"
    (project / "libs" / "helper").mkdir(parents=True)
    (project / "pyproject.toml").write_text(UV_PROJECT, encoding="utf-8")
    (project / "libs" / "helper" / "pyproject.toml").write_text(HELPER, encoding="utf-8")
    run([uv, "lock", "--default-index", index], project, env)
    run([uv, "export", "--format", "pylock.toml", "--frozen", "--no-dev", "-o", "pylock.toml"], project, env)
    for name, files in (("uv", ["pyproject.toml", "uv.lock"]), ("pylock", ["pylock.toml"])):
        (OUT / name).mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copy(project / file, OUT / name / file)
    (OUT / "uv" / "libs" / "helper").mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "libs" / "helper" / "pyproject.toml", OUT / "uv" / "libs" / "helper" / "pyproject.toml")
    text = (project / "uv.lock").read_text(encoding="utf-8")
    # anyio's block: drop its wheels array, keep the sdist.
    block = re.search(r'\[\[package\]\]\nname = "anyio"\n.*?(?=\n\[\[package\]\])', text, re.DOTALL)
    assert block is not None
    sdist_only = block.group(0).split("\nwheels = [")[0]
    (OUT / "uv-sdist-only").mkdir(parents=True, exist_ok=True)
    (OUT / "uv-sdist-only" / "uv.lock").write_text(text.replace(block.group(0), sdist_only), encoding="utf-8")


def make_poetry(index: str, scratch: Path, env: dict[str, str], poetry: str) -> None:
    project = scratch / "poetry"
    project.mkdir()
    deps = "".join(f'    "{d}",\n' for d in DEPENDENCIES)
    (project / "pyproject.toml").write_text(f"""\
[project]
name = "render-fastapi"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
{deps}]

[tool.poetry]
package-mode = false

[tool.poetry.group.dev.dependencies]
httpx = "0.28.1"

[[tool.poetry.source]]
name = "fixture"
url = "{index}"
priority = "primary"
""", encoding="utf-8")
    run([poetry, "lock", "--no-interaction"], project, env)
    (OUT / "poetry").mkdir(parents=True, exist_ok=True)
    for file in ("pyproject.toml", "poetry.lock"):
        shutil.copy(project / file, OUT / "poetry" / file)


def make_pipenv(index: str, scratch: Path, env: dict[str, str], pipenv: str) -> None:
    project = scratch / "pipenv"
    project.mkdir()
    packages = "".join(f'{d.split("==")[0]} = "=={d.split("==")[1]}"\n' for d in DEPENDENCIES)
    (project / "Pipfile").write_text(f"""\
[[source]]
url = "{index}"
verify_ssl = false
name = "fixture"

[packages]
{packages}
[dev-packages]
httpx = "==0.28.1"

[requires]
python_version = "3.11"
""", encoding="utf-8")
    run([pipenv, "lock", "--python", sys.executable], project, env)
    (OUT / "pipenv").mkdir(parents=True, exist_ok=True)
    for file in ("Pipfile", "Pipfile.lock"):
        shutil.copy(project / file, OUT / "pipenv" / file)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uv", default=shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv")
    parser.add_argument("--poetry", help="a poetry executable (Poetry 2); skipped when not given")
    parser.add_argument("--pipenv", help="a pipenv executable; skipped when not given")
    args = parser.parse_args()
    with SERVER as server, tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        env = isolated_env(scratch)
        make_uv(server.url, scratch, env, args.uv)
        if args.poetry:
            make_poetry(server.url, scratch, env, args.poetry)
        if args.pipenv:
            make_pipenv(server.url, scratch, env, args.pipenv)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
