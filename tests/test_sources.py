"""More requirement sources: Pipfiles, PEP 735 dependency groups, Poetry's tables, [tool.uv] constraints and
overrides, requirement files as Windows writes them, and ``-r -``."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from crosscheck import compare, find_uv, uv_compile
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from fakeindex import FakeIndex
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.index import HttpIndex
from wheelpin.inputs import Inputs, load_inputs, parse_pyproject, parse_requirements_file
from wheelpin.resolve import Session, resolve
from wheelpin.sources import parse_pipfile, poetry_python_marker, poetry_specifier
from wheelpin.target import make_target


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, content: str) -> str:
    Path(name).write_text(content, encoding="utf-8")
    return name


def reqs(inputs: Inputs) -> list[str]:
    return [str(item.requirement) for item in inputs.requirements]


def error_of(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    assert info.value.exit_code == 2
    message = str(info.value)
    assert "\n" not in message, message
    return message


# -- Poetry's version constraints, from python-poetry.org/docs/dependency-specification/ -----------------
@pytest.mark.parametrize(("constraint", "documented"), [
    # Caret requirements
    ("^1.2.3", ">=1.2.3 <2.0.0"), ("^1.2", ">=1.2.0 <2.0.0"), ("^1", ">=1.0.0 <2.0.0"),
    ("^0.2.3", ">=0.2.3 <0.3.0"), ("^0.0.3", ">=0.0.3 <0.0.4"), ("^0.0", ">=0.0.0 <0.1.0"), ("^0", ">=0.0.0 <1.0.0"),
    # Tilde requirements
    ("~1.2.3", ">=1.2.3 <1.3.0"), ("~1.2", ">=1.2.0 <1.3.0"), ("~1", ">=1.0.0 <2.0.0"),
    # Wildcard requirements ("*" is >=0.0.0: any version)
    ("*", ""), ("1.*", "==1.*"), ("1.2.*", "==1.2.*"),
    # poetry-core also takes x for * (its X_CONSTRAINT)
    ("x", ""), ("1.2.x", "==1.2.*"),
    # Compatible release, inequality, multiple and exact requirements
    ("~=1.2.3", "~=1.2.3"), (">= 1.2.0", ">=1.2.0"), ("!= 1.2.3", "!=1.2.3"), (">= 1.2, < 1.5", ">=1.2 <1.5"),
    ("1.2.3", "==1.2.3"), ("==1.2.3", "==1.2.3"),
])  # fmt: skip
def test_poetry_constraints_translate_as_poetry_documents_them(constraint: str, documented: str) -> None:
    assert SpecifierSet(poetry_specifier(constraint)) == SpecifierSet(",".join(documented.split()))


@pytest.mark.parametrize(("constraint", "inside", "outside"), [
    ("^1.2.3", ["1.2.3", "1.9.9"], ["1.2.2", "2.0.0", "2.0.0rc1"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0"]),
    ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0", "1.1.9"]),
])  # fmt: skip
def test_poetry_ranges_admit_what_poetry_admits(constraint: str, inside: list[str], outside: list[str]) -> None:
    spec = SpecifierSet(poetry_specifier(constraint))
    assert all(spec.contains(v) for v in inside) and not any(spec.contains(v, prereleases=True) for v in outside)


def test_poetry_python_restrictions_become_markers() -> None:
    assert poetry_python_marker("<3.11") == "python_version < '3.11'"
    assert poetry_python_marker("3.8") == "python_version == '3.8'"  # every 3.8.z
    with pytest.raises(ValueError, match="alternatives"):
        poetry_specifier("^1.0 || ^2.0")


# -- Pipfile -----------------------------------------------------------------------------------------------
PIPFILE = """\
[[source]]
url = "https://mirror.example/simple"
name = "mirror"

[packages]
requests = "*"
django = ">=4.2"
"Flask" = "==3.0.0"
celery = {version = "~=5.3", extras = ["redis"], markers = "python_version >= '3.9'"}
pywin32 = {version = "*", sys_platform = "== 'win32'"}
mylib = {git = "https://git.example/mylib.git", ref = "v1.0"}
local = {path = "./libs/local", editable = true}

[dev-packages]
pytest = ">=8"
requests = "==2.31.0"

