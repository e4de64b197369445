"""Fail when a layer imports what it must not know (docs/architecture.md, "Layers").

The index layer (``wheelpin.index``) reads pages and metadata and knows nothing of targets, wheel selection,
resolution, reports or the CLI; the pure core never imports the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "wheelpin"
FORBIDDEN = {
    "index": ("wheelpin.target", "wheelpin.wheels", "wheelpin.platforms", "wheelpin.resolve", "wheelpin.report",
              "wheelpin.cli", "wheelpin.check", "wheelpin.lockfile"),
    "resolve": ("wheelpin.report", "wheelpin.cli"),
    "report": ("wheelpin.cli",),
    # Detection reads files: it knows no index, resolution, report or CLI.
    "detect": ("wheelpin.index", "wheelpin.resolve", "wheelpin.report", "wheelpin.cli", "wheelpin.check"),
    # Editing requirement files is text in, text out: no index, resolution, report or CLI.
    "edit": ("wheelpin.index", "wheelpin.resolve", "wheelpin.report", "wheelpin.cli"),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def main() -> int:
    problems = []
    for layer, banned in FORBIDDEN.items():
        for path in sorted((SRC / layer).rglob("*.py")):
            for name in sorted(imported(path)):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    problems.append(f"{path.relative_to(SRC.parent.parent)}: imports {name}")
    print("\n".join(problems) if problems else "layers: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
