"""``wheelpin fix``: apply the report's verified fix for one target to the files the requirements were read from.

The fix is the report layer's (``report.matrix.python_verdict``); this module searches nothing.  It plans the
edits (``wheelpin.edit``), checks that the edited requirements lock before touching a file, prints the diff,
writes each file atomically, and then reads the files again and resolves them, so that "now locks" is said of
what is on disk.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from wheelpin.cli.commands import gather_inputs, open_session, warn_unchecked
from wheelpin.cli.detected import fill_target, report_pythons, say, use_project_requirements
from wheelpin.cli.failures import explain_failure
from wheelpin.edit import Edit, edit_pyproject_text, edit_requirements_text, edited_inputs, pinned, plan_edits
from wheelpin.edit import unified_diff as diff_lines
from wheelpin.errors import InputError, NoWheelSolution
from wheelpin.inputs import Inputs, input_file
from wheelpin.lockfile import write_bytes_atomic
from wheelpin.models import Resolution
from wheelpin.presets import offers, refuse_unoffered
from wheelpin.pythons import known_releases
from wheelpin.report import build_report
from wheelpin.report.fixes import apply_fixes
from wheelpin.report.matrix import PythonVerdict, python_verdict
from wheelpin.resolve import Session, resolve
from wheelpin.target import Target, make_target


def run_fix(args: argparse.Namespace, err: Console) -> int:
    _refuse_strings(args.requirements)
    use_project_requirements(args, err)
    fill_target(args, err, python_default=args.python_fallback)
    inputs = gather_inputs(args)
    _refuse_hashed(inputs)
    warn_unchecked(inputs, err)
    target = make_target(args.python, args.platform)
    refuse_unoffered(args.platform, [(target.python_version, target.minor)])
    with open_session(args, inputs, err) as session:
        verdict = python_verdict(inputs, target, session, allow_source=args.allow_source)
        if verdict.excluded_by is not None:
            raise InputError(f"{inputs.requires_python_source}: requires-python {verdict.excluded_by!r} excludes "
                             f"Python {verdict.python}, so there is nothing to fix for it; give a --python it admits.")
        if verdict.ok:
            say(err, f"nothing to fix: the requirements already lock for {target} with wheels only.")
            return 0
        if not verdict.fix:
            return _no_fix(args, inputs, verdict, session, err)
        changes = _changes(args.pin, inputs, target, session, args.allow_source, verdict.fix)
        edits = plan_edits(inputs, changes, target)
        # The edits admit what the verified fix did; resolving them before any file is touched proves it.
        _resolve(edited_inputs(inputs, edits), target, session, args.allow_source)
        files = _edited_files(edits)
        say(err, f"fix for {target}: {', '.join(changes)} (verified: with it a wheel-only lock exists)")
        for path, (old, new) in files.items():
            for note in _notes(edits, path):
                sys.stdout.write(f"# {note}\n")
            sys.stdout.writelines(diff_lines(path, old, new))
        if args.dry_run:
            say(err, "dry run: nothing was written.")
            return 0
        for path, (_old, new) in files.items():
            write_bytes_atomic(path, new.encode("utf-8"), keep_mode=True)  # through a symlink
        # Read back from disk, as the next resolve will: "now locks" is said of the files, not of a plan.
        written = gather_inputs(args)
        resolution = _resolve(written, target, session, args.allow_source)
    say(err, f"wrote {', '.join(files)}; the requirements now lock for {target}: {len(resolution.pins)} packages, "
             "wheels only (run `wheelpin resolve` to write the lock).")
    return 0


def _refuse_strings(items: Sequence[str]) -> None:
    for item in items:
        if input_file(item, positional=True) is None:
            raise InputError(f"{item!r} is a requirement, and wheelpin fix edits the files requirements are read "
                             "from; pass the requirements file (-r FILE) or the pyproject.toml instead.")


def _refuse_hashed(inputs: Inputs) -> None:
    """A lock with hashes was made by a resolver: editing one line would leave its hashes (and every pin the
    new release needs) wrong, so it is made again instead."""
    hashed = next((item for item in (*inputs.requirements, *inputs.constraints) if item.hashes), None)
    if hashed is not None:
        raise InputError(f"{hashed.source}: the file is a hashed lock (its lines carry --hash), which a fix cannot "
                         "edit line by line; re-lock it with `wheelpin resolve` from the requirements it was made "
                         "from, and fix those.")


def _changes(pin: bool, inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str],
             fix: tuple[str, ...]) -> tuple[str, ...]:
    """The verified fix; with --pin, each range as an ``==`` pin on the release the fix names, or, when that
    pin alone does not lock, on the release a resolution with the fix takes (that one locks by construction)."""
    if not pin:
        return fix
    lowest = pinned(fix, {})
    if _locks(apply_fixes(inputs, lowest), target, session, allow_source):
        return lowest
    resolution = _resolve(apply_fixes(inputs, fix), target, session, allow_source)
    chosen = {p.name: str(p.version) for p in resolution.pins}
    return pinned(fix, chosen)


def _locks(inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str]) -> bool:
    try:
        resolve(inputs, target, session, allow_source=allow_source, explain_failure=False)
    except NoWheelSolution:
        return False
    return True


def _resolve(inputs: Inputs, target: Target, session: Session, allow_source: Sequence[str]) -> Resolution:
    try:
        return resolve(inputs, target, session, allow_source=allow_source)
    except NoWheelSolution as exc:
        raise explain_failure(inputs, target, session, allow_source, exc) from None


def _edited_files(edits: Sequence[Edit]) -> dict[str, tuple[str, str]]:
    """Each file the edits touch: its text now and after the edits."""
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    files: dict[str, tuple[str, str]] = {}
    for path, group in by_path.items():
        old = _read(path)
        is_toml = group[0].path.lower().endswith(".toml")
        new = edit_pyproject_text(old, path, group) if is_toml else edit_requirements_text(old, group)
        if new != old:
            files[path] = (old, new)
    if not files:  # pragma: no cover - a blocked Python's fix always changes some written requirement
        raise InputError("the verified fix changes no line of the requirement files as they are now; run "
                         "`wheelpin report` to see what blocks, and change it by hand.")
    return files


def _read(path: str) -> str:
    """The file as it is, byte for byte (a BOM and CRLF included): the edit must give the rest back unchanged."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file again to edit it ({exc}); check it and rerun.") from None


