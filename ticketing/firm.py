"""The firm's identity as the people it serves see it: its name, where its portal is, and
the support lines that answer (all from settings; nothing here names a real firm)."""

from __future__ import annotations

from dataclasses import dataclass

# Only for callers that word a text without settings (tests, the CLI before configuration).
DEFAULT_FIRM_NAME = "Accelerando"


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
