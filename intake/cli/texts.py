"""`intake text`: a technician's reply to a page, sent to the running demo as Twilio would."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

import click
import requests
from twilio.request_validator import RequestValidator

from intake.cli.calls import NOT_RUNNING, demo_settings
from ivr.phones import to_e164

DEMO_TECHNICIAN = "+13365550101"


def _number(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    e164 = to_e164(value)
    if e164 is None:
        raise click.BadParameter(f"{value!r} is not a phone number; use e.g. +13365550101")
    return e164


@click.command("text")
@click.argument("body")
@click.option(
    "--from",
    "from_number",
    default=DEMO_TECHNICIAN,
    show_default=True,
    callback=_number,
    metavar="NUMBER",
    help="Who texts (a technician's number, or any other).",
)
@click.option(
    "--url", metavar="BASE_URL", help="The service's base URL  [default: PUBLIC_BASE_URL]"
)
def text_command(body: str, from_number: str, url: str | None) -> None:
    """Text BODY (e.g. "ACK 1001") to the service and print its answer."""
    settings = demo_settings()
    base = (url or settings.public_base_url).rstrip("/")
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": settings.twilio_account_sid,
        "From": from_number,
        "To": settings.twilio_sms_from or settings.twilio_voice_number,
        "Body": body,
        "NumMedia": "0",
    }
    target = base + "/twilio/sms"
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(target, params)
    try:
        answer = requests.post(
            target, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
        )
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach {base}: {NOT_RUNNING} ({exc})") from None
    if answer.status_code != 200:
        raise click.ClickException(f"{target} answered HTTP {answer.status_code}")
    replies = [el.text or "" for el in ET.fromstring(answer.content).iter("Message")]
    click.echo(f"📤 {from_number}: {body}")
    for reply in replies or ["(no reply)"]:
        click.echo(f"📱 reply: {reply}")


def register(main: click.Group) -> None:
    """Add `intake text` to the command line."""
    main.add_command(text_command)
