"""``wheelpin-pre-commit``: the pre-commit hook (``.pre-commit-hooks.yaml``, id ``wheelpin-check``).

pre-commit passes the changed requirement and lock files.  A lock ``wheelpin check`` reads (uv.lock,
poetry.lock, Pipfile.lock, pylock.toml, or a requirements file whose every line is ``name==version``) is
checked as ``check`` checks it; any other requirement source ``resolve`` reads (a requirements file, a
Pipfile, a pyproject.toml) must resolve with wheels only, as ``wheelpin resolve`` would, without writing
anything.  The target is the one the repository's deploy files name
(``wheelpin target``), unless --python / --platform are given in the hook's ``args``; ``--offline`` answers
from the cache only and fails, naming what is missing, on a miss.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from packaging.pylock import is_valid_pylock_path
from rich.console import Console

from wheelpin.cli import commands
from wheelpin.cli.checkcmd import run_check
from wheelpin.cli.detected import HOST_PYTHON, fill_target
from wheelpin.cli.failures import explain_failure
from wheelpin.cli.options import add_shared_options, error_console
from wheelpin.cli.parser import _index_options, _target_options
from wheelpin.cli.render import print_error
from wheelpin.errors import NoWheelSolution, WheelpinError
from wheelpin.inputs import parse_requirements_file
from wheelpin.locks import REQUIREMENTS, lock_format
from wheelpin.resolve import resolve
from wheelpin.target import make_target


def build_hook_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wheelpin-pre-commit",
                                     description="Check changed requirement and lock files: a lock's pins must "
                                                 "have wheels for the target, other files must resolve with "
                                                 "wheels only. Exit 0: all do; 1: some do not; 2: bad input; 3: "
                                                 "the index (or, with --offline, the cache) could not answer.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="requirement or lock files (pre-commit's)")
    _target_options(parser)
    _index_options(parser)
    add_shared_options(parser, top_level=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_hook_parser().parse_args(argv)
    err = error_console(args)
    if args.project is None:
        args.project = "."  # pre-commit runs hooks at the repository's top: its deploy files give the target
    worst = 0
    try:
        fill_target(args, err, python_default=args.python_fallback or HOST_PYTHON)
        for path in args.files:
            worst = max(worst, _check_file(args, path, err))
    except WheelpinError as exc:
        print_error(err, exc)
        return exc.exit_code
    return worst


def _check_file(args: argparse.Namespace, path: str, err: Console) -> int:
    try:
        if is_lock(path):
            return _check_lock(args, path, err)
        return _check_requirements(args, path, err)
    except WheelpinError as exc:
        if exc.exit_code == 3:  # the index or the cache cannot answer: the other files cannot be checked either
            raise
        print_error(err, exc)
        return exc.exit_code


def is_lock(path: str) -> bool:
    """A lock ``check`` reads: uv.lock, poetry.lock, Pipfile.lock, pylock.toml / pylock.NAME.toml (by name, else
    by contents, as check tells them apart), or a file of ``name==version`` lines only (a pip freeze, a
    pip-compile or wheelpin lock).  A Pipfile or any other .toml (a pyproject.toml) is a requirement source."""
    name = os.path.basename(path)
    if name.lower() == "pipfile" or (name.lower().endswith(".toml") and not is_valid_pylock_path(Path(name))):
        return False
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""  # the reader that follows names the file and what is wrong with it
    if lock_format(path, text) != REQUIREMENTS:
        return True
    parsed = parse_requirements_file(path, references=False)
    return bool(parsed.requirements) and all(
        len(specs := list(r.requirement.specifier)) == 1 and specs[0].operator in ("==", "===")
        and "*" not in specs[0].version for r in parsed.requirements)


def _check_lock(args: argparse.Namespace, path: str, err: Console) -> int:
    # The main dependencies only, as a deploy installs them (uv sync --no-dev, poetry install --only main).
    check_args = argparse.Namespace(**{**vars(args), "lockfile": path, "format": "table", "group": [], "dev": False,
                                       "extra": []})
    return run_check(check_args, err)


def _check_requirements(args: argparse.Namespace, path: str, err: Console) -> int:
    resolve_args = argparse.Namespace(**{**vars(args), "requirement": [path], "requirements": [], "constraint": [],
                                         "extra": [], "pre": False, "allow_source": [], "group": [],
                                         "dev": False})
    inputs = commands.gather_inputs(resolve_args)
    target = make_target(args.python, args.platform)
    with commands.open_session(resolve_args, inputs, err) as session:
        try:
            resolve(inputs, target, session)
        except NoWheelSolution as exc:
            print_error(err, explain_failure(inputs, target, session, [], exc))
            return 1
    Console(highlight=False).print(f"ok: {path} resolves with wheels only for {target}", markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
