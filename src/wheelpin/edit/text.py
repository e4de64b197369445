"""Rewriting one requirement in place, in a requirements file's text, and the diff of a change.  [pure]

Only the requirement's specifier changes: its name, extras and marker are kept as written, and so is every
other byte of the file — comments, blank lines, order, line endings (CRLF stays CRLF), a byte-order mark, a
missing final newline, the options and comment that follow the requirement on its line.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Sequence

from wheelpin.edit.plan import Edit
from wheelpin.errors import InputError

# What pip (and inputs.py) treat as a comment and as the start of an option on a requirement line.
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_OPTION_START_RE = re.compile(r"(?:^|\s)-")
# PEP 508's head: the name, optional extras, then the version specifier up to a marker's ';'.
_HEAD_RE = re.compile(r"^(?P<name>\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?P<extras>\s*\[[^\]]*\])?"
                      r"(?P<spec>[^;]*?)(?P<space>\s*)(?P<marker>;.*)?$", re.DOTALL)


def rewrite_requirement(text: str, specifier: str) -> str:
    """``text`` (one PEP 508 requirement as written) with its version specifier replaced by ``specifier``."""
    head = _HEAD_RE.match(text)
    if head is None:  # pragma: no cover - inputs.py parsed this text as a requirement
        raise InputError(f"{text!r} is not a requirement wheelpin can rewrite; change it by hand.")
    space = head["space"] if head["marker"] else ""
    return f"{head['name']}{head['extras'] or ''}{specifier}{space}{head['marker'] or ''}"


def edit_requirements_text(text: str, edits: Sequence[Edit]) -> str:
    """The requirements file's ``text`` with each edit's line rewritten (edits of one file)."""
    lines = text.splitlines(keepends=True)  # the numbering inputs.py uses (str.splitlines)
    for edit in edits:
        assert edit.line is not None
        if not 0 < edit.line <= len(lines):
            raise InputError(f"{edit.where}: the file has changed since it was read (it has {len(lines)} lines); "
                             "run wheelpin fix again.")
        lines[edit.line - 1] = _edit_line(lines[edit.line - 1], edit)
    return "".join(lines)


def _edit_line(raw: str, edit: Edit) -> str:
    body = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    ending = raw[len(body):]
    bom = "\ufeff" if body.startswith("\ufeff") else ""
    content = body[len(bom):]
    comment = _COMMENT_RE.search(content)
    code = content[: comment.start()] if comment else content
    continued = code.endswith("\\")
    option = _OPTION_START_RE.search(code[:-1] if continued else code)
    stop = option.start() if option else len(code) - (1 if continued else 0)
    written = code[:stop]
    start = len(written) - len(written.lstrip())
    written = written.strip()
    if "${" in written:
        raise InputError(f"{edit.where}: {written!r} takes its version from an environment variable; set the "
                         f"variable to give {edit.requirement}, or edit the line yourself.")
    if "--hash" in content:
        raise InputError(f"{edit.where}: the line carries --hash options, so the file is a hashed lock; re-lock it "
                         "with `wheelpin resolve` instead of editing it.")
    if not edit.matches(written):
        raise InputError(f"{edit.where}: the requirement {edit.item.requirement} does not stand on this line as "
                         "one piece (a line continued with a backslash?); edit it by hand to "
                         f"{edit.requirement}.")
    new = rewrite_requirement(written, edit.specifier)
    return f"{bom}{content[:start]}{new}{content[start + len(written):]}{ending}"


def unified_diff(path: str, old: str, new: str) -> Iterator[str]:
    """The change as a unified diff (``a/`` and ``b/`` prefixes, as git writes them), line endings as in the
    file; a last line without a newline is marked the way diff and git mark it."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    before, after = (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")
    for line in difflib.unified_diff(old_lines, new_lines, fromfile=before, tofile=after):
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield "\\ No newline at end of file\n"
