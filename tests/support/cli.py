"""The `intake` command line, driven for real through its click group, on a SQLite file of
its own that the tests read back."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.cli import main
from intake.db import Database, upgrade

# Variables the command line reads besides the database: unset, so the defaults of
# docs/design.md §1 apply whatever the environment running the tests holds.
UNSET = (
    "BUSINESS_HOURS",
    "BUSINESS_TIMEZONE",
    "HOLIDAY_CALENDAR",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "HELPDESK_BUSY_QUEUE",
    "SMTP_URL",
    "FIRM_NAME",
)


def invoke(
    *args: str, env: Mapping[str, str | None] | None = None, input: str | bytes | None = None
) -> Result:
    """`intake ARGS` through the real click group, as the console script would run it."""
    return CliRunner().invoke(main, list(args), env=env, input=input)


class Intake:
    """Runs `intake ...` on one SQLite file in `directory` (migrated first if `migrate`), with
    `env` on top of UNSET, and reads back what the commands committed."""

    def __init__(self, directory: Path, *, migrate: bool = False, **env: str | None) -> None:
        self.directory = directory
        self.env: dict[str, str | None] = dict.fromkeys(UNSET)
        self.env["DATABASE_URL"] = f"sqlite:///{directory}/cli.db"
        self.env["INTAKE_INSTANCE_PATH"] = str(directory)
        # Outside demo mode a token is always required (and never the sandbox's public one).
        self.env["TWILIO_AUTH_TOKEN"] = "test-auth-token"
        self.env.update(env)
        if migrate:
            upgrade(self.url)
        self._database: Database | None = None

    @property
    def url(self) -> str:
        """The database's URL."""
        return self.env["DATABASE_URL"] or ""

    def __call__(self, *args: str, **env: str | None) -> Result:
        """Invoke `intake ARGS`, with `env` on top of the runner's."""
        return invoke(*args, env={**self.env, **env})

    def ok(self, *args: str, **env: str | None) -> str:
        """Invoke, insist on success, and return what was printed."""
        result = self(*args, **env)
        assert result.exit_code == 0, result.output
        return result.output

    @property
    def database(self) -> Database:
        """The same file through a connection of its own: what the commands committed,
        nothing else (opened on first use, so that a command sees the file first)."""
        if self._database is None:
            self._database = Database(self.url)
        return self._database

    def count(self, model: type[Any]) -> int:
        """How many rows of `model` are committed."""
        with Session(self.database.engine) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def rows(self, model: type[Any], *options: Any) -> list[Any]:
        """Every committed row of `model`, by id (with loader `options`)."""
        return self.read(select(model).options(*options).order_by(model.id))

    def read(self, stmt: Any) -> list[Any]:
        """The rows of a select, read with a fresh session."""
        with Session(self.database.engine, expire_on_commit=False) as session:
            return list(session.scalars(stmt))

    def close(self) -> None:
        """Release the read-back connections."""
        if self._database is not None:
            self._database.engine.dispose()


def failed(result: Result, *fragments: str, code: int | None = None) -> None:
    """The command failed on purpose (a non-zero exit, or exactly `code`), with a message
    holding every one of `fragments`, not an exception escaping it."""
    if code is None:
        assert result.exit_code != 0, result.output
    else:
        assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.output
