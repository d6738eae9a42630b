"""Who may do what to which ticket: one table of role x action x scope.

Every staff use case asks `check` before it changes or shows anything; a refusal is a
NotAllowed whose code says why, in words the user's catalog has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import NotAllowed
from domain.people import Role, Staff
from domain.ticket import Ticket


class Act(StrEnum):
    """Things staff do; the values double as button words (keep them short)."""

    VIEW = "view"
    CLAIM = "claim"
    REPLY = "reply"
    NOTE = "note"
    ASK = "ask"
    PRIORITY = "prio"
    TRANSFER = "xfer"
    COLLABORATE = "collab"
    ANSWER = "answer"  # a collaborating department answers its question
    RESOLVE = "resolve"
    CLOSE = "close"  # a resolved ticket the customer confirmed some other way
    REVEAL = "reveal"
    HISTORY = "hist"
    FILES = "files"
    ASSIGN = "assign"
    FILE_FOR_CUSTOMER = "file"
    INVITE = "invite"
    MANAGE_STAFF = "staff"
    BIND = "bind"
    REPORT = "report"  # figures of a department (admins: any or all)
    EXPORT = "export"  # its tickets as CSV and XLSX (admins: all)
    REMIND = "remind"  # a reminder of the ticket, later, in the presser's private chat
    CANNED = "canned"  # pick a canned reply for the customer (as a reply)
    MANAGE_CANNED = "cannedm"  # add, edit and retire a department's canned replies
    PROFILE = "cust"  # `/customer`: a customer's profile and tickets, contacts masked
    PROFILE_EDIT = "cedit"  # change a profile's fields
    PROFILE_VIP = "cvip"  # make a customer VIP (their tickets start a level higher) or not
    PROFILE_REVEAL = "creveal"  # a profile's phone and e-mail unmasked (recorded)
    PROFILE_MERGE = "cmerge"  # two profiles of one person made one
    ASSIGNMENT = "amode"  # a department's auto-assignment mode (admins)
    MERGE = "merge"  # a duplicate into another ticket of the same customer


class Scope(StrEnum):
    """How a ticket relates to the acting staff member."""

    OWN = "own"  # assigned to them
    UNCLAIMED = "unclaimed"  # in their department, nobody has it
    DEPARTMENT = "department"  # in their department, whoever has it
    COLLABORATING = "collaborating"  # their department was asked to help on it
    ANY = "any"  # every ticket, every department


_AGENT_OWN = {Scope.OWN}
_DEPT = {Scope.OWN, Scope.UNCLAIMED, Scope.DEPARTMENT}
_SEE = {Scope.OWN, Scope.UNCLAIMED, Scope.DEPARTMENT, Scope.COLLABORATING}

# (role, act) -> the scopes in which the role may do it. Absent: never.
TABLE: dict[tuple[Role, Act], frozenset[Scope]] = {
    # agents: see their department's tickets and those they are asked to help on;
    # work only the tickets they hold
    (Role.AGENT, Act.VIEW): frozenset(_SEE),
    (Role.AGENT, Act.HISTORY): frozenset(_SEE),
    (Role.AGENT, Act.FILES): frozenset(_SEE),
    # claim: take it from the queue, or acknowledge one auto-assignment gave them
    (Role.AGENT, Act.CLAIM): frozenset({Scope.UNCLAIMED, Scope.OWN}),
    (Role.AGENT, Act.REPLY): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.NOTE): frozenset(_DEPT),
    (Role.AGENT, Act.ASK): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.PRIORITY): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.TRANSFER): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.COLLABORATE): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.ANSWER): frozenset({Scope.COLLABORATING}),
    (Role.AGENT, Act.RESOLVE): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.CLOSE): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.REVEAL): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.FILE_FOR_CUSTOMER): frozenset({Scope.ANY}),
    (Role.AGENT, Act.REMIND): frozenset(_SEE),
    (Role.AGENT, Act.CANNED): frozenset(_AGENT_OWN),
    (Role.AGENT, Act.PROFILE): frozenset({Scope.ANY}),
    (Role.AGENT, Act.PROFILE_EDIT): frozenset({Scope.ANY}),
    (Role.AGENT, Act.MERGE): frozenset({Scope.OWN, Scope.UNCLAIMED}),
    # supervisors: everything an agent does, on every ticket of their department
    (Role.SUPERVISOR, Act.VIEW): frozenset(_SEE),
    (Role.SUPERVISOR, Act.HISTORY): frozenset(_SEE),
    (Role.SUPERVISOR, Act.FILES): frozenset(_SEE),
    (Role.SUPERVISOR, Act.CLAIM): frozenset({Scope.UNCLAIMED, Scope.OWN}),
    (Role.SUPERVISOR, Act.REPLY): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.NOTE): frozenset(_SEE),
    (Role.SUPERVISOR, Act.ASK): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.PRIORITY): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.TRANSFER): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.COLLABORATE): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.ANSWER): frozenset({Scope.COLLABORATING}),
    (Role.SUPERVISOR, Act.RESOLVE): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.CLOSE): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.REVEAL): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.ASSIGN): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.FILE_FOR_CUSTOMER): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.INVITE): frozenset({Scope.DEPARTMENT}),
    (Role.SUPERVISOR, Act.REPORT): frozenset({Scope.DEPARTMENT}),
    (Role.SUPERVISOR, Act.EXPORT): frozenset({Scope.DEPARTMENT}),
    (Role.SUPERVISOR, Act.REMIND): frozenset(_SEE),
    (Role.SUPERVISOR, Act.CANNED): frozenset(_DEPT),
    (Role.SUPERVISOR, Act.MANAGE_CANNED): frozenset({Scope.DEPARTMENT}),
    (Role.SUPERVISOR, Act.PROFILE): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.PROFILE_EDIT): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.PROFILE_VIP): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.PROFILE_REVEAL): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.PROFILE_MERGE): frozenset({Scope.ANY}),
    (Role.SUPERVISOR, Act.MERGE): frozenset(_DEPT),
    # admins: everything, everywhere
    **{(Role.ADMIN, act): frozenset({Scope.ANY}) for act in Act},
}


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a ticket sits relative to the actor (what `scopes_of` needs beyond the ticket)."""

    collaborating_departments: frozenset[int] = frozenset()


