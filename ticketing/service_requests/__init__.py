"""Scheduled service requests from the portal, the phone menu or staff: checks, booking, notices."""
