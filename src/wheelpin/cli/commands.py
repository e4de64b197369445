"""resolve and targets, and what every command shares: the inputs, a session on the configured index (built
at the first cache miss), the lock written.  report, check and fix have modules of their own."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version
from rich.console import Console

from wheelpin.cli.detected import fill_target, use_project_requirements
from wheelpin.cli.options import fetch_summary, show_progress, verbosity
from wheelpin.cli.render import print_error, print_rows
from wheelpin.cli.several import LockGroup, explained, lock_groups, platform_names, refuse_multi_target_pylock
from wheelpin.config import env_int, env_seconds, index_urls, redact_text, refuse_plain_http, trusted_hosts
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.index import CachedIndex, EventHook, LazyIndex, NetPolicy, default_cache_dir
from wheelpin.index.credentials import split_credentials
from wheelpin.inputs import Inputs, UncheckedRequirement, input_file, load_inputs
from wheelpin.lockfile import is_pylock_path, lock_lines, write_atomic, yank_note
from wheelpin.models import Resolution
from wheelpin.presets import ALL_PRESETS
from wheelpin.relock import Upgrade, locked_pins, parse_upgrade
from wheelpin.resolve import Session, resolve_targets
from wheelpin.target import Target
from wheelpin.wheels import unchecked_blocking

if TYPE_CHECKING:
    from wheelpin.index.http import HttpIndex
    from wheelpin.locks import LockRead


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
def open_session(args: argparse.Namespace, inputs: Inputs | LockRead | None, err: Console) -> Iterator[Session]:
    """A session on the configured index behind the disk cache, with a progress line on a terminal; its
    warnings are printed when it closes.  It speculates once the run goes to the network (see Session)."""
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
    session = Session(cached, speculate=True, online=False)
    http.when_first_used(session.went_online)
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
        from wheelpin.pylockfile import pylock_lines  # imported on use: a requirements lock needs no pylock writer

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


def run_targets() -> int:
    """The preset table: what each --platform name stands for, its tag per Python, the Pythons it offers."""
    rows = [(p.name, p.stands_for, p.tags_text(), p.offered_text(), ", ".join(p.arches))
            for p in ALL_PRESETS.values()]
    print_rows(Console(highlight=False, soft_wrap=True), "--platform presets (sources: docs/targets.md)",
               ("preset", "stands for", "tag per Python", "Pythons offered", "arches"), rows)
    return 0
