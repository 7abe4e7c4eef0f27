"""The domain: clients, technicians, tickets and their timeline, the outbox of notifications."""
