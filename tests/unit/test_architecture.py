"""The one-way data flow (../STYLE.md) enforced by walking every import.

connectors -> matching -> store; connectors never import the store or the
runtime; matching imports nothing of the project; the store never imports
the runtime or connector adapters (only the item types in connectors.base).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "connectors": ("syncd.store", "syncd.pipeline", "syncd.cli", "sqlalchemy", "syncd.config"),
    "matching": ("syncd", "connectors", "sqlalchemy"),
    "syncd/store": (
        "syncd.pipeline",
        "syncd.cli",
        "syncd.registry",
        "connectors.files",
        "connectors.imap",
        "connectors.caldav",
        "connectors.ews",
    ),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}"
    bad = [
        f"{f.relative_to(ROOT)} imports {name}"
        for f in files
        for name in _imports(f)
        if any(name == p or name.startswith(p + ".") for p in FORBIDDEN[package])
    ]
    assert not bad, "\n".join(bad)
