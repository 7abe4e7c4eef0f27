"""An invoice as a PDF (fpdf2, core fonts only: nothing to install, nothing fetched).

Core fonts cover Latin-1 alone, and line descriptions may carry a caller's words (curly
quotes, accents, emoji): text is transliterated first so no character can crash a render.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from portal_web.display import local_day
from ticketing.billing.invoices import balance_due, paid_amount
from ticketing.billing.models import Invoice
from ticketing.firm import Firm

FONT = "Helvetica"
# Common characters outside Latin-1 and their nearest plain spelling.
LOOKALIKES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "*",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
}
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def latin1(text: str) -> str:
    """`text` in Latin-1: look-alikes for typographic marks, accents kept, "?" for the rest."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if char in "\n\t" or 0x20 <= code < 0x7F or 0xA0 <= code <= 0xFF:
            out.append(char)
        elif char in LOOKALIKES:
            out.append(LOOKALIKES[char])
        elif code < 0xA0 or unicodedata.combining(char):
            out.append(" " if code < 0xA0 else "")  # control characters, stray accents
        else:
            plain = (
                unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            )
            out.append("".join(c for c in plain if not unicodedata.combining(c)) or "?")
    return "".join(out)


def _usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _heading(pdf: FPDF, invoice: Invoice, firm: Firm) -> None:
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, latin1(firm.name), **NEXT_LINE)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 5, latin1(f"Support line {firm.main_line_written}"), **NEXT_LINE)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, latin1(f"Invoice {invoice.number}"), **NEXT_LINE)
    pdf.set_font(FONT, "", 11)
    client = invoice.client
    pdf.cell(0, 6, latin1(f"Bill to: {client.name} (account {client.account_number})"), **NEXT_LINE)
    issued = local_day(invoice.issued_on) if invoice.issued_on else "-"
    due = local_day(invoice.due_on) if invoice.due_on else "-"
    pdf.cell(0, 6, f"Issued: {issued}    Due: {due}    Status: {invoice.status}", **NEXT_LINE)
    pdf.ln(4)


def _lines(pdf: FPDF, invoice: Invoice) -> None:
    pdf.set_font(FONT, "", 10)
    right = ("LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(col_widths=(100, 25, 30, 35), text_align=right, first_row_as_headings=True) as t:
        head = t.row()
        for title in ("Description", "Quantity", "Unit price", "Amount"):
            head.cell(title)
        for line in invoice.lines:
            row = t.row()
            ticket = f" (ticket #{line.ticket_id})" if line.ticket_id else ""
            row.cell(latin1(line.description + ticket))
            row.cell(f"{line.quantity:,.2f}")
            row.cell(_usd(line.unit_price))
            row.cell(_usd(line.amount))
    pdf.ln(3)


def _totals(pdf: FPDF, invoice: Invoice, timezone: str) -> None:
    zone = ZoneInfo(timezone)
    rows = [("Total", invoice.total)]
    for payment in invoice.payments:
        when = local_day(payment.received_at.astimezone(zone).date())
        rows.append((f"Paid {when} ({payment.method})", -payment.amount))
    if invoice.payments:
        rows.append(("Paid in all", paid_amount(invoice)))
    rows.append(("Balance due", balance_due(invoice)))
    for label, amount in rows:
        pdf.set_font(FONT, "B" if label in ("Total", "Balance due") else "", 11)
        pdf.cell(155, 7, latin1(label), align="R")
        pdf.cell(35, 7, _usd(amount), align="R", **NEXT_LINE)


def render_invoice_pdf(invoice: Invoice, *, firm: Firm, timezone: str) -> bytes:
    """The invoice's PDF: heading, lines, totals and payments, how to pay."""
    pdf = FPDF(format="letter")
    pdf.set_title(latin1(f"Invoice {invoice.number}"))
    pdf.set_author(latin1(firm.name))
    pdf.set_margins(13, 13, 13)
    pdf.add_page()
    _heading(pdf, invoice, firm)
    _lines(pdf, invoice)
    _totals(pdf, invoice, timezone)
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        0,
        5,
        latin1(
            f"Pay online in the {firm.name} Client Portal, or call {firm.main_line_written}. "
            f"Please write invoice number {invoice.number} on any check."
        ),
    )
    return bytes(pdf.output())
