"""Behaviour of wheelpin.crosscheck: uv platform names, parsing uv's output, comparing pins.  No network:
uv_compile is exercised against a stand-in ``uv`` script that records its arguments."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from crosscheck import (
    UnsupportedPlatform,
    UvResult,
    compare,
    parse_pins,
    uv_command,
    uv_compile,
    uv_platform,
    uv_platform_env,
)

from wheelpin.errors import InputError

# -- uv_platform ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tag", "expected"), [
    ("manylinux_2_28_x86_64", "x86_64-manylinux_2_28"),
    ("manylinux_2_17_x86_64", "x86_64-manylinux_2_17"),
    ("manylinux2014_x86_64", "x86_64-manylinux2014"),
    ("manylinux2014_aarch64", "aarch64-manylinux2014"),
    ("manylinux_2_17_aarch64", "aarch64-manylinux_2_17"),
    ("manylinux_2_34_aarch64", "aarch64-manylinux_2_34"),
    ("manylinux_2_40_x86_64", "x86_64-manylinux_2_40"),
    ("musllinux_1_2_x86_64", "x86_64-unknown-linux-musl"),
    ("musllinux_1_2_aarch64", "aarch64-unknown-linux-musl"),
    ("macosx_11_0_arm64", "aarch64-apple-darwin"),
    ("macosx_10_12_x86_64", "x86_64-apple-darwin"),
    ("win_amd64", "x86_64-pc-windows-msvc"),
    ("win32", "i686-pc-windows-msvc"),
    ("win_arm64", "aarch64-pc-windows-msvc"),
])
def test_uv_platform_maps_wheel_tags_to_uv_targets(tag: str, expected: str) -> None:
    assert uv_platform(tag) == expected


@pytest.mark.parametrize(("preset", "expected"), [
    ("manylinux", "x86_64-manylinux_2_28"),
    ("musllinux", "x86_64-unknown-linux-musl"),
    ("macos", "aarch64-apple-darwin"),
    ("windows", "x86_64-pc-windows-msvc"),
    ("MANYLINUX_2_28_X86_64", "x86_64-manylinux_2_28"),
])
def test_uv_platform_accepts_presets_and_spellings_wheelpin_accepts(preset: str, expected: str) -> None:
    assert uv_platform(preset) == expected


@pytest.mark.parametrize("tag", [
    "manylinux_2_5_x86_64",      # older than uv's oldest glibc target (2.17)
    "manylinux1_x86_64",
    "manylinux_2_24_x86_64",     # between 2.17 and 2.28: uv has no such target
    "manylinux_2_41_x86_64",     # newer than uv's newest
    "manylinux_2_28_ppc64le",    # no uv target for the architecture
    "musllinux_1_1_x86_64",      # uv's musl targets mean musl 1.2
    "musllinux_1_2_armv7l",
    "macosx_11_0_universal2",
])
def test_uv_platform_refuses_tags_uv_cannot_express(tag: str) -> None:
    with pytest.raises(UnsupportedPlatform, match="cannot express") as info:
        uv_platform(tag)
    assert tag in str(info.value)
    assert isinstance(info.value, InputError)  # the CLI's error family: reported, never a traceback


def test_uv_platform_refuses_what_is_no_platform_at_all() -> None:
    with pytest.raises(InputError, match="unknown platform"):
        uv_platform("solaris_sparc")


def test_macos_version_travels_in_the_environment() -> None:
    assert uv_platform_env("macosx_11_0_arm64") == {"MACOSX_DEPLOYMENT_TARGET": "11.0"}
    assert uv_platform_env("macosx_10_12_x86_64") == {"MACOSX_DEPLOYMENT_TARGET": "10.12"}
    assert uv_platform_env("manylinux_2_28_x86_64") == {}
    assert uv_platform_env("win_amd64") == {}


# -- uv_command ----------------------------------------------------------------------------------------------


def test_uv_command_asks_for_a_wheels_only_resolution_for_the_target(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    command = uv_command("uv", [Path("a.txt"), Path("b.txt")], python="3.12",
                         platform_tag="manylinux2014_aarch64", index_url=None, output_file=out,
                         extra_args=["--no-cache"])
    assert command[:5] == ["uv", "pip", "compile", "a.txt", "b.txt"]
    assert command[command.index("--only-binary") + 1] == ":all:"
    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--python-platform") + 1] == "aarch64-manylinux2014"
    assert command[command.index("--output-file") + 1] == str(out)
    assert {"--no-header", "--no-annotate", "-q"} <= set(command)
    assert "--index-url" not in command  # uv keeps its own default
    assert command[-1] == "--no-cache"
    assert not {"--no-binary", "--no-build-isolation"} & set(command)


def test_uv_command_passes_an_index_url_when_given(tmp_path: Path) -> None:
    command = uv_command("uv", [Path("r.txt")], python="3.11", platform_tag="win_amd64",
                         index_url="https://mirror.example/simple", output_file=tmp_path / "o")
    assert command[command.index("--index-url") + 1] == "https://mirror.example/simple"


# -- uv_compile, against a stand-in uv ------------------------------------------------------------------


def fake_uv(tmp_path: Path, *, exit_code: int, output: str = "", stderr: str = "") -> tuple[str, Path]:
    """A ``uv`` that records argv and a few env vars, writes ``output`` to --output-file, and exits."""
    record = tmp_path / "record.json"
    script = tmp_path / "uv"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os, sys
        argv = sys.argv[1:]
        env = {{k: os.environ.get(k) for k in ("UV_PYTHON_DOWNLOADS", "MACOSX_DEPLOYMENT_TARGET")}}
        json.dump({{"argv": argv, "env": env}}, open({str(record)!r}, "w"))
        if {exit_code} == 0:
            open(argv[argv.index("--output-file") + 1], "w").write({output!r})
        sys.stderr.write({stderr!r})
        sys.exit({exit_code})
        """))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), record


