"""The WSGI entry point for gunicorn (`intake.wsgi:app`)."""

from __future__ import annotations

from intake.app import create_app
from intake.config import load_settings
from intake.heap import freeze_start_up
from intake.logs import configure_logging

settings = load_settings()
configure_logging(settings.log_format)
# Each worker replays this host's spool, whether or not a scheduler runs here.
app = create_app(settings, spool_watch=True)
freeze_start_up()
