"""Agreements and pre-paid hours: what the company signed (term, rates, entitlements) and
its pre-paid hour balance with the ledger of purchases and usage per ticket."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select

from portal_web import access
from portal_web.blueprints import portal
from portal_web.client_display import today
from ticketing.billing import retainer
from ticketing.billing.models import Agreement

KIND_LABELS = {
    "msa": "Master Services Agreement",
    "help_desk": "Help Desk",
    "emergency_support": "Emergency Support Services",
    "prepaid_hours": "Pre-paid hours",
}


def in_force(agreement: Agreement, day: date) -> bool:
    """Whether `agreement` has started and not ended on `day`."""
    return agreement.starts_on <= day and (agreement.ends_on is None or agreement.ends_on >= day)


def agreements_in_force(client_id: int, day: date) -> list[Agreement]:
    """The client's agreements in force on `day`, by kind order then start."""
    stmt = select(Agreement).where(
        Agreement.client_id == client_id,
        Agreement.starts_on <= day,
        or_(Agreement.ends_on.is_(None), Agreement.ends_on >= day),
    )
    found = list(access.db().scalars(stmt))
    return sorted(
        found,
        key=lambda a: (
            list(KIND_LABELS).index(a.kind) if a.kind in KIND_LABELS else 9,
            a.starts_on,
        ),
    )


@portal.app_template_filter("agreement_kind")
def agreement_kind(kind: str) -> str:
    """ "emergency_support" → "Emergency Support Services"."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


@portal.get("/agreements")
@access.company_admin_required
def agreements() -> ResponseReturnValue:
    """GET /portal/agreements: every agreement of the company, in force ones first."""
    day = today()
    stmt = (
        select(Agreement)
        .where(Agreement.client_id == access.me().client_id)
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
    )
    found = list(access.db().scalars(stmt))
    found.sort(key=lambda a: not in_force(a, day))  # stable: newest first within each group
    return render_template(
        "portal/agreements.html",
        agreements=found,
        day=day,
        in_force=in_force,
        hours=retainer.summary(access.db(), access.me().client_id or 0),
    )


@portal.get("/retainer", endpoint="retainer")
@access.company_admin_required
def retainer_page() -> ResponseReturnValue:
    """GET /portal/retainer: balance, purchased, used, percent used and the ledger."""
    client_id = access.me().client_id or 0
    session = access.db()
    return render_template(
        "portal/retainer.html",
        hours=retainer.summary(session, client_id),
        entries=retainer.ledger(session, client_id),
    )
