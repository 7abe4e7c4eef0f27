"""The composition root: config, database, app factory, CLI, migrations and the sandbox."""
