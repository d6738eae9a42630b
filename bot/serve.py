"""`feedback-desk run`: one instance of the desk, from start to a graceful stop.

Updates reach the handlers only once stored in the inbox table:
- polling: `getUpdates` → the inbox (one commit) → only then the next `getUpdates`, whose
  offset tells Telegram the earlier ones arrived;
- webhook: POST → the inbox → only then 200 OK (see bot.health).
The worker runs the handlers of stored updates in order; the first unit of work that
commits marks the update handled in its own transaction (storage.inbox), so a crash at any
line either redoes an update whose work was not written, or recognises one whose work was.
Updates the poller has just stored are handed to the worker as they are, parsed once; the
worker reads the inbox itself at the start, when it has been idle, and for webhook updates.

With PostgreSQL a second instance waits as a standby (bot.leader) and takes over when the
active one is gone; SIGTERM or SIGINT stops an instance within `[instance] stop_timeout`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import signal
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application, runtime_of, start_jobs
from bot.config import Settings
from bot.health import Webhook
from bot.leader import AnotherInstance, Leadership, LeadershipLost, leadership_for
from bot.logs import configure_logging
from domain import logcontext
from handlers.outbox import RESENDABLE
from storage import inbox

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_REFUSED = 3  # another instance holds the SQLite database
EXIT_LOST = 4  # the active instance lost its hold on the database; restart it as a standby
EXIT_TOKEN = 5  # Telegram refused the token
EXIT_DATABASE = 6  # the database could not be reached at start
EXIT_TELEGRAM = 7  # Telegram could not be reached at start
MAX_POLL_BACKOFF = 30.0
POISON_STARTS = 3  # starts that found the same update first in line before it is skipped


class Instance:
    """One `feedback-desk run`: standby until it may be active, then active until told to
    stop. `run()` returns the process exit code."""

    def __init__(
        self, settings: Settings, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> None:
        self.settings = settings
        self.application = application
        self.runtime = runtime_of(application)
        self.runtime.role = "standby"  # until it holds the database
        self.leadership: Leadership = leadership_for(self.runtime.uow.engine)
        self.stopping = asyncio.Event()
        self.exit_code = EXIT_OK
        self._kick = asyncio.Event()
        self._fresh: collections.deque[Update] = collections.deque()  # stored, not handled
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._started = False

    # -- life ------------------------------------------------------------------------------

    async def run(self) -> int:
        """Serve until stopped; the exit code."""
        self._on_signals()
        try:
            await self.leadership.open()
        except AnotherInstance as exc:
            log.error("%s", exc)
            await self.runtime.uow.close()
            return EXIT_REFUSED
        except Exception as exc:
            log.error("the database does not answer (%s: %s)", type(exc).__name__, exc)
            await self.runtime.uow.close()
            return EXIT_DATABASE
        try:
            async with self.leadership.migrating():
                await self.runtime.prepare()
            await self.application.initialize()
            await self.runtime.start_health(self._webhook())
            if await self.leadership.acquire(self.stopping, self.settings.instance.standby_check):
                await self._activate()
                await self.stopping.wait()
        except InvalidToken:
            log.error("Telegram refused the bot token; check FEEDBACK_DESK__TELEGRAM__TOKEN")
            self.exit_code = EXIT_TOKEN
        except NetworkError as exc:  # at start: getMe, setWebhook or deleteWebhook
            log.error("Telegram does not answer (%s); check the network and base_url", exc)
            self.exit_code = EXIT_TELEGRAM
        except Exception:
            log.exception("the bot stopped on an unexpected error")
            self.exit_code = self.exit_code or 1
        finally:
            await self._shut_down()
        return self.exit_code

    def stop(self, code: int = EXIT_OK) -> None:
        """Ask the instance to stop (a signal, a lost lock, a refused token)."""
        if not self.stopping.is_set():
            self.exit_code = code
            self.stopping.set()

    def _on_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._signalled, sig)

    def _signalled(self, sig: signal.Signals) -> None:
        log.info("%s: stopping", sig.name)
        self.stop()

    def _webhook(self) -> Webhook | None:
        if self.settings.telegram.mode != "webhook":
            return None
        hook = self.settings.webhook
        return Webhook(path=hook.path, secret=hook.secret(), intake=self)

    async def _activate(self) -> None:
        runtime = self.runtime
        released, parked = await runtime.outbox_store.take_over(tuple(RESENDABLE))
        if released or parked:
            log.warning(
                "outbox: %s message(s) left by the previous instance are sent now; %s it was "
                "sending when it stopped are parked, not sent twice",
                released,
                parked,
            )
        skipped = await runtime.inbox.suspect(runtime.clock.now(), POISON_STARTS)
        if skipped is not None:
            log.error(
                "update %s was the one being handled when the bot stopped, %s starts in a "
                "row; it is skipped so the desk can go on",
                skipped,
                POISON_STARTS,
            )
        bot = self.application.bot
        if self.settings.telegram.mode == "webhook":
            await register_webhook(bot, self.settings)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
        await self.application.start()
        self._started = True
        await start_jobs(self.application)
        runtime.role = "active"  # /healthz says so from the moment the log does, not before
        log.info("this instance is active")
        self._spawn("worker", self._work())
        self._spawn("watch", self._watch())
        if self.settings.telegram.mode == "polling":
            self._spawn("poller", self._poll())

    def _spawn(self, name: str, work: Any) -> None:
        self._tasks[name] = asyncio.create_task(work, name=name)

    async def _shut_down(self) -> None:
        """Finish the update in hand, send what is due, let go; all within stop_timeout."""
        self.stopping.set()
        self.runtime.role = "stopping"
        budget = self.settings.instance.stop_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        poller = self._tasks.pop("poller", None)
        watch = self._tasks.pop("watch", None)
        for task in (poller, watch):
            if task is not None:
                task.cancel()
        worker = self._tasks.pop("worker", None)
        try:
            async with asyncio.timeout_at(deadline):
                if worker is not None:
                    self._kick.set()
                    await worker
                if self._started:
                    await self.runtime.stop_outbox()
                    await self.runtime.dispatch_outbox()
                    await self.application.stop()
                    self._started = False
        except TimeoutError:
            log.warning(
                "stopping took longer than %s s; stopping now (unhandled updates stay "
                "stored and are handled at the next start)",
                budget,
            )
        except Exception:
            log.exception("error while stopping")
        for task in (worker, poller, watch):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self._started:
            with contextlib.suppress(Exception):
                await self.runtime.stop_outbox()
                await self.application.stop()
        with contextlib.suppress(Exception):
            await self.application.shutdown()
        await self.leadership.release()
        await self.runtime.close()
        log.info("stopped")

    # -- the active instance's loops -------------------------------------------------------

    async def receive(self, update: dict[str, Any]) -> int:
        """A webhook update: 200 once it is stored, else a status that makes Telegram retry."""
        if self.stopping.is_set():
            return 503
        try:
            await self.runtime.inbox.store([update], self.runtime.clock.now())
        except Exception as exc:
            log.warning("webhook: the update could not be stored (%s)", type(exc).__name__)
            return 500
        self._kick.set()
        return 200

    async def _poll(self) -> None:
        bot = self.application.bot
        timeout = self.settings.telegram.poll_timeout
        offset: int | None = None
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=timeout,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=timeout + 10,
                )
                if updates:
                    payloads = [u.to_dict() for u in updates]
                    new = await self.runtime.inbox.store_new(payloads, self.runtime.clock.now())
                    self._fresh.extend(u for u in updates if u.update_id in new)
                    offset = updates[-1].update_id + 1  # confirms them at the next call
                    self._kick.set()
                backoff = 1.0
                continue
            except InvalidToken:
                log.error("Telegram refused the bot token; check FEEDBACK_DESK__TELEGRAM__TOKEN")
                self.stop(EXIT_TOKEN)
                return
            except Conflict as exc:
                log.warning("getUpdates conflicts with another poller or a webhook (%s)", exc)
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, backoff)
            except Exception as exc:  # the database: nothing was confirmed, ask again
                log.warning("updates could not be stored (%s); asking again", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await self.stopping.wait()
            backoff = min(backoff * 2, MAX_POLL_BACKOFF)

    async def _work(self) -> None:
        every = self.settings.instance.standby_check
        from_inbox = True  # at the start: what an earlier instance left
        handled: int | None = None  # the last update handled from memory or the inbox
        while not self.stopping.is_set():
            self._kick.clear()
            batch = await self._stored() if from_inbox else self._take_fresh(handled)
            for update_id, update in batch:
                if self.stopping.is_set():
                    return  # the rest stays stored for whoever is active next
                await handle_stored(self.application, update_id, update)
                handled = update_id
            if from_inbox and batch:
                continue  # until the inbox is drained: updates are handled in order
            if not self._fresh:
                # a webhook update stored by a standby instance is seen within `every`
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(every):
                        await self._kick.wait()
            # nothing in memory after a wake-up: a webhook update, or a quiet spell
            from_inbox = not self._fresh

    async def _stored(self) -> list[tuple[int, dict[str, Any]]]:
        try:
            return await self.runtime.inbox.pending()
        except Exception as exc:
            log.warning("inbox: cannot read stored updates (%s)", type(exc).__name__)
            return []

    def _take_fresh(self, handled: int | None) -> list[tuple[int, Update]]:
        """What the poller stored since, less what the inbox already gave (ids only grow)."""
        fresh, self._fresh = self._fresh, collections.deque()
        return [(u.update_id, u) for u in fresh if handled is None or u.update_id > handled]

    async def _watch(self) -> None:
        try:
            await self.leadership.watch(self.settings.instance.standby_check)
        except LeadershipLost as exc:
            log.error("%s; stopping (restart the bot: it waits as a standby)", exc)
            self.stop(EXIT_LOST)


async def register_webhook(bot: Bot, settings: Settings) -> None:
    """Tell Telegram to post every kind of update to [webhook] url, with the secret."""
    hook = settings.webhook
    await bot.set_webhook(
        url=hook.url or "",
        secret_token=hook.secret(),
        allowed_updates=Update.ALL_TYPES,
        max_connections=hook.max_connections,
    )


async def handle_stored(
    application: Application[Any, Any, Any, Any, Any, Any],
    update_id: int,
    update: Update | dict[str, Any],
) -> None:
    """Run the handlers of one stored update (as the poller parsed it, or its stored JSON);
    mark it handled (if its work wrote nothing, its work's commit did) so it is never
    handled again."""
    runtime = runtime_of(application)
    handling = inbox.Handling(update_id)
    reset = inbox.update_in_hand.set(handling)
    logcontext.clear()
    try:
        if not isinstance(update, Update):
            update = Update.de_json(update, application.bot)
        await application.process_update(update)
    except Exception:
        log.exception("update %s could not be handled", update_id)
    finally:
        inbox.update_in_hand.reset(reset)
    if not handling.marked:
        try:
            await runtime.inbox.mark_handled(update_id, runtime.clock.now())
        except Exception as exc:  # handled again at the next start: its work is recorded
            log.warning("inbox: update %s not marked (%s)", update_id, type(exc).__name__)


def serve(settings: Settings) -> int:
    """Run the bot until SIGTERM or SIGINT; the process exit code."""
    configure_logging(settings.logging.level, settings.logging.format)
    application = build_application(settings)
    log.info(
        "Feedback Desk is starting (%s, database %s)",
        settings.telegram.mode,
        settings.database.url.split("://")[0],
    )
    return asyncio.run(Instance(settings, application).run())