@pytest.mark.skipif(os.name == "nt", reason="the stand-in uv is a script with a shebang")
def test_uv_compile_reads_the_pins_uv_wrote(tmp_path: Path) -> None:
    uv, record = fake_uv(tmp_path, exit_code=0, output="anyio==4.6.0\nSniffio==1.3.1\n",
                         stderr="Resolved 2 packages\n")
    result = uv_compile([tmp_path / "req.txt"], python="3.13", platform_tag="macosx_11_0_arm64",
                        index_url=None, uv=uv, env={"PATH": os.environ.get("PATH", "")})
    assert result.ok and result.returncode == 0 and not result.no_solution
    assert result.pins == {"anyio": "4.6.0", "sniffio": "1.3.1"}
    assert result.stderr == "Resolved 2 packages\n"
    seen = json.loads(record.read_text())
    assert seen["env"] == {"UV_PYTHON_DOWNLOADS": "never", "MACOSX_DEPLOYMENT_TARGET": "11.0"}
    assert seen["argv"][seen["argv"].index("--python-platform") + 1] == "aarch64-apple-darwin"


@pytest.mark.skipif(os.name == "nt", reason="the stand-in uv is a script with a shebang")
def test_uv_compile_tells_no_solution_from_other_failures(tmp_path: Path) -> None:
    uv, _ = fake_uv(tmp_path, exit_code=1, stderr="error: No solution found\n")
    unsatisfiable = uv_compile([tmp_path / "r.txt"], python="3.12", platform_tag="manylinux", index_url=None,
                               uv=uv)
    assert not unsatisfiable.ok and unsatisfiable.no_solution and unsatisfiable.pins == {}
    assert "No solution" in unsatisfiable.stderr

    uv, _ = fake_uv(tmp_path, exit_code=2, stderr="error: Failed to fetch\n")
    broken = uv_compile([tmp_path / "r.txt"], python="3.12", platform_tag="manylinux", index_url=None, uv=uv)
    assert not broken.ok and not broken.no_solution and broken.returncode == 2


def test_uv_compile_reports_a_uv_that_cannot_run(tmp_path: Path) -> None:
    result = uv_compile([tmp_path / "r.txt"], python="3.12", platform_tag="manylinux", index_url=None,
                        uv=str(tmp_path / "no-such-uv"))
    assert not result.ok and not result.no_solution
    assert "no-such-uv" in result.stderr


def test_uv_compile_refuses_a_platform_before_running_anything(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedPlatform):
        uv_compile([tmp_path / "r.txt"], python="3.12", platform_tag="musllinux_1_1_x86_64", index_url=None,
                   uv=str(tmp_path / "never-run"))


