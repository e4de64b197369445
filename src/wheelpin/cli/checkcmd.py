"""``wheelpin check`` and ``report --lock``: a lock's pins checked against the index for each target."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from wheelpin.check import PinCheck, check_pins
from wheelpin.cli.check_output import check_json
from wheelpin.cli.commands import open_session
from wheelpin.cli.detected import fill_target, note_lock_target
from wheelpin.cli.github import github_check
from wheelpin.cli.lockcheck import LockVerdict, lock_selection, print_lock_report, show_check
from wheelpin.cli.several import check_targets, header_targets
from wheelpin.errors import LockNotForTarget
from wheelpin.locks import LockRead, read_lock
from wheelpin.pythons import default_pythons, known_releases, parse_python_list
from wheelpin.target import Target, make_target


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
