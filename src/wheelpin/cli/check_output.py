"""``check``'s results as JSON (docs/check.schema.json, the report's schema family: a ``schema`` number that
changes only when a field changes meaning) and as markdown (for $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from wheelpin.check import PinCheck
from wheelpin.target import Target

CHECK_SCHEMA_VERSION = 1


def check_json(lockfile: str, target: Target, results: Sequence[PinCheck]) -> dict[str, object]:
    return {
        "schema": CHECK_SCHEMA_VERSION,
        "command": "check",
        "lockfile": lockfile,
        "python": target.python,  # as in the report's rows: 3.13t for the free-threaded build
        "platform": target.platform.tag,
        "ok": all(r.ok for r in results),
        "pins": [{
            "name": r.name,
            "version": str(r.version),
            "source": r.source,
            "ok": r.ok,
            "problems": [{"kind": p.kind.value, "why": p.why, "fix": p.fix} for p in r.problems],
            "nearest": None if r.nearest is None else str(r.nearest),
        } for r in results],
    }


def check_markdown_lines(lockfile: str, target: Target, results: Sequence[PinCheck]) -> Iterator[str]:
    failures = [r for r in results if not r.ok]
    yield f"### wheelpin check: `{lockfile}` on {target}"
    yield ""
    if not failures:
        yield (f"✅ all {len(results)} pins have a wheel for the target, and every requirement of theirs is pinned "
               "and met.")
        return
    yield f"❌ {len(failures)} of {len(results)} pins would not install with wheels only."
    yield ""
    yield "| pin | why | fix | line |"
    yield "| --- | --- | --- | --- |"
    for r in failures:
        for problem in r.problems:
            fix = problem.fix or (f"nearest version with a wheel: {r.nearest}" if r.nearest else "")
            cells = (f"`{r.name}=={r.version}`", problem.why, fix or "—", r.source)
            yield "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
