"""``wheelpin fix`` end to end against the recorded index: the report's verified fix written into the files the
requirements come from, every other byte kept, and the result resolving (issue 12, "wheelpin fix")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).parent.parent
FASTAPI = ROOT / "examples" / "render-fastapi" / "requirements.txt"


def changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_fix_rewrites_only_the_pydantic_line_of_render_fastapi_for_314_and_the_result_resolves(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    shutil.copy(FASTAPI, requirements)
    before = requirements.read_bytes()
    code, out, err = run("fix", "-r", str(requirements), "--python", "3.14", "--platform", "manylinux")
    assert code == 0, err
    after = requirements.read_bytes()
    assert changed_lines(before, after) == [(b"pydantic==2.9.2\n", b"pydantic>=2.12.0\n")]
    assert "-pydantic==2.9.2\n+pydantic>=2.12.0\n" in out
    assert out.startswith(f"--- {requirements}\n+++ {requirements}\n@@ ")
    assert "now lock for CPython 3.14" in err
    # The file on disk now locks with wheels only, as resolve reads it.
    code, lock, err = run("resolve", "-r", str(requirements), "--python", "3.14", "--platform", "manylinux")
    assert code == 0, err
    assert "pydantic-core==" in lock
    # And a second fix finds nothing to do.
    code, out, err = run("fix", "-r", str(requirements), "--python", "3.14", "--platform", "manylinux")
    assert (code, out) == (0, "")
    assert "nothing to fix" in err


def test_dry_run_prints_the_diff_and_writes_nothing(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    shutil.copy(FASTAPI, requirements)
    code, out, err = run("fix", "-r", str(requirements), "--python", "3.14", "--platform", "manylinux", "--dry-run")
    assert code == 0, err
    assert "+pydantic>=2.12.0\n" in out
    assert requirements.read_bytes() == FASTAPI.read_bytes()
    assert "nothing was written" in err


def test_pin_writes_the_fixing_release_with_double_equals(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("fastapi==0.115.0\npydantic==2.9.2  # models\n")
    code, _out, err = run("fix", "-r", str(requirements), "--python", "3.14", "--platform", "manylinux", "--pin")
    assert code == 0, err
    assert requirements.read_text() == "fastapi==0.115.0\npydantic==2.12.0  # models\n"


def test_the_included_file_that_holds_the_requirement_is_edited_crlf_and_comments_kept(run, tmp_path):
    top = tmp_path / "requirements.txt"
    top.write_bytes(b"-r base/common.txt\r\n# the app\r\nfastapi==0.115.0\r\n")
    base = tmp_path / "base" / "common.txt"
    base.parent.mkdir()
    base.write_bytes(b"\r\n# models\r\npydantic[timezone] == 2.9.2 ; python_version >= '3.8'  # pinned in May\r\n"
                     b"uvicorn\r\n")
    top_before, base_before = top.read_bytes(), base.read_bytes()
    code, out, err = run("fix", "-r", str(top), "--python", "3.14", "--platform", "manylinux")
    assert code == 0, err
    assert top.read_bytes() == top_before
    assert changed_lines(base_before, base.read_bytes()) == [
        (b"pydantic[timezone] == 2.9.2 ; python_version >= '3.8'  # pinned in May\r\n",
         b"pydantic[timezone]>=2.12.0 ; python_version >= '3.8'  # pinned in May\r\n")]
    assert f"--- {base}" in out
    assert str(top) not in out


def test_a_pin_from_a_constraints_file_is_edited_there_and_the_diff_says_so(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("fastapi==0.115.0\npydantic\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# org-wide pins\npydantic==2.9.2\n")
    code, out, err = run("fix", "-r", str(requirements), "-c", str(constraints), "--python", "3.14",
                         "--platform", "manylinux")
    assert code == 0, err
    assert requirements.read_text() == "fastapi==0.115.0\npydantic\n"
    assert constraints.read_text() == "# org-wide pins\npydantic>=2.12.0\n"
    assert f"# pydantic is bounded by the constraints file {constraints} (-c), line 2: the fix is made there" in out


def test_pyproject_dependencies_are_edited_with_formatting_and_comments_kept(run, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    text = ('[project]\nname = "app"\nversion = "1"\ndependencies = [\n    # the web stack\n'
            '    "fastapi==0.115.0",   # api\n'
            "    'pydantic==2.9.2',    # models\n"
            ']\n\n[project.optional-dependencies]\nai = [ "tiktoken>=0.7,<1" ]\n\n[tool.x]\nkey = 1  # kept\n')
    pyproject.write_bytes(text.replace("\n", "\r\n").encode())
    code, out, err = run("fix", str(pyproject), "--python", "3.14", "--platform", "manylinux")
    assert code == 0, err
    expected = text.replace("'pydantic==2.9.2',    # models", "'pydantic>=2.12.0',    # models")
    assert pyproject.read_bytes() == expected.replace("\n", "\r\n").encode()
    assert "+    'pydantic>=2.12.0',    # models" in out


def test_an_optional_dependency_group_is_edited_in_its_own_array(run, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "app"\nversion = "1"\ndependencies = ["fastapi==0.115.0"]\n\n'
                         '[project.optional-dependencies]\nai = [\n  "tiktoken==0.6.0",  # tokens\n]\n')
    code, _out, err = run("fix", str(pyproject), "--extra", "ai", "--python", "3.13", "--platform", "manylinux")
    assert code == 0, err
    assert '  "tiktoken>=0.8.0",  # tokens\n' in pyproject.read_text()
    assert 'dependencies = ["fastapi==0.115.0"]' in pyproject.read_text()


def test_a_hashed_lock_is_refused_before_any_request(run, index_server, tmp_path):
    lock = tmp_path / "lock.txt"
    assert run("resolve", "pydantic==2.9.2", "--python", "3.12", "-o", str(lock))[0] == 0
    before = lock.read_bytes()
    index_server.reset()
    code, out, err = run("fix", "-r", str(lock), "--python", "3.14", "--platform", "manylinux")
    assert code == 2
    assert out == ""
    assert "hashed lock" in err and "re-lock it with `wheelpin resolve`" in err
    assert index_server.requests == []
    assert lock.read_bytes() == before


def test_no_fix_for_the_python_changes_nothing_exits_1_and_names_the_newest_clean_python(run, tmp_path):
    # No pyyaml release has a cp315 wheel in the recorded index, while 3.14 has them.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pyyaml\n")
    code, out, err = run("fix", "-r", str(requirements), "--python", "3.15", "--platform", "manylinux")
    assert code == 1
    assert out == ""
    assert requirements.read_text() == "pyyaml\n"
    assert "no verified fix for CPython 3.15" in err
    assert "Nothing was changed" in err
    assert "the newest Python that locks with wheels only is 3.14" in err


def test_a_requirement_given_as_a_string_is_refused(run, index_server):
    code, _out, err = run("fix", "pydantic==2.9.2", "--python", "3.14", "--platform", "manylinux")
    assert code == 2
    assert "edits the files" in err
    assert index_server.requests == []


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_fix_that_relaxes_a_constraint_names_it_in_resolve_and_report(run, tmp_path, monkeypatch):
    """The verified fix dropped the -c pin: resolve's hint, the report's fix line and its JSON note name it, so
    following the fix does not meet the constraint again."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r2.txt").write_text("pydantic\n")
    (tmp_path / "c2.txt").write_text("pydantic==2.9.2\n")
    code, _out, err = run("resolve", "-r", "r2.txt", "-c", "c2.txt", "--python", "3.14")
    assert code == 1
    assert ("fix: require pydantic>=2.12.0 instead of pydantic (r2.txt:1) and relax the constraint "
            "pydantic==2.9.2 (c2.txt:1) (verified") in _words(err)
    code, out, _err = run("report", "-r", "r2.txt", "-c", "c2.txt", "--python", "3.14", "--no-classify")
    assert "fix: pydantic>=2.12.0 and relax the constraint pydantic==2.9.2 (c2.txt:1)" in _words(out)
    code, out, _err = run("report", "-r", "r2.txt", "-c", "c2.txt", "--python", "3.14", "--no-classify",
                          "--format", "markdown")
    assert "Fix: `pydantic>=2.12.0 and relax the constraint pydantic==2.9.2 (c2.txt:1)`." in out
    code, out, _err = run("report", "-r", "r2.txt", "-c", "c2.txt", "--python", "3.14", "--no-classify",
                          "--format", "json")
    (blocker,) = json.loads(out)["pythons"][0]["blockers"]
    assert (blocker["fix"], blocker["note"]) == ("pydantic>=2.12.0", "also relax the constraint pydantic==2.9.2 "
                                                                    "(c2.txt:1)")


