"""Why a resolution failed, told so the user can act: the cause no release escapes (issue 8, item 5) and the
three failures of ``resolve`` — no release matches, a conflict whatever the wheels, no wheel for the target
(with the report's verified fix first) — on in-memory indexes for the worlds the recorded one lacks."""

from __future__ import annotations

import pytest

from fakeindex import LINUX_311, FakeIndex
from wheelpin.cli.failures import explain_failure
from wheelpin.errors import NoWheelSolution
from wheelpin.inputs import parse_requirement_strings
from wheelpin.models import BlockKind
from wheelpin.report.matrix import python_verdict
from wheelpin.resolve import Session, resolve
from wheelpin.target import Target, make_target

LINUX_310 = "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64"
MUSL_310 = "cp310-cp310-musllinux_1_2_x86_64"
LINUX_314_TARGET = make_target("3.14", "manylinux")


def pymongo_world(fake: FakeIndex) -> None:
    """pymongo's newest release excludes Python 3.10 by requires-python (and has no musllinux wheel either);
    the older ones have cp310 wheels for manylinux only.  motor needs pymongo."""
    fake.add("motor", "3.7.1", requires=["pymongo>=4.9,<5"])
    fake.add("pymongo", "4.20.1", wheels=[LINUX_311], sdist=True, requires_python=">=3.11")
    fake.add("pymongo", "4.18.3", wheels=[LINUX_310], sdist=True, requires_python=">=3.9")
    fake.add("pymongo", "4.9.0", wheels=[LINUX_310], sdist=True, requires_python=">=3.8")


def failure(requirements: list[str], target: Target, session: Session) -> NoWheelSolution:
    with pytest.raises(NoWheelSolution) as caught:
        resolve(parse_requirement_strings(requirements), target, session)
    return caught.value


# -- the cause no release escapes -----------------------------------------------------------------------
def test_the_report_blames_the_missing_musllinux_wheel_not_the_newest_releases_requires_python(
        fake: FakeIndex, session: Session) -> None:
    pymongo_world(fake)
    verdict = python_verdict(parse_requirement_strings(["motor"]), make_target("3.10", "musllinux"), session)
    (blocker,) = verdict.blockers
    assert blocker.name == "pymongo"
    # What a source build on 3.10 would take: the newest release whose requires-python admits 3.10.
    assert blocker.version == "4.18.3"
    assert blocker.kind == BlockKind.NO_PLATFORM
    assert blocker.reason.startswith("no release of pymongo has a wheel for musllinux_1_2_x86_64 cp310")
    assert "4.20.1 and later exclude Python 3.10 by requires-python" in blocker.reason


def test_resolve_blames_the_missing_musllinux_wheel_too(fake: FakeIndex, session: Session) -> None:
    pymongo_world(fake)
    error = failure(["motor"], make_target("3.10", "musllinux"), session)
    (cause,) = [b for b in error.causes if b.name == "pymongo"]
    assert cause.kind == BlockKind.NO_PLATFORM
    assert cause.reason.startswith("no release of pymongo has a wheel for musllinux_1_2_x86_64 cp310")
    assert "the newest for Python 3.10, 4.18.3" in cause.reason


def test_the_cause_is_limited_to_the_releases_the_requirements_admit(fake: FakeIndex, session: Session) -> None:
    pymongo_world(fake)
    fake.add("pymongo", "3.0", wheels=[MUSL_310])  # has the wheel, but motor wants >=4.9
    target = make_target("3.10", "musllinux")
    verdict = python_verdict(parse_requirement_strings(["motor"]), target, session)
    (blocker,) = verdict.blockers
    assert blocker.reason.startswith("no release of pymongo<5,>=4.9 has a wheel for musllinux_1_2_x86_64 cp310")
    (cause,) = [b for b in failure(["motor"], target, session).causes if b.name == "pymongo"]
    assert cause.reason.startswith("no release of pymongo<5,>=4.9 has a wheel for musllinux_1_2_x86_64 cp310")


def test_a_release_that_has_the_wheel_is_no_blocker(fake: FakeIndex, session: Session) -> None:
    pymongo_world(fake)
    fake.add("pymongo", "4.10.0", wheels=[LINUX_310, MUSL_310])
    verdict = python_verdict(parse_requirement_strings(["motor"]), make_target("3.10", "musllinux"), session)
    assert verdict.ok and verdict.pins["pymongo"] == "4.10.0"


