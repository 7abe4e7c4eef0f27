"""Wiring the running parts together: the messenger, the mailer and the scheduler with its
sweeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from intake.config import ConfigError, Settings
from intake.db import Database
from scheduler.mail import Mailer, mailer_from_url
from scheduler.runner import Scheduler, Sweep, SweepFn, build_scheduler
from scheduler.transport import TwilioMessenger
from ticketing.accounts.password_resets import send_reset_links
from ticketing.billing.monthly_run import monthly_billing
from ticketing.calls.intake import complete_stalled_intakes
from ticketing.calls.offers import offer_waiting_callers
from ticketing.calls.session_limits import warn_capped_sessions
from ticketing.calls.spool import spool_file
from ticketing.calls.spool_replay import replay_spool
from ticketing.calls.wait_alerts import alert_long_waits
from ticketing.oncall.handoffs import handoff_notices
from ticketing.paging.escalation import sweep_escalations
from webhooks.receipts import prune_receipts


def spool_replay_for(settings: Settings) -> SweepFn:
    """The spool-replay sweep as fn(session, now), this instance's spool and calendar bound."""
    # Calls and messages taken while the database was unreachable (webhooks/fallback.py) wait
    # in the spool of the host that took them: that host's web processes replay it
    # (intake/spool_watch.py), and so does its scheduler, if it runs there.
    return partial(
        replay_spool,
        path=spool_file(settings.instance_path),
        calendar_settings=settings,
    )


def sweeps_for(settings: Settings) -> tuple[Sweep, ...]:
    """Every sweep as (name, fn(session, now), seconds between runs), settings bound."""
    # The scheduler calls each sweep as fn(session, now); ticketing/ reads no settings,
    # so the hand-off notices get the firm's zone (for wording) and name bound here.
    notices = partial(
        handoff_notices, timezone=settings.business_timezone, firm_name=settings.firm_name
    )
    # The previous month is billed once, on the first business day (idempotent).
    billing = partial(
        monthly_billing,
        calendar_settings=settings,
        public_base_url=settings.public_base_url,
        firm_name=settings.firm_name,
    )
    spool = spool_replay_for(settings)
    # Staff hear once about each help-desk caller waiting longer than this with nobody free.
    waits = partial(alert_long_waits, after=timedelta(minutes=settings.helpdesk_wait_alert))
    # The forgot-password form only queues the address (same work for every address);
    # the links go out from here, worded and pointed like the portal's.
    resets = partial(
        send_reset_links,
        firm=settings.firm,
    )
    return (
        ("escalations", sweep_escalations, 2),
        # Callers waiting while a technician becomes free (SMS AVAIL, the console, the end
        # of a session) are offered within 2 s; the queue's webhooks offer at once as well.
        ("helpdesk-offers", offer_waiting_callers, 2),
        ("password-resets", resets, 2),
        ("spool-replay", spool, 5),
        ("stalled-intakes", complete_stalled_intakes, 30),
        ("helpdesk-wait-alerts", waits, 30),
        ("helpdesk-session-limits", warn_capped_sessions, 15),
        ("prune-webhook-receipts", prune_receipts, 3600),
        ("handoff-notices", notices, 60),
        ("monthly-billing", billing, 300),
    )


def messenger_for(settings: Settings) -> TwilioMessenger:
    """Twilio's REST API (or the sandbox, which speaks the same API) for these settings."""
    return TwilioMessenger(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_api_base_url,
        sms_from=settings.twilio_sms_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
    )


def mailer_for(settings: Settings) -> Mailer:
    """SMTP for SMTP_URL, or the log when it is unset or `none` (docs/design.md §3)."""
    try:
        return mailer_from_url(settings.smtp_url)
    except ValueError as exc:
        # At start-up, not at the first email: a typo must not lose notices silently.
        raise ConfigError(str(exc)) from exc


def scheduler_for(
    settings: Settings,
    database: Database,
    clock: Callable[[], datetime],
    *,
    background: bool,
) -> Scheduler:
    """The scheduler with the outbox relay and every sweep, not yet started; on PostgreSQL
    it LISTENs (DATABASE_LISTEN_URL, or the database's own URL) for pages to send at once."""
    base = settings.public_base_url.rstrip("/")
    return build_scheduler(
        database.sessionmaker,
        messenger_for(settings),
        clock,
        status_callback_url=f"{base}/twilio/sms/status",
        call_status_callback_url=f"{base}/twilio/voice/page/status",
        public_base_url=base,
        mailer=mailer_for(settings),
        background=background,
        sweeps=sweeps_for(settings),
        heartbeat_url=settings.heartbeat_url,
        listen_url=settings.database_listen_url or database.url,
    )
