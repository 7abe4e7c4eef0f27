"""The test database of each pytest-xdist worker: a PostgreSQL database of its own beside
TEST_DATABASE_URL's (SQLite needs nothing: each worker has its own temporary folder)."""

from __future__ import annotations

from sqlalchemy import make_url, text

from intake.db import make_engine


def worker_database(base_url: str, worker: str) -> str:
    """The URL of `worker`'s own database next to `base_url`, created empty if missing."""
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