[requires]
python_version = "3.11"
"""


def test_pipfile_packages_are_read_with_their_lines() -> None:
    inputs = parse_pipfile(write("Pipfile", PIPFILE))
    assert reqs(inputs) == ["requests", "django>=4.2", "Flask==3.0.0",
                            'celery[redis]~=5.3; python_version >= "3.9"', 'pywin32; sys_platform == "win32"']
    assert [item.source for item in inputs.requirements][:3] == ["Pipfile:6", "Pipfile:7", "Pipfile:8"]
    assert [(u.name, u.source) for u in inputs.unchecked] == [("mylib", "Pipfile:11"), ("local", "Pipfile:12")]
    assert inputs.unchecked[0].text == "mylib @ git+https://git.example/mylib.git@v1.0"
    assert inputs.index_url is None  # [[source]] is not read: the configured index stays in charge


def test_pipfile_dev_packages_only_with_dev() -> None:
    write("Pipfile", PIPFILE)
    assert "pytest>=8" not in reqs(parse_pipfile("Pipfile"))
    dev = parse_pipfile("Pipfile", dev=True)
    assert reqs(dev)[-2:] == ["pytest>=8", "requests==2.31.0"]
    assert [item.source for item in dev.requirements][-2:] == ["Pipfile:15", "Pipfile:16"]  # not [packages]' line


def test_pipfile_python_version_bounds_the_matrix() -> None:
    inputs = parse_pipfile(write("Pipfile", PIPFILE))
    assert (inputs.requires_python, inputs.requires_python_source) == ("==3.11.*", "Pipfile")
    write("Pipfile", '[packages]\nsix = "*"\n[requires]\npython_full_version = "3.12.4"\n')
    assert parse_pipfile("Pipfile").requires_python == "==3.12.4"


@pytest.mark.parametrize(("content", "words"), [
    ('[packages]\nsix = 3\n', ["Pipfile, line 2", "'six'", "version string"]),
    ('[packages]\nsix = "=>1"\n', ["Pipfile, line 2", "six"]),
    ('[packages]\nsix = "*"\n[requires]\npython_version = "three"\n', ["Pipfile, line 4", "python_version"]),
    ('[packages\nsix = "*"\n', ["Pipfile, line 1", "not valid TOML"]),
])  # fmt: skip
def test_a_bad_pipfile_names_file_and_line(content: str, words: list[str]) -> None:
    message = error_of(parse_pipfile, write("Pipfile", content))
    for word in words:
        assert word in message


def test_dev_without_a_pipfile_is_refused() -> None:
    message = error_of(load_inputs, requirement_args=["six"], dev=True)
    assert "--dev" in message and "--group" in message


# -- PEP 735 dependency groups ----------------------------------------------------------------------------
GROUPS = """\
[project]
name = "app"
version = "1"
dependencies = ["fastapi"]

[dependency-groups]
Coverage = ["coverage[toml]"]
test = ["pytest>7", {include-group = "coverage"}, "hypothesis"]
lint = ["ruff"]
"""


def test_a_dependency_group_expands_its_includes_in_place() -> None:
    inputs = parse_pyproject(write("pyproject.toml", GROUPS), groups=["test"])
    assert reqs(inputs) == ["fastapi", "pytest>7", "coverage[toml]", "hypothesis"]
    assert [i.source for i in inputs.requirements][1:3] == ["pyproject.toml (group test)",
                                                            "pyproject.toml (group Coverage)"]
    assert reqs(parse_pyproject("pyproject.toml")) == ["fastapi"]  # groups only when asked for


def test_a_dependency_group_cycle_is_an_error() -> None:
    write("pyproject.toml", GROUPS.replace('lint = ["ruff"]', 'lint = ["ruff", {include-group = "test"}]')
          .replace('"hypothesis"]', '"hypothesis", {include-group = "LINT"}]'))
    message = error_of(parse_pyproject, "pyproject.toml", groups=["test"])
    assert "cycle (test -> lint -> test)" in message and "pyproject.toml, line" in message


@pytest.mark.parametrize(("groups", "table", "words"), [
    (["docs"], "", ["'docs' is not defined", "Coverage, lint, test"]),
    (["test"], 'test = ["pytest", {include-group = "nope"}]', ["includes 'nope'"]),
    (["test"], 'test = ["pytest", {include = "lint"}]', ["neither a requirement"]),
    (["test"], 'test = "pytest"', ["must be a list"]),
    (["lint"], 'LINT = ["black"]', ["same normalized name"]),
])  # fmt: skip
def test_bad_dependency_groups_are_named(groups: list[str], table: str, words: list[str]) -> None:
    text = GROUPS.replace('test = ["pytest>7", {include-group = "coverage"}, "hypothesis"]', table) if "test" in table \
        else GROUPS + table + "\n"
    message = error_of(parse_pyproject, write("pyproject.toml", text), groups=groups)
    for word in words:
        assert word in message


def test_a_group_without_a_pyproject_is_refused() -> None:
    assert "no pyproject.toml was given" in error_of(load_inputs, requirement_args=["six"], groups=["dev"])


# -- Poetry's tables --------------------------------------------------------------------------------------
POETRY1 = """\
[tool.poetry]
name = "app"
version = "1"

