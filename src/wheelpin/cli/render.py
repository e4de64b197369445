"""Presentation of results: the report as a rich table, markdown or JSON; error and check rows.

The JSON and markdown renderers build values or yield lines and know nothing of where they go (pip-tools'
writers taught us that), so tests and dry runs read them directly.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from wheelpin.cli.options import loud
from wheelpin.errors import NoWheelSolution, WheelpinError
from wheelpin.models import HeldBack
from wheelpin.presets import find_preset
from wheelpin.pythons import PythonRelease
from wheelpin.report import PythonVerdict, Report, VerdictStatus
from wheelpin.report.builds import build_json, build_text, builds_anywhere, count_text

SCHEMA_VERSION = 1
# Rows for which nothing was resolved, so there is no package count.
_NOT_RESOLVED = (VerdictStatus.EXCLUDED, VerdictStatus.NOT_OFFERED)


def report_json(report: Report) -> dict[str, object]:
    """The versioned JSON document (schema: docs/report.schema.json)."""
    return {
        "schema": SCHEMA_VERSION,
        "platform": report.platform,
        "pythons": [{
            "python": v.python,
            "platform": v.target.platform.tag,
            "status": v.status.value,
            "ok": v.ok,
            "source_builds": list(v.source_builds),
            "excluded_by": v.excluded_by,
            "pins": v.pins,
            "blockers": [{"name": b.name, "version": b.version, "kind": b.kind.value, "reason": b.reason,
                          "chain": list(b.chain), "fix": b.fix, "note": b.note, "build": build_json(b)}
                         for b in v.blockers],
            "builds_anywhere": [b.name for b in builds_anywhere(v)],
            "held_back": [{"name": h.name, "newest": h.newest, "chosen": h.chosen, "reason": h.reason}
                          for h in v.held_back],
            "fixed_by_all": v.fixed_by_all,
            "fix": list(v.fix),
        } for v in report.pythons],
        "recommended": None if report.recommended is None else {
            "python": report.recommended.version, "patch": report.recommended.full_version},
        "deployed": report.deployed,
    }


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def row_label(report: Report, python: str) -> str:
    """A row's Python, marked when it is the one the project deploys."""
    return f"{python} (deployed)" if python == report.deployed else python


def markdown_lines(report: Report) -> Iterator[str]:
    yield f"### wheelpin: wheel-only installs on {report.platforms}"
    yield ""
    yield "| Python | wheel-only | packages | blockers |"
    yield "| --- | --- | --- | --- |"
    marks = {VerdictStatus.CLEAN: "✅ ", VerdictStatus.BLOCKED: "❌ ", VerdictStatus.EXCLUDED: "➖ ",
             VerdictStatus.NOT_OFFERED: "➖ "}
    for v in report.pythons:
        blockers = ", ".join(f"`{b.label}`" for b in v.blockers) or "—"
        packages = "—" if v.status in _NOT_RESOLVED else str(len(v.pins))
        yield f"| {row_label(report, v.python)} | {marks[v.status]}{verdict_text(v)} | {packages} | {blockers} |"
    yield ""
    for v in report.pythons:
        for b in v.blockers:
            fix = f" Fix: `{b.fix_text}`." if b.fix else f" No fix: {b.note}." if b.note else ""
            build = f" {_sentence(build_text(b))}." if b.build is not None else ""
            yield f"- **{v.python}**: `{b.label}` — {b.reason}; via {' → '.join(b.chain)}.{fix}{build}"
        if (summary := fix_summary(report, v)) is not None:
            yield f"- **{v.python}**: {summary}."
        if counted := count_text(v):
            yield f"- **{v.python}**: of the blockers, {counted}."
        for h in v.held_back:
            yield f"- {v.python}: {held_back_text(h)}"
    yield ""
    yield recommendation_line(report)


