"""Wire settings, storage, use cases and handlers into one PTB Application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.health import HealthServer, Webhook
from bot.metrics import Metrics
from bot.policy import policy_from
from domain import logcontext
from domain.clock import Clock, SystemClock
from domain.people import Department
from domain.services import Desk
from domain.services.assignment import AssignmentSweep
from domain.services.exports import Exports
from domain.services.followups import Followups
from domain.services.reporting import Reporting
from domain.services.satisfaction import Satisfaction
from domain.services.staff.desk import StaffDesk
from domain.services.staffadmin import StaffAdmin
from domain.services.sweep import SlaSweep, SweepReport
from handlers import menus, setup
from handlers.context import DEPS_KEY, Deps, DeskContext
from handlers.outbox import DispatchReport, DispatchSettings, OutboxDispatcher, describe
from handlers.pacing import PacedLimiter, Pacer
from handlers.replies import Replies
from storage import inbox
from storage.db import create_engine, reader_for
from storage.exports import SqlExports
from storage.inbox import SqlInbox
from storage.migrate import upgrade
from storage.monitor import SqlMonitor
from storage.outbox import SqlOutboxStore
from storage.reports import SqlReports
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
RUNTIME_KEY = "runtime"
OUTBOX_JOB = "outbox"
SLA_JOB = "sla-sweep"
INBOX_KEPT = timedelta(days=7)  # handled update ids kept to recognise redeliveries
PROBE_TIMEOUT_SECONDS = 5.0  # a database slower than this to answer a probe is not healthy


@dataclass
class Runtime:
    """Everything long-lived behind the Application."""

    settings: Settings
    clock: Clock
    uow: SqlUnitOfWorkFactory
    desk: Desk
    dispatcher: OutboxDispatcher
    application: Application[Any, Any, Any, Any, Any, Any]
    sweeper: SlaSweep
    satisfaction: Satisfaction
    reporting: Reporting
    outbox_store: SqlOutboxStore
    monitor: SqlMonitor
    inbox: SqlInbox
    staffadmin: StaffAdmin
    followups: Followups
    metrics: Metrics = field(default_factory=Metrics)
    health_server: HealthServer | None = None
    outbox_task: asyncio.Task[None] | None = None
    # "active" handles updates and runs the jobs; "standby" waits for the active one to go;
    # "stopping" finishes what it has in hand.
    role: str = "active"

    async def prepare(self) -> None:
        """Bring the schema to head, the departments in line with config, and everyone the
        config names admin or supervisor up to that role."""
        await upgrade(self.uow.engine)
        async with self.uow() as uow:
            for section in self.settings.departments:
                await uow.departments.upsert(
                    Department(
                        section.code,
                        section.name,
                        section.staff_chat_id,
                        names=dict(section.names),
                        since=self.clock.now(),
                        assignment=section.assignment.value,
                        ack_minutes=section.ack_minutes,
                    )
                )
            await uow.commit()
        await self.staffadmin.apply_config()

    async def dispatch_outbox(self) -> DispatchReport:
        """Send what is due in the outbox now; returns what was done."""
        report = await self.dispatcher.run(self.application.bot)
        self.metrics.count_dispatch(report)
        if report.sent or report.parked or report.retried:
            log.info("outbox run", extra=describe(report))
        return report

    async def sweep(self) -> SweepReport:
        """Close resolved tickets nobody confirmed, remind unanswered polls, and queue the
        SLA notices that have come due (the outbox delivers them)."""
        timers = await self.satisfaction.run_timers()
        if timers.auto_closed or timers.reminders:
            log.info(
                "closing the loop",
                extra={"auto_closed": timers.auto_closed, "reminders": timers.reminders},
            )
        await self.reporting.measure_responses()
        digests = await self.reporting.send_digest()
        if digests:
            log.info("weekly digest queued", extra={"supervisors": digests})
        await self.inbox.purge(self.clock.now() - INBOX_KEPT)
        await self.follow_up()
        moved = await AssignmentSweep(self.uow, self.clock, self.desk.policy).run()
        if moved:
            log.info("unacknowledged tickets moved on", extra={"moved": moved})
        report = await self.sweeper.run()
        self.metrics.count_sweep(report)
        if report.warnings or report.breaches or report.escalations:
            log.info(
                "sla sweep",
                extra={
                    "checked": report.checked,
                    "warnings": report.warnings,
                    "breaches": report.breaches,
                    "escalations": report.escalations,
                },
            )
        return report

    async def follow_up(self) -> None:
        """Send the reminders staff asked for, nudge and close what waits for a customer."""
        done = await self.followups.run()
        if done.reminders or done.nudges or done.closed:
            log.info(
                "follow-ups",
                extra={"reminders": done.reminders, "nudges": done.nudges, "closed": done.closed},
            )

    def kick_outbox(self) -> None:
        """Something was queued: the dispatcher claims it now."""
        self.dispatcher.kick()

    def start_outbox(self) -> None:
        """The active instance's dispatcher: runs until `stop_outbox`."""
        if self.outbox_task is None or self.outbox_task.done():
            self.outbox_task = asyncio.create_task(
                self.dispatcher.serve(self.application.bot, self._count_dispatch),
                name="outbox",
            )

    async def stop_outbox(self) -> None:
        """Stop the dispatcher's lanes (rows in hand are given back) and its loop."""
        task, self.outbox_task = self.outbox_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.dispatcher.flush_confirmed()

    def _count_dispatch(self, report: DispatchReport) -> None:
        self.metrics.count_dispatch(report)
        if report.sent or report.parked or report.retried:
            log.debug("outbox lane", extra=describe(report))

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the database answers, this instance's role and the outbox backlog."""
        body: dict[str, Any] = {
            "database": "ok",
            "role": self.role,
            "outbox_backlog": None,
            "oldest_pending_seconds": None,
            "inbox_backlog": None,
        }
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await self.monitor.ping()
                count, oldest = await self.monitor.outbox_backlog()
                body["inbox_backlog"] = await self.monitor.inbox_backlog()
        except Exception as exc:
            log.warning("health check: the database does not answer (%s)", type(exc).__name__)
            body["database"] = "error"
            return False, body
        body["outbox_backlog"] = count
        body["oldest_pending_seconds"] = self.metrics.set_backlog(count, oldest, self.clock.now())
        return True, body

    async def scrape(self) -> bytes:
        """Every metric in Prometheus text format, the gauges read from the database now."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                count, oldest = await self.monitor.outbox_backlog()
                tickets = await self.monitor.tickets_by_status()
                waiting = await self.monitor.inbox_backlog()
        except Exception as exc:
            log.warning("metrics: the database does not answer (%s)", type(exc).__name__)
            self.metrics.database_up.set(0)
        else:
            self.metrics.database_up.set(1)
            self.metrics.set_backlog(count, oldest, self.clock.now())
            self.metrics.set_tickets(tickets)
            self.metrics.inbox_backlog.set(waiting)
        return self.metrics.render()

    async def start_health(self, webhook: Webhook | None = None) -> None:
        """Serve /healthz and /metrics when the config says so; in webhook mode, on the
        webhook's address too (with Telegram's updates)."""
        if self.health_server is not None:
            return
        config = self.settings.health
        if webhook is not None:
            hook = self.settings.webhook
            self.health_server = HealthServer(self, hook.listen, hook.port, webhook=webhook)
        elif config.enabled:
            self.health_server = HealthServer(self, config.host, config.port)
        if self.health_server is not None:
            await self.health_server.start()

    async def close(self) -> None:
        """Stop the health endpoint, record the answers confirmed sent, release the
        database."""
        if self.health_server is not None:
            await self.health_server.stop()
            self.health_server = None
        try:
            await self.dispatcher.flush_confirmed()
        except Exception as exc:  # they go out a second time, after their grace period
            log.warning("answers confirmed sent could not be recorded (%s)", exc)
        await self.uow.close()


class DeskApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application that counts each update it handles and labels its log lines with
    the update id (and the ticket the services say it is about)."""

    __slots__ = ()

    async def process_update(self, update: object) -> None:
        update_id = logcontext.update_id.set(
            update.update_id if isinstance(update, Update) else None
        )
        ticket = logcontext.ticket.set(None)
        try:
            await super().process_update(update)
        finally:
            logcontext.ticket.reset(ticket)
            logcontext.update_id.reset(update_id)
            runtime = self.bot_data.get(RUNTIME_KEY)
            if runtime is not None:
                runtime.metrics.updates_handled.inc()