# -- three failures -------------------------------------------------------------------------------------
def flask_world(fake: FakeIndex) -> None:
    fake.add("flask", "2.3.3", requires=["werkzeug>=2.3.7"])
    fake.add("flask", "3.0.0", requires=["werkzeug>=3.0.0"])
    fake.add("flask", "3.1.0rc1", requires=["werkzeug>=3.1"])
    for version in ("1.0.1", "2.3.7", "3.0.0"):
        fake.add("werkzeug", version)


def explained(requirements: list[str], target: Target, session: Session) -> NoWheelSolution:
    inputs = parse_requirement_strings(requirements)
    return explain_failure(inputs, target, session, (), failure(requirements, target, session))


def test_no_release_matching_the_requirement_names_the_newest(fake: FakeIndex, session: Session) -> None:
    flask_world(fake)
    error = explained(["flask==99.0"], LINUX_314_TARGET, session)
    assert error.exit_code == 1
    assert str(error) == ("no release of flask matches ==99.0; the newest release is 3.0.0 (required by "
                          "command line).")
    assert error.hints == ("fix: correct the version in the requirement; no --python or --allow-source can help.",)
    assert not error.blockers  # the message says it all
    assert [b.kind for b in error.causes] == [BlockKind.NO_RELEASE]


def test_only_a_pre_release_matching_says_pass_pre(fake: FakeIndex, session: Session) -> None:
    flask_world(fake)
    assert "pre-release 3.1.0rc1 matches: pass --pre" in str(explained(["flask>3.0"], LINUX_314_TARGET, session))


def test_requirements_that_conflict_whatever_the_wheels_say_so(fake: FakeIndex, session: Session) -> None:
    flask_world(fake)
    error = explained(["flask==3.0.0", "werkzeug<2"], LINUX_314_TARGET, session)
    assert error.exit_code == 1
    assert "conflict" in str(error) and "whatever the wheels" in str(error)
    (row,) = [detail for name, detail in error.blockers if name.startswith("werkzeug")]
    assert "werkzeug<2 (command line)" in row and "werkzeug>=3.0.0 (flask 3.0.0)" in row
    assert "no release meets them all" in row
    assert not error.hints  # neither a fix nor --allow-source can help


def test_a_conflict_only_among_wheel_bearing_releases_is_a_missing_wheel(fake: FakeIndex,
                                                                        session: Session) -> None:
    """a needs lib<2, b needs lib>=1: only lib 1.5, which has no wheel, meets both; allowing its sdist
    would resolve, so this is no conflict whatever the wheels."""
    fake.add("a", "1.0", requires=["lib<2"])
    fake.add("b", "1.0", requires=["lib>=1"])
    fake.add("lib", "0.5")
    fake.add("lib", "1.5", wheels=[], sdist=True)
    fake.add("lib", "2.0")
    error = explained(["a", "b"], LINUX_314_TARGET, session)
    assert str(error).startswith("no wheel-only solution for CPython 3.14 on manylinux_2_28_x86_64: lib==1.5")
    assert error.hints[-1].startswith("last resort: --allow-source lib ")


def test_a_missing_wheel_shows_the_verified_fix_first_and_building_from_source_last(fake: FakeIndex,
                                                                                   session: Session) -> None:
    fake.add("pydantic", "2.9.2", requires=["pydantic-core==2.23.4"])
    fake.add("pydantic", "2.12.0", requires=["pydantic-core==2.41.1"])
    fake.add("pydantic-core", "2.23.4", wheels=[LINUX_311], sdist=True)
    fake.add("pydantic-core", "2.41.1", wheels=[LINUX_311, "cp314-cp314-manylinux_2_17_x86_64"], sdist=True)
    error = explained(["pydantic==2.9.2"], LINUX_314_TARGET, session)
    assert error.exit_code == 1
    assert "pydantic-core==2.23.4" in str(error)
    assert error.hints[0] == ("fix: require pydantic>=2.12.0 instead of pydantic==2.9.2 (command line) (verified: "
                              "with it, a wheel-only lock exists for CPython 3.14 on manylinux_2_28_x86_64).")
    assert error.hints[-1].startswith("last resort: --allow-source pydantic-core ")
    (row,) = error.blockers
    assert row[1].startswith("via pydantic==2.9.2 -> pydantic-core==2.23.4: ")

