"""The options every command shares, as pip and uv users expect them: -v / -q, --no-progress (and NO_COLOR,
which rich honours), and an unknown option reported with the subcommand's usage, not the top level's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.text import Text

# Messages a quiet run still prints: -q keeps warnings and errors, -qq errors only (pip's levels).
_WARNING_PREFIXES = ("warning",)


class WheelpinParser(argparse.ArgumentParser):
    """argparse reports an option no subcommand knows from the top-level parser, whose usage lists only the
    commands; pip and uv show the subcommand's options instead, which is what the user needs to fix it."""

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            given = list(sys.argv[1:] if args is None else args)
            command = getattr(parsed, "command", None)
            position = given.index(command) if command in given else len(given)
            # An unknown option before the command is the top level's to report; after it, the command's.
            before = any(extra in given[:position] for extra in extras)
            (self if before else self.subcommand_parser(parsed)).error(
                f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def subcommand_parser(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        command = getattr(parsed, "command", None)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and command in action.choices:
                chosen: argparse.ArgumentParser = action.choices[command]
                return chosen
        return self


def add_shared_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """-v, -q and --no-progress, before the subcommand or after it.  On subcommands the defaults are
    suppressed, so a subcommand that was not given them keeps what the top level parsed."""
    default: dict[str, Any] = {} if top_level else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("output")
    group.add_argument("-v", "--verbose", action="count", help="say more: what was fetched, and how many requests "
                       "(repeat to log each fetch)", **({"default": 0} if top_level else default))
    group.add_argument("-q", "--quiet", action="count", help="say less: only warnings and errors on stderr (-qq: "
                       "errors only); results still go to stdout", **({"default": 0} if top_level else default))
    group.add_argument("--no-progress", action="store_true", help="no progress line on a terminal (NO_COLOR, "
                       "honoured too, turns colour off)", **({"default": False} if top_level else default))


def verbosity(args: argparse.Namespace) -> int:
    """-q counts down, -v up: -2 errors only, -1 warnings and errors, 0 normal, 1 counts, 2 every fetch."""
    return int(getattr(args, "verbose", 0) or 0) - int(getattr(args, "quiet", 0) or 0)


def show_progress(args: argparse.Namespace, console: Console) -> bool:
    """A progress line only on a terminal, only when not turned off, and never under -q."""
    return console.is_terminal and not getattr(args, "no_progress", False) and verbosity(args) >= 0


class LeveledConsole(Console):
    """stderr that drops informational lines below the run's verbosity.  Messages here are plain sentences
    that start with what they are ("warning: …", "error: …"), so the level is read from that."""

    def __init__(self, *, level: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.level = level
        self._loud = 0

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.level < 0 and not self._loud and not self._kept(objects):
            return
        super().print(*objects, **kwargs)

    def _kept(self, objects: Sequence[Any]) -> bool:
        first = objects[0] if objects else ""
        text = first.plain if isinstance(first, Text) else str(first)
        if text.startswith(("error", "interrupted")):
            return True
        return self.level == -1 and text.startswith(_WARNING_PREFIXES)

    @contextmanager
    def loud(self) -> Iterator[None]:
        """Everything printed inside is shown whatever the level: an error's rows and hints are the error."""
        self._loud += 1
        try:
            yield
        finally:
            self._loud -= 1


@contextmanager
def loud(console: Console) -> Iterator[None]:
    """:meth:`LeveledConsole.loud` for any console (a plain Console is always loud)."""
    if isinstance(console, LeveledConsole):
        with console.loud():
            yield
    else:
        yield


def error_console(args: argparse.Namespace | None) -> Console:
    level = verbosity(args) if args is not None else 0
    return LeveledConsole(level=level, stderr=True, highlight=False, soft_wrap=True)


def fetch_summary(counts: dict[str, int], http: Any) -> str:
    """-v's last line: what the run fetched from the network (the rest came from the cache)."""
    sdists = counts.get("sdist", 0)
    built = f", {sdists} sdists classified ({http.build_requests} downloads)" if sdists else ""
    return (f"fetched {counts.get('page', 0)} project pages and {counts.get('metadata', 0)} metadata files from the "
            f"index in {http.requests} requests{built}; everything else came from the cache")
