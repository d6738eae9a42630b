"""The stage of the demo: the real desk on the sandbox Telegram, and the people who use it.

`Stage` builds the Application exactly as `feedback-desk run` does (bot.app), but its Bot API
is the in-process fake (`bot.sandbox.fakebot`, Telegram's flood limits on) and its clock is a
`FakeClock` the script moves. The outbox and the SLA sweep run when the script says so, as
their jobs would: `settle` sends everything that may go, moving the flood clock (not the
desk's time) while a chat waits for its next slot.

`Actor` is one Telegram user: they type, send a photo, tap a button by its label, each
written into the transcript before the bot sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import runtime_of
from bot.config import Settings
from bot.demo.transcript import Transcript
from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock, FloodClock
from bot.sandbox.desk import start_desk
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.floodlimits import FloodLimits
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import SentMessage

BOT_USERNAME = "feedback_desk_demo_bot"
HUMAN_STEP = 2.0  # seconds of flood time one message or tap of a person takes
HUMAN_PACE = timedelta(seconds=20)  # desk time one message or tap of a person takes
MAX_DISPATCH_ROUNDS = 200


class Stage:
    """The real Application on the sandbox Telegram and a clock the script moves."""

    def __init__(self, settings: Settings, clock: FakeClock, transcript: Transcript) -> None:
        self.settings = settings
        self.clock = clock
        self.transcript = transcript
        self.flood_clock = FloodClock()
        self.api = FakeBotApi(clock=clock, limits=FloodLimits(), flood_clock=self.flood_clock)
        self.api.bot_user["username"] = BOT_USERNAME
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None

    async def start(self) -> None:
        """Build the Application, migrate the database, seed the departments."""
        self.app = await start_desk(self.settings, self.clock, self.api, self.flood_clock)
        self.transcript.collect(self.api)

    async def stop(self) -> None:
        """Shut the Application down and close the database."""
        if self.app is None:
            return
        await self.app.shutdown()
        await runtime_of(self.app).close()
        self.app = None

    @property
    def bot(self) -> Any:
        assert self.app is not None, "the stage is not started"
        return self.app.bot

    async def feed(self, update: Update) -> None:
        """One update, handled as polling would hand it over; then what the bot said."""
        assert self.app is not None, "the stage is not started"
        self.flood_clock.advance(HUMAN_STEP)  # nobody types or taps faster
        self.clock.advance(seconds=HUMAN_PACE.total_seconds())
        await self.app.process_update(update)
        self.transcript.collect(self.api)

    async def settle(self) -> None:
        """Run the outbox until nothing more may go: the notices reach their chats."""
        assert self.app is not None, "the stage is not started"
        runtime = runtime_of(self.app)
        for _ in range(MAX_DISPATCH_ROUNDS):
            report = await runtime.dispatch_outbox()
            if not report.held_back:
                break
            self.flood_clock.advance(max(0.001, runtime.dispatcher.next_slot_in()))
        self.transcript.collect(self.api)

    async def sweep(self) -> None:
        """The SLA sweep, as its job runs it, and the notices it queued."""
        assert self.app is not None, "the stage is not started"
        await runtime_of(self.app).sweep()
        await self.settle()

    def message_with_button(self, chat_id: int, label: str) -> SentMessage:
        """The newest message in `chat_id` with an inline button labelled `label`."""
        for message in reversed(self.api.messages_to(chat_id)):
            if any(b.get("text") == label for b in message.buttons):
                return message
        raise LookupError(f"no message in chat {chat_id} has a button {label!r}")


@dataclass
class Actor:
    """A Telegram user on the stage."""

    stage: Stage
    user: TgUser

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.first_name

    async def say(self, text: str, *, chat: int | None = None) -> None:
        """Type `text` in the private chat with the bot (or in the group `chat`)."""
        self.stage.transcript.person(chat or self.id, self.name, text)
        bot = self.stage.bot
        if chat is not None:
            update = updates.group_message(bot, self.user, chat, text)
        elif text.startswith("/"):
            name, *args = text.split()
            update = updates.command(bot, self.user, name, *args)
        else:
            update = updates.text_message(bot, self.user, text)
        await self.stage.feed(update)

    async def photo(self, file_id: str, caption: str | None = None) -> None:
        """Send a photo (with a caption) in the private chat."""
        self.stage.transcript.person(self.id, self.name, caption or "", photo=True)
        await self.stage.feed(updates.photo(self.stage.bot, self.user, file_id, caption=caption))

    async def press(self, label: str, *, chat: int | None = None) -> None:
        """Tap the button `label` on the newest message that has it, in the private chat or
        in the group `chat`."""
        await self.press_on(self.stage.message_with_button(chat or self.id, label), label)

    async def press_on(self, message: SentMessage, label: str) -> None:
        """Tap the button `label` of `message`."""
        chat = int(message.chat_id)
        self.stage.transcript.person(chat, self.name, "", button=label)
        data = message.button(label)["callback_data"]
        await self.stage.feed(updates.callback(self.stage.bot, self.user, data, message))

    async def press_starting(self, prefix: str, *, chat: int | None = None) -> None:
        """Tap the newest button whose label starts with `prefix` (a ticket in a list)."""
        where = chat or self.id
        for message in reversed(self.stage.api.messages_to(where)):
            for button in message.buttons:
                if button.get("text", "").startswith(prefix):
                    await self.press(button["text"], chat=chat)
                    return
        raise LookupError(f"no button starting {prefix!r} in chat {where}")
