"""The demo's stand-ins, never part of production: a local fake of Twilio (`twilio`), the
console's phone simulator (`phone`) and the demo's data (`demo`).

Importing this package adds nothing to an app: `init_app` does, and the app factory
calls it only in sandbox mode.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the fake Twilio API, its /sandbox/ page and the console's phone simulator."""
    # Imported here: intake.config reads the sandbox's credentials in every process, and
    # that must not load the sandbox's pages.
    from sandbox.phone.views import bp as phone
    from sandbox.twilio.api import init_app as init_twilio

    init_twilio(app)
    app.register_blueprint(phone)
