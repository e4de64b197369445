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

from wheelpin.check import check_lock
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
from wheelpin.config import env_int, env_seconds, index_urls, redact_text
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.index import CachedIndex, HttpIndex, NetPolicy, default_cache_dir
from wheelpin.inputs import Inputs, input_file, load_inputs, parse_requirements_file
from wheelpin.lockfile import lock_lines, write_atomic, yank_note
from wheelpin.models import Resolution
from wheelpin.pythons import default_pythons, known_releases, parse_python_list
from wheelpin.relock import Upgrade, locked_pins, parse_upgrade
from wheelpin.report import Report, build_report
from wheelpin.resolve import Session, resolve
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

    http = HttpIndex(urls, on_event=on_event, policy=net_policy(args))
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
        http.close()
        for warning in session.warnings:
            err.print(f"warning: {warning}", highlight=False, markup=False)


def net_policy(args: argparse.Namespace) -> NetPolicy:
    """--retries / --timeout, else WHEELPIN_RETRIES / WHEELPIN_TIMEOUT; the size cap from
    WHEELPIN_MAX_RESPONSE_BYTES only (a safety bound, not a knob for every run)."""
    defaults = NetPolicy()
    retries = args.retries if args.retries is not None else env_int("WHEELPIN_RETRIES", minimum=0)
    timeout = args.timeout if args.timeout is not None else env_seconds("WHEELPIN_TIMEOUT")
    max_bytes = env_int("WHEELPIN_MAX_RESPONSE_BYTES", minimum=1)
    return NetPolicy(retries=defaults.retries if retries is None else retries,
                     timeout=defaults.timeout if timeout is None else timeout,
                     max_bytes=defaults.max_bytes if max_bytes is None else max_bytes)


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
    inputs = gather_inputs(args)
    inputs = replace(inputs, constraints=inputs.constraints + upgrade.constraints)
    warn_unchecked(inputs, err)
    targets = [make_target(p, args.platform) for p in parse_python_list(args.python)]
    if len(targets) > 1 and "{python}" not in (args.output_file or ""):
        raise InputError(
            f"--python {args.python} names {len(targets)} Pythons, so each needs its own lock: pass -o with a "
            "{python} placeholder, e.g. -o 'requirements-{python}.txt'."
        )
    command = lock_command(argv if argv is not None else sys.argv[1:])
    failed = 0
    warned: set[tuple[str, str]] = set()  # one warning per yanked pin, however many Pythons lock it
    with open_session(args, inputs, err) as session:
        for target in targets:
            try:
                resolution = resolve(inputs, target, session, allow_source=args.allow_source,
                                     preferences=lock_preferences(args.output_file, target, upgrade, err))
            except NoWheelSolution as exc:
                if len(targets) == 1:
                    raise
                failed += 1
                print_error(err, exc)
                continue
            _warn_yanked(resolution, warned, err)
            _write_lock(args.output_file, resolution, command, err)
    return 1 if failed else 0


def lock_preferences(pattern: str | None, target: Target, upgrade: Upgrade,
                     err: Console) -> dict[NormalizedName, Version]:
    """The pins of the lock already at this target's -o file, as preferences (those -U / -P leave), and a
    warning when that file is no lock wheelpin can read."""
    if not pattern or upgrade.everything:
        return {}
    pins, warning = locked_pins(output_path(pattern, target), target)
    if warning:
        err.print(f"warning: {warning}", highlight=False, markup=False)
    return upgrade.kept(pins)


def output_path(pattern: str, target: Target) -> str:
    """This target's -o file: where its lock is written, and where its existing pins are read."""
    return pattern.replace("{python}", target.python_version if target.patch is None else target.python_full_version)


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


def _write_lock(pattern: str | None, resolution: Resolution, command: str, err: Console) -> None:
    lines = lock_lines(resolution, command=command)
    target = resolution.target
    if pattern:
        path = output_path(pattern, target)
        write_atomic(path, lines)
        err.print(f"wrote {path}: {len(resolution.pins)} packages, wheels only for {target}")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in lines))


def run_report(args: argparse.Namespace, err: Console) -> int:
    if args.write_runtime:
        check_runtime_file(args.write_runtime)  # before any work: a refusal must not cost a report first
    inputs = gather_inputs(args)
    warn_unchecked(inputs, err)
    # The release list (a uv subprocess) is only needed up front when --python is not given.
    with ThreadPoolExecutor(max_workers=1) as background:
        pending = background.submit(known_releases)
        pythons = (parse_python_list(args.python) if args.python
                   else [r.version for r in default_pythons(pending.result())])
        targets = [make_target(p, args.platform) for p in pythons]
        with open_session(args, inputs, err, speculate=True) as session:
            report = build_report(inputs, targets, session, pending.result(), allow_source=args.allow_source)
    _show_report(args.format, report)
    if args.write_runtime:
        if report.recommended is None:
            err.print(f"not writing {args.write_runtime}: no requested Python installs with wheels only.")
        else:
            check_runtime_file(args.write_runtime)  # it may have changed while the report ran
            write_atomic(args.write_runtime, [runtime_file_text(args.write_runtime, report.recommended).strip()])
            err.print(f"wrote {args.write_runtime}")
    return 0 if report.ok else 1


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
    target: Target = make_target(args.python, args.platform)
    with open_session(args, lock, err) as session:
        results = check_lock(lock, target, session)
    if not results:
        raise InputError(
            f"{args.lockfile} has no pins that apply to {target}: an empty lock would pass any check; check the "
            "file and the --python/--platform given."
        )
    failures = [r for r in results if not r.ok]
    out = Console(highlight=False, soft_wrap=True)
    if not failures:
        out.print(f"ok: all {len(results)} pins of {args.lockfile} have a wheel for {target}, and every requirement "
                  "of theirs is pinned and met")
        return 0
    # One row per problem: a pin can lack a wheel and miss a requirement, and each has its own fix.
    rows = [(f"{r.name}=={r.version}", problem.why,
             problem.fix or (f"nearest version with a wheel: {r.nearest}" if r.nearest else ""), r.source)
            for r in failures for problem in r.problems]
    print_rows(out, f"{len(failures)} of {len(results)} pins would not install on {target}",
               ("pin", "why", "fix", "line"), rows)
    return 1
