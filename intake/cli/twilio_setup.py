"""`intake twilio configure-number`: point every support line's webhooks at this service.

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
    # Answers without the database: the number's Fallback URL unless --fallback-url is given.
    voice_fallback: str


def webhooks_for(base_url: str) -> Webhooks:
    """Our webhook URLs under PUBLIC_BASE_URL."""
    base = base_url.rstrip("/")
    return Webhooks(
        f"{base}/twilio/voice",
        f"{base}/twilio/voice/status",
        f"{base}/twilio/sms",
        f"{base}/twilio/voice/fallback",
    )


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
        raise click.BadParameter(f"{value!r} is not a phone number; use e.g. +13365550123")
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
    help="Where Twilio turns when the voice URL fails (best on another host; default: "
    "this service's /twilio/voice/fallback).",
)
@click.option(
    "--sms-number",
    metavar="NUMBER",
    callback=_phone,
    help="The local number that sends pages and receives the replies: set its SMS URL too.",
)
def configure_number(demo: bool, fallback_url: str | None, sms_number: str | None) -> None:
    """Set every support line's voice, status, SMS and fallback URLs through Twilio's API."""
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
    lines = support_lines(settings)
    failures = [
        failure
        for number in lines
        if (failure := _configure_line(account, number, hooks, fallback_url, demo)) is not None
    ]
    if sms_number and sms_number not in lines and not failures:
        try:
            sender = account.configure_number(
                sms_number, voice_url=None, status_callback=None, sms_url=hooks.sms
            )
        except NumberSetupError as exc:
            raise click.ClickException(_reason(exc, demo)) from exc
        _show("SMS number", sender)
    if failures:
        raise click.ClickException("; ".join(failures))
    _hints(settings, hooks, fallback_url, sms_number)


def support_lines(settings: Settings) -> tuple[str, ...]:
    """Every number callers dial: the main line, then SUPPORT_LINES (no repeats)."""
    return tuple(dict.fromkeys((settings.twilio_voice_number, *settings.support_lines)))


def _reason(exc: NumberSetupError, demo: bool) -> str:
    hint = f" ({NOT_RUNNING})" if demo and exc.unreachable else ""
    return f"{exc}{hint}"


def _configure_line(
    account: TwilioAccount, number: str, hooks: Webhooks, fallback_url: str | None, demo: bool
) -> str | None:
    """Point one support line at the webhooks and show what Twilio stored; why it failed."""
    try:
        line = account.configure_number(
            number,
            voice_url=hooks.voice,
            status_callback=hooks.voice_status,
            sms_url=hooks.sms,
            fallback_url=fallback_url or hooks.voice_fallback,
        )
    except NumberSetupError as exc:
        if exc.unreachable:
            # Nothing will reach Twilio for the next line either.
            raise click.ClickException(_reason(exc, demo)) from exc
        # One line's failure (not on this account, say) must not stop the others.
        click.echo(f"support line {number}: not configured")
        return _reason(exc, demo)
    _show("support line", line)
    return None


def _hints(
    settings: Settings, hooks: Webhooks, fallback_url: str | None, sms_number: str | None
) -> None:
    """Advice on what the command could not do for the user."""
    sender = settings.twilio_sms_from
    if not sms_number and sender and sender not in support_lines(settings):
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
