"""Behaviour of wheelpin.inputs: requirements files, command-line strings and pyproject.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from wheelpin.errors import InputError
from wheelpin.inputs import (
    InputRequirement,
    Inputs,
    UncheckedRequirement,
    format_source,
    input_file,
    load_inputs,
    merge_inputs,
    parse_pyproject,
    parse_requirement_strings,
    parse_requirements_file,
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative paths keep the file names in messages and sources short and predictable.
    monkeypatch.chdir(tmp_path)


def write(name: str, content: str | bytes) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return name


def reqs(inputs: Inputs) -> list[str]:
    return [str(item.requirement) for item in inputs.requirements]


def cons(inputs: Inputs) -> list[str]:
    return [str(item.requirement) for item in inputs.constraints]


def sources(inputs: Inputs) -> list[str]:
    return [item.source for item in inputs.requirements]


def error_of(call: object, *args: object, **kwargs: object) -> str:
    """Run ``call`` expecting an InputError; return its message after checking it is one paragraph."""
    assert callable(call)
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert info.value.exit_code == 2
    return message


# --- requirements files: syntax ------------------------------------------------------------------


def test_plain_requirements_with_sources() -> None:
    write("requirements.txt", "requests>=2.31\n\nclick==8.1.7\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["requests>=2.31", "click==8.1.7"]
    assert sources(inputs) == ["requirements.txt:1", "requirements.txt:3"]
    assert inputs.constraints == ()
    assert inputs.index_url is None and inputs.extra_index_urls == () and inputs.pre is False


def test_accepts_pathlike() -> None:
    write("requirements.txt", "requests\n")
    assert reqs(parse_requirements_file(Path("requirements.txt"))) == ["requests"]


def test_comments_are_stripped() -> None:
    write(
        "requirements.txt",
        "# full-line comment\n   # indented comment\n"
        "requests>=2.31  # http client\nclick==8.1.7\t# tab comment\n",
    )
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["requests>=2.31", "click==8.1.7"]
    assert sources(inputs) == ["requirements.txt:3", "requirements.txt:4"]


def test_continuation_lines_are_joined_and_report_first_line() -> None:
    write("requirements.txt", "Django\\\n>=4.2,\\\n<5\nclick\n")
    inputs = parse_requirements_file("requirements.txt")
    django = inputs.requirements[0].requirement
    assert (
        django.name == "Django"
        and django.specifier.contains("4.2.1")
        and not django.specifier.contains("5.0")
    )
    assert sources(inputs) == ["requirements.txt:1", "requirements.txt:4"]


def test_comment_line_ends_a_continuation() -> None:
    # pip: a comment line is never swallowed into the previous continued line's requirement.
    write("requirements.txt", "requests \\\n# a comment\nclick\n")
    assert reqs(parse_requirements_file("requirements.txt")) == ["requests", "click"]


def test_comment_ending_in_backslash_does_not_swallow_next_line() -> None:
    write("requirements.txt", "# see C:\\temp\\\nrequests\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["requests"] and sources(inputs) == ["requirements.txt:2"]


def test_hashes_are_stripped_across_continuations() -> None:
    write(
        "requirements.txt",
        "certifi==2024.8.30 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "idna==3.10 --hash=sha256:cccc\n"
        "urllib3==2.2.3\t--hash sha256:dddd\n",
    )
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["certifi==2024.8.30", "idna==3.10", "urllib3==2.2.3"]
    assert sources(inputs) == ["requirements.txt:1", "requirements.txt:4", "requirements.txt:5"]


def test_error_after_continuation_names_its_own_line() -> None:
    write("requirements.txt", "requests \\\n  >=2.31\nnot a requirement\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 3:")


def test_markers_extras_and_names_are_preserved() -> None:
    write(
        "requirements.txt",
        'uvicorn[standard]==0.32.0\npywin32; sys_platform == "win32"\nTyping_Extensions>=4\n',
    )
    items = [item.requirement for item in parse_requirements_file("requirements.txt").requirements]
    assert (
        items[0].name == "uvicorn"
        and items[0].extras == {"standard"}
        and str(items[0].specifier) == "==0.32.0"
    )
    assert items[1].name == "pywin32" and str(items[1].marker) == 'sys_platform == "win32"'
    assert items[2].name == "Typing_Extensions"


def test_bom_and_crlf_are_tolerated() -> None:
    write("requirements.txt", "\ufeffrequests==2.32.3\r\nclick \\\r\n==8.1.7\r\n".encode())
    assert reqs(parse_requirements_file("requirements.txt")) == ["requests==2.32.3", "click==8.1.7"]


def test_invalid_utf8_names_file_and_line() -> None:
    write("requirements.txt", b"requests\nclick\xff\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2:") and "UTF-8" in message


# --- includes ------------------------------------------------------------------------------------


def test_nested_requirement_files_resolve_relative_to_the_including_file() -> None:
    write("requirements.txt", "-r sub/base.txt\nrequests\n")
    write("sub/base.txt", "--requirement ../common/common.txt\nflask\n--requirement=deeper/more.txt\n")
    write("common/common.txt", "click\n")
    write("sub/deeper/more.txt", "rich\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["click", "flask", "rich", "requests"]
    assert sources(inputs) == [
        "common/common.txt:1",
        "sub/base.txt:2",
        "sub/deeper/more.txt:1",
        "requirements.txt:2",
    ]


def test_includes_work_when_top_file_is_in_a_subdirectory(tmp_path: Path) -> None:
    write("deploy/requirements.txt", "-rbase.txt\n")
    write("deploy/base.txt", "click\n")
    inputs = parse_requirements_file(tmp_path / "deploy" / "requirements.txt")
    assert reqs(inputs) == ["click"]
    assert sources(inputs) == ["deploy/base.txt:1"]  # absolute paths under the cwd are shown relative


def test_constraint_line_makes_constraints() -> None:
    write("requirements.txt", "-c constraints.txt\nrequests\n--constraint=more.txt\n")
    write("constraints.txt", "urllib3<2\n-r nested.txt\n")  # -r inside a constraints file stays constraints
    write("nested.txt", "idna==3.10\n")
    write("more.txt", "certifi>=2024\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["requests"]
    assert cons(inputs) == ["urllib3<2", "idna==3.10", "certifi>=2024"]
    assert [c.source for c in inputs.constraints] == ["constraints.txt:1", "nested.txt:1", "more.txt:1"]


def test_constraint_file_argument_makes_constraints() -> None:
    write("requirements.txt", "requests\n")
    write("constraints.txt", "urllib3<2\n")
    inputs = load_inputs(requirement_files=["requirements.txt"], constraint_files=["constraints.txt"])
    assert reqs(inputs) == ["requests"]
    assert cons(inputs) == ["urllib3<2"]


def test_constraint_with_extras_is_rejected() -> None:
    write("requirements.txt", "requests\n-c constraints.txt\n")
    write("constraints.txt", "click\nuvicorn[standard]==0.32.0\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("constraints.txt, line 2:")
    assert "uvicorn==0.32.0" in message and "extras" in message


def test_include_cycle_is_detected() -> None:
    write("a.txt", "click\n-r sub/b.txt\n")
    write("sub/b.txt", "rich\n-r ../a.txt\n")
    message = error_of(parse_requirements_file, "a.txt")
    assert message.startswith("sub/b.txt, line 2:")
    assert "cycle" in message and "a.txt -> sub/b.txt -> a.txt" in message


def test_self_include_is_a_cycle() -> None:
    write("requirements.txt", "-c requirements.txt\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 1:") and "cycle" in message


def test_same_file_included_twice_is_not_a_cycle() -> None:
    write("requirements.txt", "-r a.txt\n-r b.txt\n")
    write("a.txt", "-r common.txt\n")
    write("b.txt", "-r common.txt\n")
    write("common.txt", "click\n")
    assert reqs(parse_requirements_file("requirements.txt")) == ["click", "click"]


def test_missing_included_file_names_the_including_line() -> None:
    write("requirements.txt", "click\n-r sub/missing.txt\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2:")
    assert "sub/missing.txt" in message and "not found" in message


def test_remote_include_is_rejected() -> None:
    write("requirements.txt", "-r https://mirror.example/requirements.txt\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 1:") and "local" in message


# --- options -------------------------------------------------------------------------------------


def test_index_options_are_collected() -> None:
    write(
        "requirements.txt",
        "-i https://first.example/simple\n"
        "--extra-index-url https://extra-a.example/simple\n"
        "--index-url=https://mirror.example/simple\n"
        "--extra-index-url=https://extra-b.example/simple\n"
        "--extra-index-url https://extra-a.example/simple\n"
        "--pre\n"
        "requests\n",
    )
    inputs = parse_requirements_file("requirements.txt")
    assert inputs.index_url == "https://mirror.example/simple"  # last one wins
    assert inputs.extra_index_urls == ("https://extra-a.example/simple", "https://extra-b.example/simple")
    assert inputs.pre is True
    assert reqs(inputs) == ["requests"]


def test_index_options_from_included_files_count() -> None:
    write("requirements.txt", "-r base.txt\nclick\n")
    write("base.txt", "--index-url https://mirror.example/simple\n--pre\n")
    inputs = parse_requirements_file("requirements.txt")
    assert inputs.index_url == "https://mirror.example/simple" and inputs.pre is True


@pytest.mark.parametrize(
    "line",
    [
        "--find-links ./wheels",
        "-f https://mirror.example/wheels/",
        "--no-binary :all:",
        "--only-binary=:all:",
        "--prefer-binary",
        "--trusted-host mirror.example",
        "--use-feature truststore",
        "--no-index",
        "--require-hashes",
        "--config-settings key=value",
        "--global-option=--quiet",
        "--some-future-option value",
        "-x",
    ],
)
def test_other_options_are_ignored(line: str) -> None:
    write("requirements.txt", f"{line}\nrequests\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["requests"]
    assert inputs.index_url is None and inputs.extra_index_urls == () and inputs.pre is False


def test_environment_variables_are_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRROR_TOKEN", "s3cret")
    monkeypatch.setenv("REQUESTS_VERSION", "2.32.3")
    monkeypatch.setenv("lower", "nope")
    write(
        "requirements.txt",
        "--index-url https://user:${MIRROR_TOKEN}@mirror.example/simple\n"
        "--extra-index-url https://mirror.example/${lower}/simple\n"
        "requests==${REQUESTS_VERSION}\n",
    )
    inputs = parse_requirements_file("requirements.txt")
    assert inputs.index_url == "https://user:s3cret@mirror.example/simple"
    assert inputs.extra_index_urls == ("https://mirror.example/${lower}/simple",)  # pip: uppercase names only
    assert reqs(inputs) == ["requests==2.32.3"]


def test_unset_environment_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHEELPIN_TEST_UNSET", raising=False)
    write("requirements.txt", "requests\n--index-url https://${WHEELPIN_TEST_UNSET}@mirror.example/simple\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2:") and "WHEELPIN_TEST_UNSET" in message


def test_environment_variables_in_comments_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHEELPIN_TEST_UNSET", raising=False)
    write("requirements.txt", "requests  # uses ${WHEELPIN_TEST_UNSET}\n")
    assert reqs(parse_requirements_file("requirements.txt")) == ["requests"]


# --- requirements files: errors ------------------------------------------------------------------


UNPINNABLE = [
    ("-e ./mypkg", "editable", None),
    ("--editable=git+https://git.example/repo.git#egg=repo", "editable", "repo"),
    ("./mypkg", "local path", None),
    ("libs/mypkg", "local path", None),
    ("dist/foo-1.0-py3-none-any.whl", "local path", "foo"),
    ("foo-1.0.tar.gz", "local path", "foo"),
    ("foo-1.0-py3-none-any.whl", "local path", "foo"),
    ("https://mirror.example/foo-1.0-py3-none-any.whl", "direct URL", "foo"),
    ("git+https://git.example/repo.git#egg=repo", "direct URL", "repo"),
    ("file:///srv/wheels/foo-1.0.tar.gz", "direct URL", "foo"),
    ("foo @ https://mirror.example/foo-1.0.tar.gz", "direct reference", "foo"),
    ("Foo_Bar @ git+https://git.example/foo.git@v1 ; python_version >= '3.9'", "direct reference", "foo-bar"),
    ("pkg @ file:///srv/src/pkg", "direct reference", "pkg"),
]


@pytest.mark.parametrize(("line", "expected", "name"), UNPINNABLE)
def test_lines_off_the_index_are_kept_aside_and_the_rest_is_read(line: str, expected: str,
                                                                 name: str | None) -> None:
    write("requirements.txt", f"click\n\n{line}\nidna  # after it\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["click", "idna"]
    (unchecked,) = inputs.unchecked
    assert unchecked.source == "requirements.txt:3"
    assert unchecked.text == (line if not line.startswith("-") else "-e " + line.split("=", 1)[-1].split()[-1])
    assert unchecked.name == name
    assert unchecked.is_wheel == line.endswith(".whl")


@pytest.mark.parametrize(("line", "expected", "name"), UNPINNABLE)
@pytest.mark.parametrize("mode", ["constraints", "lock"])
def test_lines_off_the_index_are_refused_in_constraints_and_locks(line: str, expected: str, name: str | None,
                                                                  mode: str) -> None:
    """A constraint or a lock line names an index release; nothing else can limit or be checked."""
    write("requirements.txt", f"click\n\n{line}\n")
    message = error_of(parse_requirements_file, "requirements.txt", constraint=mode == "constraints",
                       references=mode != "lock")
    assert message.startswith("requirements.txt, line 3:")
    assert expected in message and "==" in message  # suggests a name==version replacement


def test_direct_reference_suggests_its_own_name() -> None:
    write("requirements.txt", "foo @ https://mirror.example/foo-1.0.tar.gz\n")
    assert "`foo==VERSION`" in error_of(parse_requirements_file, "requirements.txt", references=False)


PROJECT = """\
[project]
name = "me"
version = "1"
requires-python = ">=3.11"
dependencies = ["requests>=2.31", "lib @ git+https://git.example/lib.git"]

