"""What a source build of each blocker would need: its sdist classified (wheelpin.sourcebuild), once per
sdist whatever the number of Pythons it blocks, the downloads side by side.

Verdicts and exit codes do not change: a blocker that builds anywhere (a pure-Python sdist) still makes its
Python "not wheel-only"; the report only counts it apart from the blockers that need a toolchain.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from wheelpin.models import Blocker, BuildKind, DistFile, SourceBuild
from wheelpin.report.matrix import PythonVerdict, Report

# (project name, sdist) → its build: CachedIndex.source_build, or a test's.
Classify = Callable[[str, DistFile], SourceBuild]
# Sdists are read in parallel: each waits on its download, and a report rarely has more blockers than this.
WORKERS = 8


def classify_blockers(report: Report, classify: Classify) -> Report:
    """The report with each blocker that has an sdist carrying its build."""
    wanted = {(b.name, b.sdist) for v in report.pythons for b in v.blockers if b.sdist is not None}
    if not wanted:
        return report
    ordered = sorted(wanted, key=lambda item: (item[0], item[1].filename))
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(ordered)), thread_name_prefix="wheelpin-sdist") as pool:
        builds = dict(zip(ordered, pool.map(lambda item: classify(*item), ordered), strict=True))

    def with_build(blocker: Blocker) -> Blocker:
        if blocker.sdist is None:
            return blocker
        return replace(blocker, build=builds[(blocker.name, blocker.sdist)])

    pythons = tuple(replace(v, blockers=tuple(with_build(b) for b in v.blockers)) for v in report.pythons)
    return replace(report, pythons=pythons)


def builds_anywhere(verdict: PythonVerdict) -> tuple[Blocker, ...]:
    """The blockers whose sdist is pure Python: a source build needs no compiler, only the build backend."""
    return tuple(b for b in verdict.blockers if b.build is not None and not b.build.needs_toolchain)


def need_toolchain(verdict: PythonVerdict) -> tuple[Blocker, ...]:
    """Every other blocker: a compiled build, an unclassified one, or one without an sdist at all."""
    return tuple(b for b in verdict.blockers if b.build is None or b.build.needs_toolchain)


def build_text(blocker: Blocker) -> str:
    """"its sdist builds with rust (maturin in build-system.requires): a source build needs cargo and a
    writable CARGO_HOME"; "" when the blocker has no sdist or was not classified."""
    build = blocker.build
    if build is None:
        return ""
    if build.kind is BuildKind.UNKNOWN:
        return f"its sdist's build is unknown ({build.evidence})"
    if not build.needs_toolchain:
        return f"its sdist is pure Python ({build.evidence}): it builds anywhere"
    return f"its sdist builds with {build.kind.value} ({build.evidence}): {build.needs}"


def count_text(verdict: PythonVerdict) -> str:
    """"1 builds anywhere, 2 need a toolchain"; "" when no blocker builds anywhere (nothing to tell apart)."""
    anywhere = builds_anywhere(verdict)
    if not anywhere:
        return ""
    rest = len(verdict.blockers) - len(anywhere)
    return f"{len(anywhere)} builds anywhere (pure Python sdist), {rest} {'needs' if rest == 1 else 'need'} a toolchain"


def build_json(blocker: Blocker) -> dict[str, str] | None:
    """The blocker's build for JSON (docs/report.schema.json): null when it has no sdist or was not classified."""
    build = blocker.build
    if build is None:
        return None
    return {"kind": build.kind.value, "evidence": build.evidence, "needs": build.needs}


def index_classifier(index: object) -> Classify | None:
    """The index's sdist classifier (CachedIndex.source_build), or None for an index without one (a test's)."""
    found = getattr(index, "source_build", None)
    return found if callable(found) else None
