"""SMS text: GSM-7 conversion, segment counting and fitting a page into two segments."""

from __future__ import annotations

import pytest

from ticketing.sms_text import GSM7_BASIC, GSM7_EXTENDED, fit, segments, septets, to_gsm7

TEMPLATE = 'EMERGENCY #1042 Blue Ridge Bakery, Jane Doe (336) 555-0123. Problem: "{}"'


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 alphabet (basic or extension)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


# --- to_gsm7 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Server\u2019s down", "Server's down"),
        ("\u2018quoted\u2019", "'quoted'"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("\u201elow\u201d", '"low"'),
        ("5\u2032 10\u2033", "5' 10\""),
        ("9\u20135", "9-5"),  # en dash
        ("down\u2014again", "down-again"),  # em dash
        ("\u2212 3", "- 3"),  # minus sign
        ("non\u2011breaking", "non-breaking"),
        ("wait\u2026", "wait..."),
        ("10\u00a0AM", "10 AM"),  # no-break space
        ("10\u202fAM", "10 AM"),
        ("a\tb", "a b"),
        ("\u2022 item", "* item"),
    ],
)
def test_typographic_characters_become_gsm7(typed: str, sent: str) -> None:
    assert to_gsm7(typed) == sent
    assert is_gsm7(to_gsm7(typed))


@pytest.mark.parametrize(
    "text",
    [
        "Printer on fire at the front desk, call back ASAP!",
        "Café Müller: Ñoño, Øresund, Å, ß, É, £5, ¥, §, ¿¡, à, ù",
        "Braces {x} [y] ~z | back\\slash ^ €",
        "Line one\nline two\r\n",
        "@$%&'()*+,-./:;<=>?_\"#",
        "".join(sorted(GSM7_BASIC | GSM7_EXTENDED)),
    ],
)
def test_gsm_text_is_left_alone(text: str) -> None:
    assert to_gsm7(text) == text


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Server down \U0001f600", "Server down ?"),
        ("\U0001f525\U0001f525", "??"),
        ("\u2764\ufe0f", "??"),  # a heart plus its variation selector
        ("服务器", "???"),
        ("Łódź", "??d?"),  # ó and ź are not in GSM-7 either
        ("Ñandú", "Ñand?"),  # ù is, ú is not
        ("\u00e7a", "?a"),  # lower-case ç is not in GSM-7 (only Ç is)
    ],
)
def test_other_characters_become_question_marks(typed: str, sent: str) -> None:
    assert to_gsm7(typed) == sent


# --- segments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 1),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("é" * 160, 1),  # é is in the basic GSM-7 set
        # Extension characters take two septets.
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("a" * 159 + "€", 2),
        ("a" * 158 + "{", 1),
        ("[" * 152, 2),  # 304 septets: 76 escapes in each segment
        ("[" * 153, 3),  # 306 septets, but an escape cannot be split
        # UCS-2 once a single character falls outside GSM-7.
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("a" * 69 + "ł", 1),
        ("a" * 70 + "ł", 2),
        ("a" * 133 + "ł", 2),
        ("a" * 134 + "ł", 3),
        ("a" * 159 + "\u2019", 3),  # a curly apostrophe costs two extra segments
        # A character outside the BMP takes two UTF-16 code units.
        ("\U0001f600" * 35, 1),
        ("\U0001f600" * 36, 2),
    ],
)
def test_segments(text: str, count: int) -> None:
    assert segments(text) == count


def test_an_escape_sequence_is_never_split_between_segments() -> None:
    # 306 septets, but the euro sign's escape would straddle the 153-septet boundary.
    straddling = "a" * 152 + "€" + "a" * 152
    assert septets(straddling) == 306
    assert segments(straddling) == 3
    aligned = "a" * 151 + "€" + "a" * 153
    assert septets(aligned) == 306
    assert segments(aligned) == 2


def test_a_surrogate_pair_is_never_split_between_segments() -> None:
    straddling = "ł" * 66 + "\U0001f600" + "ł" * 66  # 134 code units
    assert segments(straddling) == 3
    aligned = "ł" * 65 + "\U0001f600" + "ł" * 67
    assert segments(aligned) == 2


def test_septets() -> None:
    assert septets("abc") == 3
    assert septets("€[]") == 6
    assert septets("") == 0


