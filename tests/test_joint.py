"""The joint fix search: several direct requirements changed together, when no one change locks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fakeindex import LINUX_311, LINUX_312, FakeIndex
from wheelpin.errors import NoWheelSolution
from wheelpin.inputs import parse_requirement_strings, parse_requirements_file
from wheelpin.pythons import PythonRelease
from wheelpin.report import build_report
from wheelpin.report.matrix import PythonVerdict
from wheelpin.resolve import Session, resolve
from wheelpin.target import make_target

RELEASES = [PythonRelease(minor=m, newest_patch=None) for m in (11, 12)]


def data_stack() -> FakeIndex:
    """numpy and pandas as they are for 3.12: every pandas with a cp312 wheel needs a numpy that has one too,
    and the pinned pair has neither."""
    fake = FakeIndex()
    fake.add("numpy", "1.24.4", wheels=[LINUX_311])
    fake.add("numpy", "1.25.2", wheels=[LINUX_311])
    fake.add("numpy", "1.26.0", wheels=[LINUX_311, LINUX_312])
    fake.add("numpy", "1.26.4", wheels=[LINUX_311, LINUX_312])
    fake.add("pandas", "1.5.3", wheels=[LINUX_311], requires=["numpy>=1.23.2"])
    fake.add("pandas", "2.0.3", wheels=[LINUX_311], requires=["numpy>=1.23.2"])
    for version in ("2.1.1", "2.1.4", "2.2.0"):
        fake.add("pandas", version, wheels=[LINUX_311, LINUX_312],
                 requires=["numpy>=1.26.0; python_version>='3.12'", "numpy>=1.23.2; python_version<'3.12'"])
    fake.add("scipy", "1.10.1", wheels=[LINUX_311], requires=["numpy<1.27,>=1.19.5"])
    fake.add("scipy", "1.11.2", wheels=[LINUX_311, LINUX_312], requires=["numpy<1.28,>=1.21.6"])
    return fake


def verdict_for(fake: FakeIndex, lines: list[str], python: str = "3.12", **inputs_changes: object) -> PythonVerdict:
    inputs = dataclasses.replace(parse_requirement_strings(lines), **inputs_changes)  # type: ignore[arg-type]
    session = Session(fake)
    try:
        (verdict,) = build_report(inputs, [make_target(python, "manylinux")], session, RELEASES).pythons
    finally:
        session.close()
    return verdict


@pytest.mark.timeout(60)
def test_old_numpy_and_pandas_pins_get_one_fix_that_changes_both() -> None:
    verdict = verdict_for(data_stack(), ["numpy==1.24.4", "pandas==1.5.3"])
    assert not verdict.ok
    assert verdict.fix == ("numpy>=1.26.0", "pandas>=2.1.1")  # the lowest releases that lock, not the newest
    assert verdict.fixed_by_all is True
    assert {b.name: b.fix for b in verdict.blockers} == {"numpy": "numpy>=1.26.0, pandas>=2.1.1",
                                                         "pandas": "numpy>=1.26.0, pandas>=2.1.1"}


@pytest.mark.timeout(60)
def test_scipy_and_numpy_pins_move_together_each_to_its_lowest_release_that_locks() -> None:
    """scipy 1.10.1 and numpy 1.24.4 both lack cp312 wheels; scipy 1.11.2 has one and admits numpy 1.26, so
    the fix moves both, each to its lowest release that locks."""
    verdict = verdict_for(data_stack(), ["scipy==1.10.1", "numpy==1.24.4"])
    assert verdict.fix == ("numpy>=1.26.0", "scipy>=1.11.2")
    assert verdict.fixed_by_all is True


@pytest.mark.timeout(60)
def test_a_pin_that_is_not_a_blocker_is_relaxed_when_it_takes_part_in_the_conflict() -> None:
    """tzdata==2021.1 has a wheel, but every pandas with a cp312 wheel needs tzdata>=2022.1: the fix for
    pandas changes the tzdata pin too."""
    fake = FakeIndex()
    fake.add("tzdata", "2021.1")
    fake.add("tzdata", "2022.1")
    fake.add("tzdata", "2024.2")
    fake.add("pandas", "1.5.3", wheels=[LINUX_311])
    fake.add("pandas", "2.1.1", wheels=[LINUX_311, LINUX_312], requires=["tzdata>=2022.1"])
    fake.add("pandas", "2.2.0", wheels=[LINUX_311, LINUX_312], requires=["tzdata>=2022.7"])
    verdict = verdict_for(fake, ["pandas==1.5.3", "tzdata==2021.1"])
    assert [b.name for b in verdict.blockers] == ["pandas"]
    assert verdict.fix == ("pandas>=2.1.1", "tzdata>=2022.1")
    assert verdict.fixed_by_all is True


@pytest.mark.timeout(60)
def test_a_search_cut_short_by_its_budget_never_says_no_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wheelpin.report.joint.MAX_RESOLUTIONS", 1)
    verdict = verdict_for(data_stack(), ["numpy==1.24.4", "pandas==1.5.3"])
    assert verdict.fix == ()
    pandas = next(b for b in verdict.blockers if b.name == "pandas")
    assert pandas.fix is None
    assert "no fix found within the search budget" in pandas.note


@pytest.mark.timeout(60)
def test_a_constraint_is_never_changed_but_named(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("numpy==1.24.4\n")
    verdict = verdict_for(data_stack(), ["pandas==1.5.3", "numpy"],
                          constraints=parse_requirements_file(constraints).requirements)
    assert verdict.fix == ()
    assert verdict.fixed_by_all is not True
    notes = " ".join(b.note for b in verdict.blockers)
    assert "the constraint numpy==1.24.4" in notes and "constraints.txt:1" in notes


@pytest.mark.timeout(60)
def test_more_blocked_roots_than_a_set_may_hold_ends_the_search() -> None:
    """Five blocked pins, and a sixth pin (not blocked) in the conflict once they are relaxed: the set is
    already past its size, so the search stops and says so (it used to ask the same memoized resolution for
    ever: seen on a real file with old pins)."""
    fake = FakeIndex()
    fake.add("zed", "1.0")
    fake.add("zed", "2.0")
    lines = ["zed==1.0"]
    for name in ("aa", "bb", "cc", "dd", "ee"):
        fake.add(name, "1.0", wheels=[LINUX_311])
        fake.add(name, "2.0", wheels=[LINUX_311, LINUX_312], requires=["zed>=2"])
        lines.append(f"{name}==1.0")
    verdict = verdict_for(fake, lines)
    assert not verdict.ok
    assert sorted(b.name for b in verdict.blockers) == ["aa", "bb", "cc", "dd", "ee"]
    assert verdict.fix == ()
    assert all("no set of up to 4 requirement changes" in b.note for b in verdict.blockers)


@pytest.mark.timeout(60)
def test_a_verifying_resolution_that_gives_up_makes_the_search_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolution cut short by its round budget (FIX_ROUNDS) proves nothing: the notes say the search was
    cut short, never that no change locks."""
    monkeypatch.setattr("wheelpin.report.fixes.FIX_ROUNDS", 1)
    monkeypatch.setattr("wheelpin.report.joint.FIX_ROUNDS", 1)
    verdict = verdict_for(data_stack(), ["numpy==1.24.4", "pandas==1.5.3"])
    assert not verdict.ok and verdict.fix == ()
    assert [b.note for b in verdict.blockers] == ["no fix found within the search budget"] * 2


