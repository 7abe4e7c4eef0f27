"""`intake drill call`: a rehearsed emergency through the real webhook path of any running
instance (demo or not), marked as a drill that only the instance's own token can sign.

The call is posted over HTTP exactly as Twilio would post it (signed with
TWILIO_AUTH_TOKEN), plus the drill marker (webhooks/drill_marker.py): the moment it
pretends to be made at, and the one number to page, if any. Afterwards the command reads
the drill's ticket from the instance's database: its number, its class and why, and who
is being paged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.cli import context
from intake.cli.common import build_app, parse_local_moment
from intake.config import ConfigError, Settings, load_settings
from ivr.phones import national, to_e164
from sandbox.twilio.caller import CallTranscript, SimulatedCall, signed_headers
from ticketing.calls.intake import call_by_sid
from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, Technician
from webhooks.drill_marker import DrillMarker, drill_headers

# A fictional number (555-01XX is reserved for fiction): no contact of any client has it.
DRILL_CALLER = "+13365550199"
# What the synthetic caller says when the script has no words left for a recording.
DRILL_WORDS = "This is a drill call. No action is needed."


class DrillCall(SimulatedCall):
    """A simulated call whose every request also carries the signed drill marker; when
    its scripted answers run out it presses nothing and says a drill's words, so that a
    drill runs to the end unattended."""

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        *,
        marker: DrillMarker,
        answers: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, auth_token, keys=list(answers), **kwargs)
        self.auth_token = auth_token
        self.marker = marker

    def _post(self, url: str, params: dict[str, str]) -> requests.Response:
        headers = signed_headers(self.validator, url, params)
        headers.update(drill_headers(self.auth_token, self.transcript.call_sid, self.marker))
        return self._send(url, params, headers)

    def _ask(self, prompt: str) -> str | None:
        assert self._keys is not None
        answer = next(self._keys, None)
        if answer is None:
            answer = DRILL_WORDS if "say something" in prompt else ""
        self.out(f"{prompt} {answer}")
        return answer


def run_drill(
    base: str,
    settings: Settings,
    marker: DrillMarker,
    *,
    from_number: str,
    answers: Iterable[str],
    out: Callable[[str], None],
    session: requests.Session | None = None,
) -> CallTranscript:
    """Place the drill call against the instance at `base` and play it to its end."""
    return DrillCall(
        base,
        settings.twilio_auth_token,
        marker=marker,
        answers=answers,
        from_number=from_number,
        to_number=settings.twilio_voice_number,
        out=out,
        session=session,
        account_sid=settings.twilio_account_sid,
    ).run()


def _recipient(session: Session, page: OutboxMessage) -> str:
    tech = session.get(Technician, page.technician_id) if page.technician_id else None
    number = national(page.to_number) if to_e164(page.to_number) else page.to_number
    return f"{tech.name} ({number})" if tech else number


def drill_report(session: Session, call_sid: str, zone: ZoneInfo) -> list[str]:
    """What the drill did, as lines: the ticket, its class and why, and who is paged."""
    call = call_by_sid(session, call_sid)
    if call is None:
        return ["no ticket was opened for this call: is --url this instance's database?"]
    ticket = call.ticket
    lines = [
        f"ticket #{ticket.number} (DRILL){'' if ticket.drill else ' NOT MARKED AS A DRILL'}",
        f"class: {ticket.service_class} ({ticket.classification_reason}), as if at "
        f"{call.classified_for.astimezone(zone):%a %Y-%m-%d %H:%M %Z}",
    ]
    pages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.kind == OutboxKind.PAGE)
        .order_by(OutboxMessage.id)
    ).all()
    if not pages:
        lines.append("paged: nobody yet")
    for page in pages:
        how = "SMS" if page.channel == OutboxChannel.SMS else "voice call"
        lines.append(f"paged: {_recipient(session, page)} by {how} ({page.status})")
    return lines


def _number(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if param.name == "from_number" and value.strip().lower() == "anonymous":
        return "anonymous"
    e164 = to_e164(value)
    if e164 is None:
        raise click.BadParameter(f"{value!r} is not a phone number; use e.g. +13365550101")
    return e164


def _local_moment(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> datetime | None:
    return None if value is None else parse_local_moment(value)


def _settings(demo: bool) -> Settings:
    try:
        return load_settings(demo=demo)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


@click.group("drill", help="Rehearse on the live line: drill calls marked DRILL everywhere.")
def drill_group() -> None:
    """The `drill` command group."""


@drill_group.command("call")
@click.option(
    "--at",
    callback=_local_moment,
    metavar='"YYYY-MM-DD HH:MM"',
    help="Call as if at this local business time  [default: now]",
)
@click.option(
    "--from",
    "from_number",
    default=DRILL_CALLER,
    metavar="NUMBER",
    show_default=True,
    callback=_number,
    help='The caller\'s number, or "anonymous".',
)
@click.option(
    "--answer",
    "answers",
    multiple=True,
    help="Scripted answers in order (keys for a menu, words for a recording); once they "
    "run out the caller presses nothing and says that this is a drill.",
)
@click.option(
    "--page",
    "page_to",
    metavar="NUMBER",
    callback=_number,
    help="Page only this number (a technician's, to acknowledge) instead of the on-call rota.",
)
@click.option(
    "--url", metavar="BASE_URL", help="The instance's base URL  [default: PUBLIC_BASE_URL]"
)
@click.option("--demo", is_flag=True, help="The instance runs `intake serve --demo`.")
def drill_call(
    at: datetime | None,
    from_number: str,
    answers: tuple[str, ...],
    page_to: str | None,
    url: str | None,
    demo: bool,
) -> None:
    """Place a signed DRILL call through the instance's real webhooks and show what it did."""
    settings = _settings(demo)
    app = build_app(demo=demo)
    with app.app_context():
        now = context.now()
        moment = at or now.astimezone(context.zone()).replace(tzinfo=None)
    marker = DrillMarker(at=moment, page_to=page_to, issued=datetime.now(UTC))
    base = (url or settings.public_base_url).rstrip("/")
    click.echo(f"DRILL call to {base}, as if at {moment:%Y-%m-%d %H:%M}")
    transcript = run_drill(
        base, settings, marker, from_number=from_number, answers=answers, out=click.echo
    )
    if transcript.error:
        raise click.ClickException(f"the drill call failed: {transcript.error}")
    with app.app_context():
        for line in drill_report(context.session(), transcript.call_sid, context.zone()):
            click.echo(line)


def register(main: click.Group) -> None:
    """Add `intake drill` to the command line."""
    main.add_command(drill_group)