def _notes(edits: Sequence[Edit], path: str) -> list[str]:
    return [(f"{e.name} is bounded by the constraint {e.item.requirement} in {e.path} ([tool.uv] "
             f"constraint-dependencies): the fix relaxes it there" if e.path.lower().endswith(".toml") else
             f"{e.name} is bounded by the constraints file {e.path} (-c), line {e.line}: the fix is made there")
            for e in edits if e.path == path and e.constraint]


def _no_fix(args: argparse.Namespace, inputs: Inputs, verdict: PythonVerdict, session: Session,
            err: Console) -> int:
    target = verdict.target
    why = "; ".join(f"{b.name}=={b.version}: {b.note or b.reason}" if b.version else f"{b.name}: {b.reason}"
                    for b in verdict.blockers)
    say(err, f"no verified fix for {target}: {why}. Nothing was changed.")
    say(err, _newest_clean(args, inputs, session, err))
    return 1


def _newest_clean(args: argparse.Namespace, inputs: Inputs, session: Session, err: Console) -> str:
    """The newest Python of the report's default matrix whose requirements lock with wheels only, as they are."""
    releases = known_releases()
    targets = [make_target(python, args.platform) for python in report_pythons(None, releases, err)]
    unoffered = [t for t in targets if not offers(args.platform, t.minor)]
    span = f"{targets[0].python_version}-{targets[-1].python_version}" if targets else "none"
    try:
        report = build_report(inputs, targets, session, releases, allow_source=args.allow_source,
                              not_offered=unoffered)
    except InputError:  # the project's requires-python excludes every one of them
        report = None
    if report is None or report.recommended is None:
        return f"none of Python {span} locks with wheels only as the requirements stand."
    best = report.recommended.version
    return f"the newest Python that locks with wheels only is {best} (of {span}): use --python {best}."