def pinned_numpy_stack() -> FakeIndex:
    """ml-training-2023 on a new Python, in small: numpy is pinned where it has no wheel, every scipy with a
    wheel needs a newer numpy, and a plotting package with many releases depends on numpy too."""
    fake = FakeIndex()
    fake.add("numpy", "1.24.4", wheels=[LINUX_311])
    fake.add("numpy", "1.26.0", wheels=[LINUX_311, LINUX_312])
    fake.add("scipy", "1.10.1", wheels=[LINUX_311], requires=["numpy<1.27,>=1.19.5"])
    for version in ("1.11.2", "1.11.4", "1.12.0"):
        fake.add("scipy", version, wheels=[LINUX_311, LINUX_312], requires=["numpy>=1.25.2"])
    for minor in range(30):
        fake.add("plotting", f"3.{minor}.0", wheels=[LINUX_311, LINUX_312], requires=["numpy>=1.20"])
    return fake


@pytest.mark.timeout(60)
@pytest.mark.parametrize("permissive", [False, True])
def test_a_fixed_release_that_contradicts_a_pin_is_no_candidate(permissive: bool) -> None:
    """A verifying resolution fails at once when every release the fix admits needs another version of a
    package the user pins: without the guard the resolver backjumps through every release of each package
    that also requires the pinned one (here, all 30 of plotting's)."""
    inputs = parse_requirement_strings(["numpy==1.24.4", "scipy>=1.11.2", "plotting"])
    target = make_target("3.12", "manylinux")
    fake = pinned_numpy_stack()
    session = Session(fake)
    try:
        with pytest.raises(NoWheelSolution):
            resolve(inputs, target, session, permissive=permissive, explain_failure=False, fixed=["scipy"])
    finally:
        session.close()
    assert len([f for f in fake.metadata_calls if f.startswith("plotting-")]) <= 1


@pytest.mark.timeout(60)
def test_the_guard_leaves_a_resolution_that_locks_as_it_was() -> None:
    fake = pinned_numpy_stack()
    fake.add("scipy", "1.11.3", wheels=[LINUX_311, LINUX_312], requires=["numpy>=1.19.5"])
    inputs = parse_requirement_strings(["numpy==1.24.4", "scipy>=1.11.2", "plotting"])
    answers = []
    for fixed in ((), ("scipy",)):
        session = Session(fake)
        try:
            answers.append(resolve(inputs, make_target("3.11", "manylinux"), session, fixed=fixed).as_dict())
        finally:
            session.close()
    assert answers[0] == answers[1]
    assert answers[1]["scipy"] == "1.11.3"  # the newest release that the numpy pin admits
