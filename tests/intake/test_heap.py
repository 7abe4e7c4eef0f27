"""A gunicorn worker leaves what start-up built out of the garbage collector's sweeps, so a
full collection does not stall its threads walking objects that live as long as it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.settings import production_env

ROOT = Path(__file__).resolve().parents[2]

# What a worker's process holds once `intake.wsgi` is imported: frozen, and still tracked.
PROBE = """
import gc, json
import intake.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def _worker_heap(tmp_path: Path) -> dict[str, int]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))},
        **production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'intake.db'}"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_start_up_objects_are_frozen_in_a_web_worker(tmp_path) -> None:
    heap = _worker_heap(tmp_path)

    # Flask, SQLAlchemy's mappers, twilio and the phone and holiday tables: many thousands.
    assert heap["frozen"] > 50_000
    # A full collection walks only what is left: a small fraction of it.
    assert heap["tracked"] < heap["frozen"] // 20
