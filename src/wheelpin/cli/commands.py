"""The commands: read the inputs, open a session on the configured index, run, render, write."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

from packaging.utils import NormalizedName
from packaging.version import Version
from rich.console import Console

from wheelpin.check import PinCheck, check_lock
from wheelpin.cli.detected import (
    fill_target,
    mark_deployed,
    note_lock_target,
    report_pythons,
    use_project_requirements,
)
from wheelpin.cli.render import (
    RUNTIME_FILES,
    is_runtime_file_text,
    markdown_lines,
    print_error,
    print_report,
    print_rows,
    report_json,
    runtime_file_text,
)
from wheelpin.cli.several import (
    LockGroup,
    check_targets,
    common_recommendation,
    explained,
    header_targets,
    lock_groups,
    platform_names,
    show_reports,
)
from wheelpin.config import index_urls, redact_text
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.index import CachedIndex, HttpIndex, default_cache_dir
from wheelpin.inputs import Inputs, input_file, load_inputs, parse_requirements_file
from wheelpin.lockfile import lock_lines, write_atomic, yank_note
from wheelpin.models import Resolution
from wheelpin.presets import ALL_PRESETS, offers
from wheelpin.pythons import PythonRelease, known_releases, parse_python_list
from wheelpin.relock import Upgrade, locked_pins, parse_upgrade
from wheelpin.report import Report, build_report
from wheelpin.resolve import Session, resolve_targets
from wheelpin.target import Target, make_target


def gather_inputs(args: argparse.Namespace) -> Inputs:
    """The inputs of resolve and report.  A positional argument that names or looks like a file is read as
    one (or refused), never looked up on the index as a project of that name."""
    files: dict[str, list[str]] = {"requirements": [], "pyproject": []}
    strings: list[str] = []
    for item in args.requirement:
        kind, path = input_file(item, positional=False) or ("requirements", item)
        files[kind].append(path)
    for item in args.requirements:
        found = input_file(item, positional=True)
        if found is None:
            strings.append(item)
        else:
            files[found[0]].append(found[1])
    requirement_files, pyprojects = files["requirements"], files["pyproject"]
    if len(pyprojects) > 1:
        raise InputError("give at most one pyproject.toml; merge the others' dependencies into requirements.")
    inputs = load_inputs(requirement_files=requirement_files, constraint_files=args.constraint,
                         requirement_args=strings, pyproject=pyprojects[0] if pyprojects else None,
                         extras=args.extra)
    return replace(inputs, pre=inputs.pre or args.pre)


@contextmanager
def open_session(args: argparse.Namespace, inputs: Inputs | None, err: Console, *,
                 speculate: bool = False) -> Iterator[Session]:
    """A session on the configured index behind the disk cache, with a progress line on a terminal; its
    warnings are printed when it closes.  Only a report speculates (see Session)."""
    urls = index_urls(cli_index_url=args.index_url, cli_extra=args.extra_index_url,
                      file_index_url=inputs.index_url if inputs else None,
                      file_extra=inputs.extra_index_urls if inputs else ())
    counts = {"page": 0, "metadata": 0}
    status = err.status("resolving…") if err.is_terminal else None

    def on_event(kind: str, what: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        if status is not None:
            status.update(f"fetched {counts['page']} project pages, {counts['metadata']} metadata files — {what}")

    http = HttpIndex(urls, on_event=on_event)
    cached = CachedIndex(http, args.cache_dir or default_cache_dir(), ttl=args.cache_ttl,
                         refresh=args.refresh, offline=args.offline)
    session = Session(cached, speculate=speculate)
    if status is not None:
        status.start()
    try:
        yield session
    finally:
        if status is not None:
            status.stop()
        session.close()
        cached.close()
        http.client.close()
        for warning in session.warnings:
            err.print(f"warning: {warning}", highlight=False, markup=False)


def warn_unchecked(inputs: Inputs, err: Console) -> None:
    """One line per requirement wheelpin cannot pin, so that nobody takes the lock for the whole story."""
    for item in inputs.unchecked:
        what = "installs a wheel from outside the index" if item.is_wheel else "builds from source"
        err.print(f"warning: {item.source}: {item.text} not checked: {what}; wheelpin pins only index releases",
                  highlight=False, markup=False)


def run_resolve(args: argparse.Namespace, argv: Sequence[str] | None, err: Console) -> int:
    if args.output_file and args.output_file.lower().endswith(".toml"):
        # The lock is requirements syntax; in a .toml file every installer (and pylock reader) would refuse it.
        raise InputError(
            f"-o {args.output_file}: pylock.toml output is not supported yet, and wheelpin writes requirements "
            "syntax, which a .toml file cannot hold; write a requirements .txt, e.g. -o requirements-lock.txt."
        )
    upgrade = parse_upgrade(args.upgrade, args.upgrade_package)
    use_project_requirements(args, err)
    fill_target(args, err, python_default=args.python_fallback)
    inputs = gather_inputs(args)
    inputs = replace(inputs, constraints=inputs.constraints + upgrade.constraints)
    warn_unchecked(inputs, err)
    groups = lock_groups(args.python, platform_names(args), args.output_file)
    command = lock_command(argv if argv is not None else sys.argv[1:])
    failed = 0
    warned: set[tuple[str, str]] = set()  # one warning per yanked pin, however many Pythons lock it
    with open_session(args, inputs, err) as session:
        for group in groups:
            try:
                resolution = resolve_targets(inputs, group.targets, session, allow_source=args.allow_source,
                                             preferences=lock_preferences(group, upgrade, err))
            except NoWheelSolution as exc:
                failure = explained(inputs, group.targets, session, args.allow_source, exc)
                if len(groups) == 1:
                    raise failure from None
                failed += 1
                print_error(err, failure)
                continue
            _warn_yanked(resolution, warned, err)
            _write_lock(group.path, resolution, command, err)
    return 1 if failed else 0


def lock_preferences(group: LockGroup, upgrade: Upgrade, err: Console) -> dict[NormalizedName, Version]:
    """The pins of the lock already at this group's -o file (those that apply to any of its targets), as
    preferences (those -U / -P leave), and a warning when that file is no lock wheelpin can read."""
    if not group.path or upgrade.everything:
        return {}
    pins: dict[NormalizedName, Version] = {}
    for target in group.targets:
        found, warning = locked_pins(group.path, target)
        if warning:
            err.print(f"warning: {warning}", highlight=False, markup=False)
            return {}
        for name, version in found.items():
            pins.setdefault(name, version)
    return upgrade.kept(pins)


def _warn_yanked(resolution: Resolution, warned: set[tuple[str, str]], err: Console) -> None:
    """A yanked release is locked only when a requirement pins it with ==; say so, as pip does on install."""
    for pin in resolution.pins:
        key = (pin.name, str(pin.version))
        if pin.choice.yanked and key not in warned:
            warned.add(key)
            via = ", ".join(pin.via) or "a requirement"
            err.print(f"warning: {pin.name}=={pin.version} is {yank_note(pin)}; locked because it is pinned with "
                      f"== (via {via}); move off it if you can", highlight=False, markup=False)


def lock_command(argv: Sequence[str]) -> str:
    """The command line for the lock's header, credentials redacted, without ``--cache-dir`` (where this
    machine keeps its cache is no part of what the lock means, and would differ for whoever reruns it) and
    without ``--upgrade`` / ``--upgrade-package`` (rerun as written, the header must keep the lock's pins, as
    pip-compile's and uv's headers do)."""
    kept: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":  # what follows is positional, whatever it looks like
            kept += [token, *tokens]
            break
        dropped = _header_dropped(token)
        if dropped == "with its value":
            next(tokens, None)
        elif dropped is None:
            kept.append(token)
    return redact_text("wheelpin " + shlex.join(kept))


def _header_dropped(token: str) -> str | None:
    """Whether ``token`` is an option the header leaves out: "alone", "with its value" (the next token), or
    None.  argparse also accepts an unambiguous abbreviation (--cache-d DIR, --upgrade-p NAME), -PNAME and
    -P=NAME."""
    name, equals, _value = token.partition("=")
    if token in ("-U", "--upgrade") or (token.startswith("-P") and len(token) > 2):
        return "alone"
    if (len(name) > len("--cache-") and "--cache-dir".startswith(name)) or token == "-P" or (
            len(name) > len("--upgrade") and "--upgrade-package".startswith(name)):
        return "alone" if equals else "with its value"
    return None


def _write_lock(path: str | None, resolution: Resolution, command: str, err: Console) -> None:
    lines = lock_lines(resolution, command=command)
    if path:
        write_atomic(path, lines)
        built = [p.name for p in resolution.pins if p.from_source]
        where = "; ".join(str(t) for t in resolution.all_targets)
        how = (f"for {where}, with source builds (--allow-source): {', '.join(built)}; the rest wheels" if built
               else f"wheels only for {where}")
        err.print(f"wrote {path}: {len(resolution.pins)} packages, {how}")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in lines))


def run_report(args: argparse.Namespace, err: Console) -> int:
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
        with open_session(args, inputs, err, speculate=True) as session:
            # One report per --platform, all in one session: a release's metadata is fetched once for all.
            reports = [mark_deployed(_platform_report(inputs, pythons, platform, session, pending.result(),
                                                      args.allow_source), detected, python_given)
                       for platform in platform_names(args)]
    show_reports(args.format, reports, _show_report)
    recommended = common_recommendation(reports)
    if args.write_runtime:
        if recommended is None:
            err.print(f"not writing {args.write_runtime}: no requested Python installs with wheels only"
                      + (" on every platform." if len(reports) > 1 else "."))
        else:
            check_runtime_file(args.write_runtime)  # it may have changed while the report ran
            write_atomic(args.write_runtime, [runtime_file_text(args.write_runtime, recommended).strip()])
            err.print(f"wrote {args.write_runtime}")
    return 0 if all(report.ok for report in reports) else 1


def _platform_report(inputs: Inputs, pythons: Sequence[str], platform: str, session: Session,
                     releases: list[PythonRelease], allow_source: Sequence[str]) -> Report:
    targets = [make_target(p, platform) for p in pythons]
    # A Python the platform does not offer is a row of its own, never resolved: no lock could deploy there.
    unoffered = [t for t in targets if not offers(platform, t.minor)]
    return build_report(inputs, targets, session, releases, allow_source=allow_source, not_offered=unoffered)


# A version file is a few bytes; anything bigger is some other file that happens to have the name.
_MAX_RUNTIME_FILE = 4096


def check_runtime_file(path: str) -> None:
    """Refuse a --write-runtime name that is no version file, or an existing file that holds something else:
    a report must never overwrite a Dockerfile with "3.13"."""
    if os.path.basename(path) not in RUNTIME_FILES:
        raise InputError(
            f"--write-runtime {path}: wheelpin writes only runtime.txt (python-3.X.Y) or .python-version (3.X) "
            "files, in any directory; name the file one of those, e.g. --write-runtime .python-version."
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_RUNTIME_FILE + 1)
    except FileNotFoundError:
        return
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


def _show_report(form: str, report: Report) -> None:
    if form == "json":
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
    elif form == "markdown":
        sys.stdout.write("".join(f"{line}\n" for line in markdown_lines(report)))
    else:
        print_report(Console(highlight=False, soft_wrap=True), report)


def run_check(args: argparse.Namespace, err: Console) -> int:
    lock = parse_requirements_file(args.lockfile, references=False)  # a VCS or path line has no wheel to check
    given = args.python is not None or args.platform is not None
    header = header_targets(args.lockfile)
    if given or len(header) < 2:
        fill_target(args, err, python_default=args.python_fallback)
    else:
        err.print(f"target: the {len(header)} targets {args.lockfile}'s header records", highlight=False,
                  markup=False)
    targets = check_targets(args, header, given=given)
    if len(targets) == 1:
        note_lock_target(args.lockfile, targets[0], err)
    with open_session(args, lock, err) as session:
        checked = [(target, check_lock(lock, target, session)) for target in targets]
    out = Console(highlight=False, soft_wrap=True)
    failing = [target for target, results in checked if not _print_check(out, args.lockfile, target, results)]
    if failing and len(targets) > 1:
        out.print(f"{args.lockfile} fails on {len(failing)} of {len(targets)} targets: "
                  + "; ".join(str(t) for t in failing))
    return 1 if failing else 0


def _print_check(out: Console, lockfile: str, target: Target, results: list[PinCheck]) -> bool:
    """One target's verdict on the lock; whether it passes."""
    if not results:
        raise InputError(
            f"{lockfile} has no pins that apply to {target}: an empty lock would pass any check; check the "
            "file and the --python/--platform given."
        )
    failures = [r for r in results if not r.ok]
    if not failures:
        out.print(f"ok: all {len(results)} pins of {lockfile} have a wheel for {target}, and every requirement "
                  "of theirs is pinned and met")
        return True
    # One row per problem: a pin can lack a wheel and miss a requirement, and each has its own fix.
    rows = [(f"{r.name}=={r.version}", problem.why,
             problem.fix or (f"nearest version with a wheel: {r.nearest}" if r.nearest else ""), r.source)
            for r in failures for problem in r.problems]
    print_rows(out, f"{len(failures)} of {len(results)} pins would not install on {target}",
               ("pin", "why", "fix", "line"), rows)
    return False


def run_targets() -> int:
    """The preset table: what each --platform name stands for, its tag per Python, the Pythons it offers."""
    rows = [(p.name, p.stands_for, p.tags_text(), p.offered_text(), ", ".join(p.arches))
            for p in ALL_PRESETS.values()]
    print_rows(Console(highlight=False, soft_wrap=True), "--platform presets (sources: docs/targets.md)",
               ("preset", "stands for", "tag per Python", "Pythons offered", "arches"), rows)
    return 0
