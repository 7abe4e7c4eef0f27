"""Domain errors: what callers of ticketing may catch and show to a person."""


class DomainError(ValueError):
    """Input the domain refuses, with a message fit for the person who gave it."""


class NotFound(DomainError):
    """The named thing does not exist."""
