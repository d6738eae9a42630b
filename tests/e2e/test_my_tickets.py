"""`/my`: the customer's tickets, each one's history as they may see it, and withdrawing."""

from __future__ import annotations

from bot.sandbox.clocks import FakeClock
from handlers.i18n import t
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import file_ticket, labels, my_ticket_labels, open_my_ticket, said

WAITING = t("en", "status.new")
WITHDRAWN = t("en", "status.withdrawn")


async def test_my_lists_the_tickets_newest_first_with_their_status(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(201, "Ann")
    assert await my_ticket_labels(ann) == []
    assert ann.last_text == said("en", "my.empty")

    first = await file_ticket(ann, "Till broken")
    clock.advance(minutes=5)
    second = await file_ticket(ann, "Printer jammed")

    assert await my_ticket_labels(ann) == [f"{second} · {WAITING}", f"{first} · {WAITING}"]
    assert ann.last_text == said("en", "my.list")


async def test_a_ticket_shows_the_history_the_customer_may_see(
    desk: DeskHarness, clock: FakeClock
) -> None:
    ann = desk.customer(202, "Ann")
    number = await file_ticket(ann, "Till broken\nIt beeps at every sale", photos=2)
    clock.advance(minutes=20)
    await ann.send("It also smells of smoke")
    clock.advance(minutes=5)
    await ann.send_photo("smoke", caption="This is the smoke")

    detail = await open_my_ticket(ann, number)
    assert detail.plain_text == (
        f"{number} · {WAITING}\n"
        "Till broken\n"
        "Complaint · filed 2026-11-23 10:00\n"
        "\n"
        "2026-11-23 10:00 — you: Till broken\nIt beeps at every sale (+2 files)\n"
        "2026-11-23 10:20 — you: It also smells of smoke\n"
        "2026-11-23 10:25 — you: This is the smoke (+1 file)"
    )
    assert labels(detail) == ["Withdraw this ticket", "All my tickets"]

    await ann.press("All my tickets", on=detail)
    listing = desk.api.message(ann.id, detail.message_id)
    assert listing.plain_text == said("en", "my.list")
    assert labels(listing) == [f"{number} · {WAITING}"]


async def test_a_chinese_customer_reads_their_ticket_in_chinese(desk: DeskHarness) -> None:
    li = desk.customer(203, "Li", lang="zh-hans")
    number = await file_ticket(li, "收银机坏了", photos=1)
    assert await my_ticket_labels(li) == [f"{number} · {t('zh', 'status.new')}"]
    detail = await open_my_ticket(li, number)
    assert detail.plain_text == (
        f"{number} · {t('zh', 'status.new')}\n"
        "收银机坏了\n"
        "投诉 · 提交于 2026-11-23 10:00\n"
        "\n"
        "2026-11-23 10:00 — 您：收银机坏了 （+1 个附件）"
    )
    assert labels(detail) == ["撤回此工单", "我的全部工单"]


async def test_a_customer_withdraws_a_ticket_nobody_has_claimed(desk: DeskHarness) -> None:
    ann = desk.customer(204, "Ann")
    number = await file_ticket(ann, "Till broken")
    detail = await open_my_ticket(ann, number)

    await ann.press("Withdraw this ticket", on=detail)
    confirm = desk.api.message(ann.id, detail.message_id)
    assert confirm.plain_text == said("en", "withdraw.confirm", number=number)
    assert labels(confirm) == ["Yes, withdraw it", "No, keep it"]
    confirm_data = confirm.button("Yes, withdraw it")["callback_data"]

    await ann.press("Yes, withdraw it", on=confirm)
    done = desk.api.message(ann.id, detail.message_id)
    assert done.plain_text == said("en", "withdraw.done", number=number)
    assert done.buttons == []

    assert await my_ticket_labels(ann) == [f"{number} · {WITHDRAWN}"]
    detail = await open_my_ticket(ann, number)
    assert detail.plain_text is not None
    assert detail.plain_text.startswith(f"{number} · {WITHDRAWN}\n")
    assert detail.plain_text.endswith("— you withdrew the ticket")
    assert labels(detail) == ["All my tickets"]

    # The old confirmation button, pressed again: nothing changes, and the customer is told why.
    before = detail.plain_text
    await ann.press_data(confirm_data, on=done)
    assert ann.last_alert() == said("en", "error.ticket_not_open", number=number)
    assert desk.api.message(ann.id, detail.message_id).plain_text == before
    detail = await open_my_ticket(ann, number)
    assert detail.plain_text.count("withdrew") == 1


async def test_keeping_the_ticket_goes_back_to_its_detail(desk: DeskHarness) -> None:
    ann = desk.customer(205, "Ann")
    number = await file_ticket(ann, "Till broken")
    detail = await open_my_ticket(ann, number)
    await ann.press("Withdraw this ticket", on=detail)
    await ann.press("No, keep it", on=desk.api.message(ann.id, detail.message_id))
    assert ann.last_alert() == said("en", "withdraw.kept", number=number)
    kept = desk.api.message(ann.id, detail.message_id)
    assert (kept.plain_text or "").startswith(f"{number} · {WAITING}\n")
    assert await my_ticket_labels(ann) == [f"{number} · {WAITING}"]


async def test_another_customers_ticket_cannot_be_opened_by_forged_button_data(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(206, "Ann")
    eve = desk.customer(207, "Eve")
    number = await file_ticket(ann, "My secret complaint about the manager")
    await file_ticket(eve, "Eve's own ticket")

    await eve.send("/my")
    listing = eve.last_message
    sent_before = len(desk.api.sent)
    for data in (f"v1:my:{number}", f"v1:wd:{number}", f"v1:wdy:{number}", f"v1:keep:{number}"):
        await eve.press_data(data, on=listing)
        assert eve.last_alert() == said("en", "error.ticket_not_found", number=number)

    assert len(desk.api.sent) == sent_before
    assert desk.api.message(eve.id, listing.message_id).plain_text == said("en", "my.list")
    assert all("secret" not in text for text in eve.texts())
    assert await my_ticket_labels(ann) == [f"{number} · {WAITING}"]