[project.optional-dependencies]
dev = ["pytest"]
"""


@pytest.mark.parametrize("line", ["-e .", ".", "-e ./", "--editable=.", "-e .[dev]", ".[dev]"])
def test_dash_e_dot_means_the_projects_own_dependencies(line: str) -> None:
    write("pyproject.toml", PROJECT)
    write("requirements.txt", f"click\n{line}\n")
    inputs = parse_requirements_file("requirements.txt")
    dev = ["pytest"] if "[dev]" in line else []
    assert reqs(inputs) == ["click", "requests>=2.31", *dev]
    assert sources(inputs)[1] == "pyproject.toml"
    assert inputs.requires_python == ">=3.11"
    assert [(u.text, u.source, u.name) for u in inputs.unchecked] == [
        ("lib @ git+https://git.example/lib.git", "pyproject.toml:5", "lib")]


def test_dash_e_of_a_subdirectory_reads_its_pyproject_relative_to_the_working_directory() -> None:
    """pip and uv read paths on requirement lines from the working directory, unlike -r and -c."""
    write("libs/core/pyproject.toml", PROJECT)
    write("reqs/base.txt", "-e libs/core\n./libs/core\n")
    inputs = parse_requirements_file("reqs/base.txt")
    assert reqs(inputs) == ["requests>=2.31"]
    assert [(u.text, u.source) for u in inputs.unchecked] == [
        ("lib @ git+https://git.example/lib.git", "libs/core/pyproject.toml:5"),
        ("./libs/core", "reqs/base.txt:2"),  # not editable: the directory itself is built and installed
    ]


@pytest.mark.parametrize("pyproject", [
    None,
    '[build-system]\nrequires = ["setuptools"]\n',
    '[project]\nname = "me"\nversion = "1"\ndynamic = ["dependencies"]\n',
])
def test_dash_e_of_a_project_whose_dependencies_cannot_be_read_is_unchecked(pyproject: str | None) -> None:
    write("setup.py", "raise SystemExit('never run')\n")
    if pyproject is not None:
        write("pyproject.toml", pyproject)
    write("requirements.txt", "click\n-e .\n")
    inputs = parse_requirements_file("requirements.txt")
    assert reqs(inputs) == ["click"]
    assert [(u.text, u.source) for u in inputs.unchecked] == [("-e .", "requirements.txt:2")]
    assert inputs.requires_python is None


def test_dash_e_dot_with_a_broken_pyproject_names_its_line() -> None:
    write("pyproject.toml", "[project\n")
    write("requirements.txt", "-e .\n")
    assert error_of(parse_requirements_file, "requirements.txt").startswith("pyproject.toml, line 1:")


def test_only_unchecked_requirements_leave_nothing_to_pin() -> None:
    write("requirements.txt", "git+https://git.example/repo.git#egg=repo\n")
    message = error_of(load_inputs, requirement_files=["requirements.txt"])
    assert message.startswith("requirements.txt:1:") and "nothing to pin" in message


@pytest.mark.parametrize(
    "line", ["requests>=", "requests 2.31", "uvicorn[standard==0.32", "foo; bogus_marker == 1"]
)
def test_invalid_requirement_reports_text_reason_and_hint(line: str) -> None:
    write("requirements.txt", f"click\n{line}\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2:")
    assert repr(line) in message and "Expected" in message and "PEP 508" in message


def test_option_without_value_is_an_error() -> None:
    write("requirements.txt", "click\n-r\n")
    message = error_of(parse_requirements_file, "requirements.txt")
    assert message.startswith("requirements.txt, line 2:") and "-r" in message


def test_unbalanced_quotes_in_options_are_an_error() -> None:
    write("requirements.txt", '--index-url "https://mirror.example/simple\n')
    assert error_of(parse_requirements_file, "requirements.txt").startswith("requirements.txt, line 1:")


def test_missing_top_level_file() -> None:
    message = error_of(parse_requirements_file, "nope.txt")
    assert message.startswith("nope.txt:") and "not found" in message


def test_directory_instead_of_file() -> None:
    Path("adir").mkdir()
    message = error_of(parse_requirements_file, "adir")
    assert message.startswith("adir:") and "cannot be read" in message


# --- command line --------------------------------------------------------------------------------


def test_requirement_strings() -> None:
    inputs = parse_requirement_strings(["requests>=2.31", ' pywin32; sys_platform == "win32" '])
    assert reqs(inputs) == ["requests>=2.31", 'pywin32; sys_platform == "win32"']
    assert sources(inputs) == ["command line", "command line"]
    assert inputs.constraints == ()


def test_requirement_strings_custom_source() -> None:
    assert sources(parse_requirement_strings(["click"], source="--add")) == ["--add"]


@pytest.mark.parametrize(
    ("item", "expected"), [("requests>=", "Expected"), ("  ", "empty")]
)
def test_bad_requirement_strings_name_the_argument(item: str, expected: str) -> None:
    message = error_of(parse_requirement_strings, ["click", item])
    assert message.startswith("command line, argument 2:") and expected in message


def test_requirement_strings_off_the_index_are_kept_aside() -> None:
    inputs = parse_requirement_strings(["click", "foo @ git+https://git.example/foo.git", "./pkg"])
    assert reqs(inputs) == ["click"]
    assert [(u.text, u.source, u.name) for u in inputs.unchecked] == [
        ("foo @ git+https://git.example/foo.git", "command line", "foo"), ("./pkg", "command line", None)]


# --- pyproject.toml ------------------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "My_App"
version = "1.0"
dependencies = [
    "requests>=2.31",
    'pywin32; sys_platform == "win32"',
]

[project.optional-dependencies]
Dev-Tools = ["pytest>=8", "ruff"]
server = ["uvicorn[standard]==0.32.0"]
all = ["my-app[dev_tools,server]"]
"""


