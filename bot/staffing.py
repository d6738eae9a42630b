"""The people the config file names (admins, department supervisors), checked against each
other: what cannot work stops the start; what resolves by the higher role is only noted."""

from __future__ import annotations

from bot.config import ConfigError, Settings


def _supervisors(settings: Settings) -> list[tuple[int, str, int]]:
    """(index, department code, Telegram id) of each department with a supervisor."""
    return [
        (index, section.code, section.supervisor)
        for index, section in enumerate(settings.departments)
        if section.supervisor is not None
    ]


def contradictions(settings: Settings) -> list[str]:
    """One line per key naming a person in a way that cannot work."""
    lines = [
        f"desk.admins: {person} is not a person's Telegram id (a group's id is negative)"
        for person in settings.desk.admins
        if person <= 0
    ]
    heads: dict[int, str] = {}
    for index, code, person in _supervisors(settings):
        key = f"departments[{index}].supervisor"
        if person <= 0:
            lines.append(f"{key}: {person} is not a person's Telegram id")
        elif person in heads:
            lines.append(
                f"{key}: {person} already heads '{heads[person]}'; "
                "a person belongs to one department"
            )
        else:
            heads[person] = code
    return lines


def notes(settings: Settings) -> list[str]:
    """One line per person the config names twice in a way the higher role settles."""
    admins = set(settings.desk.admins)
    vip = set(settings.priority.vip_customers)
    lines = [
        f"departments[{index}].supervisor: {person} is also in desk.admins: "
        f"an admin (the higher role), who belongs to '{code}'"
        for index, code, person in _supervisors(settings)
        if person in admins
    ]
    staff = admins | {person for _, _, person in _supervisors(settings)}
    lines += [
        f"priority.vip_customers: {person} is staff by the config, never served as a "
        "customer, so being a VIP changes nothing"
        for person in sorted(vip & staff)
    ]
    return lines


def check(settings: Settings) -> None:
    """ConfigError naming each contradiction about people."""
    lines = contradictions(settings)
    if lines:
        raise ConfigError(lines)


def supervisors(settings: Settings) -> dict[int, str]:
    """Telegram id -> the code of the department the config has them head."""
    return {person: code for _, code, person in _supervisors(settings)}
