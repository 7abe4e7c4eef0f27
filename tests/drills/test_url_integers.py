"""Every whole number in a URL fits the database's INTEGER columns: a larger one names no
row, so every route answers 404 at once, on any database, before any query or login
redirect (PostgreSQL refuses to compare an INTEGER with 2**31; SQLite silently does)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from intake.clock import FrozenClock
from intake.config import Settings
from intake.db import Database
from tests.support.intruders import drill_app, methods

# Past the largest INTEGER, and far past it (a 20-digit id).
TOO_LARGE = (2**31, 10**20)
_INT_PART = re.compile(r"<int:(\w+)>")
_OTHER_PART = re.compile(r"<(?:(?:string|path):)?(\w+)>")


def _with_integers(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    return sorted(rules, key=lambda r: r.rule)


def _path(rule: Rule, number: int) -> str:
    path = _INT_PART.sub(str(number), rule.rule)
    return _OTHER_PART.sub("x", path)


def _answers(client: FlaskClient, rule: Rule, number: int) -> dict[str, int]:
    path = _path(rule, number)
    return {method: client.open(path, method=method).status_code for method in methods(rule)}


@pytest.fixture
def demo_app(settings: Settings, database: Database, clock: FrozenClock) -> Flask:
    """The app with the sandbox mounted too (its routes take ids as well)."""
    return drill_app(settings, database, clock, sandbox=True)


def test_there_are_routes_with_whole_numbers(app: Flask, demo_app: Flask) -> None:
    assert len(_with_integers(app)) >= 20
    assert len(_with_integers(demo_app)) >= len(_with_integers(app))


@pytest.mark.parametrize("number", TOO_LARGE)
def test_every_route_answers_404_above_the_integer_range(
    app: Flask, demo_app: Flask, number: int
) -> None:
    wrong = {}
    for each in (app, demo_app):
        client = each.test_client()
        for rule in _with_integers(each):
            answers = _answers(client, rule, number)
            if set(answers.values()) != {404}:
                wrong[f"{rule.rule} ({rule.endpoint})"] = answers
    assert wrong == {}


def test_the_largest_integer_still_reaches_the_view(app: Flask) -> None:
    # 2**31 - 1 is a valid id that names nothing: the console asks a stranger to log in.
    answer = app.test_client().get(f"/console/tickets/{2**31 - 1}")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
