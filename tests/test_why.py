"""``wheelpin why``: each release judged for the target with the resolver's own reasons, and the smallest change
of Python or platform that makes a release a candidate (issue 12, "wheelpin why").  The recorded index for
tiktoken; in-memory indexes for yanked releases, pre-releases and the rest."""

from __future__ import annotations

import json

from packaging.requirements import Requirement
from packaging.version import Version

from fakeindex import LINUX_311, LINUX_312, FakeIndex
from wheelpin.remedy import smallest_change
from wheelpin.resolve import Session
from wheelpin.resolve.why import PRE_RELEASE, YANKED, why_releases
from wheelpin.target import make_target
from wheelpin.wheels import choose_files, group_by_version


def test_tiktoken_060_on_313_has_no_cp313_wheel_and_is_a_candidate_on_312(run):
    code, out, err = run("why", "tiktoken==0.6.0", "--python", "3.13", "--platform", "manylinux_2_17_x86_64")
    assert code == 1  # the one release asked about is not a candidate
    assert "0.6.0: not a candidate; no wheel for cp313 (wheels for cp38 … cp312, 5 in all)" in out
    assert "cp312 wheels exist; on 3.12 this release is a candidate" in out
    # Plain output has no table, so the note points to where each line says the change, not to a column.
    flat = " ".join(err.split())
    assert "column" not in flat and "the last part of each release's line says what would" in flat, flat


def test_tiktoken_060_json_for_a_musllinux_target(run):
    code, out, _err = run("why", "tiktoken==0.6.0", "--python", "3.13", "--platform", "musllinux_1_2_x86_64",
                          "--format", "json")
    assert code == 1
    answer = json.loads(out)
    assert answer["target"] == {"python": "3.13", "python_full_version": "3.13.0", "platform": "musllinux_1_2_x86_64"}
    (release,) = answer["releases"]
    assert release["version"] == "0.6.0" and release["candidate"] is False
    assert [r["kind"] for r in release["reasons"]] == ["no-wheel-for-python"]
    assert release["change"]["python"] == "3.12" and release["change"]["together"] is False
    # On 3.12 the musllinux_1_1 wheel fits a musllinux_1_2 system: a candidate there.
    code, out, _err = run("why", "tiktoken==0.6.0", "--python", "3.12", "--platform", "musllinux_1_2_x86_64",
                          "--format", "json")
    assert code == 0
    (release,) = json.loads(out)["releases"]
    assert release["candidate"] is True
    assert release["wheel"] == "tiktoken-0.6.0-cp312-cp312-musllinux_1_1_x86_64.whl"


def test_a_musllinux_armv7l_target_is_told_the_wheels_are_for_another_arch(run):
    # armv7l: an arch tiktoken ships no wheel for (the fixture records the x86_64 and aarch64 ones).
    code, out, _err = run("why", "tiktoken==0.6.0", "--python", "3.12", "--platform", "musllinux_1_2_armv7l")
    assert code == 1
    assert "its wheels are for aarch64, not armv7l: on --platform musllinux_1_2_aarch64 this release is a " \
        "candidate" in out
    code, out, _err = run("why", "tiktoken==0.6.0", "--python", "3.13", "--platform", "musllinux_1_2_armv7l")
    assert "on 3.12 with --platform musllinux_1_2_aarch64 this release is a candidate" in out


def test_newest_first_within_a_window_with_the_glibc_a_release_needs(run):
    code, out, _err = run("why", "tiktoken", "--python", "3.13", "--platform", "manylinux_2_17_x86_64", "--limit", "4")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("tiktoken for CPython 3.13 on manylinux_2_17_x86_64: the newest candidate is 0.11.0; "
                        "4 of 9 releases shown (--all for every one):")
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["0.14.0", "0.13.0", "0.12.0", "0.11.0"]
    assert "needs manylinux_2_28 (glibc 2.28): on --platform manylinux_2_28_x86_64 this release is a candidate" \
        in lines[1]
    assert "0.11.0: candidate; installs tiktoken-0.11.0-cp313-cp313-manylinux_2_17_x86_64" in lines[4]
    code, out, _err = run("why", "tiktoken", "--python", "3.13", "--platform", "manylinux_2_17_x86_64", "--all")
    assert len(out.splitlines()) == 1 + 9


