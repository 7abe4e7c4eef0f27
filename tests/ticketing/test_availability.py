"""Technicians' availability for the help desk: their own choice of available or away, busy
while a session lasts, and the available ones in the order they became available."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticketing.errors import DomainError
from ticketing.models import Availability
from ticketing.people.availability import (
    available_technicians,
    choose,
    end_session,
    make_available,
    make_away,
    start_session,
)
from ticketing.people.lifecycle import deactivate


def test_nobody_is_available_until_they_say_so(session, directory) -> None:
    assert directory["dana"].availability == Availability.AWAY
    assert available_technicians(session) == []


def test_the_one_available_longest_comes_first(session, directory, clock) -> None:
    dana, luis, priya = directory["dana"], directory["luis"], directory["priya"]
    make_available(luis, now=clock())
    make_available(dana, now=clock() + timedelta(minutes=1))
    make_available(priya, now=clock() + timedelta(minutes=2))
    make_away(priya, now=clock() + timedelta(minutes=3))
    session.flush()
    assert available_technicians(session) == [luis, dana]


def test_a_session_makes_busy_and_its_end_available_again(session, directory, clock) -> None:
    dana = directory["dana"]
    make_available(dana, now=clock())
    assert start_session(dana, now=clock())
    session.flush()
    assert dana.availability == Availability.BUSY
    assert available_technicians(session) == []
    later = clock() + timedelta(minutes=20)
    assert end_session(dana, now=later)
    assert (dana.availability, dana.availability_since) == (Availability.AVAILABLE, later)
    # The end of a session reported twice changes nothing.
    assert not end_session(dana, now=later + timedelta(seconds=5))


def test_away_during_a_session_stays_away_after_it(session, directory, clock) -> None:
    dana = directory["dana"]
    start_session(dana, now=clock())
    make_away(dana, now=clock())
    assert not end_session(dana, now=clock())
    assert dana.availability == Availability.AWAY


def test_only_available_or_away_can_be_chosen(session, directory, clock) -> None:
    dana = directory["dana"]
    assert choose(dana, " Available ", now=clock())
    with pytest.raises(DomainError, match="available or away"):
        choose(dana, "busy", now=clock())


def test_an_inactive_technician_is_never_available(session, directory, clock) -> None:
    dana = directory["dana"]
    deactivate(session, dana, now=clock())
    with pytest.raises(DomainError, match="not an active technician"):
        make_available(dana, now=clock())
    dana.availability = Availability.AVAILABLE  # left while available
    session.flush()
    assert available_technicians(session) == []
