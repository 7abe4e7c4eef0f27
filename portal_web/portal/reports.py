"""Executive reports: the company's support use by service class per month, as charts, a
table and a CSV download, and its help-desk calls and waits (company administrators only)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from portal_web import access, context
from portal_web.portal.blueprint import portal
from portal_web.portal.charts import Series, ack_chart, stacked_bars
from ticketing.billing.helpdesk_figures import HelpDeskReport, help_desk_figures
from ticketing.billing.months import add_months, first_of_month
from ticketing.billing.reports import (
    SERVICE_CLASSES,
    UsageReport,
    UsageRow,
    check_range,
    class_label,
    usage,
)
from ticketing.errors import DomainError
from ticketing.models import Client

DEFAULT_MONTHS = 12
MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")
# Far-off years are typing mistakes (and 9999-12 has no next month to end on).
FIRST_YEAR, LAST_YEAR = 1990, 2999
CSV_HEADER = [
    "client",
    "month",
    "service_class",
    "tickets",
    "hours",
    "amount",
    "emergency_ack_median_minutes",
    "emergency_ack_worst_minutes",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Chosen:
    """The range asked for (as typed, to refill the form) and what was wrong with it."""

    typed_from: str
    typed_to: str
    start: date | None = None
    end: date | None = None
    errors: list[str] = field(default_factory=list)


def parse_month(text: str, name: str) -> date:
    """ "2026-03" → 1 March 2026, or a DomainError naming the field."""
    match = MONTH_FORMAT.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(f"{name}: enter a month as YYYY-MM, e.g. 2026-03")
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(f"{name}: choose a month between {FIRST_YEAR} and {LAST_YEAR}")
    return date(year, int(match.group(2)), 1)


def chosen_range(args: dict[str, str], current: date) -> Chosen:
    """The months in the query string; by default the last 12 months up to this one."""
    default_end = first_of_month(current)
    default_start = add_months(default_end, 1 - DEFAULT_MONTHS)
    chosen = Chosen(
        args.get("from") or f"{default_start:%Y-%m}", args.get("to") or f"{default_end:%Y-%m}"
    )
    for attr, typed, name in (("start", chosen.typed_from, "From"), ("end", chosen.typed_to, "To")):
        try:
            setattr(chosen, attr, parse_month(typed, name))
        except DomainError as exc:
            chosen.errors.append(str(exc))
    if chosen.start and chosen.end:
        try:
            check_range(chosen.start, chosen.end)
        except DomainError as exc:
            chosen.errors.append(f"Range: {exc}.")
    return chosen


def _report(chosen: Chosen) -> UsageReport:
    assert chosen.start and chosen.end  # checked by the caller
    client_id = access.me().client_id or 0
    timezone = context.settings().business_timezone
    return usage(context.db(), client_id, chosen.start, chosen.end, timezone=timezone)


def _help_desk(chosen: Chosen) -> HelpDeskReport:
    assert chosen.start and chosen.end  # checked by the caller
    client_id = access.me().client_id or 0
    timezone = context.settings().business_timezone
    return help_desk_figures(context.db(), client_id, chosen.start, chosen.end, timezone=timezone)


def charts(report: UsageReport) -> list[Markup]:
    """Tickets and hours per month stacked by class, and emergency time-to-acknowledge."""
    labels = [m.label for m in report.months]
    span = f"{labels[0]} to {labels[-1]}"
    made = []
    for key, unit in (("tickets", "tickets"), ("hours", "hours")):
        series = [
            Series(c, class_label(c), [getattr(m.by_class[c], key) for m in report.months])
            for c in SERVICE_CLASSES
        ]
        totals = ", ".join(
            f"{class_label(c)} {getattr(report.total(c), key)}" for c in SERVICE_CLASSES
        )
        made.append(
            stacked_bars(
                chart_id=f"chart-{key}",
                title=f"{unit.capitalize()} per month by service class",
                description=f"{span}. Totals: {totals}.",
                labels=labels,
                series=series,
                unit=unit,
            )
        )
    made.append(
        ack_chart(
            chart_id="chart-ack",
            labels=labels,
            median=[m.ack.median_minutes for m in report.months],
            worst=[m.ack.worst_minutes for m in report.months],
        )
    )
    return made


@portal.get("/reports")
@access.company_admin_required
def reports() -> ResponseReturnValue:
    """GET /portal/reports?from=YYYY-MM&to=YYYY-MM: charts and a table of support use."""
    chosen = chosen_range(request.args, context.today())
    if chosen.errors:
        return render_template("portal/report.html", chosen=chosen, report=None), 400
    report = _report(chosen)
    return render_template(
        "portal/report.html",
        chosen=chosen,
        report=report,
        charts=charts(report),
        rows=report.rows(),
        class_label=class_label,
        help_desk=_help_desk(chosen),
    )


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (prefixed with a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(client_name: str, row: UsageRow) -> list[str]:
    """One report row as CSV cells (the same figures as the page's table)."""
    ack = row.ack
    return [
        safe_cell(v)
        for v in (
            client_name,
            f"{row.month:%Y-%m}" if row.month else "Total",
            class_label(row.service_class),
            row.figures.tickets,
            row.figures.hours,
            row.figures.amount,
            ack.median_minutes if ack else None,
            ack.worst_minutes if ack else None,
        )
    ]


@portal.get("/reports.csv")
@access.company_admin_required
def reports_csv() -> ResponseReturnValue:
    """GET /portal/reports.csv?from=YYYY-MM&to=YYYY-MM: the report's table as CSV."""
    chosen = chosen_range(request.args, context.today())
    if chosen.errors:
        return Response(" ".join(chosen.errors) + "\n", 400, mimetype="text/plain")
    report = _report(chosen)
    company = context.db().get(Client, access.me().client_id)
    name = company.name if company else ""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_line(name, row) for row in report.rows())
    account = re.sub(r"[^0-9A-Za-z]", "", company.account_number if company else "")
    filename = f"support-use-{account}-{chosen.start:%Y-%m}-to-{chosen.end:%Y-%m}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
