"""The app's Twilio sandbox in tests: twilio-python's HTTP routed into the app, and a night on
call under a controlled clock (the real app in sandbox mode, the real relay and escalation
sweep, and the people acting through signed webhooks as Twilio would deliver them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import responses
from flask.testing import FlaskClient
from requests import PreparedRequest
from sqlalchemy import select

from intake.clock import FrozenClock
from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from intake.db import Database
from scheduler.relay import RelayReport, relay_due
from scheduler.transport import TwilioMessenger
from tests.support.twilio import PUBLIC_BASE_URL, TwilioPoster
from ticketing.calls.offers import offer_waiting_callers
from ticketing.models import OutboxMessage, Ticket
from ticketing.paging.escalation import sweep_escalations

SANDBOX_URL = PUBLIC_BASE_URL + "/sandbox/twilio"


@contextmanager
def routed_to_app(client: FlaskClient, base_url: str) -> Iterator[responses.RequestsMock]:
    """Every GET/POST under `base_url` is answered by the app's test client, as a running
    demo would answer it."""

    def forward(request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url)
        answer = client.open(
            parts.path,
            method=request.method,
            query_string=parts.query,
            data=request.body,
            headers=dict(request.headers),
        )
        return answer.status_code, {"Content-Type": answer.content_type}, answer.get_data()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pattern = re.compile(re.escape(base_url) + ".*")
        for method in (responses.GET, responses.POST):
            mock.add_callback(method, pattern, forward)
        yield mock


@contextmanager
def twilio_routed_to_sandbox(client: FlaskClient) -> Iterator[responses.RequestsMock]:
    """Every HTTP request twilio-python makes lands in the app's sandbox blueprint."""
    with routed_to_app(client, SANDBOX_URL) as mock:
        yield mock


@dataclass
class Night:
    """The service and the people in it, one tick of the scheduler at a time."""

    client: FlaskClient
    twilio: TwilioPoster
    database: Database
    clock: FrozenClock
    store: object  # sandbox.twilio.store.SandboxStore

    def __post_init__(self) -> None:
        self.messenger = TwilioMessenger(
            SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_URL, sms_from="+13368991911"
        )

    def tick(self) -> RelayReport:
        """One scheduler tick: due escalation steps fire, waiting help-desk callers are offered
        to free technicians, then the outbox is relayed."""
        with self.database.sessionmaker.begin() as session:
            sweep_escalations(session, self.clock())
        with self.database.sessionmaker.begin() as session:
            offer_waiting_callers(session, self.clock())
        return relay_due(
            self.database.sessionmaker,
            self.messenger,
            self.clock(),
            status_callback_url=PUBLIC_BASE_URL + "/twilio/sms/status",
            call_status_callback_url=PUBLIC_BASE_URL + "/twilio/voice/page/status",
            public_base_url=PUBLIC_BASE_URL,
        )

    def wait(self, minutes: float = 0, seconds: float = 0) -> None:
        """Let time pass, the scheduler ticking every few seconds as it does."""
        end = self.clock() + timedelta(minutes=minutes, seconds=seconds)
        while self.clock() < end:
            self.clock.advance(min(timedelta(seconds=5), end - self.clock()))
            self.tick()

    def texts_to(self, number: str) -> list[str]:
        """Every SMS the sandbox delivered to `number`, oldest first."""
        return [m.body for m in self.store.messages() if m.to == number]

    def calls_to(self, number: str) -> list[object]:
        """Every call the sandbox placed to `number`, oldest first."""
        return [c for c in self.store.calls() if c.to == number]

    def report(self, message_sid: str, status: str, error_code: str = "") -> None:
        """Twilio's delivery report for a text."""
        params = {"MessageSid": message_sid, "MessageStatus": status}
        if error_code:
            params["ErrorCode"] = error_code
        assert self.twilio("/twilio/sms/status", params).status_code == 204

    def call_ends(self, call: object, status: str) -> None:
        """Twilio's final status for a voice page (busy, no-answer, completed...)."""
        params = {"CallSid": call.sid, "CallStatus": status, "To": call.to}
        assert self.twilio("/twilio/voice/page/status", params).status_code == 204

    def answer(self, call: object, keys: str, answered_by: str = "human") -> str:
        """The technician picks up a voice page and presses `keys`; what they heard."""
        path = urlsplit(call.url).path
        base = {"CallSid": call.sid, "To": call.to, "From": "+13368991911"}
        heard = self.twilio(path, {**base, "AnsweredBy": answered_by}).get_data(as_text=True)
        if keys:
            heard += self.twilio(path + "/key", {**base, "Digits": keys}).get_data(as_text=True)
        return heard

    def reply(self, number: str, body: str, sid: str) -> str:
        """A technician texts back; the TwiML <Message> Twilio would relay to them."""
        params = {"MessageSid": sid, "From": number, "To": "+13368991911", "Body": body}
        return self.twilio("/twilio/sms", params).get_data(as_text=True)

    def ticket(self) -> Ticket:
        """The night's (only) ticket, fresh from the database."""
        with self.database.sessionmaker() as session:
            ticket = session.scalars(select(Ticket)).one()
            _ = ticket.events, ticket.acknowledged_by  # loaded before the session closes
            return ticket

    def outbox(self) -> list[OutboxMessage]:
        """Every notification the service owes or sent, oldest first."""
        with self.database.sessionmaker() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
