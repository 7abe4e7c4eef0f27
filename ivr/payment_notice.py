"""What a caller without a Master Services Agreement is told about payment."""

from __future__ import annotations

# The same words after hours and in the help-desk queue: billing calls them either way.
NO_MSA_NOTICE = (
    "We do not have a Master Services Agreement on file for you, "
    "so our billing team will contact you for payment."
)