[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"
pendulum = {version = "~2.1", python = "<3.12"}
gunicorn = {version = "^20.1", extras = ["gevent"], markers = "sys_platform == 'linux'"}
psycopg = {version = "^3.1", optional = true}
mylib = {git = "https://git.example/mylib.git", tag = "v2"}

[tool.poetry.extras]
pg = ["psycopg"]

[tool.poetry.group.test.dependencies]
pytest = "^8.0"
"""


def test_poetry_1_dependencies_are_translated() -> None:
    inputs = parse_pyproject(write("pyproject.toml", POETRY1))
    assert reqs(inputs) == ["requests<3.0.0,>=2.31", 'pendulum<2.2.0,>=2.1; python_version < "3.12"',
                            'gunicorn[gevent]<21.0.0,>=20.1; sys_platform == "linux"']
    assert (inputs.requires_python, inputs.requires_python_source) == (">=3.10,<4.0.0", "pyproject.toml")
    assert inputs.requirements[0].source == "pyproject.toml:7"
    assert [u.text for u in inputs.unchecked] == ["mylib @ git+https://git.example/mylib.git@v2"]


def test_poetry_optional_dependencies_come_with_their_extra_and_groups_with_group() -> None:
    write("pyproject.toml", POETRY1)
    inputs = parse_pyproject("pyproject.toml", extras=["pg"], groups=["test"])
    assert "psycopg<4.0.0,>=3.1" in reqs(inputs) and "pytest<9.0.0,>=8.0" in reqs(inputs)
    assert "'nope' is not defined in [tool.poetry.extras] (available: pg)" in error_of(
        parse_pyproject, "pyproject.toml", extras=["nope"])


def test_poetry_2_project_dependencies_are_the_truth_and_tool_poetry_only_enriches_them() -> None:
    write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.10"\n'
                            'dependencies = ["requests>=2.13", "mylib"]\n'
                            '[tool.poetry.dependencies]\npython = "<3.14"\nrequests = { source = "private" }\n'
                            'mylib = { path = "../mylib", develop = true }\nflask = "^3.0"\n')
    inputs = parse_pyproject("pyproject.toml")
    assert reqs(inputs) == ["requests>=2.13", "requests"]  # flask: not in [project], so Poetry ignores it
    assert [u.name for u in inputs.unchecked] == ["mylib"]  # a path source: no index release any more
    assert inputs.requires_python == ">=3.10,<3.14"


def test_a_poetry_1_project_stands_for_its_dependencies_in_a_requirements_file() -> None:
    write("pyproject.toml", POETRY1)
    write("requirements.txt", "-e .\n")
    assert reqs(parse_requirements_file("requirements.txt"))[0] == "requests<3.0.0,>=2.31"


def test_poetry_2_dynamic_dependencies_come_from_tool_poetry() -> None:
    write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\ndynamic = ["dependencies"]\n'
                            '[tool.poetry.dependencies]\nrequests = { version = ">=2.13", source = "private" }\n')
    assert reqs(parse_pyproject("pyproject.toml")) == ["requests>=2.13"]


def test_a_bad_poetry_constraint_names_file_and_line() -> None:
    write("pyproject.toml", POETRY1.replace('requests = "^2.31"', 'requests = "^2.31 || ^3.0"'))
    message = error_of(parse_pyproject, "pyproject.toml")
    assert message.startswith("pyproject.toml, line 7:") and "alternatives" in message


# -- [tool.uv] constraint-dependencies and override-dependencies ------------------------------------------
UV = """\
[project]
name = "app"
version = "1"
dependencies = ["web", "lib==1.0"]

[tool.uv]
constraint-dependencies = ["base<2"]
override-dependencies = ["lib>=2", "old-dep>=3"]
"""


def stack() -> FakeIndex:
    """web 1.0 requires base and, wrongly, old-dep<3; lib 1.0 and 2.0; base 1.0 and 2.0; old-dep 2.0, 3.0."""
    fake = FakeIndex()
    fake.add("web", "1.0", requires=["base", "old-dep<3"])
    for name, versions in (("lib", ("1.0", "2.0")), ("base", ("1.0", "2.0")), ("old-dep", ("2.0", "3.0"))):
        for version in versions:
            fake.add(name, version)
    return fake


def resolved(inputs: Inputs, fake: FakeIndex) -> dict[str, str]:
    session = Session(fake)
    try:
        return {p.name: str(p.version) for p in resolve(inputs, make_target("3.11", "manylinux"), session).pins}
    finally:
        session.close()


def test_tool_uv_constraints_and_overrides_are_read() -> None:
    inputs = parse_pyproject(write("pyproject.toml", UV))
    assert [str(c.requirement) for c in inputs.constraints] == ["base<2"]
    assert [(str(o.requirement), o.source) for o in inputs.overrides] == [("lib>=2", "pyproject.toml:8"),
                                                                         ("old-dep>=3", "pyproject.toml:8")]


def test_tool_uv_constraints_narrow_and_overrides_replace_direct_and_transitive_requirements() -> None:
    assert resolved(parse_pyproject(write("pyproject.toml", UV)), stack()) == {
        "web": "1.0", "base": "1.0", "lib": "2.0", "old-dep": "3.0"}
    # Without the override, web's old-dep<3 binds; as a constraint old-dep>=3 could only conflict with it.
    plain = parse_pyproject(write("pyproject.toml", UV.replace(', "old-dep>=3"', "")))
    assert resolved(plain, stack())["old-dep"] == "2.0"
    as_constraint = UV.replace(', "old-dep>=3"]', "]").replace('["base<2"]', '["base<2", "old-dep>=3"]')
    with pytest.raises(NoWheelSolution):
        resolved(parse_pyproject(write("pyproject.toml", as_constraint)), stack())


def test_an_override_adds_no_package_and_one_whose_marker_fails_drops_the_requirement() -> None:
    windows_only = '["unused>=1", "old-dep>=3; sys_platform == \'win32\'"]'
    write("pyproject.toml", UV.replace('["lib>=2", "old-dep>=3"]', windows_only))
    pins = resolved(parse_pyproject("pyproject.toml"), stack())
    assert "unused" not in pins and "old-dep" not in pins and pins["lib"] == "1.0"


# -- requirement files as Windows writes them, and standard input ----------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_requirement_files_with_a_bom_are_read_as_pip_reads_them(encoding: str) -> None:
    # PowerShell 5's `pip freeze > requirements.txt` writes UTF-16-LE with a BOM ("utf-16" on this machine).
    data = "six==1.17.0\r\n# é comment\r\nidna>=3\r\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    Path("requirements.txt").write_bytes(data)
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["six==1.17.0", "idna>=3"]
    assert inputs.requirements[1].source == "requirements.txt:3"


def test_a_truncated_utf16_file_names_file_and_line() -> None:
    Path("requirements.txt").write_bytes("six\nidna\n".encode("utf-16")[:-1])
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2") and "UTF-16" in message  # the newline ending line 2


def test_dash_r_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    write("more.txt", "idna\n")
    stdin = io.TextIOWrapper(io.BytesIO(b"six==1.17.0\n-r more.txt\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    inputs = load_inputs(requirement_files=["-"])
    assert reqs(inputs) == ["six==1.17.0", "idna"]
    assert [i.source for i in inputs.requirements] == ["<stdin>:1", "more.txt:1"]  # includes: relative to cwd


# -- the command line, against the recorded index on 127.0.0.1 --------------------------------------------
def test_resolve_reads_a_pipfile_and_its_dev_packages_with_dev(run, index_server) -> None:
    write("Pipfile", '[packages]\nclick = "~=8.3.0"\n\n[dev-packages]\nsix = "*"\n\n'
                     '[requires]\npython_version = "3.12"\n')
    code, out, err = run("resolve", "Pipfile", "--python", "3.12")
    assert code == 0, err
    assert "click==8.3.3" in out and "# via -r Pipfile" in out and "six==" not in out
    code, out, err = run("resolve", "-r", "Pipfile", "--dev", "--python", "3.12")
    assert code == 0, err
    assert "click==8.3.3" in out and "six==1.17.0" in out
    assert not [r for r in index_server.requests if "pipfile" in r.lower()]


@pytest.mark.parametrize(("name", "content"), [
    ("Pipfile", '[packages]\nsix = "*"\n[requires]\npython_version = "3.11"\n'),
    ("pyproject.toml", '[tool.poetry.dependencies]\npython = "~3.11"\nsix = "*"\n'),
])  # fmt: skip
def test_report_reads_the_file_and_its_python_bounds_the_matrix(run, name: str, content: str) -> None:
    write(name, content)
    code, out, err = run("report", name, "--python", "3.11,3.12")
    assert code == 0, err
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines() if "│ 3.1" in line}
    assert rows["3.11"] == "yes" and rows["3.12"].startswith("excluded by requires-python")


def test_resolve_takes_a_group_and_tool_uv_constraints(run) -> None:
    write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\ndependencies = ["six"]\n'
                            '[dependency-groups]\ncli = ["click"]\ndev = [{include-group = "cli"}]\n'
                            '[tool.uv]\nconstraint-dependencies = ["click<8.2"]\n')
    code, out, err = run("resolve", ".", "--group", "dev", "--python", "3.12")
    assert code == 0, err
    assert "six==1.17.0" in out and "click==8.1.8" in out
    code, out, _err = run("resolve", "pyproject.toml", "--python", "3.12")
    assert "click" not in out  # a constraint adds no package


def test_resolve_reads_requirements_from_standard_input(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("six\r\n".encode("utf-16"))))
    code, out, err = run("resolve", "-r", "-", "--python", "3.12")
    assert code == 0, err
    assert "six==1.17.0" in out and "# via -r <stdin>" in out


@pytest.mark.parametrize(("args", "words"), [
    (["six", "--dev"], ["--dev", "no Pipfile"]),
    (["six", "--group", "dev"], ["no pyproject.toml was given"]),
    (["Pipfile", "--group", "dev"], ["no pyproject.toml was given"]),
])  # fmt: skip
def test_source_flags_without_their_file_are_exit_2(run, args: list[str], words: list[str]) -> None:
    write("Pipfile", '[packages]\nsix = "*"\n')
    code, out, err = run("resolve", *args, "--python", "3.12")
    assert code == 2 and out == "" and "Traceback" not in err
    for word in words:
        assert word in err


@pytest.mark.skipif(find_uv() is None, reason="uv is a dev dependency: pip install -e '.[dev]'")
def test_overrides_pin_what_uv_pins_with_the_same_overrides(index_url: str, tmp_path: Path, clean_env) -> None:
    """fastapi 0.115.0 wants starlette<0.39, and pydantic 2.9.2 pins pydantic-core 2.23.4, which has no cp314
    wheel; overridden, both move to releases for 3.14, with uv's `--override` as with ours."""
    write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n'
                            'dependencies = ["fastapi==0.115.0", "pydantic==2.9.2"]\n'
                            '[tool.uv]\noverride-dependencies = ["starlette>=0.40", "pydantic-core>=2.24"]\n')
    write("requirements.in", "fastapi==0.115.0\npydantic==2.9.2\n")
    write("overrides.txt", "starlette>=0.40\npydantic-core>=2.24\n")
    target = make_target("3.14", "manylinux_2_28_x86_64")
    http = HttpIndex([index_url])
    session = Session(http)
    try:
        ours = resolve(parse_pyproject("pyproject.toml"), target, session).as_dict()
        with pytest.raises(NoWheelSolution):  # without the overrides: pydantic-core 2.23.4 only
            resolve(load_inputs(requirement_files=["requirements.in"]), target, session)
    finally:
        session.close()
        http.client.close()
    theirs = uv_compile([Path("requirements.in")], python="3.14", platform_tag="manylinux_2_28_x86_64",
                        index_url=index_url, extra_args=["--override", "overrides.txt",
                                                         "--cache-dir", str(tmp_path / "uv-cache")])
    assert theirs.ok, theirs.stderr[-2000:]
    assert compare(ours, theirs).agree, (ours, theirs.pins)
    assert Version(ours["starlette"]) >= Version("0.40") and Version(ours["pydantic-core"]) >= Version("2.24")
