"""The shortest whole path: a customer files feedback and the staff chat hears of it."""

from tests.e2e.dsl import STAFF_CHAT, DeskHarness


async def test_customer_files_feedback_and_staff_chat_gets_the_notice(desk: DeskHarness) -> None:
    ann = desk.customer(101, "Ann")
    await ann.send("/start")
    assert "Hello, Ann" in ann.last_text
    await ann.send("/new")
    await ann.press("Complaint")
    await ann.send("Till is broken\nIt beeps at every sale")
    await ann.send_photo()
    await ann.press("Done")
    await ann.press("Skip")
    await ann.share_contact("13812345678")
    await ann.press("Yes, it is stopped")
    await ann.press("Submit")
    assert "FB-20261123-0001" in ann.last_text
    report = await desk.dispatch()
    assert report.sent == 1
    card = desk.last_message_to(STAFF_CHAT).plain_text or ""
    assert "FB-20261123-0001" in card
    assert "138****5678" in card
    assert "Till is broken" in card
