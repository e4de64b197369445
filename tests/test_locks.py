"""check and report --lock on every lock format, with fixture locks made by uv, Poetry and pipenv against the
recorded index on 127.0.0.1 (scripts/make_lock_fixtures.py)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from wheelpin.errors import InputError
from wheelpin.locks import PIPFILE, POETRY, PYLOCK, UV, Selection, lock_format, poetry_specifier, read_lock
from wheelpin.target import make_target

LOCKS = Path(__file__).resolve().parent / "data" / "locks"
PY312 = make_target("3.12", "manylinux")
PY314 = make_target("3.14", "manylinux")
FIXTURES = ["uv/uv.lock", "pylock/pylock.toml", "poetry/poetry.lock", "pipenv/Pipfile.lock"]


def copy(fixture: str, tmp_path: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or Path(fixture).name)
    shutil.copy(LOCKS / fixture, target)
    return target


def pins(path: Path, target=PY312, selection: Selection | None = None) -> dict[str, str]:
    return {p.name: str(p.version) for p in read_lock(str(path), target, selection or Selection()).pins}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_format_passes_where_it_fits_and_names_pydantic_core_on_314(run, fixture: str) -> None:
    code, out, err = run("check", str(LOCKS / fixture), "--python", "3.12")
    assert (code, err.count("Traceback")) == (0, 0), out + err
    assert out.startswith("ok: all ")
    code, out, _err = run("check", str(LOCKS / fixture), "--python", "3.14")
    assert code == 1
    assert "1 of " in out and "pydantic-core==2.23.4" in out and "no wheel for cp314" in out
    # uv.lock, pylock.toml and poetry.lock say what the lock lists; Pipfile.lock has only the index's files.
    assert ("the lock lists" in out) is (fixture != "pipenv/Pipfile.lock")
    assert "upgrade pydantic" in out  # the fix: pydantic 2.9.2 pins pydantic-core==2.23.4


def test_formats_that_list_files_and_dependencies_need_no_index(run, index_server) -> None:
    for fixture in ("uv/uv.lock", "poetry/poetry.lock"):
        code, out, err = run("check", str(LOCKS / fixture), "--python", "3.12")
        assert code == 0, out + err
    assert index_server.requests == []


def test_a_uv_lock_listing_only_the_sdist_of_a_release_with_a_wheel_fails_and_says_so(run) -> None:
    code, out, _err = run("check", str(LOCKS / "uv-sdist-only" / "uv.lock"), "--python", "3.12")
    assert code == 1
    assert "1 of 14 pins" in out and "anyio==4.16.0" in out
    assert "the lock lists only the sdist anyio-4.16.0.tar.gz" in out
    assert "the index has a wheel for the target (anyio-4.16.0-py3-none-any.whl)" in out
    assert "uv lock --upgrade-package anyio" in out
    assert re.search(r"uv-sdist-only/uv\.lock:\d+", out)


def test_uv_lock_follows_the_project_graph_for_the_target() -> None:
    lock = read_lock(str(LOCKS / "uv" / "uv.lock"), PY312)
    names = {p.name: str(p.version) for p in lock.pins}
    assert "render-fastapi" not in names and "helper" not in names  # the project and its workspace member
    assert names["idna"] == "3.20"  # reached through the workspace member helper
    assert "httpx" not in names  # the dev group, which 'uv sync --no-dev' leaves out
    # python-dateutil forks on the Python version (resolution-markers): one entry per Python.
    assert names["python-dateutil"] == "3.0.0" and pins(LOCKS / "uv" / "uv.lock", PY314)["python-dateutil"] == "4.0.0"
    assert "six" in names and "six" not in pins(LOCKS / "uv" / "uv.lock", PY314)  # only 3.0.0 needs six
    with_dev = pins(LOCKS / "uv" / "uv.lock", PY312, Selection(groups=("dev",)))
    assert {"httpx", "httpcore", "certifi"} <= set(with_dev)


UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "uvicorn", extra = ["standard"] },
    { name = "pywin", marker = "sys_platform == 'win32'" },
    { name = "vendored" },
]

[[package]]
name = "uvicorn"
version = "0.32.0"
source = { registry = "http://127.0.0.1:1/simple/" }
dependencies = [{ name = "h11" }]
wheels = [{ url = "http://127.0.0.1:1/files/uvicorn-0.32.0-py3-none-any.whl", hash = "sha256:00" }]

[package.optional-dependencies]
standard = [{ name = "uvloop", marker = "sys_platform != 'win32'" }]

[[package]]
name = "h11"
version = "0.16.0"
source = { registry = "http://127.0.0.1:1/simple/" }
wheels = [{ url = "http://127.0.0.1:1/files/h11-0.16.0-py3-none-any.whl", hash = "sha256:11" }]

[[package]]
name = "uvloop"
version = "0.21.0"
source = { registry = "http://127.0.0.1:1/simple/" }
wheels = [{ url = "http://127.0.0.1:1/files/uvloop-0.21.0-cp312-cp312-manylinux_2_28_x86_64.whl", hash = "sha256:22" }]

[[package]]
name = "pywin"
version = "1.0"
source = { registry = "http://127.0.0.1:1/simple/" }
wheels = [{ url = "http://127.0.0.1:1/files/pywin-1.0-cp312-cp312-win_amd64.whl", hash = "sha256:33" }]

[[package]]
name = "vendored"
version = "2.0"
source = { path = "libs/vendored-2.0-py3-none-any.whl" }
"""


