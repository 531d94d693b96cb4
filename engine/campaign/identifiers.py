"""A taxpayer's identifiers: NPWP and phone numbers, normalised and masked (UU PDP: show only what is needed).

A leaf module: the target-list import (``target_list``) and the contacts (``contacts``) both use it.
"""
from __future__ import annotations

import re

import phonenumbers

MASK = "•"
_NPWP_SEPARATORS = re.compile(r"[\s.\-]")
_PHONE_PUNCT = re.compile(r"[\s\-.()]")
_MOBILE = re.compile(r"^(?:\+62|0)?(8[0-9]{7,11})$")  # ASCII digits: other digits go through phonenumbers
MASKED_INPUT_MAX = 20  # characters of a masked unreadable NPWP cell: its full length tells the reader nothing


def compact_npwp(text: str) -> str:
    """An NPWP without its dots, dashes and spaces (what stdnum's compact() strips, without its slow unicode pass)."""
    return _NPWP_SEPARATORS.sub("", text)


def mask_npwp(npwp: str) -> str:
    """Mask an NPWP but for the digits an agent needs to tell taxpayers apart (UU PDP: mask what is not needed).

    A 15-digit NPWP ends in the KPP and branch codes, which most taxpayers of one office share; so the last
    four digits of the taxpayer's own part (serial end + check digit) stay visible, with the public KPP and
    branch codes: ``••.•••.678.9-091.000``. The 16-digit form of an old NPWP (``0`` + 15 digits) is masked the
    same way; a NIK-based NPWP shows its last four digits (the person's sequence number).
    """
    if len(npwp) == 16 and npwp.startswith("0"):
        return MASK + mask_npwp(npwp[1:])
    if len(npwp) != 15:
        return MASK * max(len(npwp) - 4, 0) + npwp[-4:]
    d = MASK * 5 + npwp[5:]
    return f"{d[0:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:15]}"


def mask_npwp_cell(text: str) -> str:
    """What the import report shows of a row's NPWP cell, valid or not; never the whole value.

    A 15/16-digit number is masked as on the call list (``mask_npwp``). Anything else (too short or long,
    letters, a name typed in the wrong column) shows its last four characters only when it has at least
    eight digits and nothing but digits, so at least four stay hidden; otherwise only bullets.
    """
    number = compact_npwp(text)
    if not number:
        return ""
    if number.isascii() and number.isdigit():
        if len(number) in (15, 16):
            return mask_npwp(number)
        if len(number) >= 8:
            return MASK * min(len(number) - 4, MASKED_INPUT_MAX - 4) + number[-4:]
    return MASK * min(len(number), MASKED_INPUT_MAX)


def phone_e164(text: str) -> str | None:
    """Return the E.164 form of an Indonesian (or international) number, or None when invalid."""
    mobile = _MOBILE.match(text if text.isdigit() else _PHONE_PUNCT.sub("", text))
    if mobile:  # fast path for the common case; same result as phonenumbers.parse, 4x faster
        national = mobile[1]
        if phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=62, national_number=int(national))):
            return "+62" + national
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
