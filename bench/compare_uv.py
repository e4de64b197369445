"""Cross-check wheelpin against ``uv pip compile --only-binary :all:`` on real-world requirement sets.

For every requirements file × CPython version, both resolve for the same platform; the two must agree on
whether a wheel-only solution exists and, when both find one, on every pin.  Prints a table, the totals
and the details of every disagreement, and the timing ratio (wheelpin's total time / uv's).  Exit status:
0 all agree, 1 some disagree, 2 some runs errored (and none disagreed).

    PYTHONPATH=src python bench/compare_uv.py [--python 3.12 ...] [--platform TAG] [--index-url URL]

Both tools start from an empty cache of their own in a temporary directory (shared by all combinations of
the run), so the timing compares like with like; ``--warm`` uses their default caches instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from crosscheck import (  # noqa: E402
    Comparison,
    UvResult,
    compare,
    find_uv,
    parse_pins,
    uv_compile,
    uv_platform,
)

DEFAULT_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
DEFAULT_PLATFORM = "manylinux_2_28_x86_64"


@dataclass(frozen=True, slots=True, kw_only=True)
class WheelpinResult:
    status: str  # "ok", "no solution" or "error"
    pins: dict[str, str] | None
    stderr: str
    returncode: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    file: Path
    python: str
    wheelpin: WheelpinResult
    uv: UvResult
    comparison: Comparison

    @property
    def errored(self) -> bool:
        return self.wheelpin.status == "error" or (not self.uv.ok and not self.uv.no_solution)

    @property
    def verdict(self) -> str:
        if self.errored:
            return "ERROR"
        if self.comparison.agree:
            return "same pins" if self.comparison.wheelpin_ok else "both fail"
        return "DISAGREE"


def requirement_files(patterns: list[str]) -> list[Path]:
    if patterns:
        return [Path(p).resolve() for p in patterns]
    realworld = sorted((ROOT / "bench" / "realworld").glob("*.txt"))
    return realworld + sorted(ROOT.glob("examples/*/requirements.txt"))


def run_wheelpin(file: Path, *, python: str, platform: str, index_url: str | None, cache_dir: str | None,
                 timeout: float) -> WheelpinResult:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    with tempfile.TemporaryDirectory(prefix="wheelpin-bench-") as tmp:
        out = Path(tmp) / "lock.txt"
        command = [sys.executable, "-m", "wheelpin", "resolve", "-r", str(file), "--python", python,
                   "--platform", platform, "-o", str(out)]
        if cache_dir:
            command += ["--cache-dir", cache_dir]
        if index_url:
            command += ["--index-url", index_url]
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return WheelpinResult(status="error", pins=None, stderr=f"timed out after {timeout:.0f}s",
                                  returncode=-2, seconds=time.perf_counter() - start)
        seconds = time.perf_counter() - start
        if proc.returncode == 0:
            pins = parse_pins(out.read_text(encoding="utf-8"))
            return WheelpinResult(status="ok", pins=pins, stderr=proc.stderr, returncode=0, seconds=seconds)
    status = "no solution" if proc.returncode == 1 else "error"
    return WheelpinResult(status=status, pins=None, stderr=proc.stderr, returncode=proc.returncode,
                          seconds=seconds)


def _label(file: Path) -> str:
    try:
        return str(file.relative_to(ROOT))
    except ValueError:
        return str(file)


def _uv_status(uv: UvResult) -> str:
    if uv.ok:
        return f"ok ({len(uv.pins)})"
    return "no solution" if uv.no_solution else f"error ({uv.returncode})"


def _wp_status(wp: WheelpinResult) -> str:
    if wp.status == "ok" and wp.pins is not None:
        return f"ok ({len(wp.pins)})"
    return wp.status if wp.status != "error" else f"error ({wp.returncode})"


def _tail(text: str, lines: int = 12) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"      | {line}" for line in kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="requirements files (default: bench/realworld/*.txt and "
                             "examples/*/requirements.txt)")
    parser.add_argument("--python", action="append", metavar="X.Y",
                        help=f"CPython version, repeatable (default: {' '.join(DEFAULT_PYTHONS)})")
    parser.add_argument("--platform", default=DEFAULT_PLATFORM,
                        help=f"wheel platform tag (default: {DEFAULT_PLATFORM})")
    parser.add_argument("-i", "--index-url",
                        help="index URL for both tools (default: each tool's own default)")
    parser.add_argument("--warm", action="store_true", help="use each tool's default cache, not fresh ones")
    parser.add_argument("--timeout", type=float, default=600.0, help="per-run timeout in seconds")
    args = parser.parse_args(argv)

    uv = find_uv()
    if uv is None:
        print("uv not found next to this interpreter or on PATH", file=sys.stderr)
        return 2
    uv_platform(args.platform)  # fail early on a tag uv cannot express
    pythons = args.python or list(DEFAULT_PYTHONS)
    files = requirement_files(args.files)

    with tempfile.TemporaryDirectory(prefix="wheelpin-bench-cache-") as cache_root:
        wp_cache = None if args.warm else str(Path(cache_root) / "wheelpin")
        uv_extra = [] if args.warm else ["--cache-dir", str(Path(cache_root) / "uv")]
        rows: list[Row] = []
        header = (f"{'requirements':<42} {'py':<5} {'wheelpin':<14} {'uv':<14} {'wp s':>6} {'uv s':>6}  "
                  "verdict")
        print(header)
        print("-" * len(header))
        for file in files:
            for python in pythons:
                wp = run_wheelpin(file, python=python, platform=args.platform, index_url=args.index_url,
                                  cache_dir=wp_cache, timeout=args.timeout)
                res = uv_compile([file], python=python, platform_tag=args.platform, index_url=args.index_url,
                                 extra_args=uv_extra, timeout=args.timeout, uv=uv)
                row = Row(file=file, python=python, wheelpin=wp, uv=res, comparison=compare(wp.pins, res))
                rows.append(row)
                print(f"{_label(file):<42} {python:<5} {_wp_status(wp):<14} {_uv_status(res):<14} "
                      f"{wp.seconds:>6.1f} {res.seconds:>6.1f}  {row.verdict}", flush=True)

    same = sum(r.verdict == "same pins" for r in rows)
    both_fail = sum(r.verdict == "both fail" for r in rows)
    disagreements = [r for r in rows if r.verdict == "DISAGREE"]
    errors = [r for r in rows if r.verdict == "ERROR"]
    wp_total = sum(r.wheelpin.seconds for r in rows)
    uv_total = sum(r.uv.seconds for r in rows)

    print()
    print(f"platform {args.platform} (uv --python-platform {uv_platform(args.platform)})")
    print(f"combos: {len(rows)}")
    print(f"both ok, same pins: {same}")
    print(f"both fail: {both_fail}")
    print(f"disagreements: {len(disagreements)}")
    print(f"errors: {len(errors)}")
    ratio = f"{wp_total / uv_total:.2f}" if uv_total else "n/a"
    print(f"time: wheelpin {wp_total:.1f}s, uv {uv_total:.1f}s, ratio wheelpin/uv {ratio}")

    for title, selected in (("disagreements", disagreements), ("errors", errors)):
        if not selected:
            continue
        print(f"\n{title}:")
        for r in selected:
            print(f"  {_label(r.file)} --python {r.python}: {r.comparison.describe() or r.verdict}")
            if r.wheelpin.status != "ok":
                print(f"    wheelpin ({r.wheelpin.status}, exit {r.wheelpin.returncode}):")
                print(_tail(r.wheelpin.stderr))
            if not r.uv.ok:
                print(f"    uv (exit {r.uv.returncode}):")
                print(_tail(r.uv.stderr))
    if disagreements:
        return 1
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
