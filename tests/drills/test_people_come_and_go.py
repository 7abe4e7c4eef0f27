"""People come and go: a technician who leaves while on call is never paged and the gap
is named; a user who leaves is logged out at once; a technician who comes back is paged
again. Nobody is deleted."""

from __future__ import annotations

from tests.support.emergencies import emergency
from tests.support.logins import log_in
from tests.support.outbox import outbox
from tests.support.people import DANA, MARIA
from tests.support.rows import fresh
from ticketing.oncall.gaps import describe_gaps
from ticketing.people.lifecycle import deactivate, reactivate
from ticketing.wallclock import business_zone

HOME = "/portal/"


def test_a_technician_who_leaves_on_call_is_not_paged_and_the_gap_is_named(
    phone, session, directory, clock
):
    dana = directory["dana"]
    change = deactivate(session, dana, now=clock())
    session.commit()
    said = describe_gaps(dana.name, change.gaps, business_zone(None))
    assert said.startswith("Dana Whitfield's shifts now uncovered: override #")

    ticket = emergency(phone, session, words="The server room is flooding.")

    paged = {row.to_number for row in outbox(session, ticket_id=ticket.id, kind="page")}
    assert paged and DANA not in paged  # nobody on call: the others are paged instead
    assert not outbox(session, to_number=DANA)
    assert fresh(session, dana).name == "Dana Whitfield"  # still on record, by name


def test_a_technician_who_comes_back_is_paged_again(phone, session, directory, clock):
    dana = directory["dana"]
    deactivate(session, dana, now=clock())
    session.commit()
    emergency(phone, session)
    assert not outbox(session, to_number=DANA)

    reactivate(session, fresh(session, dana))
    session.commit()
    ticket = emergency(phone, session, caller=MARIA)  # another company: its own escalation

    assert outbox(session, ticket_id=ticket.id, to_number=DANA, kind="page")


def test_a_user_who_leaves_cannot_load_a_portal_page_with_an_old_cookie(
    client, session, jane, clock
):
    log_in(client, jane)
    assert client.get(HOME).status_code == 200

    deactivate(session, jane, now=clock())
    session.commit()

    response = client.get(HOME)
    assert response.status_code == 302 and "/login" in response.location
    # Coming back is a fresh login: the old cookie stays dead.
    reactivate(session, fresh(session, jane))
    session.commit()
    assert client.get(HOME).status_code == 302
