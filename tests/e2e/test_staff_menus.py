"""A staff member's own command menu follows a role change or a deactivation through `/staff`
at once (through the outbox, retried like a message), in their language."""

from __future__ import annotations

from typing import Any

from handlers.i18n import t
from storage.models import OutboxRow
from tests.e2e.dsl import DeskHarness
from tests.e2e.test_onboarding import ADMIN, SUPERVISOR, join, open_card, role, rows
from tests.e2e.test_onboarding import desk as desk  # the fixture: two departments, an admin

MENU = "staff.menu"


def menu_of(desk: DeskHarness, chat_id: int) -> list[tuple[str, str]] | None:
    """The command menu Telegram last took for the chat `chat_id` (name, description); None
    when the bot took the chat's own menu away (the customer's applies)."""
    calls = [
        call
        for call in desk.api.calls
        if not call.failed
        and call.method in ("setMyCommands", "deleteMyCommands")
        and call.params.get("scope") == {"type": "chat", "chat_id": chat_id}
    ]
    assert calls, f"no menu was ever set for {chat_id}"
    last = calls[-1]
    if last.method == "deleteMyCommands":
        return None
    return [(c["command"], c["description"]) for c in last.params["commands"]]


def names(menu: list[tuple[str, str]] | None) -> list[str]:
    assert menu is not None
    return [name for name, _ in menu]


async def menu_rows(desk: DeskHarness) -> list[Any]:
    return await rows(desk, OutboxRow, OutboxRow.kind == MENU)


async def test_a_promotion_gives_the_new_roles_menu_at_once_in_their_language(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 330, "Al", "agent", "support", lang="zh-hans")
    assert "report" not in names(menu_of(desk, al.id))

    message_id = await open_card(desk, ada, "Al")
    card = desk.api.message(ada.id, message_id)
    await ada.press(t("en", "staffadmin.button_make", role=role("en", "supervisor")), on=card)
    # written with the role change, sent by the dispatcher
    [queued] = await menu_rows(desk)
    assert (queued.chat_id, queued.status) == (al.id, "pending")
    await desk.dispatch()

    menu = menu_of(desk, al.id)
    assert {"report", "chart", "export", "invite", "staff"} <= set(names(menu))
    assert "departments" not in names(menu)  # admins only
    assert ("report", t("zh", "command.report")) in (menu or [])
    assert [r.status for r in await menu_rows(desk)] == ["sent"]


async def test_deactivation_takes_the_staff_menu_away_and_reactivation_gives_it_back(
    desk: DeskHarness,
) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 331, "Al", "agent", "support")
    message_id = await open_card(desk, ada, "Al")

    await ada.press(t("en", "staffadmin.button_deactivate"))
    await desk.dispatch()
    assert menu_of(desk, al.id) is None  # the customer's menu applies again

    card = desk.api.message(ada.id, message_id)
    await ada.press(t("en", "staffadmin.button_reactivate"), on=card)
    await desk.dispatch()
    assert names(menu_of(desk, al.id)) == [
        "queue", "mine", "ticket", "find", "customer", "overdue", "file", "canned", "away",
        "back", "hours", "cancel", "lang", "help",
    ]  # fmt: skip


async def test_a_menu_telegram_fails_to_take_is_tried_again(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    al = await join(desk, ada, 332, "Al", "agent", "support")
    message_id = await open_card(desk, ada, "Al")
    card = desk.api.message(ada.id, message_id)

    desk.api.server_error("setMyCommands")
    await ada.press(t("en", "staffadmin.button_make", role=role("en", "admin")), on=card)
    await desk.dispatch()
    assert "departments" not in names(menu_of(desk, al.id))
    [queued] = await menu_rows(desk)
    assert (queued.status, queued.attempts) == ("pending", 1)

    desk.clock.advance(minutes=1)
    await desk.dispatch()
    assert "departments" in names(menu_of(desk, al.id))


async def test_a_refused_change_queues_no_menu(desk: DeskHarness) -> None:
    ada = desk.customer(ADMIN, "Ada")
    sue = desk.customer(SUPERVISOR, "Sue")
    await sue.send("/start")
    await join(desk, ada, 333, "Al", "agent", "support")
    await open_card(desk, ada, "Ada")
    await ada.press(t("en", "staffadmin.button_deactivate"))  # nobody deactivates themselves
    assert ada.last_alert()
    # a department move keeps the role, and the menu with it
    await open_card(desk, ada, "Al")
    await ada.press(t("en", "staffadmin.button_move", name="After-sales"))
    assert await menu_rows(desk) == []
