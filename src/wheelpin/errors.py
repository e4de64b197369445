"""The wheelpin error family.

Every error carries what the user needs to fix it; ``str(error)`` is one paragraph that names the
file, line, package or URL involved and says what to do.  ``exit_code`` is what the CLI exits with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wheelpin.models import Blocker
    from wheelpin.target import Target


class WheelpinError(Exception):
    """Base class: a problem reported to the user as one paragraph, never as a traceback."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(WheelpinError):
    """Bad input: a requirements file, a requirement, an option value.  Exit code 2."""

    exit_code = 2


class IndexUnavailable(WheelpinError):
    """The package index could not be read (network, HTTP status, malformed page).  Exit code 3."""

    exit_code = 3


class MetadataError(WheelpinError):
    """A distribution's metadata could not be obtained or trusted (hash mismatch, dynamic deps).  Exit 3."""

    exit_code = 3


class DynamicMetadata(MetadataError):
    """An sdist whose dependencies only its build backend could tell, which wheelpin never runs.  A resolution
    treats its release as one it cannot install; the error escapes only from a direct metadata read."""


class NoWheelSolution(WheelpinError):
    """No set of versions with wheels for the target satisfies the requirements.  Exit code 1.

    ``causes`` are the blockers a failed resolution found (possibly none, when the caller did not ask for an
    explanation); ``involved`` the names of the packages in the final conflict (the requirements and the
    releases that made them), even when not explained.  ``rows`` replace the rows made from ``causes`` when
    given; ``hints`` are what to do, best first, one line each.  ``cut_short``: the resolver gave up after its
    round budget, which proves nothing either way.
    """

    exit_code = 1

    def __init__(self, message: str, *, causes: Sequence[Blocker] = (), involved: Iterable[str] = (),
                 rows: Sequence[tuple[str, str]] | None = None, hints: Sequence[str] = (),
                 cut_short: bool = False) -> None:
        super().__init__(message)
        self.cut_short = cut_short
        self.causes = tuple(causes)
        self.involved = frozenset(involved)
        self.rows = None if rows is None else tuple(rows)
        self.hints = tuple(hints)
        # Set when a lock for several targets failed because this one cannot be locked even on its own.
        self.target: Target | None = None

    @property
    def blockers(self) -> list[tuple[str, str]]:
        """``(requirement, why)`` rows for the short table the CLI prints."""
        if self.rows is not None:
            return list(self.rows)
        return [(f"{b.name}{b.wanted}", f"required by {b.required_by}: {b.reason}") for b in self.causes]


class LockNotForTarget(WheelpinError):
    """A lock whose own environments or requires-python exclude the target: an installer refuses it.
    ``requires_python`` is set when it is the lock's requires-python that excludes the target."""

    exit_code = 1

    def __init__(self, message: str, *, requires_python: str | None = None) -> None:
        super().__init__(message)
        self.requires_python = requires_python
