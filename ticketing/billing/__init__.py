"""What clients pay for: time entries, the monthly run, invoices, retainer hours, card
payments and the executive reports."""
