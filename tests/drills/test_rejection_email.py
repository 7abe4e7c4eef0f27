"""The rejection of an access request quotes nothing the requester typed on the public form
(name, company, message): otherwise anyone could make us email their words (spam, phishing
links) to any address by asking for access with it. The staff's own reason is kept."""

from __future__ import annotations

from tests.support.outbox import account_emails
from ticketing.accounts.access_requests import reject_request, submit_access_request
from ticketing.firm import Firm

VICTIM = "victim@elsewhere.example"
NAME = "WINNER! Claim your prize at http://spam.example/win"
COMPANY = "Call +1 900 555 0100 <a href='http://phish.example'>now</a>"
MESSAGE = "Visit http://phish.example/login to verify your bank account"
REASON = "We only open accounts for companies under contract with us."


def test_a_rejection_carries_the_reason_and_none_of_the_requesters_words(session, clock) -> None:
    firm = Firm(name="Accelerando", base_url="https://intake.example.com")
    request = submit_access_request(
        session,
        name=NAME,
        company=COMPANY,
        email=VICTIM,
        phone="",
        message=MESSAGE,
        now=clock(),
        firm=firm,
    )
    assert request is not None
    reject_request(session, request.id, reason=REASON, now=clock(), firm=firm, decided_by="Priya")
    session.commit()

    [email] = account_emails(session, to=VICTIM)
    for typed in (NAME, COMPANY, MESSAGE):
        assert typed not in email.subject and typed not in email.body, typed
    for fragment in ("spam.example", "phish.example", "900 555", "WINNER", "prize"):
        assert fragment not in email.subject + email.body, fragment
    assert REASON in email.body
