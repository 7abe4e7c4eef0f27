"""Registers every Twilio-facing blueprint on the app."""

from __future__ import annotations

from flask import Flask

from webhooks.fallback import bp as fallback_bp
from webhooks.offers import bp as offers_bp
from webhooks.pages import bp as pages_bp
from webhooks.phone_tests import bp as phone_tests_bp
from webhooks.queue import bp as queue_bp
from webhooks.redirect import bp as redirect_bp
from webhooks.sms import bp as sms_bp
from webhooks.transfer import bp as transfer_bp
from webhooks.voice import bp as voice_bp


def init_app(app: Flask) -> None:
    """Add the Twilio webhooks to `app`."""
    app.register_blueprint(voice_bp)
    app.register_blueprint(transfer_bp)
    app.register_blueprint(queue_bp)
    app.register_blueprint(offers_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(redirect_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(phone_tests_bp)
    app.register_blueprint(fallback_bp)
