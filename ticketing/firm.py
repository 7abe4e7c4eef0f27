"""The firm's identity as the people it serves see it: its name, where its portal is, and
the support lines that answer (all from settings; nothing here names a real firm)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

# Only for callers that word a text without settings (tests, the CLI before configuration).
DEFAULT_FIRM_NAME = "Accelerando"
# The key of Session.info under which the composition root gives every session the firm.
SESSION_KEY = "firm"


@dataclass(frozen=True)
class Firm:
    """Whose name the texts and emails carry, where links point, and which lines answer."""

    name: str
    base_url: str = ""
    # E.164 numbers, the main line first.
    support_lines: tuple[str, ...] = ()

    @property
    def main_line(self) -> str | None:
        """The number callers are told to call, if any is configured."""
        return self.support_lines[0] if self.support_lines else None

    def link(self, path: str) -> str:
        """An absolute link to `path` on the portal."""
        return self.base_url.rstrip("/") + path


def firm_of(session: Session) -> Firm | None:
    """The firm bound to the session by the app that opened it (None in a bare session).

    Pages are worded deep inside escalation steps that any webhook, sweep or command may
    fire; the session they all pass down carries the firm, so no signature has to.
    """
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Firm) else None