def print_report(console: Console, report: Report) -> None:
    from rich.table import Table  # imported on use: a warm resolve never needs it

    table = Table(title=f"wheel-only installs on {report.platforms}")
    for column in ("Python", "wheel-only", "packages", "blocked by"):
        table.add_column(column)
    colours = {VerdictStatus.CLEAN: "green", VerdictStatus.BLOCKED: "red", VerdictStatus.EXCLUDED: "dim",
               VerdictStatus.NOT_OFFERED: "yellow"}
    for v in report.pythons:
        verdict = f"[{colours[v.status]}]{escape(verdict_text(v))}[/]"
        blockers = "\n".join(b.label for b in v.blockers) or "-"
        packages = "-" if v.status in _NOT_RESOLVED else str(len(v.pins))
        table.add_row(row_label(report, v.python), verdict, packages, blockers)
    console.print(table)
    for v in report.pythons:
        # One item a line, wrapped to a terminal (or COLUMNS) under its own text, as errors are.
        head, indent = f"  {v.python}: ", len(f"  {v.python}: ")
        for b in v.blockers:
            fix = f"fix: {b.fix_text}" if b.fix else f"no fix: {b.note}" if b.note else "no fix"
            build = f"; {build_text(b)}" if b.build is not None else ""
            print_wrapped(console, f"{head}{b.label}: {b.reason}; via {' -> '.join(b.chain)}; "
                                   f"{fix}{build}", indent=indent)
        if (summary := fix_summary(report, v)) is not None:
            print_wrapped(console, f"{head}{summary}", indent=indent)
        if counted := count_text(v):
            print_wrapped(console, f"{head}of the blockers, {counted}", indent=indent)
        for h in v.held_back:
            print_wrapped(console, f"{head}{held_back_text(h)}", indent=indent)
    print_wrapped(console, recommendation_line(report))


def verdict_text(verdict: PythonVerdict) -> str:
    """The wheel-only column: a row that builds a package from source (--allow-source) says which."""
    if verdict.status is VerdictStatus.EXCLUDED:
        return f"excluded by requires-python {verdict.excluded_by}"
    if verdict.status is VerdictStatus.NOT_OFFERED:
        return "not offered"
    if verdict.status is VerdictStatus.BLOCKED:
        return "no"
    if verdict.source_builds:
        return f"yes, with source builds: {', '.join(verdict.source_builds)}"
    return "yes"


def fix_summary(report: Report, verdict: PythonVerdict) -> str | None:
    """What the fixes add up to for a blocked Python: a verified lock with all of them, or the truth that
    there is none, and where to go instead."""
    if verdict.status is not VerdictStatus.BLOCKED:
        return None
    if verdict.fixed_by_all is not None:
        return "with every fix applied: " + ("a wheel-only lock exists" if verdict.fixed_by_all else "still blocked")
    newest = _newest_clean(report)
    return "no fix found for this Python" + (f"; the newest clean Python is {newest.python}" if newest else "")


def _newest_clean(report: Report) -> PythonVerdict | None:
    clean = [v for v in report.pythons if v.status is VerdictStatus.CLEAN]
    return max(clean, key=lambda v: v.target.version, default=None)


def held_back_text(held: HeldBack) -> str:
    return f"{held.name} {held.newest}: {held.reason}; chose {held.chosen}"


def recommendation_line(report: Report) -> str:
    if report.recommended is None:
        return _no_recommendation(report)
    patch = report.recommended.full_version
    runtime = f"python-{patch}" if patch else f"python-{report.recommended.version}"
    chosen = next((v for v in report.pythons if v.ok and v.target.minor == report.recommended.minor), None)
    builds = (f" (building {', '.join(chosen.source_builds)} from source, as --allow-source permits)"
              if chosen is not None and chosen.source_builds else "")
    if report.recommended.freethreaded:  # runtime.txt's python-3.X.Y cannot name the free-threaded build
        return (f"Recommended: Python {report.recommended.version} (free-threaded){builds} — .python-version "
                f"`{report.recommended.version}`.")
    return (f"Recommended: Python {report.recommended.version}{builds} — runtime.txt `{runtime}`, "
            f".python-version `{report.recommended.version}`.")


