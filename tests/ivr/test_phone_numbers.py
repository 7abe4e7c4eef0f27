"""Phone numbers as callers, staff and Twilio give them: E.164, withheld IDs, speech."""

from __future__ import annotations

import pytest

from ivr.phones import is_withheld, national, spoken_digits, spoken_number, to_e164


@pytest.mark.parametrize(
    "raw",
    [
        "(336) 555-0123",
        "336.555.0123",
        "336-555-0123",
        "336 555 0123",
        "3365550123",
        "+1 336 555 0123",
        "+1-336-555-0123",
        "+13365550123",
        "13365550123",
        "1-336-555-0123",
        "  +13365550123  ",
        "tel:+13365550123",
    ],
)
def test_us_formats_normalise_to_e164(raw: str) -> None:
    assert to_e164(raw) == "+13365550123"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+442079460958", "+442079460958"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+61 2 9876 5432", "+61298765432"),
        ("+49 30 901820", "+4930901820"),
        ("011 44 20 7946 0958", "+442079460958"),  # the US international prefix
        ("+1 800 555 0199", "+18005550199"),  # toll-free
        ("(888) 899-1911", "+18888991911"),  # the support line itself
    ],
)
def test_international_and_toll_free_numbers(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


def test_the_default_region_can_be_changed() -> None:
    assert to_e164("020 7946 0958", region="GB") == "+442079460958"
    assert to_e164("020 7946 0958") is None  # not a US number


@pytest.mark.parametrize(
    "raw",
    [
        "anonymous",
        "Anonymous",
        "ANONYMOUS",
        "",
        "   ",
        None,
        "+266696687",  # what Twilio sends for a withheld caller ID
        "266696687",
        "restricted",
        "Restricted",
        "unknown",
        "private",
        "client:alice",
        "Client:Alice",
        "sip:alice@example.com",
        "sip:+13365550123@pbx.example.com",
    ],
)
def test_withheld_caller_ids_have_no_number(raw: str | None) -> None:
    assert is_withheld(raw)
    assert to_e164(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "123",
        "5550123",  # no area code
        "336-555-012",  # a digit short
        "+1 336 555 0123 0",  # a digit too many
        "336555012a",
        "+1 999 555 0123",  # no such area code
        "+1 555 555 5555",
        "+0000",
        "+1",
        "not a number at all",
    ],
)
def test_garbage_is_none(raw: str) -> None:
    assert not is_withheld(raw)
    assert to_e164(raw) is None


def test_a_real_number_is_not_withheld() -> None:
    assert not is_withheld("+13365550123")
    assert not is_withheld("(336) 555-0123")


@pytest.mark.parametrize(
    ("e164", "written"),
    [
        ("+13365550123", "(336) 555-0123"),
        ("+18888991911", "(888) 899-1911"),
        ("+442079460958", "020 7946 0958"),
        ("garbage", "garbage"),  # left alone rather than crashing a listing
    ],
)
def test_national(e164: str, written: str) -> None:
    assert national(e164) == written


@pytest.mark.parametrize(
    ("e164", "spoken"),
    [
        ("+13365550123", "3 3 6, 5 5 5, 0 1 2 3"),
        ("+18888991911", "8 8 8, 8 9 9, 1 9 1 1"),
        ("+442079460958", "4 4 2 0 7 9 4 6 0 9 5 8"),  # not a US number: every digit
    ],
)
def test_spoken_number(e164: str, spoken: str) -> None:
    assert spoken_number(e164) == spoken


@pytest.mark.parametrize(
    ("digits", "spoken"),
    [
        ("1042", "1 0 4 2"),
        ("7", "7"),
        ("A-10 42", "1 0 4 2"),  # anything but digits is dropped
        ("", ""),
    ],
)
def test_spoken_digits(digits: str, spoken: str) -> None:
    assert spoken_digits(digits) == spoken
