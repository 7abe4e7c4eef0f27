"""What Twilio's error codes mean, in words a technician or staff can act on."""

from __future__ import annotations

# What a technician or the staff console should read next to a Twilio error code.
KNOWN_CODES: dict[str, str] = {
    "20003": "Twilio rejected our credentials",
    "20404": "no such resource on this account",
    "20429": "too many requests to Twilio",
    "21211": "invalid 'To' phone number",
    "21220": "the call is not in progress (the caller hung up)",
    "21402": "Twilio refused the URL",
    "21408": "sending to this region is not enabled on the account",
    "21610": "recipient has opted out (STOP)",
    "21614": "'To' number is not a mobile number",
    "30003": "handset unreachable",
    "30005": "unknown or inactive number",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier",
    "30032": "toll-free number is not verified",
    "30034": "sender is not a registered 10DLC number",
}
