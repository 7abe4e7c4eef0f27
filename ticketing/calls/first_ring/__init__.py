"""A call's first webhook in two statements: one read, one write.

The first webhook of every call is the service's hottest path, and at a burst the
database's round trips are what it waits for. `look` reads, in one statement, everything
its answer depends on: the answers already given to this request (a retry), whether the
call is already known, the caller's contact and company, the calendar's stamp, the
on-call technician's standing override, whether other tools are owed events, and on
PostgreSQL the ticket number the call will get. The IVR's answer is composed from that;
`open_first` then writes the ticket, the call, its first timeline lines and the stored
answer together: on PostgreSQL as one statement (data-modifying CTEs), which is atomic by
itself, so that the whole webhook needs no BEGIN and no COMMIT.

What the read cannot settle (a call already known, a drill, another tool owed the
opening) goes through `open_call` and the ORM instead; so does SQLite, statement by
statement, where a round trip is a function call.
"""

from ticketing.calls.first_ring.driver import Link, connection_for
from ticketing.calls.first_ring.reading import Caller, FirstLook, OnCall, Receipt, look
from ticketing.calls.first_ring.writing import Opening, number_ticket, open_first

__all__ = [
    "Caller",
    "FirstLook",
    "Link",
    "OnCall",
    "Opening",
    "Receipt",
    "connection_for",
    "look",
    "number_ticket",
    "open_first",
]
