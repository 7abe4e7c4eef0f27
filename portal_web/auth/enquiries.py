"""The public contact form for information about a Master Services Agreement, delivered
to the firm's staff by email."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ivr.phones import to_e164
from portal_web.auth.blueprint import auth
from portal_web.auth.forms import MsaEnquiryForm
from portal_web.context import access_limits, db, firm, now
from ticketing.accounts.access_limits import WINDOW, AccessRequestsPaused
from ticketing.accounts.enquiries import submit_msa_enquiry


@auth.route("/contact", methods=["GET", "POST"])
def contact() -> ResponseReturnValue:
    """GET/POST /contact: ask about a Master Services Agreement; 429 (call us) beyond the
    hourly limits, per address and overall."""
    form = MsaEnquiryForm()
    if form.validate_on_submit():
        try:
            submit_msa_enquiry(
                db(),
                name=form.name.data or "",
                company=form.company.data or "",
                email=form.email.data or "",
                phone=to_e164(form.phone.data or "") or "",
                message=form.message.data or "",
                now=now(),
                remote_addr=request.remote_addr,
                limits=access_limits(),
            )
        except AccessRequestsPaused:
            db().rollback()
            page = render_template(
                "auth/request_paused.html",
                line=firm().main_line,
                what="questions",
                one="question",
                help="answer your questions",
            )
            return page, 429, {"Retry-After": str(int(WINDOW.total_seconds()))}
        db().commit()
        return redirect(url_for("auth.contact_received"))
    return render_template("auth/contact.html", form=form)


@auth.get("/contact/received")
def contact_received() -> ResponseReturnValue:
    """GET /contact/received: thanks, someone will be in touch."""
    return render_template("auth/contact_received.html")
