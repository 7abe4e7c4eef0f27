"""Everything Twilio posts: signature check, idempotency, then ivr/ticketing, then TwiML."""
