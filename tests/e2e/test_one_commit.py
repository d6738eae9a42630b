"""Every update is one unit of work, whatever the sender's role: an agent's private message is
marked handled in the commit of its work, so a crash before that commit has it done again
at the next start, and done once."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.app import runtime_of
from bot.sandbox import updates
from bot.serve import handle_stored
from handlers.context import DEPS_KEY
from tests.e2e.dsl import STAFF_CHAT, DeskHarness
from tests.e2e.steps import add_staff, file_ticket, label, said

ANSWER = "Please restart the till and tell me what it shows."


class Killed(BaseException):
    """The process dies at this line (kill -9): no handler sees it, nothing after it runs."""


async def deliver(desk: DeskHarness, update: Update) -> None:
    """As `feedback-desk run` takes an update from Telegram: stored, then handled."""
    await runtime_of(desk.app).inbox.store([update.to_dict()], desk.clock.now())
    await handle_stored(desk.app, update.update_id, update)


async def redo_stored(desk: DeskHarness) -> int:
    """What a start does first: handle the stored updates not handled yet; how many."""
    waiting = await runtime_of(desk.app).inbox.pending()
    for update_id, payload in waiting:
        await handle_stored(desk.app, update_id, payload)
    return len(waiting)


async def test_an_agents_answer_cut_off_by_a_crash_is_done_again_and_delivered_once(
    desk: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bob = desk.customer(1001, "Ann"), desk.customer(2001, "Bob")
    await add_staff(desk, bob)
    number = await file_ticket(ann)
    await desk.dispatch()
    claim, reply = label("en", "staff.button.claim"), label("en", "staff.button.reply")
    await bob.press(claim, on=desk.message_with_button(STAFF_CHAT, claim))
    await desk.dispatch()
    await bob.press(reply, on=desk.message_with_button(STAFF_CHAT, reply))
    answer = updates.text_message(desk.app.bot, bob.user, ANSWER)

    # The bot dies once Bob is known to be staff, before the staff desk writes his answer
    # (where the customer side used to have committed, and marked the update handled).
    async def dies(*args: Any, **kwargs: Any) -> None:
        raise Killed

    monkeypatch.setattr(desk.app.bot_data[DEPS_KEY].work, "staff_input", dies)
    with pytest.raises(Killed):
        await deliver(desk, answer)

    await desk.restart()
    assert await redo_stored(desk) == 1  # the update was not handled: it is done now
    await deliver(desk, answer)  # and Telegram delivers it once more: nothing changes
    await desk.dispatch()

    relayed = said("en", "notice.agent_reply", number=number, sender="Bob", body=ANSWER)
    assert ann.texts().count(relayed) == 1
    # Bob's message is marked delivered, once
    marks = [
        call
        for call in desk.api.calls_of("setMessageReaction")
        if not call.failed
        and call.params.get("chat_id") == bob.id
        and call.params.get("message_id") == answer.message.message_id
    ]
    assert len(marks) == 1
    assert bob.reactions()[answer.message.message_id] == said("en", "reaction.delivered")
    assert await redo_stored(desk) == 0
