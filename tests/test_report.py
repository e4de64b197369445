"""The Python-version report, on the recorded index."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import jsonschema
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheeloracle import DATA, compatible_wheel_hashes, page
from wheelpin.cli import main
from wheelpin.cli.render import report_json, runtime_file_text, runtime_values
from wheelpin.index import HttpIndex
from wheelpin.inputs import parse_requirement_strings, parse_requirements_file
from wheelpin.pythons import PythonRelease
from wheelpin.report import build_report
from wheelpin.resolve import Session
from wheelpin.target import make_target

ROOT = Path(__file__).parent.parent
FASTAPI = ROOT / "examples" / "render-fastapi" / "requirements.txt"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())
RELEASES = [PythonRelease(minor=m, newest_patch=p) for m, p in [(11, 14), (12, 12), (13, 9), (14, 2)]]


@pytest.fixture
def index(index_url: str):
    http = HttpIndex([index_url])
    prefetching = Session(http)
    yield prefetching
    prefetching.close()
    http.client.close()


def first_pydantic_with_cp314_core() -> str:
    """Independently of wheelpin: the lowest recorded pydantic > 2.9.2 whose pinned pydantic-core has a
    cp314 manylinux wheel."""
    versions = sorted({Version(f["filename"].split("-")[1]) for f in page("pydantic")["files"]
                       if f["filename"].endswith(".whl") and "core-metadata" in f})
    for version in versions:
        if version <= Version("2.9.2") or version.is_prerelease:
            continue
        raw = (DATA / "metadata" / "pydantic" / f"{version}.metadata").read_bytes()
        for line in BytesHeaderParser().parsebytes(raw).get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.name.replace("_", "-") == "pydantic-core" and requirement.marker is None:
                core = next(iter(requirement.specifier)).version
                if compatible_wheel_hashes("pydantic-core", core, minor=14):
                    return str(version)
    raise AssertionError("the fixture holds no pydantic whose pydantic-core has cp314 wheels")


def test_render_fastapi_clean_on_311_to_313_blocked_on_314_with_a_verified_fix(index):
    inputs = parse_requirements_file(FASTAPI)
    targets = [make_target(p, "manylinux") for p in ("3.11", "3.12", "3.13", "3.14")]
    report = build_report(inputs, targets, index, RELEASES)
    verdicts = {v.python: v for v in report.pythons}
    assert [verdicts[p].ok for p in ("3.11", "3.12", "3.13", "3.14")] == [True, True, True, False]
    (blocker,) = verdicts["3.14"].blockers
    assert (blocker.name, blocker.version) == ("pydantic-core", "2.23.4")
    assert blocker.kind == "no-wheel-for-python"
    assert blocker.chain == ("pydantic==2.9.2", "pydantic-core==2.23.4")
    assert blocker.fix == f"pydantic>={first_pydantic_with_cp314_core()}"
    assert verdicts["3.14"].fixed_by_all is True
    assert report.recommended is not None and report.recommended.full_version == "3.13.9"


def test_two_independent_blockers_are_both_listed(index):
    inputs = parse_requirement_strings(["tiktoken==0.6.0", "pydantic==2.9.2"])
    report = build_report(inputs, [make_target("3.14", "manylinux")], index, RELEASES)
    (verdict,) = report.pythons
    assert not verdict.ok
    assert {(b.name, b.version) for b in verdict.blockers} == {("tiktoken", "0.6.0"),
                                                                ("pydantic-core", "2.23.4")}
    tiktoken = next(b for b in verdict.blockers if b.name == "tiktoken")
    assert tiktoken.chain == ("tiktoken==0.6.0",)
    assert tiktoken.fix is not None and tiktoken.fix.startswith("tiktoken>=")
    fixed = Version(tiktoken.fix.split(">=")[1])
    assert compatible_wheel_hashes("tiktoken", str(fixed), minor=14)
    assert report.recommended is None


def test_requires_python_blocker_is_told_apart_from_a_missing_wheel(index):
    numpy_versions = sorted(Version(f["filename"].split("-")[1]) for f in page("numpy")["files"]
                            if f["filename"].endswith(".whl") and (f.get("requires-python") or "").startswith(">=3.11"))
    assert numpy_versions, "fixture needs a numpy release that requires Python >= 3.11"
    pinned = numpy_versions[0]
    inputs = parse_requirement_strings([f"numpy=={pinned}"])
    report = build_report(inputs, [make_target("3.10", "manylinux")], index, RELEASES)
    (blocker,) = report.pythons[0].blockers
    assert blocker.kind == "requires-python"
    assert "requires-python" in blocker.reason
    assert blocker.fix is None  # no later numpy supports 3.10 again


def test_json_validates_against_the_schema(index):
    inputs = parse_requirements_file(FASTAPI)
    targets = [make_target(p, "manylinux") for p in ("3.13", "3.14")]
    document = report_json(build_report(inputs, targets, index, RELEASES))
    jsonschema.validate(document, SCHEMA)
    assert document["recommended"] == {"python": "3.13", "patch": "3.13.9"}


def test_runtime_file_formats():
    release = PythonRelease(minor=13, newest_patch=9)
    assert runtime_file_text("runtime.txt", release) == "python-3.13.9\n"
    assert runtime_file_text("deploy/runtime.txt", release) == "python-3.13.9\n"
    assert runtime_file_text(".python-version", release) == "3.13\n"
    assert runtime_file_text("runtime.txt", PythonRelease(minor=13, newest_patch=None)) == "python-3.13\n"


def test_tool_versions_and_free_threaded_runtime_file_formats():
    release = PythonRelease(minor=13, newest_patch=9)
    free = PythonRelease(minor=13, newest_patch=9, freethreaded=True)
    assert runtime_file_text(".tool-versions", release) == "python 3.13.9\n"
    assert runtime_file_text(".tool-versions", release, "nodejs 22.1.0\r\npython 3.11.2\r\n") == \
        "nodejs 22.1.0\npython 3.13.9\n"
    assert runtime_file_text(".tool-versions", free) == "python 3.13.9t\n"
    assert runtime_file_text(".python-version", free) == "3.13t\n"


def test_runtime_values_need_a_patch_where_the_platform_takes_only_a_full_version():
    unknown = PythonRelease(minor=13, newest_patch=None)
    (line,) = runtime_values("render", unknown)
    assert "PYTHON_VERSION takes only a full version" in line and "=" not in line
    assert runtime_values("lambda", unknown) == [
        "lambda: Runtime: python3.13 (SAM template.yaml; serverless.yml: runtime: python3.13)"]
    (free,) = runtime_values("lambda", PythonRelease(minor=13, newest_patch=9, freethreaded=True))
    assert "free-threaded" in free and "python3.13" not in free
    assert runtime_values("manylinux_2_28_x86_64", unknown) == []


def test_cli_report_writes_runtime_files_and_json(index_url, tmp_path, capsys, clean_env):
    common = ["-r", str(FASTAPI), "--python", "3.12-3.14", "--index-url", index_url,
              "--cache-dir", str(tmp_path / "cache")]
    assert main(["report", *common, "--write-runtime", str(tmp_path / "runtime.txt")]) == 0
    assert re.fullmatch(r"python-3\.13\.\d+\n", (tmp_path / "runtime.txt").read_text())
    assert main(["report", *common, "--write-runtime", str(tmp_path / ".python-version")]) == 0
    assert (tmp_path / ".python-version").read_text() == "3.13\n"
    capsys.readouterr()
    assert main(["report", *common, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, SCHEMA)
    assert [p["ok"] for p in document["pythons"]] == [True, True, False]


def test_cli_report_markdown_and_exit_1_when_nothing_is_clean(index_url, tmp_path, capsys, clean_env):
    code = main(["report", "pydantic==2.9.2", "--python", "3.14", "--format", "markdown",
                 "--index-url", index_url, "--cache-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "| 3.14 | ❌ no |" in out
    assert "`pydantic-core==2.23.4`" in out
    assert "Fix: `pydantic>=" in out


def test_a_release_held_back_for_lack_of_wheels_is_reported(index):
    """tiktoken's newest releases ship manylinux_2_28 wheels only: a glibc 2.17 target gets an older one."""
    report = build_report(parse_requirement_strings(["tiktoken>=0.7,<1"]),
                          [make_target("3.12", "manylinux_2_17_x86_64")], index, RELEASES)
    (verdict,) = report.pythons
    assert verdict.ok
    (held,) = [h for h in verdict.held_back if h.name == "tiktoken"]
    wheels = [f["filename"] for f in page("tiktoken")["files"] if f["filename"].endswith(".whl")]
    newest = max(Version(filename.split("-")[1]) for filename in wheels)
    assert held.newest == str(newest)
    assert "manylinux_2_17_x86_64" in held.reason
    chosen = verdict.pins["tiktoken"]
    assert held.chosen == chosen
    assert compatible_wheel_hashes("tiktoken", chosen, minor=12, glibc_minor=17)
    assert not compatible_wheel_hashes("tiktoken", str(newest), minor=12, glibc_minor=17)


