"""tomllib on 3.11+, tomli before; one place for the import dance."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads_toml(text: str) -> dict[str, Any]:
    """Parse TOML; syntax errors become ValueError (tomllib's TOMLDecodeError is one)."""
    return tomllib.loads(text)