# -- parse_pins -------------------------------------------------------------------------------------------


def test_parse_pins_reads_uv_style_output() -> None:
    text = textwrap.dedent("""\
        # This file was autogenerated by uv via the following command:
        #    uv pip compile requirements.txt
        annotated-types==0.7.0
            # via pydantic
        Pydantic_Core==2.23.4
        typing-extensions==4.12.2 ; python_version < '3.13'
        zope.interface==7.1.1
        """)
    assert parse_pins(text) == {
        "annotated-types": "0.7.0",
        "pydantic-core": "2.23.4",
        "typing-extensions": "4.12.2",
        "zope-interface": "7.1.1",
    }


def test_parse_pins_reads_a_hashed_wheelpin_lock() -> None:
    text = textwrap.dedent("""\
        #
        # This file is autogenerated by wheelpin 0.1.0. To update, run:
        #
        #    wheelpin resolve -r requirements.txt
        #
        --index-url https://mirror.example/simple
        anyio==4.6.0 \\
            --hash=sha256:aaaa \\
            --hash=sha256:bbbb
            # via starlette
        uvicorn[standard]==0.32.0 \\
            --hash=sha256:cccc
        """)
    assert parse_pins(text) == {"anyio": "4.6.0", "uvicorn": "0.32.0"}


def test_parse_pins_skips_what_is_not_an_exact_pin() -> None:
    text = "requests>=2\nflask\n-e ./local\n\n   \nnumpy===1.26.4\nfoo @ https://example.invalid/foo.whl\n"
    assert parse_pins(text) == {"numpy": "1.26.4"}


def test_parse_pins_of_nothing_is_empty() -> None:
    assert parse_pins("") == {}
    assert parse_pins("# only a comment\n") == {}


# -- compare -----------------------------------------------------------------------------------------------


def uv_ok(**pins: str) -> UvResult:
    return UvResult(ok=True, pins=dict(pins))


UV_NO_SOLUTION = UvResult(ok=False, stderr="No solution found", returncode=1)


def test_identical_pins_agree() -> None:
    result = compare({"anyio": "4.6.0", "sniffio": "1.3.1"}, uv_ok(anyio="4.6.0", sniffio="1.3.1"))
    assert result.agree and result.wheelpin_ok and result.uv_ok
    assert not (result.only_wheelpin or result.only_uv or result.different)
    assert result.describe() == ""


def test_names_and_versions_compare_after_normalisation() -> None:
    result = compare({"Typing_Extensions": "4.12.2", "pytz": "2024.1"},
                     uv_ok(**{"typing-extensions": "4.12.2", "pytz": "2024.1.0"}))
    assert result.agree


def test_both_failing_agree() -> None:
    result = compare(None, UV_NO_SOLUTION)
    assert result.agree and not result.wheelpin_ok and not result.uv_ok


def test_one_side_failing_disagrees() -> None:
    only_wheelpin_failed = compare(None, uv_ok(numpy="1.26.4"))
    assert not only_wheelpin_failed.agree
    assert only_wheelpin_failed.describe() == "only wheelpin found no solution"

    only_uv_failed = compare({"numpy": "1.26.4"}, UV_NO_SOLUTION)
    assert not only_uv_failed.agree
    assert only_uv_failed.describe() == "only uv found no solution"


def test_differences_are_itemised() -> None:
    result = compare({"numpy": "2.1.0", "pandas": "2.2.3", "tzdata": "2024.2"},
                     uv_ok(numpy="2.1.1", pandas="2.2.3", colorama="0.4.6"))
    assert not result.agree
    assert result.different == {"numpy": ("2.1.0", "2.1.1")}
    assert result.only_wheelpin == {"tzdata": "2024.2"}
    assert result.only_uv == {"colorama": "0.4.6"}
    described = result.describe()
    assert "numpy: wheelpin 2.1.0 / uv 2.1.1" in described
    assert "tzdata==2024.2 only in wheelpin's" in described
    assert "colorama==0.4.6 only in uv's" in described


def test_an_empty_resolution_is_a_success_not_a_failure() -> None:
    assert compare({}, uv_ok()).agree
    assert not compare({}, UV_NO_SOLUTION).agree
