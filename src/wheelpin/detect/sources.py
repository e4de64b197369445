"""What a detection finds, and where: a value with the file and line it came from.  [pure]"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from wheelpin.errors import InputError

# A CPython version as the deploy files write it once their own prefix is gone: 3.11 or 3.11.9.
VERSION_RE = re.compile(r"\d+\.\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A detected value (a Python version such as "3.11.9", a platform preset name such as "lambda-arm64",
    or a requires-python specifier), the file that says so, its line, and the text found there."""

    value: str
    file: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where} ({self.text})"


@dataclass(slots=True)
class Findings:
    """What one or more files say: Python versions and platforms (best first), and warnings."""

    pythons: list[Finding] = field(default_factory=list)
    platforms: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: Findings) -> None:
        self.pythons += other.pythons
        self.platforms += other.platforms
        self.warnings += other.warnings


def shown(project: Path, path: Path) -> str:
    """A file's name as messages show it: relative to the working directory when the file is under it (so
    that ``src/template.yaml:5`` says which directory's file was read), else relative to the project directory
    (whose path the caller names), else as the user gave it."""
    absolute = Path(os.path.abspath(path))
    for base in (Path(os.getcwd()), Path(os.path.abspath(project))):
        try:
            return absolute.relative_to(base).as_posix()
        except ValueError:
            continue
    return os.fspath(path)


def read_text(path: Path, name: str) -> str | None:
    """The file's text (UTF-8, BOM tolerated; CRLF and CR become LF), or None when it does not exist."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"{name} cannot be read ({exc.strerror or exc}); fix its permissions or move it away, "
                         "or give --python and --platform so that wheelpin does not read it.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}, line {line}: the file is not valid UTF-8 (byte {data[exc.start]:#04x}); save it "
                         "with UTF-8 encoding.") from None
    # Windows editors write CRLF; splitlines() alone would keep a stray CR inside continuation lines.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def same_python(a: str, b: str) -> bool:
    """Whether two detected versions agree: the same minor, and the same patch when both give one."""
    left, right = a.split("."), b.split(".")
    return left[:2] == right[:2] and (len(left) < 3 or len(right) < 3 or left[2] == right[2])
