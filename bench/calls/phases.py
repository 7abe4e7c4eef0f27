"""Where a webhook's CPU goes, by phase: cProfile's self time of every function, charged
to the phase of the code it belongs to (Flask and Werkzeug, Twilio's signature check,
SQLAlchemy, the database driver, Twilio's TwiML, our packages, other libraries).

A function of the standard library or a builtin (hmac, re, datetime, a C method) belongs
to no phase of its own: its self time goes to its callers' phases, split as cProfile saw
it called from each, so hashing inside the signature check counts as the signature check.
"""

from __future__ import annotations

import cProfile
import pstats
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
OURS = ("intake", "ivr", "ticketing", "webhooks", "scheduler", "portal_web", "sandbox")

FLASK = "Flask dispatch"
SIGNATURE = "signature"
SQL = "SQLAlchemy"
DRIVER = "DB driver"
TWIML = "TwiML"
DOMAIN = "our code"
OTHER = "other libraries"
PHASES = (FLASK, SIGNATURE, SQL, DRIVER, TWIML, DOMAIN, OTHER)

_FLASK_LIBRARIES = ("flask", "werkzeug", "jinja2", "itsdangerous", "blinker", "markupsafe")
_DRIVERS = ("psycopg", "psycopg_binary", "psycopg_c", "psycopg_pool")

Function = tuple[str, int, str]  # cProfile's (file, line, name)
Share = dict[str, float]  # phase -> fraction


def _library(filename: str) -> str | None:
    """The top-level package of a file under site-packages, or None."""
    parts = Path(filename).parts
    if "site-packages" not in parts:
        return None
    rest = parts[parts.index("site-packages") + 1 :]
    return rest[0].removesuffix(".py") if rest else None


def phase_of(function: Function) -> str | None:
    """The phase a function's own code belongs to; None for the standard library and
    builtins other than the database drivers' (their time goes to their callers)."""
    filename, _line, name = function
    if filename == "~":
        return DRIVER if "sqlite3" in name or "psycopg" in name else None
    library = _library(filename)
    if library == "twilio":
        if "request_validator" in filename:
            return SIGNATURE
        return TWIML if "twiml" in filename else OTHER
    if library in _FLASK_LIBRARIES:
        return FLASK
    if library == "sqlalchemy":
        return SQL
    if library in _DRIVERS or (library is None and "/sqlite3/" in filename):
        return DRIVER
    if library is not None:
        return OTHER
    path = Path(filename)
    if path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in OURS:
        return DOMAIN
    return None


class _Charges:
    """Resolves every function of one profile to the phases its self time is charged to."""

    def __init__(self, stats: Mapping[Function, tuple]) -> None:
        self.stats = stats
        self.resolved: dict[Function, Share] = {}
        self.resolving: set[Function] = set()

    def share(self, function: Function) -> Share:
        if function in self.resolved:
            return self.resolved[function]
        own = phase_of(function)
        if own is not None:
            return self.resolved.setdefault(function, {own: 1.0})
        if function in self.resolving:
            return {}  # recursion through the standard library: the outer call decides
        self.resolving.add(function)
        share: Counter[str] = Counter()
        callers = self.stats[function][4] if function in self.stats else {}
        # Weigh each caller by the self time spent when called from it (else by calls).
        weights = {caller: edge[2] or edge[1] * 1e-9 for caller, edge in callers.items()}
        total = sum(weights.values()) or 1.0
        for caller, weight in weights.items():
            for phase, part in self.share(caller).items():
                share[phase] += part * weight / total
        self.resolving.discard(function)
        found = dict(share) if share else {OTHER: 1.0}
        self.resolved[function] = found
        return found


def phase_seconds(profile: cProfile.Profile) -> dict[str, float]:
    """CPU seconds of each phase in `profile` (every phase present, zeros included)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    charges = _Charges(stats)
    seconds = dict.fromkeys(PHASES, 0.0)
    for function, (_cc, _nc, self_time, _ct, _callers) in stats.items():
        for phase, part in charges.share(function).items():
            seconds[phase] += self_time * part
    return seconds


def top_functions(profile: cProfile.Profile, count: int = 12) -> list[tuple[str, str, float]]:
    """The functions with the most cumulative time that are ours: (where, name, seconds)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    ours = [
        (function, values[3]) for function, values in stats.items() if phase_of(function) == DOMAIN
    ]
    ours.sort(key=lambda item: item[1], reverse=True)
    return [
        (f"{Path(f[0]).relative_to(ROOT)}:{f[1]}", f[2], seconds) for f, seconds in ours[:count]
    ]
