"""Benchmark: wheelpin's report over many Pythons vs one resolve vs `uv pip compile` once per Python.

Runs everything in the same process run, cold cache then warm cache, and prints ratios (absolute seconds
depend on the network and the machine; ratios are what we track).

    python bench/bench.py [--requirements examples/render-fastapi/requirements.txt] [--pythons 3.9-3.15]
                          [--single 3.13] [--index-url URL] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crosscheck import find_uv, uv_platform  # noqa: E402

from wheelpin.pythons import parse_python_list  # noqa: E402


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    return time.perf_counter() - start, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requirements", default=str(ROOT / "examples/render-fastapi/requirements.txt"))
    parser.add_argument("--pythons", default="3.9-3.15")
    parser.add_argument("--single", default="3.13")
    parser.add_argument("--platform", default="manylinux_2_28_x86_64")
    parser.add_argument("--index-url")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    uv = find_uv()
    if uv is None:
        print("uv is not installed: pip install uv", file=sys.stderr)
        return 2
    pythons = parse_python_list(args.pythons)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PYTHONPATH": str(ROOT / "src")}
    index = ["--index-url", args.index_url] if args.index_url else []
    wheelpin = [sys.executable, "-m", "wheelpin"]
    rows: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            caches = {name: Path(scratch, name) for name in ("single", "matrix", "uv")}
            for temperature in ("cold", "warm"):
                single, _ = timed([*wheelpin, "resolve", "-r", args.requirements, "--python", args.single,
                                   "--platform", args.platform, "--cache-dir", str(caches["single"]), *index,
                                   "-o", str(Path(scratch, "lock.txt"))], env)
                matrix, _ = timed([*wheelpin, "report", "-r", args.requirements, "--python", args.pythons,
                                   "--platform", args.platform, "--cache-dir", str(caches["matrix"]), *index,
                                   "--format", "json"], env)
                # uv for the single Python first, so that in the cold round it is the one that meets a cold cache.
                uv_times: dict[str, float] = {}
                for python in [args.single, *(p for p in pythons if p != args.single)]:
                    uv_times[python], _ = timed([uv, "pip", "compile", args.requirements, "--only-binary", ":all:",
                                                 "--python-version", python,
                                                 "--python-platform", uv_platform(args.platform),
                                                 "--cache-dir", str(caches["uv"]), "--no-header", "-q", *index,
                                                 "-o", str(Path(scratch, f"uv-{python}.txt"))], env)
                uv_matrix = sum(uv_times[p] for p in pythons)
                rows.setdefault(f"{temperature}: report({args.pythons}) / resolve({args.single})", []).append(
                    matrix / single)
                rows.setdefault(f"{temperature}: report({args.pythons}) / uv pip compile per Python ({len(pythons)})",
                                []).append(matrix / uv_matrix)
                rows.setdefault(f"{temperature}: resolve({args.single}) / uv pip compile({args.single})", []).append(
                    single / uv_times[args.single])
    width = max(len(k) for k in rows)
    print(f"{'ratio':<{width}}  median  (min-max of {args.repeat} runs; lower is better for wheelpin)")
    for key, values in rows.items():
        print(f"{key:<{width}}  {statistics.median(values):6.2f}  ({min(values):.2f}-{max(values):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
