"""The commands: read the inputs, open a session on the configured index, run, render, write."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version
from rich.console import Console

from wheelpin.check import PinCheck, check_pins
from wheelpin.cli.check_output import check_json
from wheelpin.cli.detected import (
    fill_target,
    mark_deployed,
    note_lock_target,
    report_pythons,
    use_project_requirements,
)
from wheelpin.cli.github import github_check, github_report
from wheelpin.cli.lockcheck import LockVerdict, lock_argument, lock_selection, print_lock_report, show_check
from wheelpin.cli.options import fetch_summary, show_progress, verbosity
from wheelpin.cli.render import (
    RUNTIME_FILES,
    is_runtime_file_text,
    markdown_lines,
    print_error,
    print_report,
    print_rows,
    report_json,
    runtime_file_text,
    runtime_values,
)
from wheelpin.cli.several import (
    LockGroup,
    check_targets,
    common_recommendation,
    explained,
    header_targets,
    lock_groups,
    platform_names,
    refuse_multi_target_pylock,
    show_reports,
)
from wheelpin.config import env_int, env_seconds, index_urls, redact_text, refuse_plain_http, trusted_hosts
from wheelpin.errors import InputError, LockNotForTarget, NoWheelSolution
from wheelpin.index import CachedIndex, EventHook, LazyIndex, NetPolicy, default_cache_dir
from wheelpin.index.credentials import split_credentials
from wheelpin.inputs import Inputs, UncheckedRequirement, input_file, load_inputs
from wheelpin.lockfile import lock_lines, write_atomic, yank_note
from wheelpin.locks import LockRead, read_lock
from wheelpin.models import Resolution
from wheelpin.presets import ALL_PRESETS, offers
from wheelpin.pylockfile import is_pylock_path, pylock_lines
from wheelpin.pythons import PythonRelease, default_pythons, known_releases, parse_python_list
from wheelpin.relock import Upgrade, locked_pins, parse_upgrade
from wheelpin.report import Report, build_report
from wheelpin.report.builds import Classify, classify_blockers, index_classifier
from wheelpin.resolve import Session, resolve_targets
from wheelpin.target import Target, make_target
from wheelpin.wheels import unchecked_blocking

if TYPE_CHECKING:
    from wheelpin.index.http import HttpIndex


def gather_inputs(args: argparse.Namespace) -> Inputs:
    """The inputs of resolve and report.  A positional argument that names or looks like a file is read as
    one (or refused), never looked up on the index as a project of that name."""
    files: dict[str, list[str]] = {"requirements": [], "pyproject": [], "pipfile": []}
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
                         extras=args.extra, groups=args.group, pipfiles=files["pipfile"], dev=args.dev)
    return replace(inputs, pre=inputs.pre or args.pre)


@contextmanager
def open_session(args: argparse.Namespace, inputs: Inputs | LockRead | None, err: Console, *,
                 speculate: bool = False) -> Iterator[Session]:
    """A session on the configured index behind the disk cache, with a progress line on a terminal; its
    warnings are printed when it closes.  Only a report speculates (see Session)."""
    counts = {"page": 0, "metadata": 0}
    status = err.status("resolving…") if show_progress(args, err) else None
    level = verbosity(args)

    def on_event(kind: str, what: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        if level >= 2:
            err.print(f"fetched {kind}: {what}", highlight=False, markup=False)
        if status is not None:
            status.update(f"fetched {counts['page']} project pages, {counts['metadata']} metadata files — {what}")

    http = open_index(args, inputs, on_event, err)
    cached = CachedIndex(http, args.cache_dir or default_cache_dir(), ttl=args.cache_ttl,
                         refresh=args.refresh, offline=args.offline)
    for warning in cached.warnings:  # now, not at the end: the run may take minutes without the cache
        err.print(f"warning: {warning}", highlight=False, markup=False)
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
        if level >= 1:
            err.print(fetch_summary(counts, http), highlight=False, markup=False)


def open_index(args: argparse.Namespace, inputs: Inputs | LockRead | None, on_event: EventHook,
               err: Console) -> LazyIndex:
    """The configured index, plain http refused off loopback and trusted hosts, its credentials taken out of
    the URLs (so that no message, cache key or lock can hold them) and given to the client's auth instead.
    The client is built at the first cache miss (a warm run never imports httpx or ssl); a TLS setting that
    cannot be loaded fails there."""
    urls = index_urls(cli_index_url=args.index_url, cli_extra=args.extra_index_url,
                      file_index_url=inputs.index_url if inputs else None,
                      file_extra=inputs.extra_index_urls if inputs else ())
    refuse_plain_http(urls, trusted_hosts(args.trusted_host))
    plain, given = split_credentials(urls)
    keyring = None
    if args.keyring_provider == "subprocess":
        keyring = shutil.which("keyring")
        if keyring is None:
            err.print("warning: --keyring-provider subprocess: no keyring command on PATH, so no password comes "
                      "from a keyring; install keyring (e.g. pipx install keyring)", highlight=False, markup=False)
    policy = net_policy(args)

    def build() -> HttpIndex:
        # imported on use: a warm run never needs the HTTP stack
        from wheelpin.index.auth import IndexAuth
        from wheelpin.index.http import HttpIndex, make_client

        client = make_client(policy)
        client.auth = IndexAuth(given, keyring=keyring)
        return HttpIndex(plain, client=client, on_event=on_event, policy=policy)

    return LazyIndex(plain, build)


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
    check_output_name(args.output_file)
    upgrade = parse_upgrade(args.upgrade, args.upgrade_package)
    use_project_requirements(args, err)
    fill_target(args, err, python_default=args.python_fallback)
    inputs = gather_inputs(args)
    inputs = replace(inputs, constraints=inputs.constraints + upgrade.constraints)
    warn_unchecked(inputs, err)
    groups = lock_groups(args.python, platform_names(args), args.output_file)
    refuse_multi_target_pylock(groups)
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
            _write_lock(group.path, resolution, command, err, session, inputs.unchecked)
            failed += _refuse_source_lines(inputs, group.targets, args.allow_source, err)
    return 1 if failed else 0


def _refuse_source_lines(inputs: Inputs, targets: Sequence[Target], allow_source: Sequence[str],
                         err: Console) -> int:
    """1, with one paragraph naming them, when lines off the index build from source (or are wheels that do
    not fit): the lock carries them, but a wheel-only lock cannot promise them."""
    blocking = unchecked_blocking(inputs.unchecked, targets, allow_source)
    if not blocking:
        return 0
    lines = "; ".join(reason for _item, reason in blocking)
    names = [item.name for item, _reason in blocking if item.name and not item.is_wheel]
    allow = f"; --allow-source {' --allow-source '.join(names)} accepts them" if names else ""
    print_error(err, NoWheelSolution(
        f"the lock is not wheel-only: it carries lines wheelpin cannot check, which pin no index release ({lines}); "
        f"install from an index release instead (a name and version, e.g. a published wheel){allow}."))
    return 1


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


def check_output_name(path: str | None) -> None:
    """-o names the format: pylock.toml / pylock.NAME.toml is PEP 751, any other .toml is refused, anything
    else is a requirements file."""
    if path and path.lower().endswith(".toml") and not is_pylock_path(path):
        # A requirements lock in a .toml file would be refused by every installer (and pylock reader).
        raise InputError(
            f"-o {path}: a .toml lock must be named as PEP 751 names lock files, pylock.toml or pylock.NAME.toml "
            "with no dot in NAME (so for several Pythons one directory each, e.g. -o 'py{python}/pylock.toml'); "
            "any other name gets requirements syntax, e.g. -o requirements-lock.txt."
        )


def _write_lock(path: str | None, resolution: Resolution, command: str, err: Console,
                session: Session, unchecked: Sequence[UncheckedRequirement] = ()) -> None:
    if path is not None and is_pylock_path(path):
        lines: Iterable[str] = pylock_lines(resolution, command=command,
                                            index_of=lambda name: session.project(name).index_url)
    else:
        lines = lock_lines(resolution, command=command, unchecked=unchecked)
    if path is not None:
        write_atomic(path, lines)
        built = [p.name for p in resolution.pins if p.from_source]
        where = "; ".join(str(t) for t in resolution.all_targets)
        how = (f"for {where}, with source builds (--allow-source): {', '.join(built)}; the rest wheels" if built
               else f"wheels only for {where}")
        if unchecked:
            how += f", except {len(unchecked)} line{'s' if len(unchecked) > 1 else ''} wheelpin cannot check"
        err.print(f"wrote {path}: {len(resolution.pins)} packages, {how}")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in lines))


def run_report(args: argparse.Namespace, err: Console) -> int:
    lock = lock_argument(args)
    if lock is not None:
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
        with open_session(args, inputs, err, speculate=True) as session:
            classify = None if args.no_classify else index_classifier(session.fetcher.index)
            # One report per --platform, all in one session: a release's metadata is fetched once for all.
            reports = [mark_deployed(_platform_report(inputs, pythons, platform, session, pending.result(),
                                                      args.allow_source, classify), detected, python_given)
                       for platform in platforms]
    show_reports("table" if args.format == "github" else args.format, list(zip(platforms, reports, strict=True)),
                 _show_report)
    for report in reports if args.format == "github" else ():
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


def run_check(args: argparse.Namespace, err: Console) -> int:
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
    # The format from its name and contents; read for each target (markers, environments, groups).
    locks = [(target, read_lock(args.lockfile, target, lock_selection(args))) for target in targets]
    with open_session(args, locks[0][1], err) as session:
        checked = [(t, lock, check_pins(lock.pins, t, session, relock=lock.relock, project=lock.project))
                   for t, lock in locks]
    if args.format == "json" and all(results for _t, _l, results in checked):
        documents = [check_json(args.lockfile, t, results) for t, _l, results in checked]
        # One target: its document, as before; several: one document per target, in a list.
        sys.stdout.write(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n")
        return 0 if all(r.ok for _t, _l, results in checked for r in results) else 1
    failing = [t for t, lock, results in checked if _check_one(args, lock, t, results, err)]
    if failing and len(targets) > 1:
        Console(highlight=False, soft_wrap=True).print(
            f"{args.lockfile} fails on {len(failing)} of {len(targets)} targets: " + "; ".join(map(str, failing)),
            markup=False)
    return 1 if failing else 0


def _check_one(args: argparse.Namespace, lock: LockRead, target: Target, results: list[PinCheck],
               err: Console) -> int:
    if results and args.format == "github":
        github_check(args.lockfile, target, results, err)
    return show_check(lock, target, results, err)


def run_targets() -> int:
    """The preset table: what each --platform name stands for, its tag per Python, the Pythons it offers."""
    rows = [(p.name, p.stands_for, p.tags_text(), p.offered_text(), ", ".join(p.arches))
            for p in ALL_PRESETS.values()]
    print_rows(Console(highlight=False, soft_wrap=True), "--platform presets (sources: docs/targets.md)",
               ("preset", "stands for", "tag per Python", "Pythons offered", "arches"), rows)
    return 0


def run_lock_report(args: argparse.Namespace, err: Console, path: str) -> int:
    """report --lock: the matrix for the lock's versions as they are, one check per Python."""
    args.lockfile = path  # the lock's project names the platform it deploys to (project_dir)
    fill_target(args, err, python_default=None)
    pythons = (parse_python_list(args.python) if args.python
               else [r.version for r in default_pythons(known_releases())])
    reads: list[tuple[Target, LockRead | LockVerdict]] = []
    for python in pythons:  # read first: the session needs the index a lock names (Pipfile.lock's sources)
        target = make_target(python, args.platform)
        try:
            reads.append((target, read_lock(path, target, lock_selection(args))))
        except LockNotForTarget as exc:
            # Excluded by the lock's requires-python: the project says it does not run there, as a requirements
            # report's excluded row says (an installer refusing it is no missing wheel).
            reads.append((target, LockVerdict(target=target, refused=str(exc), excluded_by=exc.requires_python)))
    named = next((lock for _t, lock in reads if isinstance(lock, LockRead)), None)
    verdicts = []
    with open_session(args, named, err) as session:
        for target, lock in reads:
            if isinstance(lock, LockVerdict):
                verdicts.append(lock)
            else:
                results = check_pins(lock.pins, target, session, relock=lock.relock, project=lock.project)
                verdicts.append(LockVerdict(target=target, results=tuple(results)))
    return print_lock_report(path, verdicts, args.format)
