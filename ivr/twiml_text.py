"""TwiML documents as text, exactly as twilio's `to_xml` writes them, for less.

`to_xml` hands the tree to ElementTree's writer, whose set-up for each document (a stack
of io wrappers, a walk to collect namespaces) cost a first webhook more CPU than the rest
of its own code. TwiML has no namespaces, so the walk alone is kept here, escaping with
ElementTree's own functions: what a caller's name or a company's puts in a <Say> is
escaped exactly as the library would.
"""

from __future__ import annotations

from xml.etree.ElementTree import (  # the library's escaping, not a copy of it
    Element,
    _escape_attrib,  # type: ignore[attr-defined]
    _escape_cdata,  # type: ignore[attr-defined]
)

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml_text(document: TwiML) -> str:
    """`document` as twilio's `str(document)` writes it."""
    parts = [DECLARATION]
    _write(document.xml(), parts)
    text = "".join(parts)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: ElementTree writes it as a character reference; so let it.
        return document.to_xml()
    return text


def _write(element: Element, parts: list[str]) -> None:
    parts.append("<" + element.tag)
    for name, value in element.items():
        parts.append(f' {name}="{_escape_attrib(value)}"')
    if element.text or len(element):
        parts.append(">")
        if element.text:
            parts.append(_escape_cdata(element.text))
        for child in element:
            _write(child, parts)
        parts.append(f"</{element.tag}>")
    else:
        parts.append(" />")
    if element.tail:
        parts.append(_escape_cdata(element.tail))