def test_pyproject_dependencies() -> None:
    write("pyproject.toml", PYPROJECT)
    inputs = parse_pyproject("pyproject.toml")
    assert reqs(inputs) == ["requests>=2.31", 'pywin32; sys_platform == "win32"']
    assert sources(inputs) == ["pyproject.toml", "pyproject.toml"]
    assert inputs.constraints == ()


def test_pyproject_extras_match_by_normalized_name() -> None:
    write("pyproject.toml", PYPROJECT)
    inputs = parse_pyproject("pyproject.toml", extras=["dev.tools", "SERVER"])
    assert reqs(inputs) == [
        "requests>=2.31",
        'pywin32; sys_platform == "win32"',
        "pytest>=8",
        "ruff",
        "uvicorn[standard]==0.32.0",
    ]
    assert "Dev-Tools" in sources(inputs)[2]


def test_pyproject_self_referencing_extra_is_expanded() -> None:
    write("pyproject.toml", PYPROJECT)
    inputs = parse_pyproject("pyproject.toml", extras=["all"])
    assert reqs(inputs)[2:] == ["pytest>=8", "ruff", "uvicorn[standard]==0.32.0"]
    assert all(item.requirement.name != "my-app" for item in inputs.requirements)


def test_pyproject_self_reference_marker_is_kept() -> None:
    write(
        "pyproject.toml",
        '[project]\nname = "app"\ndependencies = []\n[project.optional-dependencies]\n'
        "a = ['click']\nwin = [\"app[a]; sys_platform == 'win32'\"]\n",
    )
    (item,) = parse_pyproject("pyproject.toml", extras=["win"]).requirements
    assert item.requirement.name == "click" and str(item.requirement.marker) == 'sys_platform == "win32"'


