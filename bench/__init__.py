"""Benchmarks and drills: `python -m bench` and `python -m bench.drills` (not part of the tests).

`calls`, `scale` and `drills` hold the scenarios; the modules here are what they share:
the running stack (`harness`), the fake Twilio API, the limit app, the load generator and
the results table."""
