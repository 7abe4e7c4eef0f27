"""Reading a technician's text: ACK / RES / ESC / NE / HELP, with or without a ticket number.

Rules (tolerant, because people type on a phone at 3 a.m.):

- Case, leading punctuation or emoji, full-width letters, digits of any script and
  invisible characters (zero-width spaces, direction marks) do not matter.
- The command is the first word: ACK (ACKNOWLEDGE, ACKNOWLEDGED), RES (RESOLVE,
  RESOLVED), ESC (ESCALATE, ESCALATED), NE, HELP (INFO, COMMANDS, "?"). Only whole
  words count: "need help" is not NE, "reset" is not RES, "acking" is nothing.
- The ticket number follows it, glued or after any punctuation, with an optional "#",
  "ticket", "tkt" or "no.": "ACK 1042", "ack #1042", "Ack: ticket 1042", "ACK1042".
  The swapped order "1042 ACK" / "#1042 ack" is accepted too (the number first, then
  the command word); a number anywhere else is part of the free text.
- Whatever follows is `rest`: the reason of an NE, ignored by the other commands.
- Twilio's own keywords are never commands. A message that is only STOP, STOPALL,
  UNSUBSCRIBE, CANCEL, END or QUIT is an opt-out; only START, YES or UNSTOP an
  opt-in ("yes" is never an acknowledgement). Inside a longer text they mean nothing.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class Command(enum.StrEnum):
    """What a text asks for."""

    ACK = "ack"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    NOT_EMERGENCY = "not_emergency"
    HELP = "help"
    AVAILABLE = "available"  # ready for help-desk callers
    AWAY = "away"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    """A parsed text: the command, the ticket number it names (if any) and the rest."""

    command: Command
    ticket: int | None = None
    rest: str = ""


_WORDS = {
    "ack": Command.ACK,
    "acknowledge": Command.ACK,
    "acknowledged": Command.ACK,
    "res": Command.RESOLVE,
    "resolve": Command.RESOLVE,
    "resolved": Command.RESOLVE,
    "esc": Command.ESCALATE,
    "escalate": Command.ESCALATE,
    "escalated": Command.ESCALATE,
    "ne": Command.NOT_EMERGENCY,
    "help": Command.HELP,
    "info": Command.HELP,
    "commands": Command.HELP,
    "avail": Command.AVAILABLE,
    "available": Command.AVAILABLE,
    "away": Command.AWAY,
}
# Twilio answers these itself (docs/twilio.md): they only ever change the opt-out state.
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
OPT_IN_WORDS = frozenset({"start", "yes", "unstop"})
MAX_REST = 300
MAX_BODY = 1600

_FLAGS = re.IGNORECASE | re.ASCII | re.DOTALL  # ASCII: the Kelvin sign is not a "k"
_LEAD = r"[^a-z0-9#]*"  # emoji, quotes, spaces before the command
_SEP = r"[\s,.:;!\-]*"
_NUMBER = r"(?:(?:ticket|tkt|no\.?)\s*)?#?\s*(?P<num>[0-9]+)(?![0-9])"
_WORD = r"(?P<word>[a-z]+)(?![a-z])"
# Any punctuation, emoji or dash ("ACK – 1042", "ACK (1042)", "1042 – ack") may stand between
# the command and its number: a number dropped there would make the command act on another
# ticket (the sender's latest page).
_GAP = r"[^a-z0-9]*+"  # possessive: linear time on a 1,600-character text
_COMMAND_FIRST = re.compile(rf"{_LEAD}{_WORD}(?:{_GAP}{_NUMBER})?{_SEP}(?P<rest>.*)", _FLAGS)
_NUMBER_FIRST = re.compile(rf"{_LEAD}#?\s*(?P<num>[0-9]+){_GAP}{_WORD}(?P<rest>.*)", _FLAGS)
_ONE_WORD = re.compile(r"[^a-z0-9]*(?P<word>[a-z]+)[^a-z0-9]*", _FLAGS)


def _plain(ch: str) -> str:
    if ch.isdecimal() and not ch.isascii():
        return str(unicodedata.decimal(ch))  # "١٠٤٢" (Arabic-Indic) is 1042 too
    # Zero-width spaces, direction marks and BOMs are invisible: they separate nothing.
    return "" if unicodedata.category(ch) == "Cf" else ch


def parse_reply(body: str) -> Reply:
    """Read one text from a technician (pure: no database, no Twilio)."""
    # Twilio delivers at most 1,600 characters (and int() refuses 4,300 digits or more).
    normal = unicodedata.normalize("NFKC", (body or "")[:MAX_BODY])
    text = "".join(_plain(ch) for ch in normal).strip()
    if text and set(text) <= {"?"}:
        return Reply(Command.HELP)
    single = _ONE_WORD.fullmatch(text)
    if single is not None:
        word = single["word"].lower()
        if word in OPT_OUT_WORDS:
            return Reply(Command.OPT_OUT)
        if word in OPT_IN_WORDS:
            return Reply(Command.OPT_IN)
    match = _COMMAND_FIRST.fullmatch(text) or _NUMBER_FIRST.fullmatch(text)
    if match is None:
        return Reply(Command.UNKNOWN)
    word = match["word"].lower()
    command = _WORDS.get(word, Command.UNKNOWN)
    if command in (Command.UNKNOWN, Command.HELP):
        return Reply(command)
    rest = match["rest"].lstrip(" \t\r\n,.:;!-").strip()[:MAX_REST]
    return Reply(command, int(match["num"]) if match["num"] else None, rest)


def opt_out_command(opt_out_type: str | None) -> Command | None:
    """The command Twilio's Advanced Opt-Out already decided (OptOutType), if it did."""
    kind = (opt_out_type or "").strip().upper()
    return {"STOP": Command.OPT_OUT, "START": Command.OPT_IN, "HELP": Command.HELP}.get(kind)
