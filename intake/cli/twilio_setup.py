"""`intake twilio configure-number`: point the support line's webhooks at this service.

The REST calls themselves live in scheduler/transport.py (only scheduler/ talks to
Twilio); this module checks the URLs first and prints what Twilio stored.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import click

from intake.config import ConfigError, Settings, load_settings
from ivr.phones import to_e164
from scheduler.transport import NumberSetupError, TwilioAccount

NOT_RUNNING = "is `intake serve --demo` running?"
SHOWN = (
    ("voice URL", "voice_url", "voice_method"),
    ("status callback", "status_callback", "status_callback_method"),
    ("voice fallback", "voice_fallback_url", "voice_fallback_method"),
    ("SMS URL", "sms_url", "sms_method"),
)


@dataclass(frozen=True)
class Webhooks:
    """The URLs Twilio must post to (docs/design.md §3)."""

    voice: str
    voice_status: str
    sms: str


def webhooks_for(base_url: str) -> Webhooks:
    """Our webhook URLs under PUBLIC_BASE_URL."""
    base = base_url.rstrip("/")
    return Webhooks(f"{base}/twilio/voice", f"{base}/twilio/voice/status", f"{base}/twilio/sms")


def url_refusal(url: str, what: str, *, demo: bool) -> str | None:
    """Why Twilio could not post to `url` (None when it can); http only for the sandbox."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{what} {url!r} is not an absolute http(s) URL"
    if demo:
        return None
    if parts.scheme != "https":
        return f"{what} must be https:// for Twilio (it is {url}); use --demo for the sandbox"
    if _is_private(parts.hostname):
        return f"{what} {url} is not reachable from the Internet, so not from Twilio"
    return None


def _is_private(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name: Twilio resolves it, we cannot tell from here
    return address.is_private or address.is_loopback or address.is_link_local


def _phone(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    e164 = to_e164(value)
    if e164 is None:
        raise click.BadParameter(f"{value!r} is not a phone number; use e.g. +13368991911")
    return e164


def _settings(demo: bool) -> Settings:
    try:
        return load_settings(demo=demo)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


def _show(title: str, number: dict[str, str | None]) -> None:
    click.echo(f"{title} {number['phone_number']} ({number['sid']}):")
    for label, url_field, method_field in SHOWN:
        if number.get(url_field):
            click.echo(f"  {label:<16} {number.get(method_field) or 'POST'} {number[url_field]}")


@click.group("twilio")
def twilio_group() -> None:
    """Set up the Twilio phone numbers for this service."""


@twilio_group.command("configure-number")
@click.option(
    "--demo", is_flag=True, help="Configure the sandbox of a running `intake serve --demo`."
)
@click.option(
    "--fallback-url",
    metavar="URL",
    help="Where Twilio turns when the voice URL fails (best on another host).",
)
@click.option(
    "--sms-number",
    metavar="NUMBER",
    callback=_phone,
    help="The local number that sends pages and receives the replies: set its SMS URL too.",
)
def configure_number(demo: bool, fallback_url: str | None, sms_number: str | None) -> None:
    """Set the support line's voice, status and SMS URLs through Twilio's REST API."""
    settings = _settings(demo)
    hooks = webhooks_for(settings.public_base_url)
    for url, what in (
        (settings.public_base_url, "PUBLIC_BASE_URL"),
        (fallback_url, "--fallback-url"),
    ):
        refusal = url_refusal(url, what, demo=demo) if url is not None else None
        if refusal:
            raise click.ClickException(refusal)
    account = TwilioAccount(
        settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url
    )
    where = "the Twilio sandbox" if demo else f"Twilio account {settings.twilio_account_sid}"
    click.echo(f"Configuring {where}:")
    try:
        line = account.configure_number(
            settings.twilio_voice_number,
            voice_url=hooks.voice,
            status_callback=hooks.voice_status,
            sms_url=hooks.sms,
            fallback_url=fallback_url,
        )
        _show("support line", line)
        if sms_number and sms_number != settings.twilio_voice_number:
            sender = account.configure_number(
                sms_number, voice_url=None, status_callback=None, sms_url=hooks.sms
            )
            _show("SMS number", sender)
    except NumberSetupError as exc:
        hint = f" ({NOT_RUNNING})" if demo and exc.unreachable else ""
        raise click.ClickException(f"{exc}{hint}") from exc
    _hints(settings, hooks, fallback_url, sms_number)


def _hints(
    settings: Settings, hooks: Webhooks, fallback_url: str | None, sms_number: str | None
) -> None:
    """Advice on what the command could not do for the user."""
    sender = settings.twilio_sms_from
    if not sms_number and sender and sender != settings.twilio_voice_number:
        click.echo(
            f"note: pages are sent from {sender}, so replies arrive there: "
            f"add --sms-number {sender} to set its SMS URL too."
        )
    if fallback_url and urlsplit(fallback_url).hostname == urlsplit(hooks.voice).hostname:
        click.echo(
            "note: the fallback URL is on the service's own host: it answers while the "
            "database is down, not while the host is."
        )


def register(main: click.Group) -> None:
    """Add `intake twilio ...` to the command line."""
    main.add_command(twilio_group)