def runtime_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The Runtime built with `application`."""
    return application.bot_data[RUNTIME_KEY]  # type: ignore[no-any-return]


def _own_context() -> None:
    """A job kicked while an update was handled inherits its context: the job is about no
    update and no ticket, and its commits do not mark that update handled."""
    logcontext.clear()
    inbox.update_in_hand.set(None)


async def _outbox_job(context: DeskContext) -> None:
    """The safety net: the dispatcher is woken by every commit that queues rows, and by
    this job now and then in case a wake-up was missed."""
    runtime_of(context.application).kick_outbox()


async def _sla_job(context: DeskContext) -> None:
    _own_context()
    await runtime_of(context.application).sweep()


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    flood_clock: Callable[[], float] = time.monotonic,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The desk's Application; `request` lets tests put a fake Bot API behind it.

    Telegram's flood limits are kept by the outbox's Pacer, which also sits in PTB's rate
    limiter slot (`rate_limiter` replaces it, for benches). The Pacer counts seconds by
    `flood_clock`: real time, or in tests a clock of its own, so that waiting for a chat's
    next slot does not move the desk's business time.
    """
    clock = clock or SystemClock()
    pacer = Pacer(settings.outbox.flood_limits(), flood_clock)
    builder = (
        ApplicationBuilder()
        .token(token or settings.token())
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(rate_limiter or PacedLimiter(pacer))
        .context_types(ContextTypes(context=DeskContext))
        .updater(None)  # updates come from the inbox (bot.serve), not PTB's Updater
        .application_class(DeskApplication)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    runtime = _runtime(settings, clock, pacer, application)
    application.bot_data[RUNTIME_KEY] = runtime
    application.bot_data[DEPS_KEY] = _deps(runtime)
    setup.register(application)
    return application


def _runtime(
    settings: Settings,
    clock: Clock,
    pacer: Pacer,
    application: Application[Any, Any, Any, Any, Any, Any],
) -> Runtime:
    """The database, the use cases the jobs run and the outbox dispatcher, wired."""
    engine = create_engine(settings.database.url, echo=settings.database.echo)
    outbox_store = SqlOutboxStore(engine)
    uow = SqlUnitOfWorkFactory(engine, clock, reader=reader_for(engine))
    policy = policy_from(settings)
    outbox = settings.outbox
    dispatcher = OutboxDispatcher(
        outbox_store,
        clock,
        DispatchSettings(
            batch_size=outbox.batch_size,
            max_attempts=outbox.max_attempts,
            lease_seconds=outbox.lease_seconds,
            interval_seconds=outbox.interval_seconds,
        ),
        pacer,
    )
    uow.observe(dispatcher)  # a commit that queued messages wakes the dispatcher
    return Runtime(
        settings,
        clock,
        uow,
        Desk(uow, clock, policy, replies=Replies(policy.limits, policy.timezone)),
        dispatcher,
        application,
        SlaSweep(uow, clock, policy),
        Satisfaction(uow, clock, policy),
        Reporting(uow, clock, policy, SqlReports(engine), settings.reports.to_policy()),
        outbox_store,
        SqlMonitor(uow.reader),
        SqlInbox(engine),
        StaffAdmin(uow, clock, policy),
        Followups(uow, clock, policy),
    )


def _deps(runtime: Runtime) -> Deps:
    """What the handlers get."""
    uow, clock, policy = runtime.uow, runtime.clock, runtime.desk.policy
    return Deps(
        desk=runtime.desk,
        work=StaffDesk(uow, clock, policy, replies=runtime.desk.replies),
        satisfaction=runtime.satisfaction,
        policy=policy,
        staffadmin=runtime.staffadmin,
        reporting=runtime.reporting,
        exports=Exports(uow, clock, policy, SqlExports(uow.engine)),
        count_error=runtime.metrics.handler_errors.inc,
        count_refusal=runtime.metrics.count_refusal,
        receipts=runtime.dispatcher,
    )


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The active instance's work besides updates: the outbox and the sweeps (the job queue
    runs them once the Application is started)."""
    runtime = runtime_of(application)
    await menus.set_commands(application)
    async with runtime.uow() as uow:
        members = await uow.staff.list_all()
    await menus.set_staff_commands(application, members)
    runtime.start_outbox()
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _outbox_job,
            interval=runtime.settings.outbox.interval_seconds,
            first=0,
            name=OUTBOX_JOB,
            job_kwargs={"misfire_grace_time": 30, "coalesce": True, "max_instances": 1},
        )
        application.job_queue.run_repeating(
            _sla_job,
            interval=runtime.sweeper.policy.sla.sweep_interval,
            first=1,
            name=SLA_JOB,
            job_kwargs={"misfire_grace_time": 60, "coalesce": True, "max_instances": 1},
        )
