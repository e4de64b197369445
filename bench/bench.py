"""Benchmark: wheelpin against `uv pip compile` on many real requirement files, in one run.  (make bench)

For each file, each round (files and tools interleaved, so that a slow minute of a shared machine or network
hits both): ``resolve`` cold and warm vs ``uv pip compile --only-binary :all: --generate-hashes`` cold and
warm for the same target; the default ``report`` matrix cold and warm vs uv run once per Python, and vs
wheelpin's own single resolve; HTTP requests of the cold runs against the floor; peak RSS of every run.

Each figure is the median of the rounds (spread: min–max); ratios are sums of per-file medians.  Two floors
for the requests of a cold run: the pinned floor (a resolve: one page per pinned project and one metadata
file per pinned release; a report: one page per project and one metadata file per distinct release that any
Python's answer pins), and the read floor: one request per distinct page and metadata file the run read,
backtracking and the fix search's verifying resolutions included; what a run fetched ahead and never read is
above both.

    python bench/bench.py [FILE ...] [--rounds 3] [--single 3.13] [--pythons 3.10-3.15]
                          [--src DIR] [--json OUT] [--timeout 300]
    python bench/bench.py --show OUT      (the tables of a saved run again)
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))

from crosscheck import find_uv, parse_pins, uv_platform  # noqa: E402

from wheelpin.pythons import parse_python_list  # noqa: E402


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    rc: int
    requests: dict[str, int] = field(default_factory=dict)


def run(command: list[str], env: dict[str, str], timeout: float, *, counted: Path | None = None,
        stdout: Path | None = None) -> Run:
    """One subprocess: wall time, its CPU time and peak RSS (from wait4), its exit status."""
    env = dict(env)
    if counted is not None:
        env["BENCH_REQUESTS_FILE"] = str(counted)
    start = time.perf_counter()
    with open(stdout or os.devnull, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env, stdin=subprocess.DEVNULL)
        return _wait(proc, start, timeout, counted)


def _wait(proc: subprocess.Popen[bytes], start: float, timeout: float, counted: Path | None) -> Run:
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            status = -1
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status) if status != -1 else -9
    requests: dict[str, int] = {}
    if counted is not None and counted.exists():
        requests = json.loads(counted.read_text())
        counted.unlink()
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024, rc=rc,
               requests=requests)


def bench_files(given: list[str]) -> list[Path]:
    if given:
        return [Path(p).resolve() for p in given]
    return sorted(ROOT.glob("examples/*/requirements.txt")) + sorted((BENCH / "realworld").glob("*.txt"))


def label(path: Path) -> str:
    return path.parent.name if path.name == "requirements.txt" else path.stem


class Bench:
    def __init__(self, args: argparse.Namespace, uv: str) -> None:
        self.args = args
        self.uv = uv
        self.pythons = parse_python_list(args.pythons)
        src = Path(args.src).resolve() if args.src else ROOT / "src"
        # As installed: pip compiles a package's bytecode, and a machine that sets PYTHONDONTWRITEBYTECODE
        # would otherwise recompile every module of a source checkout on every run (100 ms and more).
        compileall.compile_dir(src, quiet=1)
        self.env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PYTHONPATH": f"{src}{os.pathsep}{BENCH}"}
        self.wheelpin = [sys.executable, "-m", "wheelpin"]
        self.counted = [sys.executable, str(BENCH / "_counted.py")]
        self.runs: dict[str, dict[str, list[Run]]] = {}
        self.floors: dict[str, dict[str, int]] = {}

    def keep(self, file: Path, key: str, result: Run) -> None:
        self.runs.setdefault(label(file), {}).setdefault(key, []).append(result)

    def wheelpin_args(self, command: str, file: Path, python: str, cache: Path) -> list[str]:
        return [command, "-r", str(file), "--python", python, "--platform", self.args.platform,
                "--cache-dir", str(cache)]

    def uv_args(self, file: Path, python: str, cache: Path, out: Path) -> list[str]:
        return [self.uv, "pip", "compile", str(file), "--only-binary", ":all:", "--generate-hashes",
                "--python-version", python, "--python-platform", uv_platform(self.args.platform),
                "--cache-dir", str(cache), "--no-header", "-q", "-o", str(out)]

    def one_round(self, file: Path) -> None:
        """Cold then warm, each wheelpin run next to uv's for the same question."""
        timeout, single = self.args.timeout, self.args.single
        with tempfile.TemporaryDirectory(prefix="wheelpin-bench-") as scratch:
            tmp = Path(scratch)
            wp_single, wp_matrix, uv_cache = tmp / "wp-single", tmp / "wp-matrix", tmp / "uv"
            lock, report, counts = tmp / "lock.txt", tmp / "report.json", tmp / "requests.json"
            cold = run([*self.counted, *self.wheelpin_args("resolve", file, single, wp_single), "-o", str(lock)],
                       self.env, timeout, counted=counts)
            self.keep(file, "resolve cold", cold)
            self.keep(file, "uv cold", run(self.uv_args(file, single, uv_cache, tmp / "uv.txt"), self.env, timeout))
            for python in self.pythons:  # uv's other Pythons meet the cache its first run filled
                if python != single:
                    self.keep(file, f"uv cold {python}",
                              run(self.uv_args(file, python, uv_cache, tmp / "uv.txt"), self.env, timeout))
            self.keep(file, "resolve warm", run([*self.wheelpin, *self.wheelpin_args(
                "resolve", file, single, wp_single), "-o", str(lock)], self.env, timeout))
            for python in self.pythons:
                self.keep(file, f"uv warm {python}",
                          run(self.uv_args(file, python, uv_cache, tmp / "uv.txt"), self.env, timeout))
            matrix = [*self.wheelpin_args("report", file, self.args.pythons, wp_matrix), "--format", "json"]
            self.keep(file, "report cold", run([*self.counted, *matrix], self.env, timeout, counted=counts,
                                               stdout=report))
            self.keep(file, "report warm", run([*self.wheelpin, *matrix], self.env, timeout))
            self.floors[label(file)] = floors(lock, report)


