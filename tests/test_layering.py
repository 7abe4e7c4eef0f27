"""Dependencies point one way (docs/design.md, "Package map"): between the top-level
packages (ivr ← ticketing ← webhooks, scheduler, portal_web ← sandbox ← intake), and inside
ticketing between its sub-packages, from the kernel up; portal_web's blueprint packages (auth,
portal, console) import none of each other; only scheduler/ imports APScheduler."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"intake", "ivr", "ticketing", "webhooks", "scheduler", "portal_web", "sandbox"}
MAY_IMPORT = {
    "ivr": {"ivr"},
    "ticketing": {"ivr", "ticketing"},
    "webhooks": {"ivr", "ticketing", "webhooks"},
    "scheduler": {"ivr", "ticketing", "scheduler"},
    "portal_web": {"ivr", "ticketing", "portal_web"},
    # The demo's stand-ins: the phone simulator's pages use the console's access checks;
    # never intake, which mounts the sandbox (settings and clock reach it through the app).
    "sandbox": {"ivr", "ticketing", "portal_web", "sandbox"},
    "intake": OURS,
}


# Inside ticketing: each sub-package may import the kernel (the modules at its root) and the
# sub-packages before it in this list, never one after it. schema.py gathers every table
# and so stands above them all.
TICKETING_ORDER = [
    "kernel",
    "monitoring",
    "integrations",
    "audit",
    "calendar",
    "oncall",
    "accounts",
    "people",
    "paging",
    "calls",
    "service_requests",
    "billing",
    "imports",
]
TICKETING_TOP = {"schema.py"}

# Inside portal_web: what the blueprint packages share lives at portal_web's root.
PORTAL_WEB_PACKAGES = ["auth", "portal", "console"]


def _modules(path: Path) -> set[str]:
    """Every absolute module name `path` imports (for `from a import b`, both a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def _ticketing_room(name: str) -> str:
    """Where a module of ticketing stands: "kernel", a sub-package, or "top"."""
    first = name.split(".")[0]
    if first + ".py" in TICKETING_TOP:
        return "top"
    return first if first in TICKETING_ORDER else "kernel"


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_it_may(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & OURS
        if name not in MAY_IMPORT[package]
    }
    assert not wrong, sorted(wrong)


def test_ticketing_sub_packages_import_only_those_below_them() -> None:
    root = ROOT / "ticketing"
    wrong = set()
    for path in root.rglob("*.py"):
        mine = _ticketing_room(".".join(path.relative_to(root).with_suffix("").parts))
        if mine == "top":
            continue
        for name in _modules(path):
            if not name.startswith("ticketing."):
                continue
            theirs = _ticketing_room(name.removeprefix("ticketing."))
            if theirs == "top" or TICKETING_ORDER.index(theirs) > TICKETING_ORDER.index(mine):
                wrong.add(f"{path.relative_to(ROOT)} ({mine}) imports {name} ({theirs})")
    assert not wrong, sorted(wrong)


def test_the_order_sees_every_sub_package() -> None:
    found = {p.name for p in (ROOT / "ticketing").iterdir() if (p / "__init__.py").exists()}
    assert found == set(TICKETING_ORDER) - {"kernel"}


def test_only_the_scheduler_imports_apscheduler() -> None:
    users = {
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if "apscheduler" in _imports(path)
    }
    assert users and all(user.startswith("scheduler/") for user in users), users


def _absolute_modules(path: Path) -> set[str]:
    """Like _modules, with relative imports (`from ..portal import x`) made absolute."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = _modules(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = ".".join(package[: len(package) - node.level + 1])
            module = f"{base}.{node.module}" if node.module else base
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", PORTAL_WEB_PACKAGES)
def test_portal_web_blueprint_packages_import_none_of_each_other(package: str) -> None:
    others = [f"portal_web.{other}" for other in PORTAL_WEB_PACKAGES if other != package]
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "portal_web" / package).rglob("*.py")
        for name in _absolute_modules(path)
        if any(name == other or name.startswith(other + ".") for other in others)
    }
    assert not wrong, sorted(wrong)


def test_the_portal_web_packages_are_every_sub_package() -> None:
    root = ROOT / "portal_web"
    found = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    assert found == set(PORTAL_WEB_PACKAGES)


# Each edge package reads the running app through one typed module; intake's wiring
# (the app factory and `serve`) is where the app is built, so it may touch it directly.
APP_READERS = {
    "webhooks/params.py",
    "portal_web/context.py",
    "sandbox/context.py",
    "intake/cli/context.py",
    "intake/app.py",
    "intake/cli/serve.py",
}
_APP_READ = re.compile(r"""config\["SETTINGS"\]|extensions(\["clock"\]|\.get\("clock"\))""")


def test_only_the_context_modules_read_the_apps_settings_and_clock() -> None:
    readers = {
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if _APP_READ.search(path.read_text(encoding="utf-8"))
    }
    assert readers <= APP_READERS, sorted(readers - APP_READERS)
