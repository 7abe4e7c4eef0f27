"""Delivery reports for pages: applied once, never moved backwards, failures on the timeline."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.models import OutboxMessage, TicketEvent


def _sent_page(phone, session) -> OutboxMessage:
    call = phone("+13365550123")
    call.ring()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    page = session.scalars(select(OutboxMessage)).one()
    page.status, page.provider_sid = "sent", "SM" + "a" * 32
    session.commit()
    return page


def _report(twilio, page, status: str, **extra: str):
    params = {"MessageSid": page.provider_sid, "MessageStatus": status, **extra}
    return twilio("/twilio/sms/status", params)


def test_delivered_is_recorded(phone, twilio, session, directory) -> None:
    page = _sent_page(phone, session)
    assert _report(twilio, page, "delivered").status_code == 204
    session.refresh(page)
    assert page.delivery_status == "delivered"


def test_sent_arriving_after_delivered_does_not_overwrite_it(phone, twilio, session, directory):
    page = _sent_page(phone, session)
    _report(twilio, page, "delivered")
    _report(twilio, page, "sent")
    session.refresh(page)
    assert page.delivery_status == "delivered"


def test_undelivered_goes_on_the_timeline_once(phone, twilio, session, directory) -> None:
    page = _sent_page(phone, session)
    _report(twilio, page, "undelivered", ErrorCode="30003")
    _report(twilio, page, "undelivered", ErrorCode="30003")
    session.refresh(page)
    assert page.delivery_status == "undelivered" and page.error_code == "30003"
    failures = session.scalars(select(TicketEvent).where(TicketEvent.kind == "page_failed")).all()
    assert len(failures) == 1
    assert "30003" in failures[0].message


def test_report_for_unknown_message_is_ignored(twilio, session) -> None:
    answer = twilio("/twilio/sms/status", {"MessageSid": "SMnope", "MessageStatus": "failed"})
    assert answer.status_code == 204


def test_report_on_a_bundled_text_reaches_every_ticket_in_it(
    phone, twilio, session, directory
) -> None:
    for number in ("+13365550123", "+13365550167"):
        call = phone(number)
        call.ring()
        call.post("/twilio/voice/callback/confirm", Digits="1")
    pages = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page")).all()
    assert len(pages) == 2
    for page in pages:
        page.status, page.provider_sid = "sent", "SM" + "b" * 32
    session.commit()
    twilio("/twilio/sms/status", {"MessageSid": "SM" + "b" * 32, "MessageStatus": "undelivered"})
    session.expire_all()
    assert {p.delivery_status for p in pages} == {"undelivered"}
    calls_instead = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "call")
    ).all()
    assert sorted(c.ticket_id for c in calls_instead) == sorted(p.ticket_id for p in pages)
