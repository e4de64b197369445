"""wheelpin: pin Python requirements to versions that ship prebuilt wheels for a deploy target."""

from __future__ import annotations

__version__ = "0.1.0"
