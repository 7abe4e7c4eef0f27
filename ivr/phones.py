"""Phone numbers as callers and Twilio give them: normalise, recognise withheld ones, speak them."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

# Parsing a number takes longer than the rest of a call's first webhook's own code: the
# same numbers (clients' phones, technicians') are parsed again and again, so each form is
# kept for the numbers seen last. Both functions depend on their arguments alone.
_NUMBERS_KEPT = 4096

# What Twilio puts in From when the caller hides their number (docs/twilio.md).
WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "+266696687", "266696687"}


def is_withheld(raw: str | None) -> bool:
    """True when the caller ID carries no number we could call back."""
    value = (raw or "").strip().lower()
    return value in WITHHELD or value.startswith(("client:", "sip:"))


@lru_cache(maxsize=_NUMBERS_KEPT)
def to_e164(raw: str | None, region: str = "US") -> str | None:
    """The E.164 form of `raw`, or None when it is withheld, malformed or not a real number."""
    if is_withheld(raw):
        return None
    try:
        parsed = phonenumbers.parse(str(raw).strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Numbers a technician may be bridged to without the firm paying toll or premium rates:
# the US, its territories and Canada are domestic on the NANP; the Caribbean members
# share +1 but bill as international calls (and are the usual "one ring" toll fraud).
DOMESTIC_REGIONS = frozenset({"US", "CA", "PR", "VI", "GU", "MP", "AS"})
# Numbers whose rate the called party sets; phonenumbers types 900 and 5XX, but 976
# exchanges and N11 codes pass its checks, so those are refused by their digits.
CHARGED_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    }
)
PREMIUM_CODES = frozenset({"900", "976"})


def _n11(code: str) -> bool:
    """True for a service code such as 411 or 911."""
    return len(code) == 3 and code[0] in "23456789" and code[1:] == "11"


def callback_e164(
    raw: str | None, region: str = "US", *, allow_international: bool = False
) -> str | None:
    """The E.164 form of a keyed callback number, or None if it is not one we may dial."""
    # Premium stays refused even abroad: a page must never bridge a technician to one.
    e164 = to_e164(raw, region)
    if e164 is None:
        return None
    parsed = phonenumbers.parse(e164, None)
    if phonenumbers.number_type(parsed) in CHARGED_TYPES:
        return None
    if parsed.country_code == 1:
        digits = str(parsed.national_number)
        area, exchange = digits[:3], digits[3:6]
        if {area, exchange} & PREMIUM_CODES or _n11(area) or _n11(exchange):
            return None
        if phonenumbers.region_code_for_number(parsed) in DOMESTIC_REGIONS:
            return e164
    return e164 if allow_international else None


@lru_cache(maxsize=_NUMBERS_KEPT)
def national(e164: str) -> str:
    """A number as people write it at home, e.g. (336) 555-0123."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def spoken_digits(digits: str) -> str:
    """Digits spaced out so text-to-speech reads them one by one ("1 0 4 2")."""
    return " ".join(ch for ch in digits if ch.isdigit())


def spoken_number(e164: str) -> str:
    """A phone number read digit by digit in groups, without the country code for US numbers."""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    if e164.startswith("+1") and len(digits) == 11:
        digits = digits[1:]
        groups = [digits[:3], digits[3:6], digits[6:]]
        return ", ".join(spoken_digits(g) for g in groups)
    return spoken_digits(digits)
