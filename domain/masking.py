"""Contacts as staff see them until they reveal them: 138****5678, j***@example.com."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """Keep the first three and last four digits of a phone number."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    prefix = "+" if phone.strip().startswith("+") else ""
    if len(digits) <= 7:
        return prefix + "*" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_email(email: str | None) -> str:
    """Keep the first letter of the name and the whole domain."""
    if not email or "@" not in email:
        return ""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