def test_a_blocker_no_release_can_fix_says_why(index):
    report = build_report(parse_requirements_file(FASTAPI), [make_target("3.15", "manylinux")], index, RELEASES)
    (verdict,) = report.pythons
    blockers = {b.name: b for b in verdict.blockers}
    assert blockers["pydantic-core"].fix is not None and blockers["pydantic-core"].note == ""
    pyyaml = blockers["pyyaml"]
    assert pyyaml.fix is None
    assert "no release of pyyaml has a wheel" in pyyaml.note
    assert not any(compatible_wheel_hashes("pyyaml", str(v), minor=15) for v in
                   {f["filename"].split("-")[1] for f in page("pyyaml")["files"] if f["filename"].endswith(".whl")})
    assert verdict.fixed_by_all is False


def test_fix_for_a_deep_chain_is_the_lowest_release_that_really_unblocks():
    """app 1.0 → mid 1.0 → core 1.0 (no cp312 wheel). app 2.0 still needs mid 1.0; app 3.0 needs mid 2.0,
    whose core 2.0 has one. The fix is app>=3.0, not the first later release."""
    from fakeindex import LINUX_311, LINUX_312, FakeIndex

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["mid==1.0"])
    fake.add("app", "2.0", requires=["mid==1.0"])
    fake.add("app", "3.0", requires=["mid==2.0"])
    fake.add("app", "4.0", requires=["mid==2.0"])
    fake.add("mid", "1.0", requires=["core==1.0"])
    fake.add("mid", "2.0", requires=["core==2.0"])
    fake.add("core", "1.0", wheels=[LINUX_311])
    fake.add("core", "2.0", wheels=[LINUX_311, LINUX_312])
    index = Session(fake)
    try:
        report = build_report(parse_requirement_strings(["app==1.0"]), [make_target("3.12", "manylinux")], index,
                              RELEASES)
    finally:
        index.close()
    (blocker,) = report.pythons[0].blockers
    assert blocker.chain == ("app==1.0", "mid==1.0", "core==1.0")
    assert blocker.fix == "app>=3.0"
    assert report.pythons[0].fixed_by_all is True


