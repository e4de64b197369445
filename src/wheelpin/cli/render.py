"""Presentation of results: the report as a rich table, markdown or JSON; error and check rows.

The JSON and markdown renderers build values or yield lines and know nothing of where they go (pip-tools'
writers taught us that), so tests and dry runs read them directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wheelpin.errors import NoWheelSolution, WheelpinError
from wheelpin.models import HeldBack
from wheelpin.pythons import PythonRelease
from wheelpin.report import Report

SCHEMA_VERSION = 1


def report_json(report: Report) -> dict[str, object]:
    """The versioned JSON document (schema: docs/report.schema.json)."""
    return {
        "schema": SCHEMA_VERSION,
        "platform": report.platform,
        "pythons": [{
            "python": v.python,
            "ok": v.ok,
            "pins": v.pins,
            "blockers": [{"name": b.name, "version": b.version, "kind": b.kind.value, "reason": b.reason,
                          "chain": list(b.chain), "fix": b.fix, "note": b.note} for b in v.blockers],
            "held_back": [{"name": h.name, "newest": h.newest, "chosen": h.chosen, "reason": h.reason}
                          for h in v.held_back],
            "fixed_by_all": v.fixed_by_all,
            "fix": list(v.fix),
        } for v in report.pythons],
        "recommended": None if report.recommended is None else {
            "python": report.recommended.version, "patch": report.recommended.full_version},
        "deployed": report.deployed,
    }


def row_label(report: Report, python: str) -> str:
    """A row's Python, marked when it is the one the project deploys."""
    return f"{python} (deployed)" if python == report.deployed else python


def markdown_lines(report: Report) -> Iterator[str]:
    yield f"### wheelpin: wheel-only installs on {report.platform}"
    yield ""
    yield "| Python | wheel-only | packages | blockers |"
    yield "| --- | --- | --- | --- |"
    for v in report.pythons:
        blockers = ", ".join(f"`{b.name}=={b.version}`" for b in v.blockers) or "—"
        yield f"| {row_label(report, v.python)} | {'✅ yes' if v.ok else '❌ no'} | {len(v.pins)} | {blockers} |"
    yield ""
    for v in report.pythons:
        for b in v.blockers:
            fix = f" Fix: `{b.fix}`." if b.fix else f" No fix: {b.note}." if b.note else ""
            yield f"- **{v.python}**: `{b.name}=={b.version}` — {b.reason}; via {' → '.join(b.chain)}.{fix}"
        for h in v.held_back:
            yield f"- {v.python}: {held_back_text(h)}"
    yield ""
    yield recommendation_line(report)


def print_report(console: Console, report: Report) -> None:
    table = Table(title=f"wheel-only installs on {report.platform}")
    for column in ("Python", "wheel-only", "packages", "blocked by"):
        table.add_column(column)
    for v in report.pythons:
        verdict = "[green]yes[/]" if v.ok else "[red]no[/]"
        blockers = "\n".join(f"{b.name}=={b.version}" for b in v.blockers) or "-"
        table.add_row(row_label(report, v.python), verdict, str(len(v.pins)), blockers)
    console.print(table)
    for v in report.pythons:
        for b in v.blockers:
            fix = f"fix: {b.fix}" if b.fix else f"no fix: {b.note}" if b.note else "no fix"
            console.print(f"  {v.python}: {escape(b.name)}=={b.version}: {escape(b.reason)}; via "
                          f"{escape(' -> '.join(b.chain))}; {escape(fix)}")
        if v.fixed_by_all is not None:
            console.print(f"  {v.python}: with every fix applied: "
                          f"{'a wheel-only lock exists' if v.fixed_by_all else 'still blocked'}")
        for h in v.held_back:
            console.print(f"  {v.python}: {escape(held_back_text(h))}")
    console.print(escape(recommendation_line(report)))


def held_back_text(held: HeldBack) -> str:
    return f"{held.name} {held.newest}: {held.reason}; chose {held.chosen}"


def recommendation_line(report: Report) -> str:
    if report.recommended is None:
        return "No requested Python installs with wheels only; apply the fixes above."
    patch = report.recommended.full_version
    runtime = f"python-{patch}" if patch else f"python-{report.recommended.version}"
    return (f"Recommended: Python {report.recommended.version} — runtime.txt `{runtime}`, "
            f".python-version `{report.recommended.version}`.")


RUNTIME_FILES = ("runtime.txt", ".python-version")
# What these files hold: a runtime.txt names one Python; a .python-version (pyenv, uv) one version or
# environment name a line (3.13, 3.13.1, 3.13t, pypy3.10-7.3.12, cpython-3.12, system), # for comments.
_RUNTIME_TXT_RE = re.compile(r"python-\d+\.\d+(\.\d+)?")
_PYTHON_VERSION_LINE_RE = re.compile(r"system|([a-z]+-?)?\d+(\.\d+)*[a-z0-9.+-]*", re.IGNORECASE)


def runtime_file_text(filename: str, release: PythonRelease) -> str:
    """runtime.txt wants ``python-3.13.9``, .python-version wants ``3.13``; other names have no format."""
    kind = os.path.basename(filename)
    if kind == "runtime.txt":
        return f"python-{release.full_version or release.version}\n"
    if kind == ".python-version":
        return f"{release.version}\n"
    raise ValueError(f"{filename} is not one of {', '.join(RUNTIME_FILES)}")


def is_runtime_file_text(filename: str, text: str) -> bool:
    """Whether ``text`` is what a version file of that name holds (or nothing), so replacing it loses nothing
    but an older version."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if os.path.basename(filename) == "runtime.txt":
        return len(lines) <= 1 and all(_RUNTIME_TXT_RE.fullmatch(line) for line in lines)
    return all(_PYTHON_VERSION_LINE_RE.fullmatch(line) for line in lines)


def print_error(err: Console, exc: WheelpinError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}")
    if isinstance(exc, NoWheelSolution) and exc.blockers:
        print_rows(err, "blocked", ("requirement", "why"), exc.blockers)


def print_rows(console: Console, title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A rich table on a terminal; plain lines (one per row, easy to grep in CI logs) otherwise."""
    if console.is_terminal:
        table = Table(title=title)
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    console.print(f"{title}:")
    for first, *rest in rows:
        console.print(f"  {first}: " + "; ".join(part for part in rest if part))
