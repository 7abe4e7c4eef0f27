"""The one scheduler process: outbox relay, sweeps, and the outbound transports."""