def runtime_values(platform: str, release: PythonRelease) -> list[str]:
    """What the deploy platform named by ``platform`` (a --platform value) reads besides the version files
    --write-runtime writes, for the recommended Python, one line each for the user to paste: Render's
    PYTHON_VERSION takes only a full version, Lambda a runtime identifier, a Dockerfile an image tag.  Nothing
    for a platform that reads only version files (Heroku, Vercel) or for a wheel platform tag.  Each format,
    from its platform's documentation: docs/targets.md, "Where the Python version is set"."""
    found = find_preset(platform)
    if found is None:
        return []
    preset, arch = found
    name = preset.name
    values = _PLATFORM_VALUES.get(name)
    if values is None:
        return []
    if release.freethreaded:
        return [f"{name}: no setting wheelpin knows of selects a free-threaded build; the platform's usual "
                f"Python {release.number} would need its own lock"]
    if release.full_version is None and name in _NEEDS_FULL:
        return [f"{name}: {_NEEDS_FULL[name]} takes only a full version ({release.number}.x), and the newest "
                f"{release.number} patch is unknown here (uv could not run)"]
    arm = arch == "aarch64"
    facts = {"version": release.number, "nodot": release.number.replace(".", ""), "full": release.full_version,
             "docker_arch": "--platform=linux/arm64 " if arm else "",
             "lambda_arch": ", Architectures: [arm64]" if arm else ""}
    return [f"{name}: {value.format(**facts)}" for value in values]


# Per preset, the values to paste, {version} 3.13, {nodot} 313, {full} 3.13.9.
_PLATFORM_VALUES: dict[str, tuple[str, ...]] = {
    "render": ("PYTHON_VERSION={full} (the service's environment variable, e.g. envVars in render.yaml; "
               "Render takes only a full version there)",),
    "lambda": ("Runtime: python{version}{lambda_arch} (SAM template.yaml; serverless.yml: runtime: "
               "python{version})",),
    "docker-slim": ("FROM {docker_arch}python:{version}-slim",),
    "fly": ("FROM {docker_arch}python:{version}-slim",),
    "docker-slim-bookworm": ("FROM {docker_arch}python:{version}-slim-bookworm",),
    "alpine": ("FROM {docker_arch}python:{version}-alpine",),
    "app-engine": ("runtime: python{nodot} (app.yaml)",),
    "cloud-run-buildpacks": ("GOOGLE_PYTHON_VERSION={version}.x (build environment variable); a function's "
                             "source deploy: gcloud run deploy --source . --base-image python{nodot}",),
    "google-22": ("GOOGLE_PYTHON_VERSION={version}.x (build environment variable)",),
    "google-24": ("GOOGLE_PYTHON_VERSION={version}.x (build environment variable)",),
    "railway": ("RAILPACK_PYTHON_VERSION={full} (service variable; it overrides the version files)",),
}
_NEEDS_FULL = {"render": "PYTHON_VERSION", "railway": "RAILPACK_PYTHON_VERSION"}


def _no_recommendation(report: Report) -> str:
    """Only what is true: "apply the fixes" only when they were verified to give a lock."""
    blocked = [v for v in report.pythons if v.status is VerdictStatus.BLOCKED]
    fixed = [v.python for v in blocked if v.fixed_by_all]
    start = "No requested Python installs with wheels only"
    if fixed:
        return f"{start}; with the fixes above applied, a wheel-only lock exists for Python {', '.join(fixed)}."
    if any(b.fix for v in blocked for b in v.blockers):
        return (f"{start}, and the fixes above do not unblock any of them, even applied together; try other "
                "Pythons with --python.")
    return f"{start}, and no fix was found for any of them; try other Pythons with --python."


RUNTIME_FILES = ("runtime.txt", ".python-version", ".tool-versions")
# What these files hold: a runtime.txt names one Python; a .python-version (pyenv, uv) one version or
# environment name a line (3.13, 3.13.1, 3.13t, pypy3.10-7.3.12, cpython-3.12, system), # for comments; a
# .tool-versions (asdf, mise) a tool and its versions a line (python 3.13.9 3.12.1, nodejs 22.1.0).
_RUNTIME_TXT_RE = re.compile(r"python-\d+\.\d+(\.\d+)?")
_PYTHON_VERSION_LINE_RE = re.compile(r"system|([a-z]+-?)?\d+(\.\d+)*[a-z0-9.+-]*", re.IGNORECASE)
# A .tool-versions version is a number, ref:…, path:… or system (asdf); mise adds latest and lts.
_TOOL_VERSIONS_LINE_RE = re.compile(r"[\w.@/:-]+(\s+(v?\d[\w.+-]*|ref:\S+|path:\S+|system|latest|lts))+(\s+#.*)?")


