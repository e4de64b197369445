"""Property-based fuzzing (Hypothesis, the derandomized "wheelpin" profile of conftest.py): requirements files,
wheel filenames, --python / --platform values and lockfiles given to ``check``.  No input gives a traceback;
a bad one gives exit 2 with a message naming the file and line (or the value).

The CLI runs are ``--offline`` on an empty cache, so an input that parses stops at exit 3 without any network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wheelpin.cli import main
from wheelpin.errors import InputError
from wheelpin.inputs import parse_requirements_file
from wheelpin.models import DistFile
from wheelpin.target import make_target
from wheelpin.wheels import choose_files, group_by_version

# Pieces real requirements files are made of, and the ways they go wrong, for Hypothesis to combine.
NAMES = st.sampled_from(["six", "fastapi", "Foo_Bar", "a", "x-y.z", "1abc", "-bad", "na me", "ü", ""])
SPECS = st.sampled_from(["", "==1.0", ">=2,<3", "~=1.4.2", "===1", "==1.*", ">=>1", "==", "!=1.0b1", "@ ",
                         " @ https://example.invalid/x.whl", "==1.0 ; python_version < '3.10'", "; os_name ==",
                         "[extra]", "[a,b]>=1", "[", "(>=1)", "==1.0 --hash=sha256:" + "a" * 64])
OPTIONS = st.sampled_from(["-r missing.txt", "-c", "--index-url", "-i https://example.invalid/simple",
                           "--extra-index-url=", "-e .", "-e", "--pre", "--hash", "--no-binary :all:",
                           "--unknown-option value", "-f ./wheels", "--only-binary=:none:", "-r"])
JUNK = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)
LINE = st.one_of(st.builds(lambda n, s: n + s, NAMES, SPECS), OPTIONS, JUNK,
                 st.sampled_from(["# comment", "", "   ", "\\", "six \\", "${WHEELPIN_FUZZ_UNSET}", "\t==1"]))
FILE = st.lists(LINE, max_size=6).map("\n".join)

_WHERE = re.compile(r", line (\d+)")


def _bad_line(message: str, shown: str, text: str) -> int | None:
    """The line number the message gives for the file ``shown``, checked to be one of the file's lines."""
    assert shown in message, message
    found = _WHERE.search(message)
    if found is None:
        return None
    number = int(found.group(1))
    assert 1 <= number <= max(1, len(text.splitlines())), message
    return number


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _cli(workdir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--offline", "--cache-dir", str(workdir / "cache"),
                 "--index-url", "https://index.invalid/simple/"])
    return code, capsys.readouterr().err


@given(text=FILE)
@example(text="six\nfastapi>=>1\n")
def test_a_requirements_file_parses_or_names_its_bad_line(workdir, text):
    path = workdir / "requirements.txt"
    path.write_text(text, encoding="utf-8")
    try:
        parse_requirements_file(path)
    except InputError as exc:
        message = str(exc)
        if "missing.txt" not in message and "not found" not in message:  # an include names the including line
            assert _bad_line(message, "requirements.txt", text) is not None, message


@given(text=FILE)
def test_resolve_given_any_requirements_file_exits_without_a_traceback(workdir, capsys, text):
    path = workdir / "req.txt"
    path.write_text(text, encoding="utf-8")
    code, err = _cli(workdir, capsys, "resolve", "-r", str(path), "--python", "3.12")
    assert code in (0, 1, 2, 3), err  # any other exception would have escaped main() as a traceback
    assert "Traceback" not in err
    if code == 2:
        assert "req.txt" in err, err


PIN = st.builds(lambda n, v: f"{n}=={v}", NAMES, st.sampled_from(["1.0", "2.0.post1", "1!2", "x", "", "1.0.*"]))
HASH = st.builds(lambda h: f"    --hash=sha256:{h}", st.sampled_from(["a" * 64, "zz", "", "A" * 64]))
LOCK_LINE = st.one_of(PIN, st.builds(lambda p: p + " \\", PIN), HASH, st.builds(lambda h: h + " \\", HASH),
                      JUNK, st.sampled_from(["#", "    # via six", "-e git+https://example.invalid/x", "./local"]))


@given(text=st.lists(LOCK_LINE, max_size=6).map("\n".join), raw=st.binary(max_size=4))
def test_check_given_any_lockfile_exits_2_naming_the_file_or_3_offline(workdir, capsys, text, raw):
    path = workdir / "lock.txt"
    path.write_bytes(text.encode() + raw)  # trailing bytes that may not be UTF-8
    code, err = _cli(workdir, capsys, "check", str(path), "--python", "3.12")
    assert code in (2, 3), err
    assert "Traceback" not in err
    if code == 2:
        assert "lock.txt" in err, err


PYTHON = st.one_of(st.sampled_from(["3.12", "3.12.1", "3.9-3.13", "3.13,3.11", "2.7", "3", "3.99", "4.0", "3.12.x",
                                    "3.13-3.11", "", ",", "3.12,", "pypy3.10", "3.1O"]), JUNK)
PLATFORM = st.one_of(st.sampled_from(["manylinux", "musllinux", "macos", "windows", "manylinux_2_17_x86_64",
                                      "manylinux_9_99_sparc", "macosx_11_0_arm64", "win_amd64", "linux_x86_64",
                                      "manylinux2014_aarch64", "musllinux_1_x_x86_64", "macosx_10_arm64", "any"]),
                     JUNK)


@given(python=PYTHON, platform=PLATFORM)
def test_any_python_and_platform_value_is_a_target_or_exit_2_naming_it(workdir, capsys, python, platform):
    code, err = _cli(workdir, capsys, "resolve", "six", f"--python={python}", f"--platform={platform}")
    assert code in (2, 3), err
    assert "Traceback" not in err
    if code == 2:
        # the value itself, or (when it is blank or made of control characters the console drops) its option
        assert any(repr(value.strip()) in err or (value.strip() and value.strip() in err)
                   for value in (python, platform)) or re.search(r"--(python|platform)\b", err), err


WHEEL_NAME = st.one_of(
    st.builds(lambda n, v, t: f"{n}-{v}-{t}.whl", st.sampled_from(["foo", "Foo", "foo_bar", "bar", ""]),
              st.sampled_from(["1.0", "1.0-1", "x", "2!1.0", ""]),
              st.sampled_from(["py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-abi3-win_amd64",
                               "py3-none", "a-b-c-d", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"])),
    st.builds(lambda s: f"foo-{s}", st.sampled_from(["1.0.tar.gz", "1.0.zip", ".tar.gz", "1.0.exe", "1.0.egg"])),
    JUNK,
)


@given(filenames=st.lists(WHEEL_NAME, max_size=5))
def test_any_file_name_on_a_page_is_judged_or_skipped_never_a_crash(filenames):
    files = [DistFile(filename=name, url=f"https://index.invalid/files/{i}", sha256="a" * 64)
             for i, name in enumerate(filenames)]
    grouped = group_by_version("foo", files)
    target = make_target("3.12", "manylinux")
    for version, parsed in grouped.items():
        choice = choose_files(version, parsed, target)
        assert all(f.filename in filenames for f in choice.wheels)
