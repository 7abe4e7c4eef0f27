"""A local stand-in for Twilio, used by `intake serve --demo` and the tests.

`account` holds the sandbox account's SID and auth token; `api` fakes the REST endpoints
the service calls (send an SMS, place or redirect a call, set a number's webhook URLs)
and posts signed status callbacks like Twilio; `store` and `numbers` keep what it "sent"
and its phone numbers in memory; `page` lists them at /sandbox/; `caller` plays the
service's TwiML the way Twilio would for a call. Nothing here talks to Twilio.
"""