def test_a_constraint_that_forces_the_blocker_is_relaxed_by_the_fix(index, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("pydantic==2.9.2\n")
    inputs = parse_requirement_strings(["pydantic"])
    inputs = dataclasses.replace(inputs, constraints=parse_requirements_file(constraints).requirements)
    report = build_report(inputs, [make_target("3.14", "manylinux")], index, RELEASES)
    (blocker,) = report.pythons[0].blockers
    assert blocker.fix == f"pydantic>={first_pydantic_with_cp314_core()}"
    assert "constraint" in blocker.note


def test_pythons_answered_together_match_each_answered_alone(index_url):
    """The verdicts run in parallel threads over one shared index; each must be what a run for that Python
    alone gives."""
    inputs = parse_requirements_file(FASTAPI)
    targets = [make_target(p, "manylinux") for p in ("3.10", "3.11", "3.13", "3.14")]

    def run(for_targets):
        http = HttpIndex([index_url])
        prefetching = Session(http)
        try:
            return build_report(inputs, for_targets, prefetching, RELEASES).pythons
        finally:
            prefetching.close()
            http.client.close()

    together = run(targets)
    alone = tuple(verdict for target in targets for verdict in run([target]))
    assert together == alone
    assert [v.ok for v in together] == [True, True, True, False]


def test_an_index_failure_during_a_many_python_report_ends_the_run():
    from fakeindex import LINUX_311, FakeIndex
    from wheelpin.errors import IndexUnavailable

    class Failing(FakeIndex):
        def metadata(self, name, file):  # type: ignore[no-untyped-def]
            if name == "broken":
                raise IndexUnavailable("the index answered HTTP 500")
            return super().metadata(name, file)

    fake = Failing()
    fake.add("app", "1.0", requires=["broken"])
    fake.add("broken", "1.0", wheels=[LINUX_311])
    index = Session(fake)
    try:
        with pytest.raises(IndexUnavailable, match="HTTP 500"):
            build_report(parse_requirement_strings(["app"]), [make_target(p, "manylinux") for p in
                                                              ("3.10", "3.11", "3.12")], index, RELEASES)
    finally:
        index.close()


def test_a_failed_strict_resolution_starts_fetching_what_the_fix_search_reads():
    from fakeindex import LINUX_311, LINUX_312, FakeIndex
    from wheelpin.errors import NoWheelSolution
    from wheelpin.report import FixSearch
    from wheelpin.resolve import resolve

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["core==1.0"])
    fake.add("app", "2.0", requires=["core==2.0"])
    fake.add("app", "3.0", requires=["core==2.0"])
    fake.add("core", "1.0", wheels=[LINUX_311])
    fake.add("core", "2.0", wheels=[LINUX_311, LINUX_312])
    fake.add("other", "1.0")
    fake.add("other", "2.0")
    target = make_target("3.12", "manylinux")
    inputs = parse_requirement_strings(["app==1.0", "other==1.0"])
    index = Session(fake)
    try:
        with pytest.raises(NoWheelSolution) as failure:
            resolve(inputs, target, index, explain_failure=False)
        assert {"app", "core"} <= failure.value.involved
        assert "other" not in failure.value.involved
        FixSearch(inputs, target, index).prefetch(failure.value.involved)
        wanted = {"app-2.0-py3-none-any.whl", "app-3.0-py3-none-any.whl"}
        deadline = time.monotonic() + 5
        while not wanted <= set(fake.metadata_calls) and time.monotonic() < deadline:
            time.sleep(0.01)  # the fetches run in the pool
    finally:
        index.close()
    assert wanted <= set(fake.metadata_calls)
    assert "other-2.0-py3-none-any.whl" not in fake.metadata_calls  # not part of the conflict