def test_pyproject_with_bom() -> None:
    write("pyproject.toml", b"\xef\xbb\xbf" + PYPROJECT.encode())
    assert len(parse_pyproject("pyproject.toml").requirements) == 2


def test_pyproject_unknown_extra_lists_available() -> None:
    write("pyproject.toml", PYPROJECT)
    message = error_of(parse_pyproject, "pyproject.toml", extras=["docs"])
    assert message.startswith("pyproject.toml, line 9:")
    assert "'docs'" in message and "Dev-Tools, all, server" in message


def test_pyproject_unknown_extra_when_none_defined() -> None:
    write("pyproject.toml", '[project]\nname = "x"\ndependencies = ["click"]\n')
    assert "available: none" in error_of(parse_pyproject, "pyproject.toml", extras=["dev"])


def test_pyproject_dynamic_dependencies() -> None:
    write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n')
    message = error_of(parse_pyproject, "pyproject.toml")
    assert message.startswith("pyproject.toml, line 4:")
    assert "dynamic" in message and "build backend" in message


def test_pyproject_dynamic_optional_dependencies_only_matter_with_extras() -> None:
    write(
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = ["click"]\ndynamic = ["optional-dependencies"]\n',
    )
    assert reqs(parse_pyproject("pyproject.toml")) == ["click"]
    assert "build backend" in error_of(parse_pyproject, "pyproject.toml", extras=["dev"])