def floors(lock: Path, report: Path) -> dict[str, int]:
    """The requests a cold run cannot do without: a page per project, a metadata file per release read."""
    pins = parse_pins(lock.read_text(encoding="utf-8")) if lock.exists() else {}
    releases: set[tuple[str, str]] = set()
    try:
        for row in json.loads(report.read_text(encoding="utf-8"))["pythons"]:
            releases.update(row["pins"].items())
    except (OSError, ValueError, KeyError):
        pass
    return {"resolve": 2 * len(pins), "report": len({n for n, _ in releases}) + len(releases)}


def med(runs: list[Run], attr: str = "wall") -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def spread(runs: list[Run], attr: str = "wall") -> str:
    values = [getattr(r, attr) for r in runs]
    return f"{min(values):.2f}-{max(values):.2f}"


READS = ("read pages", "read metadata")  # what _counted.py says the run read, apart from its requests


def requests_of(runs: list[Run]) -> float:
    if not runs or not runs[0].requests:
        return 0.0
    return statistics.median(sum(n for kind, n in r.requests.items() if kind not in READS) for r in runs)


def reads_of(runs: list[Run]) -> float:
    """The floor a run sets itself: one request per distinct page and metadata file it read (median)."""
    if not runs or not all(kind in runs[0].requests for kind in READS):
        return 0.0
    return statistics.median(sum(r.requests[kind] for kind in READS) for r in runs)


