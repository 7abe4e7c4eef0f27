"""Bad input for the form-abuse drills: hostile payloads, oversized text, and the checks that
a page shows them escaped or refuses them clearly."""

from __future__ import annotations

import base64
import hashlib
import re

from markupsafe import escape
from werkzeug.test import TestResponse

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Closes the <textarea> a refused form re-renders its text in, then opens a script.
TEXTAREA = "</textarea><script>alert(2)</script>"
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}} {% if 1 %}ran{% endif %}"
SQL = "'; DROP TABLE tickets; --"
RTL = "invoice\u202egnp.exe"
EMOJI = "printer \U0001f525 on fire \U0001f4a9"
CONTROL = "bell\x07 escape\x1b tab\t end"
NUL = "nul\x00byte"

# One line of everything a display must escape, the script first so that a list's
# truncated summary still carries it.
HOSTILE = " ".join([SCRIPT, IMG, TEXTAREA, TEMPLATE, SQL, RTL, EMOJI])
# What must never reach a page as markup: the openings of the injected elements.
RAW_MARKERS = ("<script>alert(", "<img src=x", "</textarea><script>")
# What the escaped payload looks like (Jinja escapes with markupsafe).
ESCAPED_SCRIPT = str(escape(SCRIPT))
ESCAPED_IMG = str(escape(IMG))

# Hostile text for fields that hold a single short line (names of at most 120 characters).
SHORT_HOSTILE = f"{SCRIPT}{IMG}"  # 55 characters


def assert_no_raw_markup(html: str) -> None:
    """No injected element reached the page as markup."""
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped {marker!r} in the page"


def assert_shown_escaped(html: str, text: str = HOSTILE, *, whole: bool = True) -> None:
    """`text` is on the page as text: escaped, its template syntax left as typed.

    With `whole`, the full escaped text is there; otherwise (truncated list summaries) at
    least its escaped script."""
    assert_no_raw_markup(html)
    if whole:
        assert str(escape(text)) in html, f"{text!r} is not shown escaped"
    else:
        assert ESCAPED_SCRIPT in html, "the escaped script is not shown"
    if "{{7*7}}" in text and whole:
        assert "{{7*7}}" in html, "template syntax was evaluated or dropped"


def overlong(limit: int) -> list[str]:
    """Ten times a field's limit (text that does not compress: a flash of it in the session
    cookie stays big), and a megabyte (over the 1 MiB request cap with the rest)."""
    return [noise(limit * 10), "y" * (1024 * 1024)]


def noise(length: int) -> str:
    """`length` letters and digits with no repetition to compress."""
    chunks, seed = [], b"abuse"
    while sum(map(len, chunks)) < length:
        seed = hashlib.sha256(seed).digest()
        chunks.append(base64.b32encode(seed).decode().rstrip("="))
    return "".join(chunks)[:length]


def is_refused(response: TestResponse) -> bool:
    """A clear refusal: a 4xx answer (a form shown again with its error, or too large)."""
    return 400 <= response.status_code < 500


def error_text(html: str) -> str:
    """The text of the page's error messages (role="alert" paragraphs and field errors), or
    the explanation on a plain 4xx error page (too large, a NUL character)."""
    found = re.findall(r'(?:role="alert"[^>]*>|class="errors"[^>]*>)(.*?)</', html, re.S)
    if re.search(r"<title>4\d\d ", html):
        found += re.findall(r"<p>(.*?)</p>", html, re.S)
    return " ".join(found)
