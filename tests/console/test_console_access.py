"""Only the firm's staff reach the console: anonymous visitors are sent to log in, and a
client's accounts get 404 on every console route (GET and POST alike), never a hint."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import post
from tests.support.logins import as_staff, log_in
from tests.support.users import make_user

_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def _console_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every console route, with placeholder arguments filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console."):
            path = _PLACEHOLDER.sub(lambda m: "1001" if m.group(1) == "int" else "x", rule.rule)
            found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(found) >= 10, found
    return found


def _call(client, method: str, path: str):
    return post(client, path) if method == "POST" else client.get(path)


def test_anonymous_visitors_are_sent_to_log_in(app, client) -> None:
    for method, path in _console_routes(app):
        response = _call(client, method, path)
        assert response.status_code == 302, (method, path, response.status_code)
        assert "/login" in response.headers["Location"], (method, path)


@pytest.mark.parametrize("role", ["client_admin", "client_user"])
def test_client_accounts_get_404_everywhere(app, client, session, directory, role) -> None:
    user = make_user(
        session, f"{role}@bakery.example", client=directory["bakery"], role=role, name="Ann"
    )
    log_in(client, user)
    for method, path in _console_routes(app):
        response = _call(client, method, path)
        assert response.status_code == 404, (method, path, response.status_code)


def test_staff_reach_the_console(client, session, directory) -> None:
    as_staff(client, session)
    for path in ("/console/", "/console/board/panels", "/console/tickets", "/console/delivery"):
        assert client.get(path).status_code == 200, path


def test_the_console_menu_links_only_to_pages_that_exist(app, client, session) -> None:
    as_staff(client, session)
    html = client.get("/console/").get_data(as_text=True)
    assert 'href="/console/tickets"' in html and 'href="/console/delivery"' in html
    for endpoint, label in (
        ("console.oncall", "On call"),
        ("console.calendar", "Calendar"),
        ("console.clients", "Clients"),
        ("console_phone.phone", "Phone simulator"),
    ):
        assert (label in html) == (endpoint in app.view_functions), endpoint
    # The client portal's menu is not shown to staff.
    assert "Request service" not in html
