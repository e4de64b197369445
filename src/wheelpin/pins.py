"""Which versions a specifier pins exactly.  [pure]"""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version


def exact_pins(specifier: SpecifierSet) -> set[Version]:
    """The versions named by ``==`` / ``===`` clauses without a wildcard (``===foo``, which no release can
    carry, pins nothing)."""
    pins = set()
    for spec in specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            try:
                pins.add(Version(spec.version))
            except InvalidVersion:
                continue
    return pins


def single_pin(specifier: SpecifierSet) -> Version | None:
    """The one version ``specifier`` pins, when it pins exactly one."""
    pins = exact_pins(specifier)
    return next(iter(pins)) if len(pins) == 1 else None
