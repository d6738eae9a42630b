"""Contacts as staff see them until they reveal them: 138****5678, j***@example.com."""

from __future__ import annotations

# E.164 country codes of two digits (1 and 7 are the one-digit ones; the rest have three)
_TWO_DIGIT_CODES = frozenset(
    {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54}
    | {55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98}
)


def _country_code(digits: str) -> str:
    if digits[:1] in ("1", "7"):
        return digits[:1]
    if len(digits) >= 2 and int(digits[:2]) in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def _mask_national(digits: str) -> str:
    if len(digits) <= 7:
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_phone(phone: str | None) -> str:
    """Keep the first three and last four digits of the national number (and an
    international number's country code): `138****5678`, `+86 138****5678`."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    if phone.strip().startswith("+") and len(digits) > 8:
        code = _country_code(digits)
        return f"+{code} {_mask_national(digits[len(code) :])}"
    return _mask_national(digits)


def mask_email(email: str | None) -> str:
    """Keep the first letter of the name and the whole domain."""
    if not email or "@" not in email:
        return ""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