@pytest.mark.timeout(60)
def test_a_failed_strict_resolution_fetches_only_the_first_batch_the_fix_search_reads():
    """The search walks the pinned requirement's later releases oldest first and fetches each next batch as
    it gets there; the answer is usually in the first batch, so the failure starts no more than that."""
    from fakeindex import LINUX_311, FakeIndex
    from wheelpin.errors import NoWheelSolution
    from wheelpin.report import FixSearch
    from wheelpin.report.fixes import PRECHECK_FIRST
    from wheelpin.resolve import resolve

    fake = FakeIndex()
    fake.add("app", "1.0", wheels=[LINUX_311])
    for minor in range(1, 31):
        fake.add("app", f"1.{minor}")
    target = make_target("3.12", "manylinux")
    inputs = parse_requirement_strings(["app==1.0"])
    index = Session(fake)
    try:
        with pytest.raises(NoWheelSolution) as failure:
            resolve(inputs, target, index, explain_failure=False)
        FixSearch(inputs, target, index).prefetch(failure.value.involved)
        first = {f"app-1.{minor}-py3-none-any.whl" for minor in range(1, PRECHECK_FIRST + 1)}
        deadline = time.monotonic() + 5
        while not first <= set(fake.metadata_calls) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # what else was started would have started by now
        later = {c for c in fake.metadata_calls if c.startswith("app-1.") and c != "app-1.0-py3-none-any.whl"}
    finally:
        index.close()
    assert later == first


