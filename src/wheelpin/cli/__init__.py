"""The command line: the only package that reads argv, prints, or exits."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from rich.console import Console

from wheelpin.cli.commands import run_resolve, run_targets
from wheelpin.cli.options import error_console
from wheelpin.cli.parser import build_parser
from wheelpin.cli.render import print_error
from wheelpin.errors import WheelpinError

# Garbage collection thresholds for a run (mypy's, for the same reason): a run builds a few hundred thousand
# long-lived objects (file entries, parsed releases) and almost no reference cycles, and with the default
# thresholds the collector scans those objects over and over (measured: docs/architecture.md).
GC_THRESHOLDS = (200_000, 30, 30)
# After SIGINT/SIGTERM, how long the run may take to unwind (temp files removed, cache closed) before the
# process exits anyway: a fetch thread blocked on a stalled socket would otherwise hold it for the read timeout.
INTERRUPT_GRACE = 3.0


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, as KeyboardInterrupt is on SIGINT, so that the same unwinding
    (write_atomic removing its temp file, the session closing) runs for both."""


class _Interrupt:
    """The signal a run was stopped by, and the one line that says so (printed once, by whoever is first)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._said = threading.Lock()

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            return  # already unwinding; the watchdog ends it if that takes too long
        self.signum = signum
        threading.Thread(target=self._watchdog, name="wheelpin-interrupt", daemon=True).start()
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    def say(self, err: Console, signum: int) -> int:
        if self._said.acquire(blocking=False):
            name = "interrupted" if signum == signal.SIGINT else "terminated"
            err.print(f"{name} ({signal.Signals(signum).name}): stopped; no file was left half-written")
        return 128 + signum

    def _watchdog(self) -> None:
        time.sleep(INTERRUPT_GRACE)
        assert self.signum is not None
        code = self.say(Console(stderr=True, highlight=False, soft_wrap=True), self.signum)
        _exit_now(code)


def _exit_now(code: int) -> None:
    """Exit without joining the fetch threads (one may be blocked on a stalled socket for the read timeout).
    Nothing is lost: files are written by rename, and the cache's writes are sqlite transactions."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The program (argv None: SIGINT and SIGTERM end it with 130 / 143 and one line), or a call from a
    longer-lived program with its own argv, whose signal handling and threads are left alone."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    interrupt = _Interrupt()
    as_program = argv is None and threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, interrupt.handler) for s in (signal.SIGINT, signal.SIGTERM)} if as_program \
        else {}
    try:
        code = _main(argv, interrupt)
    finally:
        if not as_program:
            # main() called by a longer-lived program (or a test run) gives the collector back as it was.  The
            # program leaves them raised: lowered now, they would set off a full collection of every object
            # the run built, just before it exits.
            gc.set_threshold(*thresholds)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if as_program:
        # The interpreter's own teardown frees every page, release and memo of the run one object at a time
        # and joins the fetch threads: a visible share of a warm run, for nothing a finished run needs.  The
        # atexit hooks still run (a library's, or a wrapper's such as the benchmark's request counter).
        atexit._run_exitfuncs()
        _exit_now(code)
    return code


def _main(argv: Sequence[str] | None, interrupt: _Interrupt) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    err = error_console(args)
    try:
        return _run(parser, args, argv, err)
    except WheelpinError as exc:
        print_error(err, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        return interrupt.say(err, signal.SIGINT)
    except Terminated:
        return interrupt.say(err, signal.SIGTERM)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str] | None,
         err: Console) -> int:
    # The other commands' modules are imported on use: a warm resolve never needs them.
    if args.command == "resolve":
        return run_resolve(args, argv, err)
    if args.command == "targets":
        return run_targets()
    if args.command == "report":
        from wheelpin.cli.reportcmd import run_report

        return run_report(args, err)
    if args.command == "completion":
        from wheelpin.cli.completion import run_completion

        return run_completion(parser, args)
    if args.command == "fix":
        from wheelpin.cli.fixcmd import run_fix

        return run_fix(args, err)
    if args.command == "why":
        from wheelpin.cli.why import run_why

        return run_why(args, err)
    if args.command == "target":
        from wheelpin.cli.detected import run_target

        return run_target(args)
    from wheelpin.cli.checkcmd import run_check

    return run_check(args, err)


__all__ = ["main"]
