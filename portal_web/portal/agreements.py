"""Agreements and pre-paid hours: what the company signed (term, rates, entitlements) and
its pre-paid hour balance with the ledger of purchases and usage per ticket."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select

from portal_web import access, context
from portal_web.display import AGREEMENT_KINDS
from portal_web.portal.blueprint import portal
from ticketing.billing import retainer
from ticketing.billing.models import Agreement


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
    found = list(context.db().scalars(stmt))
    return sorted(
        found,
        key=lambda a: (
            list(AGREEMENT_KINDS).index(a.kind) if a.kind in AGREEMENT_KINDS else 9,
            a.starts_on,
        ),
    )


@portal.get("/agreements")
@access.company_admin_required
def agreements() -> ResponseReturnValue:
    """GET /portal/agreements: every agreement of the company, in force ones first."""
    day = context.today()
    stmt = (
        select(Agreement)
        .where(Agreement.client_id == access.me().client_id)
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
    )
    found = list(context.db().scalars(stmt))
    found.sort(key=lambda a: not in_force(a, day))  # stable: newest first within each group
    return render_template(
        "portal/agreements.html",
        agreements=found,
        day=day,
        in_force=in_force,
        hours=retainer.summary(context.db(), access.me().client_id or 0),
    )


@portal.get("/retainer", endpoint="retainer")
@access.company_admin_required
def retainer_page() -> ResponseReturnValue:
    """GET /portal/retainer: balance, purchased, used, percent used and the ledger."""
    client_id = access.me().client_id or 0
    session = context.db()
    return render_template(
        "portal/retainer.html",
        hours=retainer.summary(session, client_id),
        entries=retainer.ledger(session, client_id),
    )