UV_CONSTRAINED = ('[project]\nname = "me"\nversion = "1"\ndependencies = ["pydantic"]\n\n[tool.uv]\n'
                  'constraint-dependencies = ["pydantic==2.9.2"]  # org pin\n')


def test_a_tool_uv_constraint_is_named_like_a_dash_c_one_and_fix_edits_it(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(UV_CONSTRAINED)
    code, _out, err = run("resolve", "pyproject.toml", "--python", "3.14")
    assert code == 1 and "and relax the constraint pydantic==2.9.2 (pyproject.toml:7)" in _words(err)
    code, out, err = run("fix", "pyproject.toml", "--python", "3.14")
    assert code == 0, err
    assert (tmp_path / "pyproject.toml").read_text() == UV_CONSTRAINED.replace("==2.9.2", ">=2.12.0")
    assert ("# pydantic is bounded by the constraint pydantic==2.9.2 in pyproject.toml ([tool.uv] "
            "constraint-dependencies): the fix relaxes it there") in out


def test_fix_rewrites_a_poetry_dependency_in_poetry_syntax(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = ('[tool.poetry]\nname = "me"\nversion = "1"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n'
            'pydantic = "~2.9"  # keep\n')
    (tmp_path / "pyproject.toml").write_text(text)
    code, out, err = run("fix", "pyproject.toml", "--python", "3.14")
    assert code == 0, err
    assert (tmp_path / "pyproject.toml").read_text() == text.replace('"~2.9"', '">=2.12.0"')
    assert 'wrote pyproject.toml; the requirements now lock' in err
    (tmp_path / "pyproject.toml").write_text(text.replace('pydantic = "~2.9"', 'pydantic = [{ version = "~2.9", '
                                                          'python = ">=3.10" }]'))
    code, _out, err = run("fix", "pyproject.toml", "--python", "3.14")
    assert code == 2 and "[tool.poetry] pydantic is not one version string" in _words(err)
