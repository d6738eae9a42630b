"""A small language for scenarios: `await ann.send("/new")`, `await ann.press("Complaint")`.

`DeskHarness` runs the real Application (handlers, use cases, storage, outbox) on the fake Bot
API and a fake clock; `restart()` builds a new Application on the same database, as a
restarted bot would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import runtime_of
from bot.config import Settings
from bot.sandbox import updates
from bot.sandbox.clocks import FakeClock, FloodClock
from bot.sandbox.desk import start_desk
from bot.sandbox.fakebot import FakeBotApi
from bot.sandbox.floodlimits import FloodLimits
from bot.sandbox.updates import TgUser
from bot.sandbox.wire import SentMessage
from handlers.outbox import DispatchReport

STAFF_CHAT = -1001234567890
MAX_DISPATCH_ROUNDS = 200
HUMAN_STEP = 2.0  # seconds of flood time one message or button press of a person takes
ALL_TYPES = ["complaint", "inquiry", "suggestion", "after_sales", "change_request"]


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Test settings: one department with a staff chat, Shanghai time."""
    values: dict[str, Any] = {
        "database": {"url": database_url},
        "desk": {"timezone": "Asia/Shanghai", "admins": [900001]},
        "departments": [
            {"code": "support", "name": "Support", "types": ALL_TYPES, "staff_chat_id": STAFF_CHAT}
        ],
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Person:
    """A Telegram user talking to the bot in a private chat."""

    harness: DeskHarness
    user: TgUser
    sent: list[int] = field(default_factory=list)  # ids of the messages this person wrote

    @property
    def id(self) -> int:
        return self.user.id

    def reactions(self) -> dict[int, str]:
        """The bot's reactions on this person's own messages, by message id."""
        found: dict[int, str] = {}
        for call in self.harness.api.calls_of("setMessageReaction"):
            if call.failed or call.params.get("chat_id") != self.id:
                continue
            emojis = [r.get("emoji") for r in call.params.get("reaction") or []]
            found[int(call.params["message_id"])] = emojis[0] if emojis else ""
        return found

    def reaction_on_last(self) -> str | None:
        """The bot's reaction on the latest message this person wrote, if any."""
        return self.reactions().get(self.sent[-1]) if self.sent else None

    @property
    def bot(self) -> Any:
        return self.harness.app.bot

    async def _feed(self, update: Update) -> None:
        if update.message is not None:
            self.sent.append(update.message.message_id)
        self.harness.flood_clock.advance(HUMAN_STEP)  # nobody types or taps faster
        await self.harness.feed(update)

    async def send(self, text: str) -> None:
        """Type a message; `/word args` is sent as a command."""
        if text.startswith("/"):
            name, *args = text.split()
            await self._feed(updates.command(self.bot, self.user, name, *args))
        else:
            await self._feed(updates.text_message(self.bot, self.user, text))

    async def send_photo(
        self, file_id: str = "photo-1", size: int = 85_000, caption: str | None = None
    ) -> None:
        await self._feed(updates.photo(self.bot, self.user, file_id, size, caption))

    async def send_document(
        self,
        file_id: str = "doc-1",
        size: int = 120_000,
        name: str = "receipt.pdf",
        mime: str = "application/pdf",
    ) -> None:
        await self._feed(updates.document(self.bot, self.user, file_id, size, name, mime))

    async def send_voice(self, file_id: str = "voice-1", size: int = 16_000) -> None:
        await self._feed(updates.voice(self.bot, self.user, file_id, size=size))

    async def send_video(self, file_id: str = "video-1", size: int = 1_200_000) -> None:
        await self._feed(updates.video(self.bot, self.user, file_id, size))

    async def send_sticker(self) -> None:
        await self._feed(updates.sticker(self.bot, self.user))

    async def send_location(self) -> None:
        await self._feed(updates.location(self.bot, self.user))

    async def share_contact(self, phone: str = "+8613812345678", *, own: bool = True) -> None:
        user_id = None if own else self.user.id + 1
        await self._feed(updates.contact(self.bot, self.user, phone, user_id))

    async def press(self, label: str, *, on: SentMessage | None = None) -> None:
        """Tap the inline button labelled `label` on the newest message that has it."""
        message = on or self.harness.message_with_button(self.id, label)
        data = message.button(label)["callback_data"]
        await self._feed(updates.callback(self.bot, self.user, data, message))

    async def press_data(self, data: str, *, on: SentMessage | None = None) -> None:
        """Send raw callback data, as a forged or stale client would."""
        message = on or self.last_message
        await self._feed(updates.callback(self.bot, self.user, data, message))

    @property
    def last_message(self) -> SentMessage:
        return self.harness.api.last_message_to(self.id)

    @property
    def last_text(self) -> str:
        return self.last_message.plain_text or ""

    def messages(self) -> list[SentMessage]:
        return self.harness.api.messages_to(self.id)

    def texts(self) -> list[str]:
        return [m.plain_text or "" for m in self.messages()]

    def last_alert(self) -> str | None:
        """The text of the last callback answer to this user, if any."""
        for call in reversed(self.harness.api.calls_of("answerCallbackQuery")):
            return call.params.get("text")
        return None


@dataclass
class DeskHarness:
    """The real Application on a fake Telegram, a fake clock and a test database."""

    database_url: str
    clock: FakeClock
    overrides: dict[str, Any] = field(default_factory=dict)
    rate_limiter: Any = None  # the desk's default (Telegram's flood limits) unless given
    # The flood limits the fake Telegram enforces (Telegram's; None: off), timed by the
    # flood clock: each action of a person takes HUMAN_STEP seconds of it, and the outbox
    # moves it on while it waits for a chat's next slot. The business clock stays put.
    flood_limits: FloodLimits | None = field(default_factory=FloodLimits)
    api: FakeBotApi = field(init=False)
    flood_clock: FloodClock = field(default_factory=FloodClock)
    app: Application[Any, Any, Any, Any, Any, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.api = FakeBotApi(
            clock=self.clock, limits=self.flood_limits, flood_clock=self.flood_clock
        )

    @property
    def settings(self) -> Settings:
        return settings_for(self.database_url, **self.overrides)

    async def start(self) -> DeskHarness:
        """Build and initialise the Application and prepare the database."""
        self.app = await start_desk(
            self.settings, self.clock, self.api, self.flood_clock, self.rate_limiter
        )
        return self

    async def stop(self) -> None:
        """Shut the Application down and release the database; fails when the bot broke a
        flood limit of the fake Telegram (a 429 the test did not inject)."""
        await self.app.shutdown()
        await runtime_of(self.app).close()
        throttled = [(c.method, c.params.get("chat_id")) for c in self.api.throttled]
        assert not throttled, f"Telegram answered 429 to {throttled}"

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database (and the same Telegram)."""
        await self.stop()
        await self.start()

    async def feed(self, update: Update) -> None:
        """Hand one update to the Application, as polling would."""
        await self.app.process_update(update)

    async def dispatch(self) -> DispatchReport:
        """Run the outbox dispatcher as its loop would: it sends what may go now and, while
        messages wait for their chat's next slot (Telegram's flood limits), the flood clock
        moves on to that slot, as time passes in production (the business clock stays).
        The report adds up every round."""
        runtime = runtime_of(self.app)
        total = DispatchReport()
        for _ in range(MAX_DISPATCH_ROUNDS):
            report = await runtime.dispatch_outbox()
            for name in ("sent", "retried", "parked", "unchanged", "calls"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.errors += report.errors
            if not report.held_back:
                break
            total.deferred += report.deferred
            self.flood_clock.advance(max(0.001, runtime.dispatcher.next_slot_in()))
        return total

    async def sweep(self) -> Any:
        """Run the SLA sweep once, as its job would; returns its report."""
        return await runtime_of(self.app).sweep()

    def customer(
        self,
        user_id: int,
        first_name: str = "Ann",
        *,
        lang: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> Person:
        user = TgUser(user_id, first_name, last_name, username=username, language_code=lang)
        return Person(self, user)

    def message_with_button(self, chat_id: int, label: str) -> SentMessage:
        """The newest message to `chat_id` with an inline button labelled `label`."""
        for message in reversed(self.api.messages_to(chat_id)):
            if any(b.get("text") == label for b in message.buttons):
                return message
        raise AssertionError(f"no message to {chat_id} has a button {label!r}")

    def last_message_to(self, chat_id: int) -> SentMessage:
        return self.api.last_message_to(chat_id)

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.plain_text or "" for m in self.api.messages_to(chat_id)]
