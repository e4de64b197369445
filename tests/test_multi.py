"""One lock for several targets (issue 9, section 3): resolve --platform A --platform B, --python 3.10,3.12;
check and the lock header with several targets.  Against FakeIndex and the recorded index on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from packaging.requirements import Requirement

from fakeindex import LINUX_312, FakeIndex
from wheeloracle import compatible_wheel_hashes
from wheelpin.errors import NoWheelSolution
from wheelpin.inputs import parse_requirement_strings, parse_requirements_file
from wheelpin.models import Resolution
from wheelpin.pythons import find_uv
from wheelpin.resolve import Session, resolve, resolve_targets
from wheelpin.target import make_target
from wheelpin.targetset import TargetSet

ROOT = Path(__file__).parent.parent
FASTAPI = ROOT / "examples" / "render-fastapi" / "requirements.txt"
ARM_312 = "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64"
X86, ARM = make_target("3.12", "manylinux_2_28_x86_64"), make_target("3.12", "manylinux_2_28_aarch64")


@pytest.fixture
def fake() -> Iterator[tuple[FakeIndex, Session]]:
    index = FakeIndex()
    session = Session(index)
    yield index, session
    session.close()


def lines(lock: Path) -> dict[str, Requirement]:
    return {item.requirement.name: item.requirement for item in parse_requirements_file(lock).requirements}


def hashes(lock: Path) -> dict[str, set[str]]:
    return {item.requirement.name: set(item.hashes) for item in parse_requirements_file(lock).requirements}


def pins(resolution: Resolution) -> dict[str, tuple[str, str | None]]:
    return {p.name: (str(p.version), p.marker) for p in resolution.pins}


# -- the resolver ---------------------------------------------------------------------------------------------
def test_a_release_with_a_wheel_for_one_target_only_is_not_chosen(fake) -> None:
    index, session = fake
    index.add("fast", "1.0", wheels=[LINUX_312, ARM_312])
    index.add("fast", "2.0", wheels=[LINUX_312])
    inputs = parse_requirement_strings(["fast"])
    assert pins(resolve(inputs, X86, session)) == {"fast": ("2.0", None)}
    both = resolve_targets(inputs, [X86, ARM], session)
    assert pins(both) == {"fast": ("1.0", None)}
    assert {f.filename for f in both.pin("fast").files} == {  # type: ignore[union-attr]
        f"fast-1.0-{LINUX_312}.whl", f"fast-1.0-{ARM_312}.whl"}
    assert both.targets == (X86, ARM)


def test_a_dependency_needed_on_one_arch_needs_a_wheel_there_only_and_keeps_its_marker(fake) -> None:
    index, session = fake
    index.add("app", "1.0", requires=['helper; platform_machine == "aarch64"'])
    index.add("helper", "1.0", wheels=[LINUX_312, ARM_312])
    index.add("helper", "2.0", wheels=[ARM_312])  # no x86_64 wheel, and x86_64 never installs it
    both = resolve_targets(parse_requirement_strings(["app"]), [X86, ARM], session)
    assert pins(both) == {"app": ("1.0", None), "helper": ("2.0", 'platform_machine == "aarch64"')}


def test_markers_are_tracked_per_target_through_the_graph(fake) -> None:
    """q is required only by p, which only aarch64 needs, and only below 3.11 there: of four targets, q is
    needed on one, so a wheel for that one is enough and the line says which."""
    index, session = fake
    index.add("app", "1.0", requires=['p; platform_machine == "aarch64"'])
    index.add("p", "1.0", requires=['q; python_version < "3.11"'])
    index.add("q", "1.0", wheels=["cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64"])
    grid = [make_target(py, plat) for py in ("3.10", "3.12")
            for plat in ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64")]
    both = resolve_targets(parse_requirement_strings(["app"]), grid, session)
    assert pins(both) == {"app": ("1.0", None), "p": ("1.0", 'platform_machine == "aarch64"'),
                          "q": ("1.0", 'python_version == "3.10" and platform_machine == "aarch64"')}


def test_a_pin_made_for_one_arch_is_made_again_when_a_later_requirement_needs_it_on_both(fake) -> None:
    index, session = fake
    index.add("app", "1.0", requires=['a; platform_machine == "aarch64"', "b"])
    index.add("b", "1.0", requires=["a"])
    index.add("a", "1.0", wheels=[LINUX_312, ARM_312])
    index.add("a", "2.0", wheels=[ARM_312])
    both = resolve_targets(parse_requirement_strings(["app"]), [X86, ARM], session)
    assert pins(both) == {"a": ("1.0", None), "app": ("1.0", None), "b": ("1.0", None)}


def test_a_target_that_cannot_be_locked_alone_is_named(fake) -> None:
    index, session = fake
    index.add("x86only", "1.0", wheels=[LINUX_312])
    with pytest.raises(NoWheelSolution) as failure:
        resolve_targets(parse_requirement_strings(["x86only"]), [X86, ARM], session)
    assert failure.value.target == ARM
    assert "aarch64" in str(failure.value)


def test_targets_that_lock_alone_but_share_no_version_say_which_packages_part(fake) -> None:
    index, session = fake
    index.add("split", "1.0", wheels=[ARM_312])
    index.add("split", "2.0", wheels=[LINUX_312])
    with pytest.raises(NoWheelSolution) as failure:
        resolve_targets(parse_requirement_strings(["split"]), [X86, ARM], session)
    assert failure.value.target is None
    assert failure.value.blockers == [("split", f"2.0 on {X86}; 1.0 on {ARM}")]


def test_lock_markers_name_the_python_or_the_machine_the_pin_is_needed_on() -> None:
    targets = TargetSet((make_target("3.10", "manylinux"), make_target("3.12", "manylinux"),
                         make_target("3.13", "manylinux")))
    assert targets.marker_for(0b001) == 'python_version < "3.11"'
    assert targets.marker_for(0b110) == 'python_version >= "3.12"'
    assert targets.marker_for(0b101) == 'python_version == "3.10" or python_version == "3.13"'
    assert targets.marker_for(0b111) is None
    # A requirement's own marker is kept when it alone says where the pin is needed.
    assert targets.marker_for(0b011, ['python_version < "3.13"']) == 'python_version < "3.13"'
    grid = TargetSet((X86, ARM, make_target("3.13", "manylinux_2_28_x86_64")))
    assert grid.marker_for(0b010) == 'platform_machine == "aarch64"'
    assert grid.marker_for(0b100) == 'python_version >= "3.13"'


# -- the command line, on the recorded index ----------------------------------------------------------------------
def test_a_two_arch_lock_hashes_the_wheels_of_both_arches(run, tmp_path) -> None:
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "-r", str(FASTAPI), "--python", "3.12", "--platform", "docker-slim",
                          "--platform", "docker-slim-arm64", "-o", str(lock))
    assert code == 0, err
    text = lock.read_text()
    assert "platform manylinux_2_41_x86_64" in text and "platform manylinux_2_41_aarch64" in text
    found = hashes(lock)
    for name, requirement in lines(lock).items():
        version = str(next(iter(requirement.specifier)).version)
        x86 = compatible_wheel_hashes(name, version, minor=12, glibc_minor=41)
        arm = compatible_wheel_hashes(name, version, minor=12, glibc_minor=41, arch="aarch64")
        assert x86 and arm, name
        assert found[name] == x86 | arm, name
    assert len(found["numpy"]) == 2 and len(found["pydantic-core"]) == 2  # one native wheel per arch


def test_check_passes_a_two_arch_lock_on_both_arches_and_names_the_arch_a_one_arch_lock_fails(run, tmp_path):
    both, x86 = tmp_path / "both.txt", tmp_path / "x86.txt"
    slim = ("--python", "3.12", "--platform", "docker-slim")
    assert run("resolve", "numpy", "pydantic", *slim, "--platform", "docker-slim-arm64", "-o", str(both))[0] == 0
    assert run("resolve", "numpy", "pydantic", *slim, "-o", str(x86))[0] == 0
    code, out, err = run("check", str(both))  # no flags: every target the header records
    assert code == 0, out + err
    assert out.count("ok: all 6 pins") == 2 and "manylinux_2_41_aarch64" in out
    code, out, _err = run("check", str(x86), *slim, "--platform", "docker-slim-arm64")
    assert code == 1
    assert "ok: all 6 pins of" in out and "for CPython 3.12 on manylinux_2_41_x86_64" in out
    assert "would not install on CPython 3.12 on manylinux_2_41_aarch64" in out
    assert out.strip().endswith("fails on 1 of 2 targets: CPython 3.12 on manylinux_2_41_aarch64")


def test_a_lock_for_310_and_312_keeps_exceptiongroup_with_a_marker(run, tmp_path) -> None:
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "anyio", "numpy", "--python", "3.10,3.12", "-o", str(lock))
    assert code == 0, err
    found = lines(lock)
    assert str(found["exceptiongroup"].marker) == 'python_version < "3.11"'
    assert found["anyio"].marker is None
    # numpy 2.3 dropped 3.10: the one numpy of the lock is the newest with wheels for both.
    assert str(found["numpy"].specifier) == "==2.2.6"
    assert run("check", str(lock))[0] == 0


def test_re_locking_a_multi_target_lock_keeps_its_pins(run, tmp_path) -> None:
    lock = tmp_path / "lock.txt"
    targets = ("--python", "3.10,3.12")
    assert run("resolve", "anyio<4.16", *targets, "-o", str(lock))[0] == 0
    kept = str(lines(lock)["anyio"].specifier)
    assert kept != "==4.16.0"
    assert run("resolve", "anyio", *targets, "-o", str(lock))[0] == 0
    assert str(lines(lock)["anyio"].specifier) == kept
    assert run("resolve", "anyio", *targets, "-o", str(lock), "-U")[0] == 0
    assert str(lines(lock)["anyio"].specifier) == "==4.16.0"


def test_a_placeholder_in_o_still_writes_one_lock_per_platform(run, tmp_path) -> None:
    pattern = str(tmp_path / "lock-{platform}.txt")
    code, _out, err = run("resolve", "numpy", "--python", "3.12", "--platform", "docker-slim", "--platform",
                          "linux/arm64", "-o", pattern)
    assert code == 0, err
    arm = (tmp_path / "lock-linux-arm64.txt").read_text()
    assert "platform manylinux_2_28_aarch64" in arm and "x86_64" not in arm.split("#\n")[2]
    assert "platform manylinux_2_41_x86_64" in (tmp_path / "lock-docker-slim.txt").read_text()


@pytest.mark.skipif(find_uv() is None, reason="uv is a dev dependency: pip install -e '.[dev]'")
@pytest.mark.parametrize(("python", "platform", "exceptiongroup"), [
    ("3.10", "x86_64-manylinux_2_28", True), ("3.12", "x86_64-manylinux_2_28", False),
    ("3.12", "aarch64-manylinux_2_28", False)])
def test_uv_installs_the_multi_target_lock_on_each_target(run, tmp_path, index_url, python, platform,
                                                          exceptiongroup) -> None:
    lock = tmp_path / "lock.txt"
    code, _out, err = run("resolve", "anyio", "numpy", "pydantic", "--python", "3.10,3.12", "--platform",
                          "manylinux_2_28_x86_64", "--platform", "manylinux_2_28_aarch64", "-o", str(lock))
    assert code == 0, err
    uv = find_uv()
    assert uv is not None
    done = subprocess.run(
        [uv, "pip", "install", "--dry-run", "--target", str(tmp_path / "site"), "--python-version", python,
         "--python-platform", platform, "--only-binary", ":all:", "--require-hashes", "--no-deps", "-r",
         str(lock), "--index-url", index_url, "--cache-dir", str(tmp_path / "uv-cache")],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert ("+ exceptiongroup==" in done.stderr) is exceptiongroup
    assert "+ numpy==2.2.6" in done.stderr


DATA_APP = ROOT / "examples" / "data-app" / "requirements.txt"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())


def test_report_over_two_platforms_judges_each_and_names_the_one_no_python_installs_on(run) -> None:
    """data-app's scikit-learn has no musllinux wheel: the glibc image is clean, Alpine is not."""
    args = ("report", "-r", str(DATA_APP), "--python", "3.12,3.13", "--platform", "docker-slim", "--platform",
            "alpine")
    code, out, _err = run(*args)
    assert code == 1
    assert "wheel-only installs on manylinux_2_41_x86_64" in out and "wheel-only installs on musllinux_1_2" in out
    assert out.strip().endswith("no requested Python installs with wheels only on: musllinux_1_2_x86_64")
    code, out, _err = run(*args, "--format", "json")
    assert code == 1
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert [d["platform"] for d in document["by_platform"]] == ["manylinux_2_41_x86_64", "musllinux_1_2_x86_64"]
    assert document["blocked_platforms"] == ["musllinux_1_2_x86_64"]
    assert document["platform"] == "manylinux_2_41_x86_64"  # schema 1's fields: the first platform's
    code, _out, _err = run("report", "-r", str(DATA_APP), "--python", "3.12", "--platform", "docker-slim",
                           "--platform", "docker-slim-arm64")
    assert code == 0


def test_a_pylock_for_several_targets_is_refused_before_any_request(run, tmp_path) -> None:
    code, _out, err = run("resolve", "numpy", "--python", "3.12", "--platform", "docker-slim", "--platform",
                          "docker-slim-arm64", "-o", str(tmp_path / "pylock.toml"))
    assert code == 2
    assert "pylock.toml for 2 targets" in err and "{platform}" in err
    assert not (tmp_path / "pylock.toml").exists()
