"""The public front page offers what the firm's published portal page offers: request
access, the help-desk and professional-service requests (through the log-in), an
emergency (the phone number first), and information about a Master Services Agreement."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.support.pages import html_of

pytestmark = pytest.mark.usefixtures("portal_files")


def _link(page: str, text: str) -> str:
    """The href of the link whose text is `text`."""
    before = page.split(f">{text}</a>")[0]
    return before.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")


def test_every_request_of_the_published_page_is_offered(client, settings) -> None:
    page = html_of(client.get("/"))

    for entry in (
        "Request Access to Portal",
        "Request Help Desk Support",
        "Request Professional Service",
        "Request Emergency Help Desk",
        "Information about a Master Services Agreement",
    ):
        assert entry in page
    assert _link(page, "Request Access to Portal") == "/request-access"
    assert _link(page, "Information about a Master Services Agreement") == "/contact"
    emergency = page.split("Request Emergency Help Desk")[1].split("</div>")[0]
    assert f'href="tel:{settings.twilio_voice_number}"' in emergency


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Request Help Desk Support", "help_desk"),
        ("Request Professional Service", "professional_service"),
        ("Request Emergency Help Desk", "emergency"),
    ],
)
def test_a_request_leads_through_the_log_in_to_its_form(client, text, kind) -> None:
    target = _link(html_of(client.get("/")), text)

    answer = client.get(target)

    assert answer.status_code == 302
    where = unquote(answer.headers["Location"])
    assert where.startswith("/login") and f"/portal/requests/new?kind={kind}" in where
