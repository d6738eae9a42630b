"""Random walks through a ticket's life: the invariants hold after every step."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import IllegalTransition, NotAllowed
from domain.ticket import (
    TRANSITIONS,
    Attachment,
    AttachmentKind,
    Channel,
    FeedbackType,
    Priority,
    Status,
    Ticket,
)

OWNER = 7
FILED_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
customers = st.sampled_from([OWNER, OWNER, 8])


class TicketLifecycle(RuleBasedStateMachine):
    """Drives one ticket with moves, withdrawals and customer messages."""

    def __init__(self) -> None:
        super().__init__()
        self.now = FILED_AT
        self.ticket = Ticket(
            number="FB-20261123-0001",
            customer_id=OWNER,
            department_id=1,
            type=FeedbackType.INQUIRY,
            channel=Channel.TELEGRAM,
            priority=Priority.NORMAL,
            title="t",
            description="t",
            created_at=FILED_AT,
            updated_at=FILED_AT,
            id=1,
        )
        # The model: what the ticket should look like, kept independently.
        self.status = Status.NEW
        self.attachments = 0
        self.last_change = FILED_AT
        self.was_withdrawn = False

    def _tick(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def _changed(self, status: Status) -> None:
        self.status = status
        self.last_change = self.now
        self.was_withdrawn |= status is Status.WITHDRAWN

    @rule(status=st.sampled_from(Status), minutes=st.integers(1, 10_000))
    def move(self, status: Status, minutes: int) -> None:
        now = self._tick(minutes)
        if status in TRANSITIONS[self.status]:
            assert self.ticket.move_to(status, now=now) is self.status
            self._changed(status)
        else:
            with pytest.raises(IllegalTransition):
                self.ticket.move_to(status, now=now)

    @rule(customer_id=customers, minutes=st.integers(1, 10_000))
    def withdraw(self, customer_id: int, minutes: int) -> None:
        now = self._tick(minutes)
        if customer_id != OWNER:
            with pytest.raises(NotAllowed):
                self.ticket.withdraw(customer_id=customer_id, now=now)
        elif self.status is not Status.NEW:
            with pytest.raises(IllegalTransition):
                self.ticket.withdraw(customer_id=customer_id, now=now)
        else:
            self.ticket.withdraw(customer_id=customer_id, now=now)
            self._changed(Status.WITHDRAWN)

    @rule(customer_id=customers, files=st.integers(0, 3), minutes=st.integers(1, 10_000))
    def customer_message(self, customer_id: int, files: int, minutes: int) -> None:
        now = self._tick(minutes)
        attachments = [
            Attachment(AttachmentKind.PHOTO, f"f{i}", f"u{i}", size=1) for i in range(files)
        ]

        def send() -> None:
            self.ticket.add_customer_message(
                customer_id=customer_id, body="msg", attachments=attachments, now=now
            )

        if customer_id != OWNER:
            with pytest.raises(NotAllowed):
                send()
        elif self.status in (Status.CLOSED, Status.WITHDRAWN):
            with pytest.raises(IllegalTransition):
                send()
        else:
            send()
            after = Status.IN_PROGRESS if self.status is Status.WAITING_CUSTOMER else self.status
            self._changed(after)
            self.attachments += files

    @precondition(lambda self: self.status is Status.WITHDRAWN)
    @rule()
    def nothing_leaves_withdrawn(self) -> None:
        for target in Status:
            with pytest.raises(IllegalTransition):
                self.ticket.move_to(target, now=self.now)

    @invariant()
    def status_follows_the_model(self) -> None:
        assert self.ticket.status is self.status

    @invariant()
    def withdrawn_is_final(self) -> None:
        assert self.was_withdrawn == (self.ticket.status is Status.WITHDRAWN)

    @invariant()
    def resolved_at_is_set_exactly_while_resolved_or_closed(self) -> None:
        resolved = self.ticket.status in (Status.RESOLVED, Status.CLOSED)
        assert (self.ticket.resolved_at is not None) == resolved

    @invariant()
    def closed_at_is_set_exactly_while_closed(self) -> None:
        assert (self.ticket.closed_at is not None) == (self.ticket.status is Status.CLOSED)

    @invariant()
    def a_ticket_is_closed_only_after_it_was_resolved(self) -> None:
        if self.ticket.closed_at is not None:
            assert self.ticket.resolved_at is not None
            assert self.ticket.resolved_at <= self.ticket.closed_at

    @invariant()
    def updated_at_is_the_last_change(self) -> None:
        assert self.ticket.updated_at == self.last_change

    @invariant()
    def every_attachment_is_counted(self) -> None:
        assert self.ticket.attachment_count == self.attachments

    @invariant()
    def identity_never_changes(self) -> None:
        assert (self.ticket.number, self.ticket.customer_id, self.ticket.created_at) == (
            "FB-20261123-0001",
            OWNER,
            FILED_AT,
        )


TicketLifecycle.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None
)
TestTicketLifecycle = TicketLifecycle.TestCase
