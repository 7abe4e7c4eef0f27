"""The firm is configuration: no code, template or text names the default firm, its support
lines or its hours in words; only the settings' defaults and the demo's data may."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from intake.config import Settings
from ivr.calendar import parse_business_hours
from ivr.hours_wording import describe_hours
from ivr.phones import national
from sandbox.twilio.numbers import SANDBOX_NUMBERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "intake",
    "ivr",
    "ticketing",
    "webhooks",
    "scheduler",
    "portal_web",
    "sandbox",
    "bench",
)
SUFFIXES = {".py", ".html", ".txt", ".j2", ".xml", ".ics", ".eml"}
ALLOWED = (
    "intake/config.py",  # the settings' defaults
    "sandbox/demo/",  # the demo's data
    "sandbox/twilio/numbers.py",  # the numbers the sandbox owns, the demo's lines
)
DEFAULTS = {field.name: field.default for field in dataclasses.fields(Settings)}


def _number_forms(e164: str) -> list[str]:
    """A number as code or a template might spell it: E.164, national, dotted, bare digits."""
    digits = e164.removeprefix("+1")
    dashed = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return [e164, national(e164), dashed, dashed.replace("-", "."), digits]


def _literals() -> list[str]:
    hours = describe_hours(parse_business_hours(str(DEFAULTS["business_hours"])))
    days, _, times = hours.partition(", ")
    found = [str(DEFAULTS["firm_name"]), hours, days, times]
    for number in {str(DEFAULTS["twilio_voice_number"]), *SANDBOX_NUMBERS}:
        found += _number_forms(number)
    return found


def _scanned() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix in SUFFIXES and not relative.startswith(ALLOWED):
                files.append(path)
    return files


def test_the_literals_are_the_defaults_in_words() -> None:
    literals = _literals()
    assert "Monday to Friday, 8 AM to 5 PM" in literals
    assert {"(888) 899-1911", "+13368991911", "888-899-1911"} <= set(literals)


def test_no_file_names_the_firm_its_lines_or_hours() -> None:
    pattern = re.compile("|".join(re.escape(literal) for literal in _literals()), re.IGNORECASE)
    offenders = {}
    for path in _scanned():
        text = path.read_text(encoding="utf-8", errors="replace")
        found = sorted({match.group(0) for match in pattern.finditer(text)})
        if found:
            offenders[path.relative_to(ROOT).as_posix()] = found
    assert not offenders, f"use the firm from settings instead of: {offenders}"


def test_the_scan_covers_code_templates_and_texts() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in _scanned()}
    assert {"ticketing/paging/responses.py", "portal_web/templates/base.html"} <= scanned
    assert {"bench/harness.py", "bench/drills/support.py"} <= scanned
    assert not any(path.startswith(ALLOWED) for path in scanned)