# --- fit ---------------------------------------------------------------------------


def test_fit_keeps_the_whole_text_when_it_fits() -> None:
    assert fit(TEMPLATE, "Printer jammed") == TEMPLATE.format("Printer jammed")
    assert fit("{}", "a" * 306) == "a" * 306
    assert fit("{}", "a" * 160, max_segments=1) == "a" * 160


def test_fit_collapses_whitespace_in_the_flexible_part() -> None:
    assert fit("Problem: {}", "  printer \n\n jammed\tagain ") == "Problem: printer jammed again"


def test_fit_truncates_with_an_ellipsis() -> None:
    assert fit("{}", "a" * 307) == "a" * 303 + "..."
    assert fit("{}", "a" * 161, max_segments=1) == "a" * 157 + "..."
    assert fit("{}", "€" * 200) == "€" * 151 + "..."  # 302 + 3 septets, the escape unsplit
    result = fit(TEMPLATE, "word " * 100)
    assert result.startswith(
        'EMERGENCY #1042 Blue Ridge Bakery, Jane Doe (336) 555-0123. Problem: "word'
    )
    assert result.endswith('..."')
    assert septets(result) == 306
    assert segments(result) == 2


def test_fit_does_not_end_on_a_space_before_the_ellipsis() -> None:
    # Cutting after "bb" would leave a space before "...": it is stripped.
    result = fit("{}", "a" * 300 + " bb cccccccc")
    assert result == "a" * 300 + " bb..."
    assert " ..." not in result


def test_fit_within_one_segment_budget() -> None:
    result = fit(TEMPLATE, "x" * 1000, max_segments=1)
    assert segments(result) == 1
    assert septets(result) == 160


def test_fit_with_a_ucs2_template_uses_the_ucs2_budget() -> None:
    result = fit("Łódź: {}", "a" * 500)
    assert segments(result) == 2
    assert len(result) == 134
    assert result.endswith("a...")


FLEXIBLE_KINDS = {
    "letters": lambda n: ("abcdefghij" * 100)[:n],
    "words": lambda n: ("server down " * 100)[:n],
    "extension": lambda n: ("price 10€ [urgent] " * 100)[:n],
    "gsm7 of typography": lambda n: to_gsm7(
        ("It\u2019s \u201cdown\u201d \u2014 again\u2026 " * 80)[:n]
    ),
    "ucs2": lambda n: ("café ł " * 100)[:n],
}


def _next_longer_cut(flexible: str, kept: str) -> str | None:
    """The next prefix of `flexible` the binary search could have kept, if there is one."""
    for end in range(len(kept) + 1, len(flexible) + 1):
        longer = flexible[:end].rstrip()
        if longer != kept:
            return longer
    return None


@pytest.mark.parametrize("kind", sorted(FLEXIBLE_KINDS))
@pytest.mark.parametrize("length", range(0, 420, 11))
def test_fit_property_over_lengths(kind: str, length: int) -> None:
    flexible = FLEXIBLE_KINDS[kind](length)
    normalised = " ".join(flexible.split())
    whole = TEMPLATE.format(normalised)
    result = fit(TEMPLATE, flexible)

    assert segments(result) <= 2
    if is_gsm7(result):
        assert septets(result) <= 306
    if segments(whole) <= 2:
        assert result == whole
        return
    prefix, suffix = TEMPLATE.split("{}")
    assert result.startswith(prefix)
    assert result.endswith('..."')
    kept = result[len(prefix) : -len("..." + suffix)]
    assert normalised.startswith(kept)
    assert kept == kept.rstrip()
    # As much as fits: the next longer cut would need a third segment.
    longer = _next_longer_cut(normalised, kept)
    assert longer is not None
    assert segments(TEMPLATE.format(longer + "...")) > 2
    if kind == "letters":
        assert septets(result) == 306  # exactly full


@pytest.mark.parametrize("length", range(300, 320))
def test_fit_fills_two_segments_exactly_around_the_boundary(length: int) -> None:
    result = fit("{}", "z" * length)
    if length <= 306:
        assert result == "z" * length
    else:
        assert result == "z" * 303 + "..."
        assert septets(result) == 306
        assert segments(result + "z") == 3
