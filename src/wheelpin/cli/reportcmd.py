"""``wheelpin report``: the Python × platform matrix of a requirements set, or of a lock's pins (``--lock``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rich.console import Console

from wheelpin.cli.commands import gather_inputs, open_session, warn_unchecked
from wheelpin.cli.detected import fill_target, mark_deployed, report_pythons, use_project_requirements
from wheelpin.cli.lockcheck import lock_argument
from wheelpin.cli.render import (
    RUNTIME_FILES,
    is_runtime_file_text,
    markdown_lines,
    print_report,
    report_json,
    runtime_file_text,
    runtime_values,
)
from wheelpin.cli.several import common_recommendation, platform_names, show_reports
from wheelpin.errors import InputError
from wheelpin.inputs import Inputs
from wheelpin.lockfile import write_atomic
from wheelpin.presets import offers
from wheelpin.pythons import PythonRelease, known_releases, parse_python_list
from wheelpin.report import Report, build_report
from wheelpin.report.builds import Classify, classify_blockers, index_classifier
from wheelpin.resolve import Session
from wheelpin.target import make_target


def run_report(args: argparse.Namespace, err: Console) -> int:
    lock = lock_argument(args)
    if lock is not None:
        from wheelpin.cli.checkcmd import run_lock_report  # imported on use: only report --lock reads a lock

        return run_lock_report(args, err, lock)
    if args.write_runtime:
        check_runtime_file(args.write_runtime)  # before any work: a refusal must not cost a report first
    use_project_requirements(args, err)
    python_given = args.python is not None
    detected = fill_target(args, err, python_default=None)
    inputs = gather_inputs(args)
    warn_unchecked(inputs, err)
    # The release list (a uv subprocess) is only needed up front when --python is not given.
    with ThreadPoolExecutor(max_workers=1) as background:
        pending = background.submit(known_releases)
        pythons = (parse_python_list(args.python) if args.python
                   else report_pythons(detected, pending.result(), err))
        platforms = platform_names(args)
        with open_session(args, inputs, err) as session:
            classify = None if args.no_classify else index_classifier(session.fetcher.index)
            # One report per --platform, all in one session: a release's metadata is fetched once for all.
            reports = [mark_deployed(_platform_report(inputs, pythons, platform, session, pending.result(),
                                                      args.allow_source, classify), detected, python_given)
                       for platform in platforms]
    show_reports("table" if args.format == "github" else args.format, list(zip(platforms, reports, strict=True)),
                 _show_report)
    if args.format == "github":
        from wheelpin.cli.github import github_report  # imported on use: only --format github annotates

        for report in reports:
            github_report(report, inputs, err)
    if args.write_runtime:
        # Several platforms: the Python to write is one that installs with wheels only on all of them.
        _write_runtime(args.write_runtime, replace(reports[0], recommended=common_recommendation(reports)), err)
    return 0 if all(report.ok for report in reports) else 1


def _platform_report(inputs: Inputs, pythons: Sequence[str], platform: str, session: Session,
                     releases: list[PythonRelease], allow_source: Sequence[str], classify: Classify | None) -> Report:
    targets = [make_target(p, platform) for p in pythons]
    # A Python the platform does not offer is a row of its own, never resolved: no lock could deploy there.
    unoffered = [t for t in targets if not offers(platform, t.minor)]
    report = build_report(inputs, targets, session, releases, allow_source=allow_source, not_offered=unoffered)
    return report if classify is None else classify_blockers(report, classify)


def _write_runtime(path: str, report: Report, err: Console) -> None:
    release = report.recommended
    if release is None:
        err.print(f"not writing {path}: no requested Python installs with wheels only.")
    elif release.freethreaded and os.path.basename(path) == "runtime.txt":
        err.print(f"not writing {path}: runtime.txt (python-3.X.Y) cannot name the free-threaded build "
                  f"{release.version}; write .python-version or .tool-versions instead.")
    else:
        existing = check_runtime_file(path)  # it may have changed while the report ran
        write_atomic(path, [runtime_file_text(path, release, existing).rstrip("\n")])
        err.print(f"wrote {path}")


# A version file is a few bytes; anything bigger is some other file that happens to have the name.
_MAX_RUNTIME_FILE = 4096


def check_runtime_file(path: str) -> str:
    """Refuse a --write-runtime name that is no version file, or an existing file that holds something else:
    a report must never overwrite a Dockerfile with "3.13".  Returns the existing text ("" for none), whose
    other tools' lines a .tool-versions keeps."""
    if os.path.basename(path) not in RUNTIME_FILES:
        raise InputError(
            f"--write-runtime {path}: wheelpin writes only runtime.txt (python-3.X.Y), .python-version (3.X) or "
            ".tool-versions (python 3.X.Y, other tools' lines kept) files, in any directory; name the file one "
            "of those, e.g. --write-runtime .python-version."
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_RUNTIME_FILE + 1)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise InputError(f"--write-runtime {path}: cannot read the existing file ({exc.strerror or exc}); "
                         "give a path to a file you can write.") from None
    try:
        text = data.decode("utf-8-sig") if len(data) <= _MAX_RUNTIME_FILE else None
    except UnicodeDecodeError:
        text = None
    if text is None or not is_runtime_file_text(path, text):
        raise InputError(
            f"--write-runtime {path}: the existing file does not look like a {os.path.basename(path)} (it holds "
            "more than a Python version), so wheelpin will not overwrite it; check the path, or move the file "
            "away if it really is yours to replace."
        )
    return text


def _show_report(form: str, report: Report, platform: str) -> None:
    # The values to paste follow the recommendation: they are the platform's spelling of it.
    values = runtime_values(platform, report.recommended) if report.recommended is not None else []
    if form == "json":
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
    elif form == "markdown":
        sys.stdout.write("".join(f"{line}\n" for line in markdown_lines(report)))
        sys.stdout.write("".join(f"- set for {value}\n" for value in values))
    else:
        console = Console(highlight=False, soft_wrap=True)
        print_report(console, report)
        for value in values:
            console.print(f"  set for {value}", markup=False)

