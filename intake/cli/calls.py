"""`intake call`: place a simulated call through the running demo service, play it in
the terminal, then show the text messages the sandbox sent because of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click
import requests

from intake.cli.common import parse_local_moment
from intake.config import ConfigError, Settings, load_settings
from ivr.phones import to_e164
from sandbox.twilio.caller import SimulatedCall

DEMO_CALLER = "+13365550123"
# Pages go out through the scheduler's outbox a moment after the call: wait that long.
POLL_SECONDS = 8.0
# ... but a technician texted within the last minute gets the next page bundled a minute
# after the last one, so a paged emergency is watched for longer.
PAGED_POLL_SECONDS = 65.0
POLL_INTERVAL = 0.5
# Once a text has arrived, this much silence means the burst of pages is over.
QUIET_SECONDS = 3.0
NOT_RUNNING = "is `intake serve --demo` running?"


def _caller_number(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if value.strip().lower() == "anonymous":
        return "anonymous"
    e164 = to_e164(value)
    if e164 is None:
        raise click.BadParameter(
            f'{value!r} is not a phone number; use e.g. +13365550123, or "anonymous"'
        )
    return e164


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    return parse_local_moment(value).strftime("%Y-%m-%d %H:%M")


def demo_settings() -> Settings:
    """The demo's settings (sandbox credentials), configuration errors explained."""
    try:
        return load_settings(demo=True)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


def fetch_messages(session: requests.Session, base: str, since: int = 0) -> list[dict[str, Any]]:
    """The sandbox's messages from index `since` on, or a clear error if there is no sandbox."""
    url = f"{base}/sandbox/twilio/messages"
    try:
        response = session.get(url, params={"since": since}, timeout=5)
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach {base}: {NOT_RUNNING} ({exc})") from None
    if response.status_code == 404:
        raise click.ClickException(f"{base} has no Twilio sandbox: {NOT_RUNNING}")
    if response.status_code != 200:
        raise click.ClickException(f"{url} answered HTTP {response.status_code}")
    return response.json()


def show_texts(
    session: requests.Session,
    base: str,
    since: int,
    caller: str,
    out: Callable[[str], None],
    seconds: float = POLL_SECONDS,
) -> int:
    """Print the texts sent from index `since` on as they arrive; how many there were."""
    out(f"(watching for text messages for up to {seconds:.0f} s…)")
    deadline = time.monotonic() + seconds
    seen, last_new = 0, time.monotonic()
    while time.monotonic() < deadline:
        for message in fetch_messages(session, base, since + seen):
            phone = "Caller's phone" if message.get("to") == caller else "Technician's phone"
            out(f"📱 {phone} ({message.get('to')}): {message.get('body')}")
            seen, last_new = seen + 1, time.monotonic()
        if seen and time.monotonic() - last_new >= QUIET_SECONDS:
            break
        time.sleep(POLL_INTERVAL)
    if not seen:
        out(f"(no text message was sent within {seconds:.0f} s)")
    return seen


@click.command("call")
@click.option(
    "--from",
    "from_number",
    default=DEMO_CALLER,
    metavar="NUMBER",
    show_default=True,
    callback=_caller_number,
    help='The caller\'s number, or "anonymous".',
)
@click.option(
    "--at",
    callback=_moment,
    metavar='"YYYY-MM-DD HH:MM"',
    help="Call as if at this local business time, e.g. Christmas Eve (demo only).",
)
@click.option(
    "--url", metavar="BASE_URL", help="The service's base URL  [default: PUBLIC_BASE_URL]"
)
@click.option(
    "--answer",
    "answers",
    multiple=True,
    help="Scripted answers in order (keys for a menu, words for a recording); "
    "asked interactively when omitted.",
)
def call_command(
    from_number: str, at: str | None, url: str | None, answers: tuple[str, ...]
) -> None:
    """Place a simulated call through the running service and play it in the terminal."""
    settings = demo_settings()
    base = (url or settings.public_base_url).rstrip("/")
    session = requests.Session()
    since = len(fetch_messages(session, base))
    transcript = SimulatedCall(
        base,
        settings.twilio_auth_token,
        from_number=from_number,
        to_number=settings.twilio_voice_number,
        at=at,
        keys=answers or None,
        out=click.echo,
        session=session,
        account_sid=settings.twilio_account_sid,
    ).run()
    if transcript.error:
        raise click.ClickException(f"the call failed: {transcript.error}")
    paged = any("being paged" in line for line in transcript.said)
    seconds = PAGED_POLL_SECONDS if paged else POLL_SECONDS
    show_texts(session, base, since, from_number, click.echo, seconds)


def register(main: click.Group) -> None:
    """Add `intake call` to the command line."""
    main.add_command(call_command)
