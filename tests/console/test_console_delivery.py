"""The delivery log: every outbox row newest first, 50 a page, filtered by channel,
status or "failed only"; failures highlighted with what their error code means; message
bodies escaped."""

from __future__ import annotations

from datetime import timedelta

from tests.support.logins import as_staff
from tests.support.pages import html_of
from ticketing.models import OutboxMessage


def _row(session, n: int, clock, **kw) -> OutboxMessage:
    values = {
        "dedupe_key": f"test:{n}",
        "kind": "page",
        "channel": "sms",
        "to_number": "+13365550101",
        "body": f"message {n}",
        "status": "sent",
        "created_at": clock() - timedelta(minutes=100 - n),
        **kw,
    }
    row = OutboxMessage(**values)
    session.add(row)
    return row


def test_lists_rows_highlights_failures_and_escapes_bodies(client, session, clock) -> None:
    _row(session, 1, clock, body="Hello <script>alert(1)</script>", attempts=1)
    _row(session, 2, clock, status="failed", error_code="21610", attempts=3, last_error="STOP")
    _row(session, 3, clock, delivery_status="undelivered", error_code="30006")
    _row(session, 4, clock, channel="email", to_address="jane@bakery.example", subject="Ticket")
    session.commit()
    as_staff(client, session)
    html = html_of(client.get("/console/delivery"))
    assert "4 messages" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "(336) 555-0101" in html and "jane@bakery.example" in html
    assert "21610</strong>: recipient has opted out (STOP)" in html
    assert "30006</strong>: landline or unreachable carrier" in html
    assert html.count('class="delivery-failed"') == 2
    # Newest first.
    assert html.index("jane@bakery.example") < html.index("message 2")


def test_filters_and_pages(client, session, clock) -> None:
    for n in range(1, 56):
        _row(session, n, clock, channel="call" if n % 5 == 0 else "sms")
    _row(session, 60, clock, status="failed", error_code="30003", body="lost one")
    session.commit()
    as_staff(client, session)
    first = html_of(client.get("/console/delivery"))
    assert "56 messages" in first and "Page 1 of 2" in first and "message 55" in first
    assert "message 5<" not in first
    assert "message 5<" in html_of(client.get("/console/delivery?page=2"))
    calls = html_of(client.get("/console/delivery?channel=call"))
    assert "11 messages" in calls and "message 10" in calls and "message 11" not in calls
    failed = html_of(client.get("/console/delivery?failed=1"))
    assert "1 message." in failed and "lost one" in failed
    assert "1 message." in html_of(client.get("/console/delivery?status=failed"))
    assert "56 messages" in html_of(client.get("/console/delivery?channel=fax&status=x&page=-3"))
