"""DESIGN.md §2: dependencies point one way (ivr ← ticketing ← webhooks, scheduler,
portal_web ← intake), and only scheduler/ imports APScheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"intake", "ivr", "ticketing", "webhooks", "scheduler", "portal_web"}
MAY_IMPORT = {
    "ivr": {"ivr"},
    "ticketing": {"ivr", "ticketing"},
    "webhooks": {"ivr", "ticketing", "webhooks"},
    "scheduler": {"ivr", "ticketing", "scheduler"},
    "portal_web": {"ivr", "ticketing", "portal_web"},
    "intake": OURS,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_it_may(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & OURS
        if name not in MAY_IMPORT[package]
    }
    assert not wrong, sorted(wrong)


def test_only_the_scheduler_imports_apscheduler() -> None:
    users = {
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if "apscheduler" in _imports(path)
    }
    assert users and all(user.startswith("scheduler/") for user in users), users
