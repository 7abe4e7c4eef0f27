"""The voice scenario counts a call answered with the apology as an error: a service that
fails every call (and spools it) must not pass for a fast one."""

from __future__ import annotations

from bench.calls.scenarios import answered_as_new_call
from bench.load import Answer
from ivr import flow
from ivr.flow import CallView


def _answer(body: str, status: int = 200) -> Answer:
    return Answer(status=status, body=body.encode(), seconds=0.01)


def test_the_apology_is_not_an_answer() -> None:
    for forward_to in (None, "+13365550199"):
        apology = str(flow.apology("Example IT", forward_to))
        assert not answered_as_new_call(_answer(apology))


def test_the_ivr_going_on_with_the_call_is_an_answer() -> None:
    view = CallView("Example IT", "emergency", in_business_hours=False, ticket_number=1001)
    assert answered_as_new_call(_answer(str(flow.ask_account_number(view, 1))))


def test_a_server_error_is_not_an_answer() -> None:
    assert not answered_as_new_call(_answer("Internal Server Error", 500))
