"""Behaviour of wheelpin.lockfile: a Resolution → requirements-lock.txt lines, and atomic writes."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheelpin.errors import InputError
from wheelpin.inputs import parse_requirements_file
from wheelpin.lockfile import lock_lines, write_atomic
from wheelpin.models import DistFile, Pin, Resolution
from wheelpin.target import Target, make_target
from wheelpin.wheels import VersionChoice

COMMAND = "wheelpin lock -r requirements.txt --python 3.11 --platform manylinux"
TARGET = make_target("3.11", "manylinux")


def digest(filename: str) -> str:
    return hashlib.sha256(filename.encode()).hexdigest()


def dist(filename: str, *, sha256: str | None = "") -> DistFile:
    return DistFile(
        filename=filename,
        url=f"https://files.example/packages/{filename}",
        sha256=digest(filename) if sha256 == "" else sha256,
    )


def pin(
    name: str,
    version: str,
    *,
    wheels: tuple[str, ...] = (),
    sdist: str | None = None,
    from_source: bool = False,
    via: tuple[str, ...] = ("-r requirements.txt",),
) -> Pin:
    choice = VersionChoice(
        version=Version(version),
        wheels=tuple(dist(w) for w in wheels),
        sdist=dist(sdist) if sdist else None,
        yanked=False,
        reason=None if wheels else "only an sdist, no wheels",
    )
    return Pin(
        name=canonicalize_name(name),
        version=Version(version),
        choice=choice,
        from_source=from_source,
        via=via,
    )


def render(*pins: Pin, target: Target = TARGET, command: str = COMMAND) -> list[str]:
    return list(lock_lines(Resolution(target=target, pins=pins), command=command))


def _first_pin(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))


def header(lines: list[str]) -> list[str]:
    return lines[: _first_pin(lines)]


def body(lines: list[str]) -> list[str]:
    return lines[_first_pin(lines) :]


def requirement_lines(lines: list[str]) -> list[str]:
    return [line.split(" ")[0] for line in body(lines) if not line.startswith(" ")]


def hashes_in(lines: list[str]) -> list[str]:
    return [
        line.strip().removesuffix("\\").strip().removeprefix("--hash=sha256:")
        for line in lines
        if line.strip().startswith("--hash=")
    ]


REQUESTS = pin(
    "requests", "2.32.3", wheels=("requests-2.32.3-py3-none-any.whl",), sdist="requests-2.32.3.tar.gz"
)
CHARSET = pin(
    "charset-normalizer",
    "3.4.0",
    wheels=(
        "charset_normalizer-3.4.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "charset_normalizer-3.4.0-py3-none-any.whl",
    ),
    sdist="charset_normalizer-3.4.0.tar.gz",
    via=("requests",),
)
IDNA = pin("idna", "3.10", wheels=("idna-3.10-py3-none-any.whl",), via=("requests",))
URLLIB3 = pin("urllib3", "2.2.3", wheels=("urllib3-2.2.3-py3-none-any.whl",), via=("botocore", "requests"))


# -- header -------------------------------------------------------------------------------------------


def test_header_names_the_command_and_the_target() -> None:
    lines = render(REQUESTS)
    top = header(lines)
    assert all(line.startswith("#") for line in top)
    text = "\n".join(top)
    assert COMMAND in text
    assert "CPython 3.11" in text
    assert "manylinux_2_28_x86_64" in text
    assert "3.11.0" in text  # what requires-python was checked against


def test_header_reflects_another_target() -> None:
    text = "\n".join(header(render(REQUESTS, target=make_target("3.13.1", "macos"), command="wheelpin lock")))
    assert "CPython 3.13" in text
    assert "3.13.1" in text
    assert "macosx_13_0_arm64" in text
    assert "manylinux" not in text


def test_header_lists_packages_built_from_source() -> None:
    lines = render(REQUESTS, pin("pyyaml", "6.0.2", sdist="PyYAML-6.0.2.tar.gz", from_source=True))
    source_lines = [line for line in header(lines) if "from source" in line]
    assert len(source_lines) == 1
    assert "pyyaml" in source_lines[0]
    assert not any("from source" in line for line in header(render(REQUESTS)))


# -- pins ---------------------------------------------------------------------------------------------


def test_one_line_per_pin_in_name_order() -> None:
    lines = render(CHARSET, IDNA, REQUESTS, URLLIB3)
    assert requirement_lines(lines) == [
        "charset-normalizer==3.4.0",
        "idna==3.10",
        "requests==2.32.3",
        "urllib3==2.2.3",
    ]


def test_only_the_target_wheels_hashes_appear_each_once_and_sorted() -> None:
    lines = render(CHARSET)
    expected = sorted(
        digest(name)
        for name in (
            "charset_normalizer-3.4.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "charset_normalizer-3.4.0-py3-none-any.whl",
        )
    )
    assert hashes_in(lines) == expected
    assert digest("charset_normalizer-3.4.0.tar.gz") not in "\n".join(lines)


def test_hashes_are_continuation_lines_of_their_pin() -> None:
    lines = body(render(CHARSET))
    assert lines[0] == "charset-normalizer==3.4.0 \\"
    assert lines[1].startswith("    --hash=sha256:") and lines[1].endswith(" \\")
    assert lines[2].startswith("    --hash=sha256:") and not lines[2].endswith("\\")


def test_a_hash_shared_by_two_files_is_listed_once() -> None:
    shared = "ab" * 32
    choice = VersionChoice(
        version=Version("1.0"),
        wheels=(
            dist("foo-1.0-py3-none-any.whl", sha256=shared),
            dist("foo-1.0-py2.py3-none-any.whl", sha256=shared),
        ),
        sdist=None,
        yanked=False,
        reason=None,
    )
    foo = Pin(
        name=canonicalize_name("foo"),
        version=Version("1.0"),
        choice=choice,
        from_source=False,
        via=("command line",),
    )
    assert hashes_in(render(foo)) == [shared]


def test_a_pin_without_known_hashes_is_a_bare_line() -> None:
    choice = VersionChoice(
        version=Version("1.0"),
        wheels=(dist("foo-1.0-py3-none-any.whl", sha256=None),),
        sdist=None,
        yanked=False,
        reason=None,
    )
    foo = Pin(name=canonicalize_name("foo"), version=Version("1.0"), choice=choice, from_source=False, via=())
    assert body(render(foo)) == ["foo==1.0"]


def test_via_one_parent_is_inline() -> None:
    lines = body(render(IDNA))
    assert "    # via requests" in lines


def test_via_many_parents_is_a_list() -> None:
    lines = body(render(URLLIB3))
    start = lines.index("    # via")
    assert lines[start + 1 : start + 3] == ["    #   botocore", "    #   requests"]
    assert not any(line.startswith("    # via ") for line in lines)


def test_sdist_pin_is_marked_as_built_from_source_and_hashes_the_sdist() -> None:
    lines = body(render(pin("pyyaml", "6.0.2", sdist="PyYAML-6.0.2.tar.gz", from_source=True)))
    assert lines[0] == "pyyaml==6.0.2 \\"
    assert hashes_in(lines) == [digest("PyYAML-6.0.2.tar.gz")]
    marks = [line for line in lines if line.startswith("    #") and "source" in line]
    assert len(marks) == 1
    assert not any("source" in line for line in body(render(REQUESTS)))


def test_lock_parses_back_as_the_same_pins(tmp_path: Path) -> None:
    sdist_pin = pin("pyyaml", "6.0.2", sdist="PyYAML-6.0.2.tar.gz", from_source=True)
    path = tmp_path / "requirements-lock.txt"
    write_atomic(
        path,
        lock_lines(
            Resolution(target=TARGET, pins=(CHARSET, IDNA, sdist_pin, REQUESTS, URLLIB3)), command=COMMAND
        ),
    )
    parsed = parse_requirements_file(path)
    assert parsed.constraints == ()
    pins = {str(item.requirement.name): str(item.requirement.specifier) for item in parsed.requirements}
    assert pins == {
        "charset-normalizer": "==3.4.0",
        "idna": "==3.10",
        "pyyaml": "==6.0.2",
        "requests": "==2.32.3",
        "urllib3": "==2.2.3",
    }
    hashes = {str(item.requirement.name): sorted(item.hashes) for item in parsed.requirements}
    assert hashes["charset-normalizer"] == hashes_in(render(CHARSET))
    assert hashes["pyyaml"] == [digest("PyYAML-6.0.2.tar.gz")]
    assert all(item.requirement.marker is None for item in parsed.requirements)


# -- write_atomic -------------------------------------------------------------------------------------


def leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_write_atomic_writes_every_line(tmp_path: Path) -> None:
    path = tmp_path / "requirements-lock.txt"
    write_atomic(path, ["a==1", "b==2 \\", "    --hash=sha256:" + "0" * 64])
    assert path.read_bytes() == f"a==1\nb==2 \\\n    --hash=sha256:{'0' * 64}\n".encode()
    assert leftovers(tmp_path, path.name) == []


def test_write_atomic_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "lock.txt"
    path.write_text("old\n" * 1000)
    write_atomic(path, (f"line {i}" for i in range(3)))
    assert path.read_text() == "line 0\nline 1\nline 2\n"
    assert leftovers(tmp_path, path.name) == []


def test_write_atomic_writes_utf8_with_unix_newlines(tmp_path: Path) -> None:
    path = tmp_path / "lock.txt"
    write_atomic(path, ["# café", "x==1"])
    assert path.read_bytes() == "# café\nx==1\n".encode()


def test_write_atomic_keeps_the_old_file_when_the_lines_fail(tmp_path: Path) -> None:
    path = tmp_path / "requirements-lock.txt"
    path.write_text("old==1.0\n")

    def lines() -> Iterator[str]:
        yield "new==2.0"
        yield "half"
        raise RuntimeError("metadata fetch failed")

    with pytest.raises(RuntimeError, match="metadata fetch failed"):
        write_atomic(path, lines())
    assert path.read_text() == "old==1.0\n"
    assert leftovers(tmp_path, path.name) == []


def test_write_atomic_cleans_up_when_the_rename_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "lock.txt"
    target.write_text("old\n")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="lock.txt"):
        write_atomic(target, ["x==1"])
    assert leftovers(tmp_path, target.name) == []
    assert target.read_text() == "old\n"


def test_write_atomic_refuses_a_directory_and_a_missing_directory(tmp_path: Path) -> None:
    directory = tmp_path / "lock.txt"
    directory.mkdir()
    (directory / "inside").write_text("keep")
    with pytest.raises(InputError, match="directory"):
        write_atomic(directory, ["x==1"])
    assert (directory / "inside").read_text() == "keep"
    with pytest.raises(InputError, match="no-such-dir"):
        write_atomic(tmp_path / "no-such-dir" / "lock.txt", ["x==1"])
    assert leftovers(tmp_path, "lock.txt") == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_write_atomic_mode_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    path = tmp_path / "lock.txt"
    old = os.umask(umask)
    try:
        write_atomic(path, ["x==1"])
        after = os.umask(old)
    except BaseException:
        os.umask(old)
        raise
    assert after == umask  # the umask is left as it was
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_write_atomic_to_a_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_atomic("lock.txt", ["x==1"])
    assert (tmp_path / "lock.txt").read_text() == "x==1\n"
    assert leftovers(tmp_path, "lock.txt") == []


# -- write_atomic writes through links, devices and FIFOs, as uv does ------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks")
def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "lock.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, ["x==1"])
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "x==1\n"
    assert leftovers(tmp_path / "real", real.name) == []  # the temp file was made next to the target
    assert leftovers(tmp_path, "real") == ["link.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks")
def test_write_atomic_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    write_atomic(link, ["x==1"])
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "x==1\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
@pytest.mark.timeout(20)
def test_write_atomic_writes_into_a_fifo_instead_of_replacing_it(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, ["x==1", "y==2"])
    reader.join(10)
    assert got == [b"x==1\ny==2\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file renamed over it
    assert leftovers(tmp_path, fifo.name) == []


@pytest.mark.skipif(not hasattr(os, "mknod") or getattr(os, "geteuid", lambda: 1)() != 0,
                    reason="making a character device needs root")
def test_write_atomic_writes_into_a_character_device(tmp_path: Path) -> None:
    device = tmp_path / "null"
    dev_null = os.stat("/dev/null")  # read only, for its device number: the test writes to its own copy
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, dev_null.st_rdev)
    except OSError as exc:  # a container may forbid mknod even to root
        pytest.skip(f"cannot make a device node here: {exc}")
    write_atomic(device, ["x==1"])
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert leftovers(tmp_path, device.name) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks")
def test_write_bytes_atomic_keeps_the_mode_of_a_linked_file(tmp_path: Path) -> None:
    from wheelpin.lockfile import write_bytes_atomic

    real = tmp_path / "requirements.txt"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    write_bytes_atomic(link, b"new\n", keep_mode=True)
    assert link.is_symlink() and real.read_text() == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
