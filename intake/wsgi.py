"""The WSGI entry point for gunicorn (`intake.wsgi:app`)."""

from __future__ import annotations

from intake.app import create_app

app = create_app()
