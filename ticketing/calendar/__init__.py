"""The business calendar as staff edit it: closures and holidays worked."""

# Every writer of the calendar's tables imports this package: the stamp's listener with it.
from ticketing.calendar import stamp as _stamp  # noqa: F401