def summarize(bench: Bench) -> dict[str, object]:
    """Per file: medians; overall: sums of medians and their ratios (wall and CPU)."""
    single, others = bench.args.single, [p for p in bench.pythons if p != bench.args.single]
    per_file: dict[str, dict[str, float | str]] = {}
    for name, runs in bench.runs.items():
        row: dict[str, float | str] = {}
        for attr in ("wall", "cpu"):
            uv_cold_matrix = med(runs["uv cold"], attr) + sum(med(runs[f"uv cold {p}"], attr) for p in others)
            uv_warm_matrix = sum(med(runs[f"uv warm {p}"], attr) for p in bench.pythons)
            row |= {
                f"resolve cold {attr}": med(runs["resolve cold"], attr),
                f"resolve warm {attr}": med(runs["resolve warm"], attr),
                f"uv cold {attr}": med(runs["uv cold"], attr),
                f"uv warm {attr}": med(runs[f"uv warm {single}"], attr),
                f"report cold {attr}": med(runs["report cold"], attr),
                f"report warm {attr}": med(runs["report warm"], attr),
                f"uv matrix cold {attr}": uv_cold_matrix, f"uv matrix warm {attr}": uv_warm_matrix,
            }
        row |= {
            "resolve cold spread": spread(runs["resolve cold"]), "resolve warm spread": spread(runs["resolve warm"]),
            "report cold spread": spread(runs["report cold"]), "report warm spread": spread(runs["report warm"]),
            "resolve requests": requests_of(runs["resolve cold"]), "report requests": requests_of(runs["report cold"]),
            "resolve floor": bench.floors[name]["resolve"], "report floor": bench.floors[name]["report"],
            "resolve reads": reads_of(runs["resolve cold"]), "report reads": reads_of(runs["report cold"]),
            "peak rss": max(r.rss_mb for key in ("resolve cold", "resolve warm", "report cold", "report warm")
                            for r in runs[key]),
            "uv peak rss": max(r.rss_mb for key, rs in runs.items() if key.startswith("uv") for r in rs),
            "failed": ", ".join(sorted({key for key, rs in runs.items() if any(r.rc < 0 for r in rs)})),
        }
        per_file[name] = row
    return {"files": per_file, "rounds": bench.args.rounds}


def ratio(files: dict[str, dict[str, float | str]], top: str, bottom: str) -> tuple[float, float, str]:
    """Sum ratio, and the worst file's ratio with its name."""
    num = sum(float(r[top]) for r in files.values())
    den = sum(float(r[bottom]) for r in files.values())
    worst = max(files, key=lambda n: float(files[n][top]) / max(float(files[n][bottom]), 1e-9))
    return num / den, float(files[worst][top]) / max(float(files[worst][bottom]), 1e-9), worst


RATIOS = (
    ("resolve warm / uv pip compile warm", "resolve warm", "uv warm", "0.7"),
    ("resolve cold / uv pip compile cold", "resolve cold", "uv cold", "1.0"),
    ("report warm / uv per Python warm", "report warm", "uv matrix warm", "0.4"),
    ("report cold / uv per Python cold", "report cold", "uv matrix cold", "0.4"),
    ("report warm / own resolve warm", "report warm", "resolve warm", "1.5"),
    ("report cold / own resolve cold", "report cold", "resolve cold", "1.5"),
    ("cold resolve requests / floor", "resolve requests", "resolve floor", "1.1"),
    ("cold report requests / floor", "report requests", "report floor", "1.1"),
    ("cold resolve requests / reads", "resolve requests", "resolve reads", "1.1"),
    ("cold report requests / reads", "report requests", "report reads", "1.1"),
)


