"""Fixtures of the portal tests: the bakery's portal world, and the portal's templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.portal import Portal, build_portal
from tests.support.twilio import PhoneCall, TwilioPoster


@pytest.fixture
def portal(
    app: Flask,
    session: Session,
    directory: dict[str, object],
    phone: Callable[..., PhoneCall],
    twilio: TwilioPoster,
    clock: FrozenClock,
) -> Portal:
    """The bakery's world (see tests.support.portal.Portal), CSRF off so that refusals come
    from access rules alone (a test that wants CSRF turns it back on)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return build_portal(session, directory, phone, twilio, clock)


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