def scopes_of(staff: Staff, ticket: Ticket, reach: Reach = Reach()) -> set[Scope]:
    """Every scope the ticket falls in for this staff member."""
    scopes = {Scope.ANY}
    if ticket.assignee_id is not None and ticket.assignee_id == staff.id:
        scopes.add(Scope.OWN)
    if staff.department_id is not None and ticket.department_id == staff.department_id:
        scopes.add(Scope.DEPARTMENT)
        if ticket.assignee_id is None:
            scopes.add(Scope.UNCLAIMED)
    if staff.department_id is not None and staff.department_id in reach.collaborating_departments:
        scopes.add(Scope.COLLABORATING)
    return scopes


def may(staff: Staff, act: Act, ticket: Ticket | None = None, reach: Reach = Reach()) -> bool:
    """Whether `staff` may do `act` (to `ticket`, for ticket actions)."""
    if not staff.active:
        return False
    allowed = TABLE.get((staff.role, act), frozenset())
    if ticket is None:
        return bool(allowed)
    return bool(allowed & scopes_of(staff, ticket, reach))


def check(staff: Staff, act: Act, ticket: Ticket | None = None, reach: Reach = Reach()) -> None:
    """NotAllowed, with the reason, unless `may`."""
    if may(staff, act, ticket, reach):
        return
    if not staff.active:
        raise NotAllowed("error.deactivated")
    allowed = TABLE.get((staff.role, act), frozenset())
    if not allowed:
        raise NotAllowed("error.role_cannot", act=act.value)
    if ticket is None:
        raise NotAllowed("error.role_cannot", act=act.value)
    scopes = scopes_of(staff, ticket, reach)
    if allowed <= {Scope.OWN} and Scope.DEPARTMENT in scopes:
        raise NotAllowed("error.not_your_ticket_staff", number=ticket.number)
    if act is Act.CLAIM and Scope.DEPARTMENT in scopes:  # a colleague has it
        raise NotAllowed("error.already_claimed", number=ticket.number)
    if Scope.OWN in allowed and Scope.DEPARTMENT in scopes:  # their own or unclaimed ones
        raise NotAllowed("error.not_your_ticket_staff", number=ticket.number)
    raise NotAllowed("error.other_department", number=ticket.number)


__all__ = ["TABLE", "Act", "Reach", "Role", "Scope", "check", "may", "scopes_of"]