def test_the_fix_search_judges_no_more_later_releases_than_it_may_try(monkeypatch: pytest.MonkeyPatch):
    """A pin hundreds of releases old is asked about on every Python: releases whose wheels' tags cannot fit
    are passed over from the tags alone, and judging stops at the search's limit."""
    from fakeindex import WIN_311, FakeIndex
    from wheelpin.report import FixSearch
    from wheelpin.report.fixes import MAX_FIX_TRIES

    fake = FakeIndex()
    fake.add("app", "1.0", wheels=[WIN_311])
    for minor in range(1, 21):  # Windows wheels only: no use on Linux
        fake.add("app", f"1.{minor}", wheels=[WIN_311])
    for minor in range(21, 21 + MAX_FIX_TRIES + 20):
        fake.add("app", f"1.{minor}")
    judged: list[str] = []
    real = Session.choice

    def counting(self, name, version, target):  # type: ignore[no-untyped-def]
        judged.append(str(version))
        return real(self, name, version, target)

    monkeypatch.setattr(Session, "choice", counting)
    index = Session(fake)
    try:
        later = FixSearch(parse_requirement_strings(["app==1.0"]), make_target("3.12", "manylinux"),
                          index).later_releases(canonicalize_name("app"), Version("1.0"))
    finally:
        index.close()
    assert [str(c.version) for c in later] == [f"1.{minor}" for minor in range(21, 21 + MAX_FIX_TRIES)]
    assert sorted(set(judged), key=Version) == [str(c.version) for c in later]