def test_pyproject_without_project_table() -> None:
    write("pyproject.toml", "[tool.black]\nline-length = 100\n")
    message = error_of(parse_pyproject, "pyproject.toml")
    assert message.startswith("pyproject.toml:") and "[project]" in message


def test_pyproject_toml_syntax_error_names_line() -> None:
    write("pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "click",\n  oops\n]\n')
    message = error_of(parse_pyproject, "pyproject.toml")
    assert message.startswith("pyproject.toml, line 5:") and "TOML" in message


def test_pyproject_invalid_requirement_names_line() -> None:
    write("pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "click",\n  "requests >>= 2",\n]\n')
    message = error_of(parse_pyproject, "pyproject.toml")
    assert message.startswith("pyproject.toml, line 5:") and "requests >>= 2" in message


def test_pyproject_dependencies_must_be_strings() -> None:
    write("pyproject.toml", '[project]\nname = "x"\ndependencies = "click"\n')
    assert "list of requirement strings" in error_of(parse_pyproject, "pyproject.toml")


def test_pyproject_missing_file() -> None:
    message = error_of(parse_pyproject, "missing/pyproject.toml")
    assert message.startswith("missing/pyproject.toml:") and "not found" in message


# --- merging and loading -------------------------------------------------------------------------


def _req(text: str, source: str = "test") -> InputRequirement:
    return InputRequirement(requirement=Requirement(text), source=source)


def test_merge_inputs() -> None:
    a = Inputs(
        requirements=(_req("a"),),
        constraints=(_req("c<2"),),
        index_url="https://one.example/simple",
        extra_index_urls=("https://x.example/simple",),
    )
    b = Inputs(
        requirements=(_req("b"),),
        constraints=(),
        pre=True,
        extra_index_urls=("https://y.example/simple", "https://x.example/simple"),
    )
    c = Inputs(requirements=(), constraints=(_req("d>1"),), index_url="https://two.example/simple")
    merged = merge_inputs([a, b, c])
    assert reqs(merged) == ["a", "b"]
    assert cons(merged) == ["c<2", "d>1"]
    assert merged.index_url == "https://two.example/simple"
    assert merged.extra_index_urls == ("https://x.example/simple", "https://y.example/simple")
    assert merged.pre is True
    assert merge_inputs([c, b]).index_url == "https://two.example/simple"  # None does not reset it


def test_merge_inputs_keeps_unchecked_lines_and_the_last_requires_python() -> None:
    unchecked = UncheckedRequirement(text="./libs/foo", source="requirements.txt:2")
    a = Inputs(requirements=(_req("a"),), constraints=(), requires_python=">=3.10", unchecked=(unchecked,))
    b = Inputs(requirements=(_req("b"),), constraints=())
    c = Inputs(requirements=(), constraints=(), requires_python=">=3.12")
    assert merge_inputs([a, b]).requires_python == ">=3.10"  # None does not reset it
    assert merge_inputs([a, b, c]).requires_python == ">=3.12"
    assert merge_inputs([b, a, b]).unchecked == (unchecked,)


def test_pyproject_requires_python_is_exposed() -> None:
    write("pyproject.toml", PROJECT)
    assert parse_pyproject("pyproject.toml").requires_python == ">=3.11"
    write("other/pyproject.toml", PYPROJECT)
    assert parse_pyproject("other/pyproject.toml").requires_python is None


# --- which positional arguments are files ---------------------------------------------------------


@pytest.mark.parametrize(("item", "expected"), [
    ("requests", None),
    ("requests>=2.31", None),
    ("requirements.txt", ("requirements", "requirements.txt")),  # also when missing: never a project name
    ("reqs/dev.in", ("requirements", "reqs/dev.in")),
    ("pyproject.toml", ("pyproject", "pyproject.toml")),
    ("sub/pyproject.toml", ("pyproject", "sub/pyproject.toml")),
    ("foo @ https://mirror.example/foo-1.0.tar.gz", None),
    ("git+https://git.example/repo.git#egg=repo", None),
    ('foo; platform_release == "a/b"', None),
])
def test_input_file_sorts_files_from_requirements(item: str, expected: tuple[str, str] | None) -> None:
    assert input_file(item, positional=True) == expected


@pytest.mark.parametrize(("item", "words"), [
    ("poetry.lock", ["a lock file", "`wheelpin check poetry.lock`", "`wheelpin report --lock poetry.lock`",
                     "requirements the lock was made from", "-r FILE"]),
    ("Pipfile.lock", ["a lock file", "wheelpin check Pipfile.lock"]),
    ("pylock.toml", ["a lock file", "wheelpin report --lock pylock.toml"]),
    ("pylock.dev.toml", ["a lock file", "wheelpin check pylock.dev.toml"]),
    ("./libs/missing", ["looks like a file path", "-r FILE"]),
    ("deploy/notes", ["looks like a file path"]),
    ("notes", ["this is a file", "-r FILE"]),  # an existing file, whatever its name
    ("empty-dir/", ["no pyproject.toml"]),
    ("app", ["./app", "app>=0"]),  # a project directory named like a project on the index
])
def test_input_file_refuses_what_it_cannot_read_naming_the_fix(item: str, words: list[str]) -> None:
    write("notes", "hello\n")
    Path("empty-dir").mkdir()
    write("app/setup.py", "")
    message = error_of(input_file, item, positional=True)
    assert message.startswith(item.rstrip("/") if item.endswith("/") else item)
    for word in words:
        assert word in message


def test_input_file_reads_a_project_directory_given_as_a_path() -> None:
    write("app/pyproject.toml", PROJECT)
    assert input_file("./app", positional=True) == ("pyproject", "./app/pyproject.toml")
    assert input_file(".", positional=False) == ("requirements", ".")  # -r names a requirements file
    assert input_file("-r-style.txt", positional=False) == ("requirements", "-r-style.txt")
    assert input_file("Pipfile.txt", positional=False) == ("requirements", "Pipfile.txt")
    assert input_file("Pipfile", positional=True) == ("pipfile", "Pipfile")
    assert input_file("deploy/Pipfile", positional=False) == ("pipfile", "deploy/Pipfile")


def test_inputs_are_frozen() -> None:
    inputs = Inputs(requirements=(), constraints=())
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.pre = True  # type: ignore[misc]


def test_load_inputs_combines_every_source() -> None:
    write("requirements.txt", "-i https://mirror.example/simple\nrequests\n-c pins.txt\n")
    write("pins.txt", "urllib3<2\n")
    write("more-pins.txt", "idna<4\n--extra-index-url https://extra.example/simple\n")
    write("pyproject.toml", PYPROJECT)
    inputs = load_inputs(
        requirement_files=["requirements.txt"],
        constraint_files=["more-pins.txt"],
        requirement_args=["click"],
        pyproject="pyproject.toml",
        extras=["server"],
    )
    assert reqs(inputs) == [
        "requests",
        "click",
        "requests>=2.31",
        'pywin32; sys_platform == "win32"',
        "uvicorn[standard]==0.32.0",
    ]
    assert cons(inputs) == ["urllib3<2", "idna<4"]
    assert inputs.index_url == "https://mirror.example/simple"
    assert inputs.extra_index_urls == ("https://extra.example/simple",)


def test_load_inputs_requires_some_requirement() -> None:
    assert error_of(load_inputs).startswith("no requirements given: pass -r FILE, a pyproject.toml path")
    write("constraints.txt", "urllib3<2\n")
    write("empty.txt", "# nothing here\n--pre\n")
    message = error_of(load_inputs, requirement_files=["empty.txt"], constraint_files=["constraints.txt"])
    assert message.startswith("no requirements given")


def test_load_inputs_extras_need_a_pyproject() -> None:
    assert "pyproject.toml" in error_of(load_inputs, requirement_args=["click"], extras=["dev"])


def test_format_source(tmp_path: Path) -> None:
    assert format_source("requirements.txt", 3) == "requirements.txt:3"
    assert format_source("./sub/../reqs.txt", 1) == "reqs.txt:1"
    assert format_source(tmp_path / "deploy" / "req.txt", 7) == "deploy/req.txt:7"


# -- bare names of files are not project names -------------------------------------------------------------
@pytest.mark.parametrize(("item", "words"), [
    ("Dockerfile", ["deploy file", "wheelpin target DIR", "--project DIR", "-r FILE", "`Dockerfile>=0`"]),
    ("Containerfile", ["deploy file"]),
    ("Dockerfile.dev", ["deploy file"]),
    ("prod.dockerfile", ["deploy file"]),
    ("render.yaml", ["deploy file"]),
    ("environment.yml", ["conda environment file", "-r FILE", "`environment.yml>=0`"]),
    ("environment.yaml", ["conda environment file"]),
    ("docker-compose.yml", ["file of another tool", "-r FILE"]),
    ("compose.yaml", ["file of another tool"]),
    ("Procfile", ["file of another tool"]),
    ("Makefile", ["file of another tool"]),
    ("setup.py", ["setup.py is not one wheelpin runs", "pyproject.toml"]),
    ("tox.ini", ["file of another tool"]),
    ("config.json", [".json name is a file's", "-r FILE"]),
    ("deploy.sh", [".sh name"]),
    ("settings.cfg", [".cfg name"]),
    ("prod.env", [".env name"]),
    ("app.py", [".py name", "`app.py>=0`"]),  # .py: only known projects (discord.py) are taken as names
    ("values.yaml", [".yaml name"]),
])
def test_a_bare_file_name_is_refused_naming_what_reads_it(item: str, words: list[str]) -> None:
    message = error_of(input_file, item, positional=True)
    assert message.startswith(f"{item}: there is no such file here")
    assert "looks a file name up on the index" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("item", [
    "ruamel.yaml", "ruamel.YAML", "discord.py", "zope.interface", "backports.zoneinfo", "jaraco.text",
    "dockerfile==3.4.0", "Dockerfile>=0", "environment.yml>=0", "ruamel.yaml>=0.18", "ruamel.yaml[jinja2]",
    "app.py; python_version >= '3'",
])
def test_projects_with_dotted_names_and_written_requirements_stay_requirements(item: str) -> None:
    assert input_file(item, positional=True) is None


def test_an_existing_file_with_a_project_like_name_is_a_file() -> None:
    write("ruamel.yaml", "key: value\n")
    assert "this is a file" in error_of(input_file, "ruamel.yaml", positional=True)
