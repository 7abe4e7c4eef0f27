"""Fixtures of the portal tests: the portal's templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from jinja2 import TemplateNotFound


@pytest.fixture
def portal_files(app: Flask) -> None:
    """Point the app at portal_web's templates and static files if create_app does not
    (yet): a no-op once it does."""
    try:
        app.jinja_env.get_template("base.html")
        return
    except TemplateNotFound:
        pass
    import portal_web

    root = Path(portal_web.__file__).parent
    app.__dict__.pop("jinja_loader", None)  # a cached property, computed from the folder
    app.template_folder = str(root / "templates")
    app.static_folder = str(root / "static")
    if "static" not in app.view_functions:
        app.add_url_rule("/static/<path:filename>", "static", app.send_static_file)