def test_a_line_that_builds_from_source_blocks_a_clean_row_unless_allowed(index, tmp_path, monkeypatch):
    """Issue 8: a VCS or path line is no "yes", whatever the index releases do; --allow-source NAME takes the
    line named by its #egg=; a wheel URL that fits the target does not block, one for another platform does."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text(
        "git+https://git.example/requests.git@v2.31.0#egg=requests\n./vendor/foo\nidna\n"
        "https://files.example/bar-1.0-py3-none-any.whl\n")
    inputs = parse_requirements_file("requirements.txt")
    target = make_target("3.12", "manylinux")
    (verdict,) = build_report(inputs, [target], index, RELEASES).pythons
    assert not verdict.ok and verdict.status == "blocked" and "idna" in verdict.pins
    assert [(b.name, b.kind, b.reason, b.fix, b.note) for b in verdict.blockers] == [
        ("requests", "sdist-only",
         "builds from source: git+https://git.example/requests.git@v2.31.0#egg=requests (requirements.txt:1)",
         None, "wheelpin pins only index releases"),
        ("./vendor/foo", "sdist-only", "builds from source: ./vendor/foo (requirements.txt:2)", None,
         "wheelpin pins only index releases")]
    jsonschema.validate(report_json(build_report(inputs, [target], index, RELEASES)), SCHEMA)
    (tmp_path / "requirements.txt").write_text("git+https://git.example/requests.git@v2.31.0#egg=requests\nidna\n"
                                               "https://files.example/bar-1.0-py3-none-any.whl\n")
    allowed = build_report(parse_requirements_file("requirements.txt"), [target], index, RELEASES,
                           allow_source=["requests"])
    assert allowed.pythons[0].ok and allowed.recommended is not None
    (tmp_path / "requirements.txt").write_text("idna\nhttps://files.example/bar-1.0-cp311-cp311-win_amd64.whl\n")
    (other,) = build_report(parse_requirements_file("requirements.txt"), [target], index, RELEASES).pythons
    assert not other.ok and other.blockers[0].kind == "no-wheel"


def test_the_fix_search_fetches_ahead_in_batches_that_grow_not_a_fixed_window():
    """The fix is the first release after the pinned one: the walk reads one release's metadata, so it
    fetches a small first batch ahead, not 24 releases that nothing reads (a cold report's requests)."""
    from fakeindex import LINUX_311, LINUX_312, FakeIndex
    from wheelpin.report.fixes import PRECHECK_FIRST

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["core==1.0"])
    for minor in range(2, 31):
        fake.add("app", f"{minor}.0", requires=["core==2.0"])
    fake.add("core", "1.0", wheels=[LINUX_311])
    fake.add("core", "2.0", wheels=[LINUX_311, LINUX_312])
    target = make_target("3.12", "manylinux")
    session = Session(fake)
    try:
        (verdict,) = build_report(parse_requirement_strings(["app<=1.0"]), [target], session, RELEASES).pythons
    finally:
        session.close()
    assert [b.fix for b in verdict.blockers] == ["app>=2.0"]
    walked = {f"app-{minor}.0-py3-none-any.whl" for minor in range(2, 30)}  # 30.0: the fix's own resolution
    assert 1 <= len(walked & set(fake.metadata_calls)) <= PRECHECK_FIRST


def test_a_blocker_with_no_wheel_in_any_release_skips_the_resolutions_that_cannot_lock(monkeypatch):
    """Issue 13: the page alone shows that no release of ``ext`` has a cp312 wheel, so neither the check that
    all fixes lock together nor the joint search runs a resolution: only the first strict one is strict."""
    import wheelpin.report.fixes as fixes_module
    import wheelpin.report.joint as joint_module
    import wheelpin.report.matrix as matrix_module
    from fakeindex import LINUX_311, LINUX_312, FakeIndex

    fake = FakeIndex()
    fake.add("app", "1.0", requires=["core==1.0"])
    fake.add("app", "2.0", requires=["core==2.0"])
    fake.add("core", "1.0", wheels=[LINUX_311])
    fake.add("core", "2.0", wheels=[LINUX_311, LINUX_312])
    fake.add("lib", "1.0", requires=["ext"])
    fake.add("ext", "1.0", wheels=[LINUX_311], sdist=True)
    fake.add("ext", "2.0", wheels=[LINUX_311], sdist=True)
    strict: list[str] = []
    for module in (fixes_module, joint_module, matrix_module):
        def counted(inputs, target, session, *, _resolve=module.resolve, **options):
            if not options.get("permissive"):
                strict.append(",".join(str(r.requirement) for r in inputs.requirements))
            return _resolve(inputs, target, session, **options)
        monkeypatch.setattr(module, "resolve", counted)
    session = Session(fake)
    try:
        (verdict,) = build_report(parse_requirement_strings(["app==1.0", "lib"]), [make_target("3.12", "manylinux")],
                                  session, RELEASES).pythons
    finally:
        session.close()
    assert {b.name: b.fix for b in verdict.blockers} == {"core": "app>=2.0", "ext": None}
    assert "no release of ext has a wheel for this target at all" in verdict.blockers[1].note
    assert verdict.fixed_by_all is False and verdict.fix == ()
    assert strict == ["app==1.0,lib"]
