"""Bad input on every Twilio route: odd, missing, oversized, doubled and non-UTF-8
parameters, huge bodies, odd URL arguments. The answer is a 4xx, a 204 or well-formed TwiML,
never a 5xx; the database never holds a half-written ticket; unsigned requests change nothing.

Routes come from the app's url_map, so a route added later is fuzzed without touching this file.
FUZZ_EXAMPLES sets the examples per property (see tests/support/fuzz.py).
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from tests.support.emergencies import emergency
from tests.support.fuzz import (
    CONFIGURED_URLS,
    FIELD_VALUES,
    Body,
    World,
    assert_safe_answer,
    assert_whole,
    build_path,
    counted,
    example_scope,
    fuzz_settings,
    parsed_form,
    path_args,
    post_raw,
    post_signed_form,
    route_app,
    row_counts,
    signature,
    twilio_form,
    twilio_rules,
    unexpected_failures,
    webhook_failures,
)
from tests.support.outbox import outbox
from tests.support.replies import voice_page
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL
from ticketing.calls import helpdesk
from ticketing.models import Call
from ticketing.oncall.roster import set_on_call

ROUTES = [rule.rule for rule in twilio_rules(route_app())]
PAGE_LEG = "CA" + "7" * 32
SMS_SID = "SM" + "5" * 32


@pytest.fixture
def world(phone, session, directory, clock) -> World:
    """A paged emergency with a voice page ringing and an SMS page sent, a caller still on the
    line who is being transferred and queued, and an unknown caller asked for an account."""
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    ticket = emergency(phone, session)
    page = voice_page(session, clock, ticket, PAGE_LEG)
    [text_page, *_] = outbox(session, ticket_id=ticket.id, channel="sms", kind="page")
    text_page.status, text_page.provider_sid = "sent", SMS_SID
    on_line, stranger = phone("+13365550167"), phone("+15555550100")
    on_line.ring()
    stranger.ring()
    session.expire_all()
    call = session.get(Call, on_line.base["CallSid"])
    call.transfer_technician_id = directory["dana"].id
    helpdesk.join_queue(session, call, now=clock())
    session.commit()
    call_sids = list(session.scalars(select(Call.call_sid).order_by(Call.call_sid)))
    ids = {ticket.id, call.ticket_id, page.id, text_page.id, 1, 2, 3}
    ids |= {directory[name].id for name in ("dana", "luis", "priya")}
    return World(call_sids=[*call_sids, PAGE_LEG], message_sids=[SMS_SID], ints=sorted(ids))


def _rule(app, text: str):
    [rule] = [r for r in twilio_rules(app) if r.rule == text]
    return rule


def test_every_twilio_route_is_fuzzed(app) -> None:
    """The fuzzed list is the app's own, and holds the URLs configured at Twilio."""
    live = [rule.rule for rule in twilio_rules(app)]
    assert live, "no Twilio route found in the url_map"
    assert set(CONFIGURED_URLS) <= set(live)
    assert live == ROUTES  # listed at collection from the same factory
    # Twilio posts: a route that takes no POST would be fuzzed into 405s and prove nothing.
    assert all("POST" in (rule.methods or ()) for rule in twilio_rules(app))


def each_route(request, property_for) -> None:
    """Check `property_for(route, count)()` on every route, each with its own examples and
    count (one world for all: building it costs more than a route's examples); every
    failing route is reported, the first with hypothesis' minimal example."""
    failed: list[tuple[str, BaseException]] = []
    for route in ROUTES:
        with counted(request, route) as count:
            try:
                property_for(route, count)()
            except Exception as exc:
                failed.append((route, exc))
    if failed:
        route, first = failed[0]
        first.add_note(f"route: {route}")
        for other, exc in failed[1:]:
            first.add_note(f"also failing on {other}: {type(exc).__name__}: {str(exc)[:300]}")
        raise first


def test_odd_signed_parameters_get_a_safe_answer(app, client, connection, world, request):
    """Odd, missing, oversized, doubled and unknown fields, odd URL arguments, signed."""

    def property_for(route: str, count):
        rule = _rule(app, route)

        @fuzz_settings()
        @given(form=twilio_form(world), args=path_args(rule, world))
        def check(form: MultiDict[str, str], args: dict[str, object]) -> None:
            count.one()
            path = build_path(app, rule, args)
            with example_scope(connection) as db, webhook_failures() as failures:
                response = post_signed_form(client, PUBLIC_BASE_URL, path, form, AUTH_TOKEN)
                assert_safe_answer(response)
                assert not unexpected_failures(failures)
                assert_whole(db)

        return check

    each_route(request, property_for)


