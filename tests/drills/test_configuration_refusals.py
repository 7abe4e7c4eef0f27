"""Settings the service must refuse at start-up: weak keys, the public sandbox token, and a
demo pointed at a database that is not its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import intake.cli.serve as serve_module
from intake.config import ConfigError, load_settings
from sandbox.twilio.account import SANDBOX_AUTH_TOKEN
from tests.support.cli import UNSET, invoke

STRONG_KEY = "k" * 32
TOKEN = "a-real-auth-token"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A production-like environment: an instance folder, a strong key and a real token."""
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": STRONG_KEY,
        "TWILIO_AUTH_TOKEN": TOKEN,
    }
    env.update(values)
    return {name: value for name, value in env.items() if value is not None}


# --- SECRET_KEY ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k", "test-secret", "x" * 31])
def test_a_short_secret_key_is_refused(tmp_path, key) -> None:
    """A short key makes session cookies guessable."""
    with pytest.raises(ConfigError, match=r"SECRET_KEY .*at least 32 characters"):
        load_settings(_env(tmp_path, SECRET_KEY=key))


def test_a_secret_key_of_32_characters_is_accepted(tmp_path) -> None:
    """32 characters is enough."""
    assert load_settings(_env(tmp_path, SECRET_KEY="x" * 32)).secret_key == "x" * 32


def test_an_unset_secret_key_is_generated_long_enough(tmp_path) -> None:
    """Without SECRET_KEY a key of at least 32 characters is generated into the instance folder."""
    env = _env(tmp_path)
    del env["SECRET_KEY"]
    key = load_settings(env).secret_key
    assert len(key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert load_settings(env).secret_key == key


def test_a_short_key_in_the_instance_folder_is_refused(tmp_path) -> None:
    """A hand-written short key file is no better than a short SECRET_KEY."""
    (tmp_path / "secret_key").write_text("short")
    env = _env(tmp_path)
    del env["SECRET_KEY"]
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_settings(env)


def test_demo_mode_keeps_its_generated_key(tmp_path) -> None:
    """Demo mode needs no SECRET_KEY and gets a generated one."""
    settings = load_settings({"INTAKE_INSTANCE_PATH": str(tmp_path)}, demo=True)
    assert settings.sandbox and len(settings.secret_key) >= 32


# --- Twilio auth tokens -------------------------------------------------------------


@pytest.mark.parametrize("name", ["TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_SECONDARY"])
@pytest.mark.parametrize("token", [SANDBOX_AUTH_TOKEN, f"  {SANDBOX_AUTH_TOKEN} "])
def test_the_public_sandbox_token_is_refused(tmp_path, name, token) -> None:
    """The sandbox token is in the source code: anybody could sign webhooks with it."""
    with pytest.raises(ConfigError, match=name):
        load_settings(_env(tmp_path, **{name: token}))


@pytest.mark.parametrize("base", ["http://127.0.0.1:5000", "https://support.example.com"])
@pytest.mark.parametrize("token", [None, "", "   "])
def test_an_auth_token_is_always_required(tmp_path, base, token) -> None:
    """Missing or blank, the token would fall back to the public sandbox one (or to none)."""
    env = _env(tmp_path, PUBLIC_BASE_URL=base)
    env.pop("TWILIO_AUTH_TOKEN")
    if token is not None:
        env["TWILIO_AUTH_TOKEN"] = token
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_settings(env)


def test_real_tokens_and_the_demo_are_accepted(tmp_path) -> None:
    """A real primary and secondary load; the demo still uses the sandbox token."""
    settings = load_settings(_env(tmp_path, TWILIO_AUTH_TOKEN_SECONDARY="the-next-token"))
    assert settings.auth_tokens == (TOKEN, "the-next-token")
    demo = load_settings({"INTAKE_INSTANCE_PATH": str(tmp_path)}, demo=True)
    assert demo.auth_tokens == (SANDBOX_AUTH_TOKEN,)


# --- intake serve --demo ------------------------------------------------------------


class _Reached(Exception):
    """The demo went past its database check."""


@pytest.fixture
def reached(monkeypatch) -> list[str]:
    """What `serve --demo` got to: migrating, building the app or seeding (each stopped)."""
    steps: list[str] = []

    def stop(step: str):
        def record(*_args, **_kwargs):
            steps.append(step)
            raise _Reached(step)

        return record

    monkeypatch.setattr(serve_module, "upgrade", stop("upgrade"))
    monkeypatch.setattr(serve_module, "create_app", stop("create_app"))
    monkeypatch.setattr(serve_module, "seed_demo", stop("seed_demo"))
    return steps


def _demo(tmp_path: Path, database_url: str | None):
    """`intake serve --demo` with its instance folder in tmp_path and DATABASE_URL as given."""
    env: dict[str, str | None] = dict.fromkeys(UNSET)
    env.update(INTAKE_INSTANCE_PATH=str(tmp_path / "instance"), DATABASE_URL=database_url)
    return invoke("serve", "--demo", env=env)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://intake:secret@db.example.com/intake",
        "postgres://intake:secret@127.0.0.1/intake",
        "postgresql+psycopg://intake@localhost/intake",
        "mysql://intake@127.0.0.1/intake",
    ],
)
def test_the_demo_refuses_a_server_database(tmp_path, reached, url) -> None:
    """Demo logins and their known password must never reach a real database."""
    result = _demo(tmp_path, url)
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output and "demo" in result.output
    assert reached == []


def test_the_demo_refuses_a_sqlite_file_elsewhere(tmp_path, reached) -> None:
    """Another SQLite file (perhaps the real one) stays untouched."""
    target = tmp_path / "elsewhere" / "intake.db"
    target.parent.mkdir()
    target.write_bytes(b"not the demo's")
    result = _demo(tmp_path, f"sqlite:///{target}")
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output
    assert reached == []
    assert target.read_bytes() == b"not the demo's"
    assert sorted(p.name for p in target.parent.iterdir()) == ["intake.db"]


def test_the_demo_refuses_a_sqlite_file_elsewhere_for_real(tmp_path, monkeypatch) -> None:
    """Migration and seeding not stubbed: the other file is neither created nor seeded."""

    def never_serve(*_args, **_kwargs):
        raise _Reached("scheduler_for")

    monkeypatch.setattr(serve_module, "scheduler_for", never_serve)
    target = tmp_path / "real.db"
    result = _demo(tmp_path, f"sqlite:///{target}")
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output
    assert not target.exists()


@pytest.mark.parametrize("own", [None, "", "own"])
def test_the_demo_runs_on_its_own_database(tmp_path, reached, own) -> None:
    """Unset, or naming the instance folder's own SQLite file, the demo goes on."""
    url = f"sqlite:///{tmp_path / 'instance' / 'intake.db'}" if own == "own" else own
    result = _demo(tmp_path, url)
    assert reached == ["upgrade"], result.output
