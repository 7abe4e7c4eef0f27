"""Paging technicians: escalation, policies, page texts, delivery, replies, voice pages."""
