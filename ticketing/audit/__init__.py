"""The audit trail: who changed what, when, from what to what (staff, client people, the CLI)."""