def runtime_file_text(filename: str, release: PythonRelease, existing: str = "") -> str:
    """runtime.txt wants ``python-3.13.9``, .python-version wants ``3.13`` (``3.13t`` for the free-threaded
    build), .tool-versions ``python 3.13.9`` among the other tools' lines of ``existing``, which are kept;
    other names have no format."""
    kind = os.path.basename(filename)
    if kind == "runtime.txt":
        return f"python-{release.full_version or release.version}\n"
    if kind == ".python-version":
        return f"{release.version}\n"
    if kind == ".tool-versions":
        return _tool_versions_text(existing, release)
    raise ValueError(f"{filename} is not one of {', '.join(RUNTIME_FILES)}")


def _tool_versions_text(existing: str, release: PythonRelease) -> str:
    # asdf's python plugin installs exact versions only (pyenv's python-build names: 3.13.9, 3.13.9t).
    version = release.full_version or release.number
    line = f"python {version}{'t' if release.freethreaded else ''}"
    lines = existing.splitlines()
    at = next((i for i, text in enumerate(lines) if text.split()[:1] == ["python"]), None)
    if at is None:
        lines.append(line)
    else:
        lines[at] = line
    return "".join(f"{text}\n" for text in lines)


def is_runtime_file_text(filename: str, text: str) -> bool:
    """Whether ``text`` is what a version file of that name holds (or nothing), so replacing it loses nothing
    but an older version (a .tool-versions keeps its other lines)."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    kind = os.path.basename(filename)
    if kind == "runtime.txt":
        return len(lines) <= 1 and all(_RUNTIME_TXT_RE.fullmatch(line) for line in lines)
    if kind == ".tool-versions":
        return all(_TOOL_VERSIONS_LINE_RE.fullmatch(line) for line in lines)
    return all(_PYTHON_VERSION_LINE_RE.fullmatch(line) for line in lines)


def print_error(err: Console, exc: WheelpinError) -> None:
    """The error as a paragraph wrapped to the terminal, then its blockers and what to do, best first."""
    with loud(err):  # -q hides information, never part of an error
        print_wrapped(err, f"error: {exc}", style="bold red", styled=len("error:"))
        if isinstance(exc, NoWheelSolution):
            if exc.blockers:
                print_rows(err, "blocked", ("requirement", "why"), exc.blockers)
            for hint in exc.hints:
                print_wrapped(err, hint, indent=4)


def print_rows(console: Console, title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A rich table on a terminal; plain lines otherwise, one row each, wrapped to the console's width with
    the continuation indented (so a row still starts at the left margin, for grep)."""
    if console.is_terminal:
        from rich.table import Table  # imported on use: a table is drawn only on a terminal

        table = Table(title=title)
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
        return
    console.print(f"{title}:", markup=False)
    for first, *rest in rows:
        print_wrapped(console, f"  {first}: " + "; ".join(part for part in rest if part), indent=6)


def print_wrapped(console: Console, text: str, *, indent: int = 2, style: str = "", styled: int = 0) -> None:
    """``text`` as plain words wrapped at the console's width (rich's: the terminal's, or COLUMNS),
    continuation lines indented; long tokens (wheel filenames) are kept whole.  Into a pipe without COLUMNS
    each paragraph stays one line, for grep and for CI logs, whose viewers wrap.  The first ``styled``
    characters get ``style``.  No markup is read: index data ends up in these messages."""
    if console.is_terminal or os.environ.get("COLUMNS"):
        width = max(console.width, 40)
        # textwrap keeps a paragraph's own leading spaces; each line of ``text`` is a paragraph.
        text = "\n".join(textwrap.fill(line, width=width, subsequent_indent=" " * indent, break_long_words=False,
                                       break_on_hyphens=False) for line in text.split("\n"))
    body = Text(text)
    if style and styled:
        body.stylize(style, 0, styled)
    console.print(body, soft_wrap=True, highlight=False)
