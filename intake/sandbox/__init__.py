"""A local stand-in for Twilio, used by `intake serve --demo` and the tests.

`api` fakes the REST endpoints the service calls (send an SMS, place or redirect a
call) and posts signed status callbacks like Twilio; `store` keeps what it "sent" in
memory; `caller` plays the service's TwiML the way Twilio would for a phone call.
Nothing here talks to Twilio.
"""