def _percent(raw: bytes) -> bytes:
    return quote_from_bytes(raw, safe="").encode()


@st.composite
def raw_bodies(draw: st.DrawFn, world: World) -> bytes:
    """A url-encoded body holding bytes that are not UTF-8, raw or percent-encoded, among
    fields Twilio sends (a known CallSid, so the request reaches the call)."""
    pairs = [b"CallSid=" + draw(st.sampled_from(world.call_sids)).encode()]
    names = sorted(FIELD_VALUES)
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.one_of(st.sampled_from(names).map(str.encode), st.binary(max_size=8)))
        value = draw(
            st.one_of(
                st.binary(max_size=60),
                st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\x00"]),
            )
        )
        raw_value = value if draw(st.booleans()) else _percent(value)
        pairs.append((name if draw(st.booleans()) else _percent(name)) + b"=" + raw_value)
    tail = draw(st.sampled_from([b"", b"&", b"&&", b"=", b"%", b"%G1", b"&\xff"]))
    return Body(b"&".join(draw(st.permutations(pairs))) + tail)


def test_non_utf8_bodies_are_refused_unsigned_and_safe_signed(
    app, client, connection, world, request
) -> None:
    """Raw bytes that are not UTF-8 (raw and percent-encoded) in names and values."""

    def property_for(route: str, count):
        rule = _rule(app, route)

        @fuzz_settings()
        @given(body=raw_bodies(world), args=path_args(rule, world))
        def check(body: bytes, args: dict[str, object]) -> None:
            count.one()
            path = build_path(app, rule, args)
            with example_scope(connection) as db, webhook_failures() as failures:
                before = row_counts(db)
                refused = post_raw(client, path, body, None)
                assert 400 <= refused.status_code < 500, refused.status_code
                assert row_counts(db) == before
                # Twilio signs the parameters it sent; we sign what Flask parses out of them.
                form = parsed_form(app, path, body)
                signed = signature(PUBLIC_BASE_URL + path, form, AUTH_TOKEN)
                assert_safe_answer(post_raw(client, path, body, signed))
                assert not unexpected_failures(failures)
                assert_whole(db)

        return check

    each_route(request, property_for)