def test_uv_lock_honours_dependency_markers_extras_and_skips_path_members(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(UV_LOCK, encoding="utf-8")
    lock = read_lock(str(path), PY312)
    assert {p.name: str(p.version) for p in lock.pins} == {"uvicorn": "0.32.0", "h11": "0.16.0", "uvloop": "0.21.0"}
    assert next(p for p in lock.pins if p.name == "uvicorn").extras == {"standard"}
    assert lock.skipped == ("vendored (path libs/vendored-2.0-py3-none-any.whl)",)
    assert "pywin" in pins(path, make_target("3.12", "windows")) and "uvloop" not in pins(path, make_target(
        "3.12", "windows"))


def test_a_package_the_uv_lock_graph_needs_but_does_not_list_is_missing(run, tmp_path: Path) -> None:
    text = (LOCKS / "uv" / "uv.lock").read_text(encoding="utf-8")
    block = re.search(r'\[\[package\]\]\nname = "h11"\n.*?\n\n', text, re.DOTALL)
    assert block is not None
    path = tmp_path / "uv.lock"
    path.write_text(text.replace(block.group(0), ""), encoding="utf-8")
    code, out, _err = run("check", str(path), "--python", "3.12")
    assert code == 1
    assert "missing: h11 required by uvicorn==0.32.0" in out and "uv lock --upgrade-package uvicorn" in out


def test_poetry_lock_dependency_records_are_what_is_checked(run, tmp_path: Path) -> None:
    """The lock's own records, not the index's metadata (which says pydantic 2.9.2 needs pydantic-core
    2.23.4, as the lock pins)."""
    path = copy("poetry/poetry.lock", tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('pydantic-core = "2.23.4"', 'pydantic-core = "^2.24"'),
                    encoding="utf-8")
    code, out, _err = run("check", str(path), "--python", "3.12")
    assert code == 1
    assert ("conflict: pydantic-core==2.23.4 does not satisfy pydantic-core<3.0.0,>=2.24 required by "
            "pydantic==2.9.2") in out


def test_poetry_groups_and_pipfile_develop_are_left_out_unless_asked_for() -> None:
    assert "httpx" not in pins(LOCKS / "poetry" / "poetry.lock")
    assert {"httpx", "certifi"} <= set(pins(LOCKS / "poetry" / "poetry.lock", selection=Selection(groups=("dev",))))
    assert "httpx" not in pins(LOCKS / "pipenv" / "Pipfile.lock")
    assert {"httpx", "certifi"} <= set(pins(LOCKS / "pipenv" / "Pipfile.lock", selection=Selection(dev=True)))


POETRY_1 = """\
[[package]]
name = "pydantic-core"
version = "2.23.4"
description = ""
category = "main"
optional = false
python-versions = ">=3.8"

[[package]]
name = "pytest"
version = "8.0.0"
description = ""
category = "dev"
optional = false
python-versions = ">=3.8"

[[package]]
name = "old"
version = "1.0"
description = ""
category = "main"
optional = false
python-versions = ">=2.7,<3.0"

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "0"

[metadata.files]
pydantic-core = [
    {file = "pydantic_core-2.23.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:aa"},
    {file = "pydantic_core-2.23.4.tar.gz", hash = "sha256:bb"},
]
pytest = []
old = [{file = "old-1.0-py2-none-any.whl", hash = "sha256:cc"}]
"""


def test_poetry_1_locks_keep_files_under_metadata_files(run, tmp_path: Path) -> None:
    path = tmp_path / "poetry.lock"
    path.write_text(POETRY_1, encoding="utf-8")
    lock = read_lock(str(path), PY312)
    assert [(p.name, [f.filename for f in p.files or ()]) for p in lock.pins][0] == (
        "pydantic-core", ["pydantic_core-2.23.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                          "pydantic_core-2.23.4.tar.gz"])
    assert "pytest" not in {p.name for p in lock.pins}  # category dev
    code, out, _err = run("check", str(path), "--python", "3.12")
    assert code == 1
    assert "old==1.0" in out and "Requires-Python <3.0,>=2.7 excludes Python 3.12.0" in out
    assert "pydantic-core" not in out


@pytest.mark.parametrize(("constraint", "specifier"), [
    ("*", ""), ("2.23.4", "==2.23.4"), ("^2.24", "<3.0.0,>=2.24"), ("^0.2.3", "<0.3.0,>=0.2.3"),
    ("~1.2.3", "<1.3.0,>=1.2.3"), ("~1", "<2.0.0,>=1"), (">=1.7.4,!=1.8,<3.0.0", "!=1.8,<3.0.0,>=1.7.4"),
    ("==1.*", "==1.*"), (">=3.8 || <2", None),
])
def test_poetry_constraints_as_pep_440(constraint: str, specifier: str | None) -> None:
    assert poetry_specifier(constraint) == specifier


def test_pipfile_lock_hashes_are_checked_against_the_index(run, tmp_path: Path) -> None:
    path = copy("pipenv/Pipfile.lock", tmp_path)
    text = path.read_text(encoding="utf-8")
    # anyio's two hashes (wheel and sdist) replaced with one the index does not have.
    text = re.sub(r'("anyio": \{\s*"hashes": \[)[^\]]*\]', r'\1"sha256:' + "0" * 64 + '"]', text)
    path.write_text(text, encoding="utf-8")
    code, out, _err = run("check", str(path), "--python", "3.12")
    assert code == 1 and "anyio==4.16.0" in out and "no hash on the line is a file of anyio 4.16.0" in out
    assert "pipenv lock" in out


@pytest.mark.parametrize(("fixture", "form"), [("uv/uv.lock", UV), ("poetry/poetry.lock", POETRY),
                                               ("pipenv/Pipfile.lock", PIPFILE), ("pylock/pylock.toml", PYLOCK)])
def test_the_format_is_read_from_the_contents_when_the_name_does_not_say(tmp_path: Path, fixture: str,
                                                                         form: str) -> None:
    path = copy(fixture, tmp_path, "deploy.lock")
    assert lock_format(str(path), path.read_text(encoding="utf-8")) == form
    assert pins(path)["pydantic-core"] == "2.23.4"


def test_a_pylock_for_another_target_is_refused_for_this_one(run, tmp_path: Path) -> None:
    host = f"{sys.version_info[0]}.{sys.version_info[1]}"
    out_file = tmp_path / "pylock.toml"
    code, _out, err = run("resolve", "fastapi==0.115.0", "pydantic==2.9.2", "--python", host, "-o", str(out_file))
    assert code == 0, err
    code, out, err = run("check", str(out_file), "--python", host)
    assert code == 0 and out.startswith("ok: all 8 pins"), out + err
    code, out, err = run("check", str(out_file), "--python", "3.14")
    assert code == 1 and "excludes CPython 3.14" in err


def test_a_damaged_lock_is_bad_input_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text("[[package]\nname =", encoding="utf-8")
    with pytest.raises(InputError, match="uv.lock: not valid TOML"):
        read_lock(str(path), PY312)


def test_report_on_a_lock_gives_the_matrix_for_its_versions_as_they_are(run) -> None:
    for how in (["--lock", str(LOCKS / "uv" / "uv.lock")], [str(LOCKS / "uv" / "uv.lock")]):
        code, out, err = run("report", *how, "--python", "3.12-3.14")
        assert code == 0, out + err
        rows = dict(re.findall(r"^\s+(3\.1\d): (yes|no)", out, re.MULTILINE))
        assert rows == {"3.12": "yes", "3.13": "yes", "3.14": "no"}
        assert "3.14: pydantic-core==2.23.4: the lock lists no wheel for cp314" in out


def test_report_on_a_lock_takes_no_requirements_besides(run) -> None:
    code, _out, err = run("report", "--lock", str(LOCKS / "uv" / "uv.lock"), "fastapi", "--python", "3.12")
    assert code == 2 and "give one lock file and no requirements" in err


def test_report_on_a_lock_as_markdown_and_json(run) -> None:
    code, out, _err = run("report", str(LOCKS / "poetry" / "poetry.lock"), "--python", "3.13,3.14",
                          "--format", "markdown")
    assert code == 0
    assert "| 3.13 | yes | 11 | - |" in out and "| 3.14 | no | 11 | pydantic-core==2.23.4 |" in out
    code, out, _err = run("report", "--lock", str(LOCKS / "pipenv" / "Pipfile.lock"), "--python", "3.14",
                          "--format", "json")
    assert code == 1
    verdict = json.loads(out)["pythons"][0]
    assert (verdict["python"], verdict["ok"], [b["name"] for b in verdict["blockers"]]) == (
        "3.14", False, ["pydantic-core"])


@pytest.mark.parametrize("fixture", ["uv/uv.lock", "poetry/poetry.lock"])
def test_a_lock_outside_its_projects_requires_python_is_refused(run, fixture: str) -> None:
    """Both projects require Python >=3.11: uv sync and poetry install refuse 3.10."""
    code, _out, err = run("check", str(LOCKS / fixture), "--python", "3.10")
    assert code == 1 and "was locked for Python >=3.11, which excludes Python 3.10.0" in err
    code, out, _err = run("report", str(LOCKS / fixture), "--python", "3.10,3.12")
    # Excluded, as a requirements report's row for a Python the project's requires-python excludes.
    assert code == 0 and re.search(r"3\.10: excluded by the lock's requires-python >=3\.11; -; -", out), out
    assert "lock refused" not in out and "was locked for Python" not in out
    code, out, _err = run("report", str(LOCKS / fixture), "--python", "3.10,3.12", "--format", "json")
    row = json.loads(out)["pythons"][0]
    assert (row["python"], row["status"], row["excluded_by"], row["ok"]) == ("3.10", "excluded", ">=3.11", False)


def test_pipfile_lock_markers_may_use_pep_751_dependency_groups(tmp_path: Path) -> None:
    """pipenv (2026) writes develop entries with "'dev' in dependency_groups", which only PEP 751's lock-file
    marker context defines."""
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps({
        "_meta": {"sources": [{"name": "fixture", "url": "http://127.0.0.1:1/simple/"}]},
        "default": {"six": {"version": "==1.17.0", "hashes": []}},
        "develop": {"pytest": {"version": "==8.0.0", "markers": "('dev' in dependency_groups) and "
                                                                "(python_version >= '3.10')"},
                    "tomli": {"version": "==2.0.0", "markers": "('dev' in dependency_groups) and "
                                                               "(python_version < '3.11')"}},
    }), encoding="utf-8")
    assert pins(path) == {"six": "1.17.0"}
    assert pins(path, selection=Selection(dev=True)) == {"six": "1.17.0", "pytest": "8.0.0"}
    assert read_lock(str(path), PY312).index_url == "http://127.0.0.1:1/simple/"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_a_lock_saved_as_utf16_with_a_bom_is_read_like_utf8(tmp_path: Path, fixture: str) -> None:
    path = copy(fixture, tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))  # a BOM, then UTF-16-LE on x86
    assert pins(path) == pins(LOCKS / fixture)


NUMPY_UV_LOCK = '''version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "me"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "numpy" }]

[package.metadata]
requires-dist = [{ name = "numpy", specifier = "SPEC" }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "http://127.0.0.1:1/simple/" }
wheels = [
    { url = "http://127.0.0.1:1/files/WHEEL", hash = "sha256:HASH" },
]
'''.replace("WHEEL", "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl").replace(
    "HASH", "675d61ffbfa78604709862923189bad94014bef562cc35cf61d3a07bba02a7ed")


def test_a_uv_lock_report_excludes_pythons_and_limits_the_nearest_version_by_the_projects_requirements(
        run, tmp_path: Path) -> None:
    """The lock's requires-python makes 3.11 an excluded row; the project's own numpy<2 (requires-dist) rules
    out numpy 2.1.0, the nearest release with a cp313 wheel, so no version is suggested and the project's
    requirement is named."""
    lock = tmp_path / "uv.lock"
    lock.write_text(NUMPY_UV_LOCK.replace("SPEC", "<2"))
    code, out, _err = run("report", str(lock), "--python", "3.11-3.13")
    said = " ".join(out.split())
    assert "3.11: excluded by the lock's requires-python >=3.12; -; -" in said
    assert "2.1.0" not in said
    assert "fix: the project me requires numpy<2: relax it in its pyproject.toml and re-lock" in said
    lock.write_text(NUMPY_UV_LOCK.replace("SPEC", "<2.2"))
    code, out, _err = run("check", str(lock), "--python", "3.13")
    assert code == 1 and "nearest version with a wheel: 2.1.0" in " ".join(out.split())
