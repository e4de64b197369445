"""check and report on a lock of any format: which lock file is meant, and how its verdicts are shown."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console

from wheelpin.cli.render import print_rows
from wheelpin.errors import InputError
from wheelpin.lockfile import is_pylock_path
from wheelpin.report import VerdictStatus
from wheelpin.target import Target

if TYPE_CHECKING:
    from wheelpin.check import PinCheck
    from wheelpin.locks import LockRead, Selection


def lock_selection(args: argparse.Namespace) -> Selection:
    """What of the lock a deploy installs: the main group, plus --group, --extra and (Pipfile.lock) --dev."""
    from wheelpin.locks import Selection  # imported on use: report finds its --lock here without reading it

    return Selection(groups=tuple(getattr(args, "group", ()) or ()), extras=tuple(getattr(args, "extra", ()) or ()),
                     dev=bool(getattr(args, "dev", False)))


def is_lock_name(path: str) -> bool:
    """uv.lock, poetry.lock, Pipfile.lock (any ``*.lock``) or a PEP 751 pylock name."""
    return os.path.basename(path).lower().endswith(".lock") or is_pylock_path(path)


def lock_argument(args: argparse.Namespace) -> str | None:
    """The lock ``report`` is asked about: ``--lock FILE``, or a positional argument naming a lock file
    (taken out of the requirements, which a lock replaces)."""
    named = [item for item in args.requirements if is_lock_name(item)]
    locks = ([args.lock] if args.lock else []) + named
    if not locks:
        return None
    others = [item for item in args.requirements if item not in named] + args.requirement + args.constraint
    if len(locks) > 1 or others:
        raise InputError(f"report --lock reads one lock as it is ({', '.join(locks)} given, with "
                         f"{len(others)} other inputs): give one lock file and no requirements, or requirements "
                         "without a lock.")
    args.requirements = []
    return str(locks[0])


def show_check(lock: LockRead, target: Target, results: Sequence[PinCheck], err: Console) -> int:
    """The check's verdict: ok, or one row per problem with its fix; exit 1 when any pin fails."""
    if lock.skipped:
        err.print(f"note: {lock.path}: not checked, not from an index: {', '.join(lock.skipped)}",
                  highlight=False, markup=False)
    if not results:
        raise InputError(
            f"{lock.path} has no pins that apply to {target}: an empty lock would pass any check; check the "
            "file, the --python/--platform given and the groups asked for."
        )
    failures = [r for r in results if not r.ok]
    out = Console(highlight=False, soft_wrap=True)
    if not failures:
        out.print(f"ok: all {len(results)} pins of {lock.path} have a wheel for {target}, and every requirement "
                  "of theirs is pinned and met")
        return 0
    # One row per problem: a pin can lack a wheel and miss a requirement, and each has its own fix.
    rows = [(f"{r.name}=={r.version}", problem.why, _fix(r, problem.fix), r.source)
            for r in failures for problem in r.problems]
    print_rows(out, f"{len(failures)} of {len(results)} pins would not install on {target}",
               ("pin", "why", "fix", "line"), rows)
    return 1


def _fix(result: PinCheck, fix: str) -> str:
    return fix or (f"nearest version with a wheel: {result.nearest}" if result.nearest else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class LockVerdict:
    """One Python's answer for a lock as it is: its pins' checks, or why the lock does not apply at all."""

    target: Target
    results: tuple[PinCheck, ...] = ()
    refused: str = ""  # the lock's environments or requires-python exclude the target
    excluded_by: str | None = None  # the lock's requires-python, when that is what excludes the target

    @property
    def status(self) -> VerdictStatus:
        """As a requirements report's row: a Python the lock's requires-python excludes is excluded, not
        blocked (nothing was checked, and no wheel would change it)."""
        if self.excluded_by is not None:
            return VerdictStatus.EXCLUDED
        return VerdictStatus.CLEAN if self.ok else VerdictStatus.BLOCKED

    @property
    def verdict_text(self) -> str:
        if self.excluded_by is not None:
            return f"excluded by the lock's requires-python {self.excluded_by}"
        return "yes" if self.ok else "no"

    @property
    def ok(self) -> bool:
        return not self.refused and bool(self.results) and all(r.ok for r in self.results)


def print_lock_report(path: str, verdicts: Sequence[LockVerdict], form: str) -> int:
    """The matrix: per Python, whether the lock installs with wheels only, what blocks it, and the fix."""
    if form == "json":
        sys.stdout.write(json.dumps({"lock": path, "pythons": [_verdict_json(v) for v in verdicts]}, indent=2)
                         + "\n")
        return 0 if any(v.ok for v in verdicts) else 1
    out = Console(highlight=False, soft_wrap=True)
    platform = verdicts[0].target.platform.tag if verdicts else ""
    title, headers = f"{path}: wheel-only installs on {platform}", ("Python", "wheel-only", "packages", "blocked by")
    rows = [(v.target.python_version, v.verdict_text, "-" if v.excluded_by is not None else str(len(v.results)),
             ", ".join(f"{r.name}=={r.version}" for r in v.results if not r.ok) or (
                 "lock refused" if v.refused and v.excluded_by is None else "-"))
            for v in verdicts]
    notes = [f"{v.target.python_version}: {v.refused}" for v in verdicts if v.refused and v.excluded_by is None] + [
        f"{v.target.python_version}: {r.name}=={r.version}: {p.why}" + (f"; fix: {fix}" if (fix := _fix(r, p.fix))
                                                                        else "")
        for v in verdicts for r in v.results for p in r.problems]
    if form == "markdown":  # for $GITHUB_STEP_SUMMARY and PR comments, as the requirements report has it
        lines = [f"### {title}", "", "| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers),
                 *("| " + " | ".join(row) + " |" for row in rows), "", *(f"- {note}" for note in notes)]
        sys.stdout.write("".join(f"{line}\n" for line in lines))
    else:
        print_rows(out, title, headers, rows)
        for note in notes:
            out.print(f"  {note}")
    return 0 if any(v.ok for v in verdicts) else 1


def _verdict_json(verdict: LockVerdict) -> dict[str, object]:
    return {"python": verdict.target.python_version, "platform": verdict.target.platform.tag, "ok": verdict.ok,
            "status": verdict.status.value, "refused": verdict.refused or None,
            "excluded_by": verdict.excluded_by,
            "packages": len(verdict.results),
            "blockers": [{"name": r.name, "version": str(r.version), "line": r.source,
                          "problems": [{"kind": str(p.kind), "why": p.why, "fix": _fix(r, p.fix)} for p in r.problems]}
                         for r in verdict.results if not r.ok]}
