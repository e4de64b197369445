"""wheelpin.edit: which written requirements a fix changes, and rewriting them byte for byte (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wheelpin.edit import (
    edit_pyproject_text,
    edit_requirements_text,
    edited_inputs,
    pinned,
    plan_edits,
    rewrite_requirement,
    unified_diff,
)
from wheelpin.errors import InputError
from wheelpin.inputs import load_inputs, parse_pyproject
from wheelpin.target import make_target

PY314 = make_target("3.14", "manylinux")


@pytest.mark.parametrize(("written", "specifier", "expected"), [
    ("pydantic==2.9.2", ">=2.12.0", "pydantic>=2.12.0"),
    ("pydantic == 2.9.2", ">=2.12.0", "pydantic>=2.12.0"),
    ("Pydantic_Core[x, y]==2.23.4", ">=2.27", "Pydantic_Core[x, y]>=2.27"),
    ("pydantic (==2.9.2)", ">=2.12.0", "pydantic>=2.12.0"),
    ("numpy", ">=1.26.0", "numpy>=1.26.0"),
    ("numpy ; python_version >= '3.9'", ">=1.26.0", "numpy>=1.26.0 ; python_version >= '3.9'"),
    ("numpy==1.24.0;python_version>='3.9'", "==1.26.0", "numpy==1.26.0;python_version>='3.9'"),
])
def test_rewrite_requirement_changes_only_the_specifier(written: str, specifier: str, expected: str) -> None:
    assert rewrite_requirement(written, specifier) == expected


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def edit_file(path: Path, changes: tuple[str, ...]) -> str:
    inputs = load_inputs(requirement_files=[path])
    edits = plan_edits(inputs, changes, PY314)
    return edit_requirements_text(path.read_bytes().decode(), edits)


def test_a_bom_options_a_trailing_comment_and_a_missing_final_newline_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    write(path, "\ufeffpydantic==2.9.2 --no-binary pydantic   # why\r\nfastapi".encode())
    assert edit_file(path, ("pydantic>=2.12.0",)) == "\ufeffpydantic>=2.12.0 --no-binary pydantic   # why\r\nfastapi"


def test_lines_whose_marker_excludes_the_target_and_unbounded_lines_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    text = ('pydantic==2.5.0; python_version < "3.9"\n'
            'pydantic==2.9.2; python_version >= "3.9"\n'
            "pydantic[timezone]\n")
    write(path, text.encode())
    assert edit_file(path, ("pydantic>=2.12.0",)) == text.replace('==2.9.2; python_version >= "3.9"',
                                                                  '>=2.12.0; python_version >= "3.9"')


def test_an_unbounded_direct_requirement_gets_the_fix_when_nothing_else_bounds_it(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    write(path, b"numpy  # any\n")
    assert edit_file(path, ("numpy>=1.26.0",)) == "numpy>=1.26.0  # any\n"


def test_a_version_from_an_environment_variable_is_refused_naming_the_line(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDANTIC_VERSION", "2.9.2")
    path = tmp_path / "r.txt"
    write(path, b"# pins\npydantic==${PYDANTIC_VERSION}\n")
    with pytest.raises(InputError, match=r"r\.txt:2: .*environment variable"):
        edit_file(path, ("pydantic>=2.12.0",))


def test_a_requirement_continued_over_lines_is_refused_rather_than_half_edited(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    write(path, b"pydantic \\\n  ==2.9.2\n")
    with pytest.raises(InputError, match=r"r\.txt:1: .*by hand"):
        edit_file(path, ("pydantic>=2.12.0",))


def test_a_command_line_requirement_cannot_be_located() -> None:
    inputs = load_inputs(requirement_args=["pydantic==2.9.2"])
    with pytest.raises(InputError, match="edits files only"):
        plan_edits(inputs, ("pydantic>=2.12.0",), PY314)


def test_edited_inputs_read_as_the_written_file_will(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    write(path, b"fastapi==0.115.0\npydantic==2.9.2\n")
    inputs = load_inputs(requirement_files=[path])
    edits = plan_edits(inputs, ("pydantic>=2.12.0",), PY314)
    path.write_text(edit_requirements_text(path.read_text(), edits))
    assert edited_inputs(inputs, edits).requirements == load_inputs(requirement_files=[path]).requirements


def test_pinned_uses_the_fixing_release_or_the_one_given() -> None:
    assert pinned(("pydantic>=2.12.0", "numpy==1.26.0"), {}) == ("pydantic==2.12.0", "numpy==1.26.0")
    assert pinned(("pydantic>=2.12.0",), {"pydantic": "2.12.3"}) == ("pydantic==2.12.3",)  # type: ignore[dict-item]


def test_pyproject_edit_keeps_literal_quotes_and_leaves_other_arrays_alone(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    text = ("[project]\nname = 'app'\ndependencies = [\n  'pydantic==2.9.2',  # models\n  \"numpy\",\n]\n"
            "[project.optional-dependencies]\ndev = [\"pydantic==2.9.2\"]\n")
    path.write_text(text)
    inputs = parse_pyproject(path)
    edits = plan_edits(inputs, ("pydantic>=2.12.0",), PY314)
    assert edit_pyproject_text(text, str(path), edits) == text.replace("'pydantic==2.9.2'", "'pydantic>=2.12.0'")


def test_the_diff_marks_a_last_line_without_a_newline() -> None:
    diff = "".join(unified_diff("r.txt", "a\nb==1", "a\nb==2"))
    assert diff == ("--- a/r.txt\n+++ b/r.txt\n@@ -1,2 +1,2 @@\n a\n-b==1\n\\ No newline at end of file\n"
                    "+b==2\n\\ No newline at end of file\n")
