"""The firm's identity as the people it serves see it: its name, where its portal is, the
support lines that answer and its business hours in words (all from settings; nothing
here names a real firm)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ivr.calendar import parse_business_hours
from ivr.hours_wording import describe_hours
from ivr.phones import national

# Only for callers that word a text without settings (tests, the CLI before configuration).
DEFAULT_FIRM_NAME = "Emergency Intake"
# The key of Session.info under which the composition root gives every session the firm.
SESSION_KEY = "firm"


@dataclass(frozen=True)
class Firm:
    """Whose name the texts and emails carry, where links point, and which lines answer."""

    name: str
    base_url: str = ""
    # E.164 numbers, the main line first.
    support_lines: tuple[str, ...] = ()
    # The business hours in words ("Tuesday to Saturday, 9 AM to 6 PM"); empty when unknown.
    hours: str = ""

    @property
    def main_line(self) -> str | None:
        """The number callers are told to call, if any is configured."""
        return self.support_lines[0] if self.support_lines else None

    @property
    def main_line_written(self) -> str:
        """The main line as people write it, e.g. (888) 555-0100 (empty when none)."""
        return national(self.main_line) if self.main_line else ""

    @property
    def call_line(self) -> str:
        """What a text says to call: the main line as written, or a plain phrase."""
        return self.main_line_written or "our support line"

    @property
    def other_lines(self) -> tuple[str, ...]:
        """The support lines after the main one (local numbers answered the same way)."""
        return self.support_lines[1:]

    @property
    def hours_text(self) -> str:
        """The business hours in words, or a plain phrase when they are not known."""
        return self.hours or "business hours"

    def link(self, path: str) -> str:
        """An absolute link to `path` on the portal."""
        return self.base_url.rstrip("/") + path


def firm_from(
    name: str,
    base_url: str,
    main_line: str,
    other_lines: Iterable[str] = (),
    business_hours: str = "",
) -> Firm:
    """The firm made from its settings (the main line first, the others after, no repeats)."""
    lines = tuple(dict.fromkeys(line for line in (main_line, *other_lines) if line))
    hours = describe_hours(parse_business_hours(business_hours)) if business_hours else ""
    return Firm(name=name, base_url=base_url, support_lines=lines, hours=hours)


def firm_of(session: Session) -> Firm | None:
    """The firm bound to the session by the app that opened it (None in a bare session).

    Pages are worded deep inside escalation steps that any webhook, sweep or command may
    fire; the session they all pass down carries the firm, so no signature has to.
    """
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Firm) else None


def firm_in(session: Session) -> Firm:
    """The session's firm, or one with only a placeholder name in a bare session."""
    return firm_of(session) or Firm(DEFAULT_FIRM_NAME)
