"""Several targets on one command line: ``--platform`` repeated, ``--python`` a list.  ``resolve`` writes one
lock per group of targets (all of them, unless -o has ``{python}`` / ``{platform}`` in it), ``check`` judges a
lock on each target and says which one fails."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wheelpin.cli.render import report_json
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.inputs import Inputs, decode_text
from wheelpin.lockfile import is_pylock_path
from wheelpin.presets import refuse_unoffered
from wheelpin.pythons import PythonRelease, parse_python_list
from wheelpin.resolve import Session
from wheelpin.target import Target, make_target

if TYPE_CHECKING:
    from wheelpin.report import Report


@dataclass(frozen=True, slots=True, kw_only=True)
class LockGroup:
    """The targets one lock is made for, and where it goes (None: stdout)."""

    path: str | None
    targets: tuple[Target, ...]

    @property
    def label(self) -> str:
        return "; ".join(str(t) for t in self.targets)


def platform_names(args: argparse.Namespace) -> list[str]:
    """Every ``--platform`` given, in order, else the one the project's files name or the default."""
    return list(dict.fromkeys(args.platforms)) if getattr(args, "platforms", None) else [args.platform]


def named_targets(pythons: Sequence[str], platforms: Sequence[str]) -> list[tuple[str, str, Target]]:
    """(Python as given, platform as given, target) for every Python on every platform, refusing a Python a
    platform does not offer before any request."""
    found = []
    for platform in platforms:
        targets = [(python, make_target(python, platform)) for python in pythons]
        refuse_unoffered(platform, [(t.python_version, t.minor) for _python, t in targets])
        found += [(python, platform, target) for python, target in targets]
    return found


def lock_groups(python: str, platforms: Sequence[str], pattern: str | None) -> list[LockGroup]:
    """One lock for every target, or one per Python and/or platform when -o names them: ``{python}`` is the
    version as given (3.12 or 3.12.7), ``{platform}`` the platform as given, a ``/`` (linux/arm64) made a
    ``-`` so that it stays one file name."""
    pythons = parse_python_list(python)
    groups: dict[str | None, list[Target]] = {}
    for _python, platform, target in named_targets(pythons, platforms):
        path = None if pattern is None else pattern.replace("{python}", _python_text(target)).replace(
            "{platform}", platform.strip().replace("/", "-"))
        groups.setdefault(path, []).append(target)
    return [LockGroup(path=path, targets=tuple(dict.fromkeys(targets))) for path, targets in groups.items()]


def _python_text(target: Target) -> str:
    return target.python


def check_targets(args: argparse.Namespace, header: Sequence[Target], *, given: bool) -> list[Target]:
    """The targets ``check`` judges a lock on: those given (every --python of the list on every --platform),
    else every target the lock's header records when it records several, else the one detected."""
    if not given and len(header) > 1:
        return list(header)
    return [t for _p, _plat, t in named_targets(parse_python_list(args.python), platform_names(args))]


def failing_target(failure: NoWheelSolution, targets: Sequence[Target]) -> Target | None:
    """The one target to explain a failed lock for: the only one, or the one that cannot be locked even on its
    own (None when every target locks alone and only their common versions are missing)."""
    if len(targets) == 1:
        return targets[0]
    return failure.target


def explained(inputs: Inputs, targets: Sequence[Target], session: Session, allow_source: Sequence[str],
              failure: NoWheelSolution) -> NoWheelSolution:
    target = failing_target(failure, targets)
    if target is None:
        return failure
    from wheelpin.cli.failures import explain_failure  # imported on use: only a failed resolve explains itself

    return explain_failure(inputs, target, session, allow_source, failure)


_TARGET_LINE = re.compile(r"^# target: CPython (\S+?)(t \(free-threaded\))? "
                          r"\(requires-python checked against (\S+)\), platform (\S+)$")


def header_targets(path: str) -> list[Target]:
    """The targets a wheelpin lock's header records, one ``# target:`` line each (none for another file)."""
    found: list[Target] = []
    try:
        with open(path, "rb") as handle:
            text = decode_text(handle.read(), path)  # UTF-16 from PowerShell too, as check reads it
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            match = _TARGET_LINE.match(line)
            if match:
                # "3.12.0" stands for a bare 3.12 (resolve writes the .0 it checked against).
                python = match[1] if match[3] == f"{match[1]}.0" else match[3]
                found.append(make_target(python + ("t" if match[2] else ""), match[4]))
    except (OSError, InputError):
        return []  # check itself reports an unreadable lock; a header it cannot read names no target
    return list(dict.fromkeys(found))


def show_reports(form: str, reports: Sequence[tuple[str, Report]], show: Callable[[str, Report, str], None]) -> None:
    """Each platform's report in turn (``show``: one report, as for a single platform); as JSON, the first
    platform's document (schema 1, as for one platform) with every platform's in ``by_platform``, and which
    platforms no requested Python installs on."""
    if len(reports) == 1 or form != "json":
        for platform, report in reports:
            show(form, report, platform)
        if len(reports) > 1 and (blocked := [r.platforms for _p, r in reports if not r.ok]):
            sys.stdout.write(f"no requested Python installs with wheels only on: {'; '.join(blocked)}\n")
        return
    document = {**report_json(reports[0][1]), "by_platform": [report_json(r) for _p, r in reports],
                "blocked_platforms": [r.platforms for _p, r in reports if not r.ok]}
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def refuse_multi_target_pylock(groups: Sequence[LockGroup]) -> None:
    """A pylock.toml names one target in its ``environments`` (wheelpin's writer): a lock for several is
    requirements syntax, or one pylock per target."""
    for group in groups:
        if group.path is not None and len(group.targets) > 1 and is_pylock_path(group.path):
            raise InputError(
                f"-o {group.path}: a pylock.toml for {len(group.targets)} targets is not written yet; write a "
                "requirements file for all of them (-o requirements-lock.txt), or one pylock per target "
                "(-o 'py{python}-{platform}/pylock.toml').")


def common_recommendation(reports: Sequence[Report]) -> PythonRelease | None:
    """The Python to deploy on every platform at once: the oldest of the platforms' recommendations, when it
    installs with wheels only on all of them (each platform recommends its newest clean Python)."""
    chosen = [r.recommended for r in reports]
    if any(c is None for c in chosen):
        return None
    oldest = min((c for c in chosen if c is not None), key=lambda c: c.minor)
    clean_everywhere = all(any(v.ok and v.target.minor == oldest.minor for v in r.pythons) for r in reports)
    return oldest if clean_everywhere else None
