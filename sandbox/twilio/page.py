"""The sandbox's HTML page (/sandbox/): what the service "sent", and the numbers' webhooks."""

from __future__ import annotations

from flask import Blueprint, render_template_string
from flask.typing import ResponseReturnValue

from sandbox.twilio.rest import sandbox_store

pages = Blueprint("sandbox_pages", __name__, url_prefix="/sandbox")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Twilio sandbox</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left;
vertical-align:top}tr:nth-child(even){background:#f3f3f3}pre{margin:0;white-space:pre-wrap}</style>
</head><body>
<h1>Twilio sandbox</h1>
<p>What the service "sent" through the local fake of Twilio. Refreshes every 5 seconds.</p>
<h2>Text messages ({{ messages|length }})</h2>
<table><tr><th>#</th><th>created</th><th>from</th><th>to</th><th>status</th><th>body</th></tr>
{% for m in messages|reverse %}<tr><td>{{ m.index }}</td><td>{{ m.date_created }}</td>
<td>{{ m.from_ or m.messaging_service_sid }}</td><td>{{ m.to }}</td><td>{{ m.status }}</td>
<td><pre>{{ m.body }}</pre></td></tr>
{% else %}<tr><td colspan="6">none yet</td></tr>{% endfor %}</table>
<h2>Calls ({{ calls|length }})</h2>
<table><tr><th>sid</th><th>created</th><th>from</th><th>to</th><th>status</th><th>TwiML</th></tr>
{% for c in calls|reverse %}<tr><td>{{ c.sid }}</td><td>{{ c.date_created }}</td>
<td>{{ c.from_ }}</td><td>{{ c.to }}</td><td>{{ c.status }}</td>
<td><pre>{{ c.url or c.twiml }}{% for r in c.redirects %}
→ {{ r.url or r.twiml or r.status }}{% endfor %}</pre></td></tr>
{% else %}<tr><td colspan="6">none yet</td></tr>{% endfor %}</table>
<h2>Phone numbers</h2>
<table><tr><th>number</th><th>voice URL</th><th>status callback</th><th>voice fallback</th>
<th>SMS URL</th></tr>
{% for n in numbers %}<tr><td>{{ n.phone_number }}</td><td>{{ n.voice_url or "-" }}</td>
<td>{{ n.status_callback or "-" }}</td><td>{{ n.voice_fallback_url or "-" }}</td>
<td>{{ n.sms_url or "-" }}</td></tr>{% endfor %}</table>
</body></html>
"""


@pages.get("/")
def sandbox_page() -> ResponseReturnValue:
    """An HTML list of the messages, calls and numbers, for people watching the demo."""
    store = sandbox_store()
    # render_template_string autoescapes: bodies are caller-controlled text.
    return render_template_string(
        PAGE, messages=store.messages(), calls=store.calls(), numbers=store.numbers.find()
    )
