"""The words of our SMS answers to technicians, each within two GSM-7 segments."""

from __future__ import annotations

from ivr.phones import national
from ticketing.models import ServiceClass, Technician, Ticket, TicketStatus
from ticketing.paging.actions import Action
from ticketing.paging.reply_parser import Command
from ticketing.sms_text import fit, to_gsm7

HELP = (
    "Pager commands: ACK 1042 = I'm on it, RES 1042 = resolved, ESC 1042 = page the next "
    "person, NE 1042 reason = not an emergency. No number = your latest page. "
    "AVAIL / AWAY = help-desk calls on / off."
)
AVAILABLE = "You are available: help-desk callers will ring your phone. Reply AWAY to stop."
ALREADY_AVAILABLE = "You were already available for help-desk callers. Reply AWAY to stop."
AWAY = "You are away: no help-desk callers will ring you. Reply AVAIL when you are back."
NOT_UNDERSTOOD = "Sorry, I did not understand that. " + HELP
OPTED_IN = "Texts are back on: pages will come by SMS again. Reply HELP for commands."
_VERBS = {
    Command.ACK: "ACK",
    Command.RESOLVE: "RES",
    Command.ESCALATE: "ESC",
    Command.NOT_EMERGENCY: "NE",
}


def _template_part(part: str) -> str:
    # Fixed parts become a str.format template: a brace in them would break it.
    return to_gsm7(part).replace("{", "(").replace("}", ")")


def _sms(before: str, flexible: str = "", after: str = "") -> str:
    """GSM-7 text of at most two segments; only `flexible` is shortened to fit."""
    return fit(_template_part(before) + "{}" + _template_part(after), to_gsm7(flexible))


def _label(ticket: Ticket) -> str:
    return f"#{ticket.number} {ticket.client.name}" if ticket.client else f"#{ticket.number}"


def stranger(firm_name: str, support: str) -> str:
    """The one polite answer to a number that is not a technician's."""
    return _sms(
        f"This number only takes replies from {firm_name} technicians. For support call {support}."
    )


def done(action: Action, ticket: Ticket, *, reason: str, paged: bool) -> str:
    """Confirm what the technician's text did."""
    if action is Action.ACK:
        callback = national(ticket.callback_number) if ticket.callback_number else "none given"
        colleague = "" if paged else " This page was not sent to you: you took it for a colleague."
        return _sms(
            "ACK ",
            _label(ticket),
            f": it is yours, paging stopped. Call back {callback}."
            f"{colleague} Reply RES {ticket.number} when fixed.",
        )
    if action is Action.RESOLVE:
        return _sms("Resolved ", _label(ticket), ". Thank you.")
    if action is Action.ESCALATE:
        return _sms("ESC ", _label(ticket), ": the next escalation step is being paged now.")
    why = reason.strip() or "none given"
    return _sms(
        f"NE #{ticket.number}: moved to the help desk as not an emergency; paging stopped. "
        "Reason: ",
        why,
    )


def why_not(action: Action, ticket: Ticket, tech: Technician) -> str:
    """Why the ticket's state ruled the action out."""
    number = f"#{ticket.number}"
    if ticket.status == TicketStatus.RESOLVED:
        return _sms(f"{number} is already resolved. Nothing changed.")
    if ticket.service_class != ServiceClass.EMERGENCY and action is not Action.RESOLVE:
        return _sms(f"{number} is a help desk ticket, not an emergency: nobody is paged for it.")
    holder = ticket.acknowledged_by
    if holder is not None and holder.id == tech.id:
        return _sms(f"You already have {number}. Reply RES {ticket.number} when fixed.")
    if holder is not None:
        return _sms(f"{number} was already taken by ", holder.name, ". Nothing changed.")
    return _sms(f"{number}: nothing left to escalate, every step has been paged.")


def no_such_ticket(number: int, open_tickets: list[Ticket]) -> str:
    """The text named a ticket that does not exist."""
    shown = str(number) if number < 10**9 else f"{str(number)[:9]}..."
    mine = ", ".join(f"#{t.number}" for t in open_tickets)
    hint = f" Your open pages: {mine}." if mine else " Check the number in the page."
    return _sms(f"There is no ticket #{shown}.{hint}")


def no_open_page(command: Command) -> str:
    """A bare command, but nothing is paging the technician."""
    verb = _VERBS[command]
    return _sms(f"You have no open page for {verb}. Add the ticket number, e.g. {verb} 1042.")


def which_one(command: Command, candidates: list[Ticket]) -> str:
    """A bare command with several open pages: ask for the number."""
    verb = _VERBS[command]
    listed = ", ".join(_label(t) for t in candidates)
    example = candidates[0].number
    return _sms(
        f"You have {len(candidates)} open pages. Which one? Reply {verb} with the number, "
        f"e.g. {verb} {example}. Open: ",
        listed,
    )
