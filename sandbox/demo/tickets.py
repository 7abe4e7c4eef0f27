"""The demo's past tickets, one line each: months back, which day of that month (the nth
weekday, Saturday or Sunday), local time, class, hours worked, minutes to acknowledge an
emergency, flags (prepaid: the client applied pre-paid hours; reclassified: found not to
be an emergency) and the caller's words."""

from __future__ import annotations

from sandbox.demo.history import PastTicket
from ticketing.models import ServiceClass

CLASSES = {
    "hd": ServiceClass.HELP_DESK,
    "ps": ServiceClass.PROFESSIONAL_SERVICE,
    "em": ServiceClass.EMERGENCY,
}
Row = tuple[int, str, str, str, str, int | None, str, str]

BAKERY: tuple[Row, ...] = (
    (5, "weekday 2", "10:15", "hd", "1.00", None, "", "Receipt printer prints blank slips."),
    (5, "saturday 2", "21:40", "em", "2.00", 6, "prepaid", "Card terminal offline: no payments."),
    (5, "weekday 8", "09:00", "ps", "6.00", None, "prepaid", "Set up the new label printer."),
    (
        4,
        "weekday 3",
        "11:30",
        "hd",
        "3.00",
        None,
        "prepaid",
        "Inventory report shows wrong totals.",
    ),
    (4, "sunday 1", "07:50", "em", "1.00", 4, "", "The POS server will not start."),
    (4, "weekday 12", "19:20", "em", "1.00", 14, "prepaid", "Scale not talking to the register."),
    (3, "weekday 5", "14:10", "hd", "0.50", None, "", "Add a cashier account for a new hire."),
    (3, "weekday 9", "10:00", "ps", "2.50", None, "prepaid", "Move recipes to the menu board."),
    (3, "saturday 3", "23:05", "em", "1.50", 9, "", "Online orders not reaching the kitchen."),
    (3, "sunday 2", "18:15", "em", "0.25", 7, "reclassified", "Forgot the back-office password."),
    (2, "weekday 2", "15:30", "hd", "1.00", None, "prepaid", "Office email stopped syncing."),
    (2, "weekday 14", "08:30", "ps", "3.00", None, "", "Quarterly backup restore test."),
    (2, "saturday 1", "06:45", "em", "1.00", 3, "", "The register drawer will not open."),
    (1, "weekday 4", "13:00", "hd", "0.75", None, "", "Gift card balance look-ups fail."),
    (1, "weekday 6", "18:30", "em", "2.00", 22, "", "The payment processor rejects every card."),
    (1, "weekday 11", "09:30", "ps", "4.00", None, "", "Set up the holiday pre-order form."),
)
DINER: tuple[Row, ...] = (
    (2, "saturday 2", "22:10", "em", "1.00", 12, "", "POS frozen during the dinner rush."),
    (1, "weekday 3", "10:40", "hd", "0.50", None, "", "The kitchen printer keeps jamming."),
)
PIEDMONT: tuple[Row, ...] = (
    (1, "weekday 7", "11:00", "hd", "0.50", None, "", "Barcode scanner on register 2 is dead."),
)


def past_tickets(rows: tuple[Row, ...]) -> tuple[PastTicket, ...]:
    """The rows as PastTicket values."""
    made = []
    for back, day, at, cls, hours, ack, flags, words in rows:
        kind, nth = day.split()
        made.append(
            PastTicket(
                back,
                (kind, int(nth)),
                at,
                CLASSES[cls],
                words,
                hours,
                ack_minutes=ack,
                prepaid="prepaid" in flags,
                reclassified="reclassified" in flags,
            )
        )
    return tuple(made)
