"""Staff onboarding rules: who may invite whom where, tokens, and roster changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from domain import staffadmin as rules
from domain.errors import DeskError, InvalidInput, NotAllowed, NotFound
from domain.people import Department, Role, Staff
from domain.ports import Invite
from domain.roles import Configured

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SUPPORT = Department("support", "Support", id=1)
SALES = Department("after-sales", "After-sales", id=2)

ADMIN = Staff(1, "Ada", Role.ADMIN, id=1)
OTHER_ADMIN = Staff(2, "Otto", Role.ADMIN, id=2)
SUPERVISOR = Staff(3, "Sue", Role.SUPERVISOR, department_id=1, id=3)
AGENT = Staff(4, "Al", Role.AGENT, department_id=1, id=4)
GONE = Staff(5, "Gus", Role.SUPERVISOR, department_id=1, active=False, id=5)


def code_of(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DeskError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# -- tokens -----------------------------------------------------------------------------------


def test_tokens_are_short_url_safe_and_different() -> None:
    tokens = {rules.new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) <= 40
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert len(f"inv_{token}") <= 64  # Telegram's limit for a start payload


@pytest.mark.parametrize(
    ("payload", "token"),
    [
        ("inv_" + "a" * 32, "a" * 32),
        ("inv_abc-DEF_123456789012", "abc-DEF_123456789012"),
        ("inv_short", None),
        ("inv_" + "a" * 41, None),
        ("inv_bad/token12345678", None),
        ("xyz_" + "a" * 32, None),
        ("", None),
    ],
)
def test_a_start_payload_gives_its_token_only_when_it_is_one(
    payload: str, token: str | None
) -> None:
    assert rules.token_from_payload(payload) == token


@pytest.mark.parametrize("text", ["agent", "Supervisor", " admin "])
def test_staff_roles_parse(text: str) -> None:
    assert rules.parse_role(text).value == text.strip().lower()


@pytest.mark.parametrize("text", [None, "", "customer", "boss"])
def test_anything_else_is_not_a_role_to_invite(text: str | None) -> None:
    assert code_of(rules.parse_role, text) == "invite.usage"


# -- who may invite whom where ------------------------------------------------------------------


def test_admins_invite_agents_and_supervisors_into_a_department_and_admins_without() -> None:
    assert rules.invite_department(ADMIN, Role.AGENT, SALES, code_given=True) == 2
    assert rules.invite_department(ADMIN, Role.SUPERVISOR, SUPPORT, code_given=True) == 1
    assert rules.invite_department(ADMIN, Role.ADMIN, None, code_given=False) is None


def test_an_admin_must_name_a_department_for_agents_and_none_for_admins() -> None:
    call = rules.invite_department
    assert code_of(call, ADMIN, Role.AGENT, None, code_given=False) == "invite.department_needed"
    assert code_of(call, ADMIN, Role.ADMIN, SUPPORT, code_given=True) == (
        "invite.admin_no_department"
    )
    assert code_of(call, ADMIN, Role.AGENT, None, code_given=True) == (
        "staffadmin.unknown_department"
    )


def test_a_supervisor_invites_agents_into_their_own_department_only() -> None:
    call = rules.invite_department
    assert call(SUPERVISOR, Role.AGENT, None, code_given=False) == 1
    assert call(SUPERVISOR, Role.AGENT, SUPPORT, code_given=True) == 1
    assert code_of(call, SUPERVISOR, Role.SUPERVISOR, None, code_given=False) == (
        "invite.agents_only"
    )
    assert code_of(call, SUPERVISOR, Role.ADMIN, None, code_given=False) == "invite.agents_only"
    assert code_of(call, SUPERVISOR, Role.AGENT, SALES, code_given=True) == (
        "invite.other_department"
    )


def test_agents_and_deactivated_staff_invite_nobody() -> None:
    with pytest.raises(NotAllowed) as caught:
        rules.require_inviter(AGENT)
    assert caught.value.code == "invite.refused_role"
    assert caught.value.params == {"role": "agent"}
    assert code_of(rules.require_inviter, GONE) == "staffadmin.deactivated"
    assert code_of(rules.require_active_staff, None) == "staffadmin.staff_only"


# -- using an invite ----------------------------------------------------------------------------


def invite(**changes: object) -> Invite:
    made = rules.make_invite(ADMIN, Role.AGENT, 1, NOW, timedelta(hours=48))
    for key, value in changes.items():
        setattr(made, key, value)
    return made


def test_a_new_invite_expires_after_its_time_to_live() -> None:
    made = invite()
    assert made.expires_at == NOW + timedelta(hours=48)
    assert made.created_by == ADMIN.id
    assert made.used_by is None
    assert rules.check_invite(made, NOW + timedelta(hours=47, minutes=59)) is made


def test_an_unknown_used_or_expired_invite_is_refused() -> None:
    assert code_of(rules.check_invite, None, NOW) == "invite.unknown"
    assert code_of(rules.check_invite, invite(used_by=7, used_at=NOW), NOW) == "invite.used"
    assert code_of(rules.check_invite, invite(), NOW + timedelta(hours=48)) == "invite.expired"
    with pytest.raises(NotFound):
        rules.check_invite(None, NOW)


# -- the roster ---------------------------------------------------------------------------------

ROSTER = [ADMIN, OTHER_ADMIN, SUPERVISOR, AGENT, GONE]


def test_admins_see_everyone_supervisors_their_department_agents_nobody() -> None:
    assert rules.roster_scope(ADMIN) is None
    assert rules.roster_scope(SUPERVISOR) == 1
    assert code_of(rules.roster_scope, AGENT) == "staffadmin.refused_role"
    assert code_of(rules.roster_scope, GONE) == "staffadmin.deactivated"
    assert code_of(rules.require_manager, SUPERVISOR) == "staffadmin.refused_role"
    assert code_of(rules.require_binder, AGENT) == "staffadmin.bind_refused"
    assert rules.require_binder(ADMIN) is ADMIN


def test_nobody_deactivates_themselves_or_the_last_active_admin() -> None:
    assert code_of(rules.check_deactivate, ADMIN, ADMIN, ROSTER) == "staffadmin.not_yourself"
    rules.check_deactivate(ADMIN, OTHER_ADMIN, ROSTER)  # two active admins: fine
    alone = [ADMIN, AGENT]
    assert code_of(rules.check_deactivate, OTHER_ADMIN, ADMIN, alone) == "staffadmin.last_admin"
    assert code_of(rules.check_deactivate, ADMIN, GONE, ROSTER) == "staffadmin.already_inactive"
    by_config = Configured(Role.ADMIN)
    assert code_of(rules.check_deactivate, ADMIN, OTHER_ADMIN, ROSTER, configured=by_config) == (
        "staffadmin.config_admin"
    )
    rules.check_deactivate(ADMIN, AGENT, ROSTER)


def test_the_config_files_role_is_a_floor_a_roster_change_does_not_go_below() -> None:
    heads = Configured(Role.SUPERVISOR, "support")
    floor = {"configured": heads, "heads": "Support"}
    supervisor = Staff(telegram_id=7, name="Sue", role=Role.SUPERVISOR, department_id=1, id=7)
    for refused in (
        lambda: rules.check_role_change(ADMIN, supervisor, Role.AGENT, ROSTER, **floor),
        lambda: rules.check_deactivate(ADMIN, supervisor, ROSTER, **floor),
        lambda: rules.check_department_change(supervisor, SALES, **floor),
    ):
        with pytest.raises(NotAllowed) as caught:
            refused()
        assert (caught.value.code, caught.value.params["department"]) == (
            "staffadmin.config_supervisor",
            "Support",
        )
    rules.check_role_change(ADMIN, supervisor, Role.ADMIN, ROSTER, **floor)  # higher: fine


def test_role_changes_keep_an_admin_and_need_a_department() -> None:
    call = rules.check_role_change
    assert code_of(call, ADMIN, ADMIN, Role.AGENT, ROSTER) == "staffadmin.not_yourself"
    assert code_of(call, ADMIN, AGENT, Role.AGENT, ROSTER) == "staffadmin.same_role"
    assert code_of(call, OTHER_ADMIN, ADMIN, Role.AGENT, [ADMIN]) == "staffadmin.last_admin"
    assert code_of(call, ADMIN, OTHER_ADMIN, Role.AGENT, ROSTER) == ("staffadmin.department_first")
    assert code_of(call, ADMIN, AGENT, Role.CUSTOMER, ROSTER) == "staffadmin.bad_role"
    call(ADMIN, AGENT, Role.SUPERVISOR, ROSTER)
    call(ADMIN, AGENT, Role.ADMIN, ROSTER)
    with pytest.raises(InvalidInput):
        rules.check_department_change(AGENT, SUPPORT)
    rules.check_department_change(AGENT, SALES)
