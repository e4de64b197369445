"""Named deploy platforms: each preset's tag per Python (as its documentation gives it, docs/targets.md), arch
suffixes, Pythons a platform does not offer, and `wheelpin targets`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from wheelpin.cli import main
from wheelpin.errors import InputError
from wheelpin.presets import DEPLOY_PRESETS
from wheelpin.target import make_target

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "report.schema.json").read_text())


# -- each preset against its documented tag, for two Pythons ---------------------------------------------------

@pytest.mark.parametrize(("preset", "python", "tag"), [
    ("heroku-22", "3.11", "manylinux_2_35_x86_64"), ("heroku-22", "3.14", "manylinux_2_35_x86_64"),
    ("heroku-24", "3.12", "manylinux_2_39_x86_64"), ("heroku-24", "3.13.9", "manylinux_2_39_x86_64"),
    ("heroku-26", "3.12", "manylinux_2_43_x86_64"), ("heroku-26", "3.14", "manylinux_2_43_x86_64"),
    ("heroku", "3.10", "manylinux_2_39_x86_64"), ("heroku", "3.14", "manylinux_2_39_x86_64"),
    ("render", "3.9", "manylinux_2_35_x86_64"), ("render", "3.14", "manylinux_2_35_x86_64"),
    # Lambda changes image with the Python: python3.11 on Amazon Linux 2 (glibc 2.26), 3.12 on AL2023 (2.34).
    ("lambda", "3.11", "manylinux_2_26_x86_64"), ("lambda", "3.12", "manylinux_2_34_x86_64"),
    ("lambda", "3.10", "manylinux_2_26_x86_64"), ("lambda", "3.14", "manylinux_2_34_x86_64"),
    ("lambda-arm64", "3.11", "manylinux_2_26_aarch64"), ("lambda-arm64", "3.13", "manylinux_2_34_aarch64"),
    ("docker-slim", "3.12", "manylinux_2_41_x86_64"), ("docker-slim", "3.14", "manylinux_2_41_x86_64"),
    ("fly", "3.11", "manylinux_2_41_x86_64"), ("fly", "3.13", "manylinux_2_41_x86_64"),
    ("docker-slim-bookworm", "3.11", "manylinux_2_36_x86_64"),
    ("docker-slim-bookworm", "3.13", "manylinux_2_36_x86_64"),
    ("alpine", "3.12", "musllinux_1_2_x86_64"), ("alpine", "3.14", "musllinux_1_2_x86_64"),
    ("google-22", "3.10", "manylinux_2_35_x86_64"), ("google-22", "3.13", "manylinux_2_35_x86_64"),
    ("google-24", "3.13", "manylinux_2_39_x86_64"), ("google-24", "3.14", "manylinux_2_39_x86_64"),
    # A source deploy takes google-22 up to python313 and google-24 for python314.
    ("cloud-run-buildpacks", "3.13", "manylinux_2_35_x86_64"),
    ("cloud-run-buildpacks", "3.14", "manylinux_2_39_x86_64"),
    ("app-engine", "3.12", "manylinux_2_35_x86_64"), ("app-engine", "3.14", "manylinux_2_39_x86_64"),
    ("railway", "3.11", "manylinux_2_41_x86_64"), ("railway", "3.14", "manylinux_2_41_x86_64"),
    ("vercel", "3.12", "manylinux_2_34_x86_64"), ("vercel", "3.14", "manylinux_2_34_x86_64"),
])
def test_each_preset_stands_for_its_images_tag_on_that_python(preset: str, python: str, tag: str) -> None:
    assert make_target(python, preset).platform.tag == tag


def test_every_deploy_preset_is_tested_above() -> None:
    tested = {"heroku-22", "heroku-24", "heroku-26", "heroku", "render", "lambda", "docker-slim", "fly",
              "docker-slim-bookworm", "alpine", "google-22", "google-24", "cloud-run-buildpacks", "app-engine",
              "railway", "vercel"}
    assert set(DEPLOY_PRESETS) == tested


def test_a_preset_accepts_every_older_manylinux_wheel_and_nothing_newer() -> None:
    ranks = {str(tag) for tag in make_target("3.12", "lambda").tag_ranks()}
    assert {"cp312-cp312-manylinux_2_34_x86_64", "cp312-cp312-manylinux_2_28_x86_64",
            "cp312-cp312-manylinux2014_x86_64", "cp312-abi3-manylinux1_x86_64", "py3-none-any"} <= ranks
    assert "cp312-cp312-manylinux_2_35_x86_64" not in ranks
    # python3.11 runs on glibc 2.26: a manylinux_2_28 wheel would not load there.
    older = {str(tag) for tag in make_target("3.11", "lambda").tag_ranks()}
    assert "cp311-cp311-manylinux_2_26_x86_64" in older
    assert "cp311-cp311-manylinux_2_28_x86_64" not in older


# -- arch suffixes -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "tag"), [
    ("lambda-arm64", "manylinux_2_34_aarch64"), ("lambda-aarch64", "manylinux_2_34_aarch64"),
    ("Lambda_ARM64", "manylinux_2_34_aarch64"), ("lambda-x86_64", "manylinux_2_34_x86_64"),
    ("lambda-amd64", "manylinux_2_34_x86_64"),
    ("docker-slim-arm64", "manylinux_2_41_aarch64"), ("docker-slim-linux/arm64", "manylinux_2_41_aarch64"),
    ("docker-slim-bookworm-aarch64", "manylinux_2_36_aarch64"), ("alpine-arm64", "musllinux_1_2_aarch64"),
    ("heroku-24-arm64", "manylinux_2_39_aarch64"), ("heroku-arm64", "manylinux_2_39_aarch64"),
    # Docker's own spelling names the default Linux target on that arch.
    ("linux/arm64", "manylinux_2_28_aarch64"), ("linux/amd64", "manylinux_2_28_x86_64"),
    # So does an architecture alone, as uname -m or Docker print it.
    ("aarch64", "manylinux_2_28_aarch64"), ("arm64", "manylinux_2_28_aarch64"), ("x86_64", "manylinux_2_28_x86_64"),
    ("manylinux-aarch64", "manylinux_2_28_aarch64"), ("musllinux-arm64", "musllinux_1_2_aarch64"),
    ("macos-x86_64", "macosx_13_0_x86_64"), ("windows-arm64", "win_arm64"),
    # Tags are tags, whatever they end with.
    ("manylinux_2_28_aarch64", "manylinux_2_28_aarch64"), ("win_arm64", "win_arm64"),
])
def test_an_arch_suffix_in_any_spelling_picks_that_arch(name: str, tag: str) -> None:
    assert make_target("3.12", name).platform.tag == tag


@pytest.mark.parametrize(("name", "words"), [
    ("heroku-22-arm64", ["heroku-22", "x86_64 only", "manylinux_2_35_aarch64"]),
    ("vercel-aarch64", ["vercel", "x86_64 only"]),
    ("lambda-sparc", ["unknown platform", "lambda", "heroku-24", "wheelpin targets"]),
    ("plan9", ["unknown platform", "docker-slim", "arm64"]),
])
def test_an_arch_the_platform_does_not_run_on_or_an_unknown_name_is_refused(name: str, words: list[str]) -> None:
    with pytest.raises(InputError) as info:
        make_target("3.12", name)
    for word in words:
        assert word in str(info.value)


def test_a_malformed_tag_keeps_its_own_message() -> None:
    with pytest.raises(InputError, match="version numbers above 99"):
        make_target("3.12", "manylinux_2_2800_x86_64")


# -- a Python the platform does not offer ------------------------------------------------------------------------

def test_resolve_refuses_a_python_lambda_does_not_offer_before_any_work(run, index_server) -> None:
    code, out, err = run("resolve", "six", "--python", "3.15", "--platform", "lambda")
    assert code == 2
    assert "3.15" in err and "3.10, 3.11, 3.12, 3.13, 3.14" in err
    assert out == ""
    assert not index_server.requests_for("/simple/")


def test_resolve_refuses_a_range_with_one_unoffered_python(run, tmp_path) -> None:
    code, _out, err = run("resolve", "six", "--python", "3.11-3.13", "--platform", "vercel",
                          "-o", str(tmp_path / "lock-{python}.txt"))
    assert code == 2
    assert "not 3.11" in err and "3.12, 3.13, 3.14" in err
    assert not list(tmp_path.glob("lock-*"))


def test_check_refuses_a_python_the_platform_does_not_offer(run, tmp_path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.17.0\n")
    code, _out, err = run("check", str(lock), "--python", "3.9", "--platform", "heroku-24")
    assert code == 2
    assert "3.9" in err and "3.10, 3.11, 3.12, 3.13, 3.14" in err


def test_an_offered_python_resolves_on_the_presets_tag(run) -> None:
    code, out, err = run("resolve", "six", "--python", "3.11", "--platform", "lambda-arm64")
    assert code == 0, err
    assert "six==1.17.0" in out
    assert "manylinux_2_26_aarch64" in out  # the lock's header names the target


def test_report_shows_an_unoffered_python_as_its_own_row_never_recommended(run) -> None:
    code, out, err = run("report", "six", "--python", "3.11-3.15", "--platform", "lambda", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    rows = {row["python"]: row for row in document["pythons"]}
    assert list(rows) == ["3.11", "3.12", "3.13", "3.14", "3.15"]
    assert rows["3.15"]["status"] == "not offered"
    assert rows["3.15"]["ok"] is False and rows["3.15"]["pins"] == {} and rows["3.15"]["blockers"] == []
    assert rows["3.14"]["status"] == "clean" and rows["3.14"]["pins"] == {"six": "1.17.0"}
    # Each row is judged on the tag its Python gets on Lambda.
    assert rows["3.11"]["platform"] == "manylinux_2_26_x86_64"
    assert rows["3.12"]["platform"] == "manylinux_2_34_x86_64"
    assert document["recommended"]["python"] == "3.14"


def test_report_table_says_not_offered_and_names_each_tag(run) -> None:
    code, out, err = run("report", "six", "--python", "3.11,3.12,3.15", "--platform", "lambda")
    assert code == 0, err
    assert "manylinux_2_26_x86_64 (3.11)" in out and "manylinux_2_34_x86_64 (3.12, 3.15)" in out
    row = next(line for line in out.splitlines() if "3.15" in line and "│" in line)
    assert "not offered" in row


def test_a_report_of_only_unoffered_pythons_recommends_nothing_and_fails(run) -> None:
    code, out, _err = run("report", "six", "--python", "3.9", "--platform", "vercel", "--format", "markdown")
    assert code == 1
    assert "| 3.9 | ➖ not offered |" in out
    assert "No requested Python installs" in out


# -- wheelpin targets --------------------------------------------------------------------------------------------

def test_targets_prints_every_preset_with_its_tag_per_python_and_its_pythons(capsys) -> None:
    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    lines = {line.split(":", 1)[0].strip(): line for line in out.splitlines() if line.startswith("  ")}
    for preset in [*DEPLOY_PRESETS, "manylinux", "macos", "windows"]:
        assert preset in lines, preset
    assert "3.10–3.11: manylinux_2_26_x86_64; 3.12–3.14: manylinux_2_34_x86_64" in lines["lambda"]
    assert "Amazon Linux 2" in lines["lambda"] and "3.10, 3.11, 3.12, 3.13, 3.14" in lines["lambda"]
    assert "x86_64, aarch64" in lines["lambda"]
    assert "manylinux_2_41_x86_64" in lines["docker-slim"] and "3.10 and newer" in lines["docker-slim"]
    assert "= heroku-24" in lines["heroku"]
