"""SMS text that stays cheap and readable: GSM-7 where possible, within a segment budget."""

from __future__ import annotations

# GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("\f^{}\\[~]|€")

# One curly quote turns a whole message into UCS-2 (70 characters a segment).
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u2032": "'",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "\u2022": "*", "\u00b7": "*",
}  # fmt: skip


def to_gsm7(text: str) -> str:
    """Replace typographic characters with GSM-7 equivalents; others become '?'."""
    out = []
    for ch in text:
        ch = _REPLACEMENTS.get(ch, ch)
        if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in ch):
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def septets(text: str) -> int:
    """Length of a GSM-7 text in septets (extension characters count twice)."""
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments `text` takes (GSM-7 if it fits that alphabet, else UCS-2)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        costs, single, multi = [septets(ch) for ch in text], 160, 153
    else:  # UTF-16 code units: a character outside the BMP (emoji) takes two
        costs, single, multi = [2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67
    if sum(costs) <= single:
        return 1
    # An escape sequence or a surrogate pair is never split between two segments.
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return count


def fit(template: str, flexible: str, max_segments: int = 2) -> str:
    """Fill `{}` in `template` with as much of `flexible` as fits in `max_segments`."""
    flexible = " ".join(flexible.split())
    text = template.format(flexible)
    if segments(text) <= max_segments:
        return text
    low, high = 0, len(flexible)
    while low < high:  # binary search on how many characters of `flexible` fit
        mid = (low + high + 1) // 2
        if segments(template.format(flexible[:mid].rstrip() + "...")) <= max_segments:
            low = mid
        else:
            high = mid - 1
    return template.format(flexible[:low].rstrip() + "...")