@st.composite
def huge_bodies(draw: st.DrawFn, world: World) -> bytes:
    """Bodies from 100 kB to 3 MB: one huge field, or thousands of small ones."""
    size = draw(st.sampled_from([100_000, 600_000, 1_100_000, 3_000_000]))
    head = b"CallSid=" + draw(st.sampled_from(world.call_sids)).encode() + b"&From=%2B13365550123"
    name = draw(st.sampled_from([b"Body", b"Digits", b"From", b"RecordingUrl", b"X"]))
    if draw(st.booleans()):
        return Body(head + b"&" + name + b"=" + b"9" * size)
    return Body(head + (b"&" + name + b"=1") * (size // (len(name) + 3)))


def test_huge_bodies_get_a_safe_answer(app, client, connection, world, request) -> None:
    with counted(request) as count:

        @fuzz_settings(scale=0.5)
        @given(route=st.sampled_from(ROUTES), body=huge_bodies(world), data=st.data())
        def check(route: str, body: bytes, data: st.DataObject) -> None:
            count.one()
            rule = _rule(app, route)
            path = build_path(app, rule, data.draw(path_args(rule, world)))
            with example_scope(connection) as db, webhook_failures() as failures:
                try:
                    form = parsed_form(app, path, body)
                except RequestEntityTooLarge:
                    response = post_raw(client, path, body, "x" * 28)
                    # An id beyond the database's range is not a route (404) before the
                    # body is read; any other path refuses the body as too large.
                    expected = 413 if app.url_map.bind("x").test(path, "POST") else 404
                    assert response.status_code == expected, response.status_code
                    return
                signed = signature(PUBLIC_BASE_URL + path, form, AUTH_TOKEN)
                assert_safe_answer(post_raw(client, path, body, signed))
                assert not unexpected_failures(failures)
                assert_whole(db)

        check()


FORGERIES = ["unsigned", "other token", "other path", "tampered", "garbage"]


def test_unsigned_or_forged_requests_change_nothing(
    app, client, connection, world, request
) -> None:
    with counted(request) as count, webhook_failures():

        @fuzz_settings(scale=2)
        @given(
            route=st.sampled_from(ROUTES),
            form=twilio_form(world),
            forgery=st.sampled_from(FORGERIES),
            garbage=st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40),
            data=st.data(),
        )
        def check(route, form, forgery, garbage, data) -> None:
            count.one()
            rule = _rule(app, route)
            path = build_path(app, rule, data.draw(path_args(rule, world)))
            url = PUBLIC_BASE_URL + path
            headers = {
                "unsigned": {},
                "other token": {"X-Twilio-Signature": signature(url, form, "not-our-token")},
                "other path": {"X-Twilio-Signature": signature(url + "x", form, AUTH_TOKEN)},
                "tampered": {
                    "X-Twilio-Signature": signature(url, MultiDict([("Tampered", "1")]), AUTH_TOKEN)
                },
                "garbage": {"X-Twilio-Signature": garbage},
            }[forgery]
            with example_scope(connection) as db:
                before = row_counts(db)
                response = client.post(path, data=form, headers=headers)
                # 403, or 413 for a form too big to read before the signature is checked.
                assert 400 <= response.status_code < 500, response.status_code
                assert row_counts(db) == before

        check()


def test_simulated_moments_in_the_sandbox_are_safe(app, client, connection, directory, request):
    """The demo's SimulatedAt (read only in sandbox mode): any date, any text."""
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(sandbox=True)
    moments = st.one_of(
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
        st.sampled_from(FIELD_VALUES["SimulatedAt"]),
        st.text(max_size=20),
    )
    with counted(request) as count, webhook_failures() as failures:

        @fuzz_settings(scale=2)
        @given(moment=moments)
        @example(moment="9999-12-31 23:59")
        def check(moment: str) -> None:
            count.one()
            failures.clear()
            form = MultiDict({"CallSid": "CA" + "9" * 32, "From": "+13365550123"})
            form["SimulatedAt"] = moment
            with example_scope(connection) as db:
                response = post_signed_form(
                    client, PUBLIC_BASE_URL, "/twilio/voice", form, AUTH_TOKEN
                )
                assert_safe_answer(response)
                assert not unexpected_failures(failures)
                assert_whole(db)

        check()


# Hypothesis' minimal examples of the defects this drill found:
# each once answered with a 500, or lost the call's data on the webhook's failure path.
FOUND = [
    (
        "/twilio/voice/fallback-message",
        {"RecordingUrl": "https://x.test/r", "RecordingDuration": "²"},
    ),
    ("/twilio/voice/recorded", {"RecordingDuration": "①"}),
    ("/twilio/voice/recorded", {"RecordingDuration": "9999999999"}),
    ("/twilio/voice/status", {"CallStatus": "completed", "SequenceNumber": "²"}),
    ("/twilio/voice/queue/wait", {"QueueTime": "²", "QueuePosition": "³"}),
    ("/twilio/voice/page/9223372036854775808", {}),
    ("/twilio/voice/page/9223372036854775808/key", {"Digits": "4"}),
    ("/twilio/voice/redirected/99999999999999999999", {}),
]


def test_the_defects_found_stay_fixed(client, connection, world) -> None:
    call_sid = world.call_sids[0]
    with webhook_failures() as failures:
        for path, extra in FOUND:
            failures.clear()
            form = MultiDict({"CallSid": call_sid, "From": "+13365550123", **extra})
            with example_scope(connection) as db:
                response = post_signed_form(client, PUBLIC_BASE_URL, path, form, AUTH_TOKEN)
                assert_safe_answer(response)
                assert not failures, (path, extra, unexpected_failures(failures))
                assert_whole(db)


def test_a_failing_safe_answer_is_still_no_500(client, connection, monkeypatch) -> None:
    """Defence in depth for the first defect: when the failure answer itself fails (there,
    int("²") while spooling the call), the caller gets an empty <Response/>, not a 500."""
    import webhooks.fallback

    def broken(kind: str) -> bool:
        raise ValueError("the failure answer failed")

    monkeypatch.setattr(webhooks.fallback, "keep_in_spool", broken)
    with webhook_failures() as failures, example_scope(connection):
        # No CallSid: the voice webhook refuses it, and its apology spools the call.
        response = post_signed_form(
            client, PUBLIC_BASE_URL, "/twilio/voice", MultiDict(), AUTH_TOKEN
        )
    assert_safe_answer(response)
    assert response.status_code == 200 and response.data.endswith(b"<Response />")
    assert any("failure answer failed" in r.getMessage() for r in failures)
