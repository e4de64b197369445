"""Fail when a function in src/ is over 50 lines or a class over 150 (docs/architecture.md: small units).

    python scripts/check_sizes.py [PATH ...]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_FUNCTION = 50
MAX_CLASS = 150


def oversized(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
            if length > limit:
                found.append(f"{path}:{node.lineno}: {node.name} is {length} lines (at most {limit})")
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path("src")]
    problems = [p for root in roots for f in sorted(root.rglob("*.py")) for p in oversized(f)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
