"""The call scenarios (1-4 of `python -m bench`): seeded data, virtual callers, the
voice webhook against its limit, whole calls, call-to-page time and a burst."""
