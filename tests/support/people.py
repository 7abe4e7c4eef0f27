"""The people of the `directory` fixture: their phone numbers, and Jane's login."""

from __future__ import annotations

DANA = "+13365550101"  # technician, on call as primary
LUIS = "+13365550102"  # technician, not on call
PRIYA = "+13365550103"  # the manager
JANE = "+13365550123"  # Blue Ridge Bakery's representative
MARIA = "+13365550167"  # Yadkin Valley Diner's representative
JANE_EMAIL = "jane@blueridgebakery.example"
