"""The command line: the only package that reads argv, prints, or exits."""

from __future__ import annotations

import gc
from collections.abc import Sequence

from wheelpin.cli.commands import run_check, run_report, run_resolve, run_targets
from wheelpin.cli.completion import run_completion
from wheelpin.cli.detected import run_target
from wheelpin.cli.options import error_console
from wheelpin.cli.parser import build_parser
from wheelpin.cli.render import print_error
from wheelpin.errors import WheelpinError

# Garbage collection thresholds for a run (mypy's, for the same reason): a run builds a few hundred thousand
# long-lived objects (file entries, parsed releases) and almost no reference cycles, and with the default
# thresholds the collector scans those objects over and over (measured: docs/architecture.md).
GC_THRESHOLDS = (200_000, 30, 30)


def main(argv: Sequence[str] | None = None) -> int:
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)  # main() may be called by a longer-lived program (or a test run)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    err = error_console(args)
    try:
        if args.command == "completion":
            return run_completion(parser, args)
        if args.command == "resolve":
            return run_resolve(args, argv, err)
        if args.command == "report":
            return run_report(args, err)
        if args.command == "targets":
            return run_targets()
        if args.command == "target":
            return run_target(args)
        return run_check(args, err)
    except WheelpinError as exc:
        print_error(err, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130



__all__ = ["main"]
