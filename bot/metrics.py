"""The desk's Prometheus metrics, in a registry of their own (one per Runtime)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from domain.services.sweep import SweepReport
from domain.ticket import Status
from handlers.outbox import DispatchReport

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Counters the bot bumps as it works; gauges set from the database at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()

        def counter(name: str, documentation: str) -> Counter:
            return Counter(name, documentation, registry=self.registry)

        def labelled(name: str, documentation: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, documentation, labels, registry=self.registry)

        def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, documentation, labels, registry=self.registry)

        self.updates_handled = counter("updates_handled", "Telegram updates handled")
        self.handler_errors = counter(
            "handler_errors", "Unexpected errors raised while handling updates (not refusals)"
        )
        self.refusals = labelled(
            "refusals",
            "Requests the desk refused (not allowed, not found, ...), by kind and act",
            ("kind", "act"),
        )
        self.outbox_sent = counter("outbox_sent", "Outbox messages sent")
        self.outbox_retried = counter("outbox_retried", "Outbox sends failed, to be retried")
        self.outbox_parked = counter("outbox_parked", "Outbox messages given up on (parked)")
        self.sla_warnings = counter("sla_warnings", "SLA warnings queued (a target is near)")
        self.sla_breaches = counter("sla_breaches", "SLA breaches queued (supervisor pinged)")
        self.sla_escalations = counter("sla_escalations", "SLA breaches escalated to the admins")
        self.outbox_backlog = gauge("outbox_backlog", "Outbox messages waiting to be sent")
        self.outbox_oldest_pending_seconds = gauge(
            "outbox_oldest_pending_seconds",
            "Age of the oldest outbox message waiting to be sent (0 when none waits)",
        )
        self.inbox_backlog = gauge(
            "inbox_backlog", "Updates from Telegram stored but not handled yet"
        )
        self.database_up = gauge("database_up", "1 when the database answered the last scrape")
        self.tickets_by_status = gauge("tickets_by_status", "Tickets in each status", ("status",))

    def count_refusal(self, kind: str, act: str) -> None:
        """Add one refusal: a normal outcome, not an error."""
        self.refusals.labels(kind=kind, act=act).inc()

    def count_dispatch(self, report: DispatchReport) -> None:
        """Add one outbox run."""
        self.outbox_sent.inc(report.sent)
        self.outbox_retried.inc(report.retried)
        self.outbox_parked.inc(report.parked)

    def count_sweep(self, report: SweepReport) -> None:
        """Add one SLA sweep."""
        self.sla_warnings.inc(report.warnings)
        self.sla_breaches.inc(report.breaches)
        self.sla_escalations.inc(report.escalations)

    def set_backlog(self, count: int, oldest: datetime | None, now: datetime) -> float:
        """The outbox as the database has it now; returns the oldest row's age in seconds."""
        self.outbox_backlog.set(count)
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        self.outbox_oldest_pending_seconds.set(age)
        return age

    def set_tickets(self, counts: Mapping[str, int]) -> None:
        """Tickets by status as the database has them now; every status is shown, 0 too."""
        for status in Status:
            self.tickets_by_status.labels(status=status.value).set(counts.get(status.value, 0))
        for status, count in counts.items():
            self.tickets_by_status.labels(status=status).set(count)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
