"""``--format github``: what a GitHub Actions step shows.  The usual table on stdout, workflow-command
annotations (``::error file=…,line=…::``) on the lines that block, and the markdown appended to the job's
summary file ($GITHUB_STEP_SUMMARY).  Opt-in, as pip and uv never change behaviour by themselves on CI.

A report's blocker is annotated on the line of the direct requirement that brings it in (the head of its
chain); a check's failing pin on its own lock line.  Paths are made relative to $GITHUB_WORKSPACE, where
GitHub looks for them.  Syntax: docs.github.com/en/actions/reference/workflow-commands-for-github-actions.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence

from packaging.utils import canonicalize_name
from rich.console import Console

from wheelpin.check import PinCheck
from wheelpin.cli.check_output import check_markdown_lines
from wheelpin.cli.render import markdown_lines
from wheelpin.inputs import Inputs
from wheelpin.report import Report, VerdictStatus
from wheelpin.report.builds import build_text
from wheelpin.target import Target

_SOURCE_RE = re.compile(r"^(?P<file>.+):(?P<line>\d+)$")


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are the characters the runner decodes."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file=, title=) also ends at ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, source: str | None = None, title: str = "") -> str:
    """``::error file=requirements.txt,line=3,title=…::message``; without a file:line source, unplaced."""
    properties = []
    located = _SOURCE_RE.match(source or "")
    if located is not None:
        properties += [f"file={escape_property(workspace_path(located['file']))}", f"line={located['line']}"]
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(properties)}" if properties else f"::{level}"
    return f"{head}::{escape_data(message)}"


def workspace_path(path: str) -> str:
    """The path as GitHub wants it: relative to the checkout ($GITHUB_WORKSPACE) when inside it."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    absolute = os.path.abspath(path)
    if workspace and os.path.commonpath([absolute, os.path.abspath(workspace)]) == os.path.abspath(workspace):
        return os.path.relpath(absolute, workspace).replace(os.sep, "/")
    return path.replace(os.sep, "/")


def append_summary(lines: Iterable[str], err: Console) -> None:
    """The markdown appended to $GITHUB_STEP_SUMMARY (appended: other steps write there too)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        err.print("warning: --format github: GITHUB_STEP_SUMMARY is not set (not a GitHub Actions step?), so the "
                  "summary is not written; the annotations above still are", highlight=False, markup=False)
        return
    with open(path, "a", encoding="utf-8") as summary:
        summary.write("".join(f"{line}\n" for line in lines) + "\n")


def report_annotations(report: Report, inputs: Inputs) -> list[str]:
    """One annotation per blocker and direct requirement line, its Pythons together.  Errors for the rows
    that fail the run (the deployed one, or every one when none is clean), warnings for other blocked rows."""
    lines = {canonicalize_name(r.requirement.name): r.source for r in reversed(inputs.requirements)}
    level = "warning" if report.ok else "error"
    grouped: dict[tuple[str, str, str], list[str]] = {}
    texts: dict[tuple[str, str, str], str] = {}
    for v in report.pythons:
        if v.status is not VerdictStatus.BLOCKED or (report.deployed is not None and v.python != report.deployed):
            continue
        for b in v.blockers:
            key = (lines.get(b.root, ""), str(b.name), b.version)
            grouped.setdefault(key, []).append(v.python)
            fix = f" Fix: {b.fix_text}." if b.fix else f" No fix: {b.note}." if b.note else ""
            build = f" {build_text(b)}." if b.build is not None else ""
            texts.setdefault(key, f"{b.reason}; via {' -> '.join(b.chain)}.{fix}{build}")
    found = []
    for key, pythons in grouped.items():
        source, name, version = key
        what = f"{name} {version}" if version else name
        found.append(annotation(level, f"{what} blocks a wheel-only install on Python {', '.join(pythons)} "
                                       f"({report.platforms}): {texts[key]}", source=source or None,
                                title=f"wheelpin: {what} has no wheel for the target"))
    return found


def check_annotations(results: Sequence[PinCheck], target: Target) -> list[str]:
    found = []
    for r in results:
        if r.ok:
            continue
        fixes = [p.fix for p in r.problems if p.fix]
        if r.nearest:
            fixes.append(f"nearest version with a wheel: {r.nearest}")
        fix = f" Fix: {'; '.join(fixes)}." if fixes else ""
        found.append(annotation("error", f"{r.name}=={r.version} would not install on {target}: {r.reason}.{fix}",
                                source=r.source, title=f"wheelpin: {r.name}=={r.version}"))
    return found


def emit(lines: Iterable[str]) -> None:
    """Workflow commands go to stdout as they are: the runner reads them there, one a line."""
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def github_report(report: Report, inputs: Inputs, err: Console) -> None:
    emit(report_annotations(report, inputs))
    append_summary(markdown_lines(report), err)


def github_check(lockfile: str, target: Target, results: Sequence[PinCheck], err: Console) -> None:
    emit(check_annotations(results, target))
    append_summary(check_markdown_lines(lockfile, target, results), err)
