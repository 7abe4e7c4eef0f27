"""The composition root: config, database, app factory, CLI and migrations; the app factory
mounts the sandbox (sandbox/) in demo mode only."""