def print_tables(summary: dict[str, object], pythons: str, single: str) -> None:
    files = summary["files"]
    assert isinstance(files, dict)
    print(f"{len(files)} files, {summary['rounds']} interleaved rounds; resolve --python {single}, "
          f"report --python {pythons}; medians, spread min-max\n")
    head = (f"{'file':<26} {'resolve c/w s':>14} {'uv c/w s':>11} {'report c/w s':>13} {'uv×N c/w s':>12} "
            f"{'req/floor res':>14} {'req/floor rep':>14} {'RSS MB':>7}")
    print(head)
    for name, r in files.items():
        print(f"{name:<26} {r['resolve cold wall']:>6.2f}/{r['resolve warm wall']:<6.2f} "
              f"{r['uv cold wall']:>5.2f}/{r['uv warm wall']:<5.2f} "
              f"{r['report cold wall']:>6.2f}/{r['report warm wall']:<6.2f} "
              f"{r['uv matrix cold wall']:>5.2f}/{r['uv matrix warm wall']:<6.2f} "
              f"{r['resolve requests']:>6.0f}/{r['resolve floor']:<7} "
              f"{r['report requests']:>6.0f}/{r['report floor']:<7}"
              f" {r['peak rss']:>7.0f}" + (f"  TIMED OUT: {r['failed']}" if r["failed"] else ""))
    print(f"\n{'ratio (lower is better)':<38} {'wall: sum':>9} {'worst file':>22} {'cpu: sum':>9} {'target':>7}")
    for title, top, bottom, target in RATIOS:
        if "requests" in top:
            # A resolve that fails writes no lock, so it has no floor to compare with: left out, and counted.
            counted = {n: r for n, r in files.items() if float(r[bottom]) > 0}
            total, worst, name = ratio(counted, top, bottom)
            print(f"{title:<38} {total:>9.2f} {worst:>8.2f} {name[:13]:>13} {len(counted):>5} files {'≤' + target:>5}")
            continue
        total, worst, name = ratio(files, f"{top} wall", f"{bottom} wall")
        cpu, _, _ = ratio(files, f"{top} cpu", f"{bottom} cpu")
        print(f"{title:<38} {total:>9.2f} {worst:>8.2f} {name[:13]:>13} {cpu:>9.2f} {'≤' + target:>7}")
    _split_by_outcome(files)
    sums = {k: sum(float(r[f"{k} wall"]) for r in files.values())
            for k in ("resolve cold", "resolve warm", "report cold", "report warm", "uv cold", "uv warm",
                      "uv matrix cold", "uv matrix warm")}
    print("\nsums of medians, s: " + ", ".join(f"{k} {v:.1f}" for k, v in sums.items()))
    print(f"peak RSS: wheelpin {max(float(r['peak rss']) for r in files.values()):.0f} MB, "
          f"uv {max(float(r['uv peak rss']) for r in files.values()):.0f} MB (target ≤150 MB)")


def _split_by_outcome(files: dict[str, dict[str, float | str]]) -> None:
    """The cold resolve apart for files that lock and files whose resolve fails: a failing resolve explains
    itself with the report's fix search (network reads uv does not do), so only the first compare like work."""
    locking = {n: r for n, r in files.items() if float(r["resolve floor"]) > 0}
    failing = {n: r for n, r in files.items() if n not in locking}
    for title, group in (("files whose resolve locks", locking), ("files whose resolve fails", failing)):
        if not group:
            continue
        parts = []
        for kind in ("cold", "warm"):
            total, worst, name = ratio(group, f"resolve {kind} wall", f"uv {kind} wall")
            parts.append(f"{kind} {total:.2f} (worst {worst:.2f} {name[:13]})")
        print(f"resolve / uv pip compile, {len(group)} {title}: " + ", ".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pythons", default="3.10-3.15")
    parser.add_argument("--single", default="3.13")
    parser.add_argument("--platform", default="manylinux_2_28_x86_64")
    parser.add_argument("--src", help="the wheelpin source tree to time (default: this checkout's src)")
    parser.add_argument("--timeout", type=float, default=300.0, help="per run; a run cut short is flagged")
    parser.add_argument("--json", help="write the raw runs and the summary here")
    parser.add_argument("--show", metavar="JSON", help="print the tables of a run saved with --json; run nothing")
    args = parser.parse_args()
    if args.show:
        saved = json.loads(Path(args.show).read_text(encoding="utf-8"))
        print_tables(saved["summary"], args.pythons, args.single)
        return 0
    uv = find_uv()
    if uv is None:
        print("uv is not installed: pip install uv", file=sys.stderr)
        return 2
    bench = Bench(args, uv)
    files = bench_files(args.files)
    for number in range(args.rounds):
        for file in files if number % 2 == 0 else reversed(files):
            print(f"round {number + 1}: {label(file)}", file=sys.stderr, flush=True)
            bench.one_round(file)
    summary = summarize(bench)
    if args.json:
        raw = {name: {key: [asdict(r) for r in rs] for key, rs in runs.items()} for name, runs in bench.runs.items()}
        Path(args.json).write_text(json.dumps({"summary": summary, "runs": raw}, indent=1), encoding="utf-8")
    print_tables(summary, args.pythons, args.single)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