def test_an_unknown_project_is_an_input_error(run):
    code, _out, err = run("why", "no-such-project-here", "--python", "3.13", "--platform", "manylinux")
    assert code == 2
    assert "no-such-project-here" in err


# -- in-memory indexes ---------------------------------------------------------------------------------------
PY312 = make_target("3.12", "manylinux")


def verdicts(session: Session, query: str, **options: object) -> dict[str, tuple[bool, list[str]]]:
    answer = why_releases(session, PY312, Requirement(query), **options)  # type: ignore[arg-type]
    return {str(r.version): (r.candidate, [reason.kind for reason in r.reasons]) for r in answer.releases}


def test_yanked_and_pre_releases_are_named_as_the_resolver_leaves_them_out(fake: FakeIndex, session: Session):
    fake.add("lib", "3.0.0rc1", wheels=[LINUX_312])
    fake.add("lib", "2.1.0", wheels=[LINUX_312], yanked="broken import")
    fake.add("lib", "2.0.0", wheels=[LINUX_312])
    assert verdicts(session, "lib") == {"3.0.0rc1": (False, [PRE_RELEASE]), "2.1.0": (False, [YANKED]),
                                        "2.0.0": (True, [])}
    answer = why_releases(session, PY312, Requirement("lib"))
    assert answer.newest_candidate == Version("2.0.0")
    assert "broken import" in answer.releases[1].reasons[0].text
    # --pre admits the pre-release, and an == pin takes the yanked release, as in a resolution.
    assert verdicts(session, "lib", pre=True)["3.0.0rc1"] == (True, [])
    assert verdicts(session, "lib==2.1.0") == {"2.1.0": (True, [])}


def test_requires_python_only_an_sdist_and_the_metadatas_requires_python(fake: FakeIndex, session: Session):
    fake.add("lib", "4.0", wheels=["py3-none-any"], requires_python=">=3.13")
    fake.add("lib", "3.0", sdist=True, wheels=())
    fake.add("lib", "2.0", wheels=["py3-none-any"])
    fake.set_metadata("lib", "2.0", requires_python=">=3.14")  # the page does not say; the metadata does
    fake.add("lib", "1.0", wheels=[LINUX_311], sdist=True)
    answer = why_releases(session, PY312, Requirement("lib"))
    by_version = {str(r.version): r for r in answer.releases}
    assert by_version["4.0"].reasons[0].kind == "requires-python"
    assert by_version["4.0"].change is not None and by_version["4.0"].change.python == "3.13"
    assert "its requires-python admits 3.13" in by_version["4.0"].change.text
    assert by_version["3.0"].reasons[0].kind == "sdist-only" and by_version["3.0"].change is None
    assert by_version["2.0"].reasons[0].kind == "requires-python"
    assert "metadata" in by_version["2.0"].reasons[0].text
    assert by_version["1.0"].reasons[0].kind == "no-wheel-for-python"
    assert answer.newest_candidate is None


def test_the_smallest_change_prefers_the_nearer_python_and_the_newer_of_two_as_near(fake: FakeIndex):
    files = fake.add("lib", "1.0", wheels=[LINUX_311.replace("311", "310"), LINUX_312.replace("312", "314")])
    parsed = group_by_version("lib", files)[Version("1.0")]
    target = make_target("3.12", "manylinux")
    change = smallest_change(choose_files(Version("1.0"), parsed, target), parsed, target)
    assert change is not None and change.python == "3.14"  # 3.10 and 3.14 are as near; newer wins
    target = make_target("3.11", "manylinux")
    change = smallest_change(choose_files(Version("1.0"), parsed, target), parsed, target)
    assert change is not None and change.python == "3.10"
    assert change.text == "cp310 wheels exist; on 3.10 this release is a candidate"
