"""TwiML documents as text, exactly as twilio's `to_xml` writes them, for less.

`to_xml` turns the document into an ElementTree tree (`TwiML.xml`) and hands it to
ElementTree's writer, whose set-up for each document (a stack of io wrappers, a walk to
collect namespaces) cost a first webhook more CPU than the rest of its own code. TwiML has
no namespaces, so the document is walked here once, as `TwiML.xml` reads it (attributes
sorted, booleans in lower case, text and tails from the strings among the verbs), and
escaped with ElementTree's own functions: what a caller's name or a company's puts in a
<Say> is escaped exactly as the library would.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import (  # the library's escaping, not a copy of it
    _escape_attrib,  # type: ignore[attr-defined]
    _escape_cdata,  # type: ignore[attr-defined]
)

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml_text(document: TwiML) -> str:
    """`document` as twilio's `str(document)` writes it."""
    parts = [DECLARATION]
    _write(document, parts)
    text = "".join(parts)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: ElementTree writes it as a character reference; so let it.
        return document.to_xml()
    return text


def _write(node: TwiML, parts: list[str]) -> None:
    parts.append("<" + node.name)
    for name in sorted(node.attrs):
        value = node.attrs[name]
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f' {name}="{_escape_attrib(shown)}"')
    text: Any = node.value or None
    if isinstance(text, dict):
        text = json.dumps(text)
    # A string among the verbs is the text before the first child, or the tail of the
    # child before it (the last one written wins, as in `TwiML.xml`).
    children: list[list[Any]] = []
    for verb in node.verbs:
        if isinstance(verb, str):
            if children:
                children[-1][1] = verb
            else:
                text = verb
        else:
            children.append([verb, None])
    if not text and not children:
        parts.append(" />")
        return
    parts.append(">")
    if text:
        parts.append(_escape_cdata(text))
    for child, tail in children:
        _write(child, parts)
        if tail:
            parts.append(_escape_cdata(tail))
    parts.append(f"</{node.name}>")
