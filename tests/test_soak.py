"""Seeded soak: cold resolves in-process against the fixture index serving faults at random (indexserver.Chaos),
with zero backoff.  Every outcome must be the clean run's lock or exit 3 with nothing written; never another
lock, another exit code, or a traceback.  20 runs in ``make test``, 200 in ``make test-soak``.

The counts are printed (``pytest -s``): runs that locked, runs that exited 3, and the faults served by kind.
The 20-run soak leaves out stalls and drips (each costs a timeout); the 200-run soak has them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from indexserver import Chaos, IndexServer
from wheelpin.cli import main

REQUIREMENTS = ("anyio", "six", "typing-inspection")
# Each request meets a fault with this probability; a tenth of the faults are a hostile index's (exit 3).
RATE = 0.3
# A short timeout keeps stalls and drips cheap (a drip is cut off after 4 x 0.1 s).
OPTIONS = ("--python", "3.12", "--retries", "3", "--timeout", "0.1")


def pins(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def soak(runs: int, seed: int, server: IndexServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], *,
         slow: bool) -> Counter[str]:
    counts: Counter[str] = Counter()
    lock = tmp_path / "lock.txt"

    def one(cache: str) -> tuple[int, str]:
        lock.unlink(missing_ok=True)
        try:
            code = main(["resolve", *REQUIREMENTS, *OPTIONS, "-o", str(lock), "--index-url", server.url,
                         "--cache-dir", str(tmp_path / cache)])
        except BaseException as exc:  # a traceback: the one thing the soak exists to find
            counts["traceback"] += 1
            return -1, f"{type(exc).__name__}: {exc}"
        return code, capsys.readouterr().err

    server.reset()
    code, err = one("reference")
    assert code == 0, err
    reference = pins(lock.read_text())
    for run in range(runs):
        server.reset()
        server.chaos = Chaos(rate=RATE, seed=seed + run, slow=slow)
        code, err = one(f"cache-{run}")
        injected = list(server.injected)
        counts.update(f"fault {kind}" for _path, kind in injected)
        if code == 0 and pins(lock.read_text()) == reference:
            counts["lock"] += 1
        elif code == 0:
            counts["wrong lock"] += 1
        elif code == 3 and not lock.exists() and err.startswith("error: ") and "Traceback" not in err:
            counts["exit 3"] += 1
        else:
            counts[f"other outcome (exit {code})"] += 1
            print(f"run {run}: exit {code}, lock written: {lock.exists()}, faults {injected}\n{err}")
    server.reset()
    print(f"\nsoak of {runs} runs (seed {seed}): " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return counts


def check(counts: Counter[str], runs: int) -> None:
    assert counts["lock"] + counts["exit 3"] == runs, counts
    assert counts["lock"] > 0  # the faults are survivable: most runs must lock


@pytest.mark.timeout(120)
def test_soak_20_runs_under_random_faults(index_server, tmp_path, capsys, clean_env):
    # No stalls or drips here (each costs a timeout; tests/test_faults.py has its own cases for them).
    check(soak(20, 1000, index_server, tmp_path, capsys, slow=False), 20)


@pytest.mark.soak
@pytest.mark.timeout(900)
def test_soak_200_runs_under_random_faults(index_server, tmp_path, capsys, clean_env):
    check(soak(200, 5000, index_server, tmp_path, capsys, slow=True), 200)
