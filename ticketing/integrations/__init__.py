"""Outbound webhooks: other tools (a PSA, a chat channel) told of ticket events."""

# Importing the package registers the listener that owes the events.
from ticketing.integrations import events as events
