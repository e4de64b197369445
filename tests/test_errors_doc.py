"""docs/errors.md lists every error class wheelpin can raise, with its exit code."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from wheelpin import errors
from wheelpin.index.protocol import ProjectNotFound

DOC = (Path(__file__).parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")


def error_classes() -> list[type[errors.WheelpinError]]:
    found = [c for _, c in inspect.getmembers(errors, inspect.isclass)
             if issubclass(c, errors.WheelpinError) and c.__module__ == errors.__name__]
    return [*found, ProjectNotFound]


def test_every_error_class_is_documented_with_its_exit_code() -> None:
    classes = error_classes()
    assert len(classes) >= 5
    for cls in classes:
        assert f"`{cls.__name__}`" in DOC, f"docs/errors.md does not mention {cls.__name__}"
        if cls is errors.WheelpinError:
            continue
        # the class's exit code is the one the table gives for it
        row = next(line for line in DOC.splitlines() if line.startswith("|") and f"`{cls.__name__}`" in line)
        assert re.match(rf"\| {cls.exit_code} \|", row), (cls.__name__, row)
