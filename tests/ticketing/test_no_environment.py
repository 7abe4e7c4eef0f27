"""docs/design.md §2: intake/ is the composition root and the only reader of configuration;
ticketing/ gets its settings as arguments and never looks at the environment."""

from __future__ import annotations

import ast
from pathlib import Path

from ticketing import models

SOURCES = sorted(Path(models.__file__).parent.rglob("*.py"))
FORBIDDEN = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv", "dotenv"}


def _environment_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.alias):
            name = node.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            name = (node.module or "").split(".")[0]
        else:
            continue
        if name in FORBIDDEN:
            found.append(f"{path.name}:{getattr(node, 'lineno', '?')}: {name}")
    return found


def test_the_check_sees_every_module() -> None:
    root = Path(models.__file__).parent
    seen = {str(p.relative_to(root)) for p in SOURCES}
    assert {"oncall/roster.py", "oncall/shifts.py", "paging/escalation.py", "models.py"} <= seen


def test_nothing_in_ticketing_reads_the_environment() -> None:
    assert [hit for path in SOURCES for hit in _environment_reads(path)] == []


def test_the_check_would_catch_a_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import getenv\nzone = os.environ.get('BUSINESS_TIMEZONE')\n"
    )
    assert _environment_reads(sample) == ["sample.py:2: getenv", "sample.py:3: environ"]
