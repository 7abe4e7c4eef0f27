"""Data at scale (scenario 5 of `python -m bench`): a database seeded in bulk with years of
clients, tickets, timelines and invoices, then portal and console pages timed on it."""
