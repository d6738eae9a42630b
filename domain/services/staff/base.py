"""What every staff act shares: who is acting, on which ticket, and how a change is
recorded and told (the card edits and the outbox rows, in the act's unit of work)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from domain import intake, logcontext
from domain.delivery import Kind
from domain.errors import ConcurrentChange, DeskError, InvalidInput, NotAllowed, NotFound
from domain.people import Customer, Department, Sender, Staff
from domain.permissions import Act, Reach, check
from domain.ports import Conversation, Notice, UnitOfWork
from domain.presses import Choice, StaffPress
from domain.services import cards
from domain.services.base import ServiceBase
from domain.ticket import Attachment, Ticket, TicketEvent, Work
from domain.views import IntakeView

FLOW = "staff"  # a prompt waiting for the staff member's next message
FILING = "filing"  # `/file`: channel, customer, then the steps of `/new`
# The key of an outcome that needs no words now (a reply is confirmed once delivered).
QUIET = ""


@dataclass(slots=True)
class StaffView:
    """What a staff use case hands back: a catalog key and its values, maybe choices."""

    locale: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    ticket: Ticket | None = None
    # (act, value, label key, label params) for buttons offering a choice
    choices: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    card: dict[str, Any] | None = None
    events: list[TicketEvent] = field(default_factory=list)
    page: int = 0
    pages: int = 1
    files: list[Attachment] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    private_prompt: bool = False
    alert: str | None = None
    intake: IntakeView | None = None
    # the `reply` outbox rows standing in for the handler's answer (domain.services.base)
    receipt_ids: list[int] = field(default_factory=list, kw_only=True)


@dataclass(frozen=True, slots=True)
class Press:
    """A staff button press that passed the permission check: who, on what, with what."""

    uow: UnitOfWork
    sender: Sender
    staff: Staff
    ticket: Ticket
    choice: Choice | None
    now: datetime

    @property
    def locale(self) -> str:
        return self.staff.locale

    @property
    def number(self) -> str:
        return self.ticket.number

    def choose(self, key: str, choices: list[tuple[str, str, str, dict[str, Any]]]) -> StaffView:
        """The question `key` about this ticket, with a button per choice."""
        return StaffView(
            self.locale, key, {"number": self.number}, ticket=self.ticket, choices=choices
        )


@dataclass(frozen=True, slots=True)
class Said:
    """The staff member's message a prompt asked for, checked to have what the act needs."""

    uow: UnitOfWork
    staff: Staff
    ticket: Ticket
    body: str | None
    attachments: list[Attachment]
    value: intake.Input
    data: dict[str, Any]
    now: datetime

    @property
    def text(self) -> str:
        assert self.body is not None  # an act that needs text was given some
        return self.body

    @property
    def staff_id(self) -> int:
        assert self.staff.id is not None
        return self.staff.id

    def view(self, key: str, **params: Any) -> StaffView:
        """The outcome for the staff member, about this ticket."""
        return StaffView(
            self.staff.locale, key, {"number": self.ticket.number, **params}, ticket=self.ticket
        )


class StaffBase(ServiceBase):
    """How a staff act runs (`press`: its entry in `acts`, after the permission check) and
    the helpers the acts share."""

    # the table of acts (domain.services.staff.desk.ACTS)
    acts: ClassVar[dict[Act, StaffAct]] = {}

    async def press(self, sender: Sender, pressed: StaffPress) -> StaffView:
        """A staff button on a card (or a choice offered after one)."""
        entry = self.acts.get(pressed.act)
        try:
            async with self.uow() as uow:
                view = await self._press(uow, sender, entry, pressed)
                if sender.chat_id == sender.telegram_id:  # in a group: a toast, or no answer
                    await self._stand_in(uow, sender, view)
                await uow.commit()
            return view
        except ConcurrentChange:
            if entry is None or entry.on_conflict is None:
                raise
            # somebody else's change committed between our read and our write
            async with self.uow() as uow:
                await self.staff_of(uow, sender)
                ticket = await self.ticket(uow, pressed.number)
                refusal = await entry.on_conflict(uow, ticket)
                await uow.commit()
            raise refusal from None

    async def _press(
        self, uow: UnitOfWork, sender: Sender, entry: StaffAct | None, pressed: StaffPress
    ) -> StaffView:
        staff = await self.staff_of(uow, sender)
        ticket = await self.ticket(uow, pressed.number)
        reach = await self.reach(uow, ticket)
        if entry is not None and entry.before_check is not None:
            await entry.before_check(uow, ticket, staff)
        check(staff, pressed.act, ticket, reach)
        if entry is None:  # an act no card offers
            raise InvalidInput("error.bad_callback")
        p = Press(uow, sender, staff, ticket, pressed.choice, self.clock.now())
        return await entry.press(self, p)

    async def staff_of(self, uow: UnitOfWork, sender: Sender) -> Staff:
        actor = await self._actor(uow, sender, create=False)
        if actor.staff is None:
            deactivated = await uow.staff.get_by_telegram_id(sender.telegram_id)
            if deactivated is not None and not deactivated.active:
                raise NotAllowed("error.deactivated")
            raise NotAllowed("error.staff_only")
        return actor.staff

    @staticmethod
    async def ticket(uow: UnitOfWork, number: str) -> Ticket:
        logcontext.about_ticket(number)
        ticket = await uow.tickets.get_by_number(number)
        if ticket is None:
            raise NotFound("error.ticket_not_found", number=number)
        return ticket

    @staticmethod
    async def reach(uow: UnitOfWork, ticket: Ticket) -> Reach:
        assert ticket.id is not None
        return Reach(await uow.collaborations.departments_for(ticket.id))

    async def record(self, uow: UnitOfWork, ticket: Ticket, event: TicketEvent) -> None:
        """Save the ticket, add its event and edit its cards."""
        await self._save(uow, ticket)
        await uow.events.add(event)
        await cards.ticket_changed(uow, self.policy, ticket, now=self.clock.now())

    async def expect(self, p: Press, act: Act, **extra: Any) -> StaffView:
        """Wait for the staff member's next message for `act`; the prompt asking for it."""
        data = {"act": act.value, "number": p.number, **extra}
        await p.uow.conversations.put(
            Conversation(p.sender.telegram_id, FLOW, data, self.clock.now())
        )
        return StaffView(
            p.locale,
            f"staff.prompt.{act.value}",
            {"number": p.number},
            ticket=p.ticket,
            private_prompt=True,
        )

    @staticmethod
    async def tell_customer(
        uow: UnitOfWork, ticket: Ticket, kind: Kind, params: dict[str, Any]
    ) -> None:
        customer: Customer | None = await uow.customers.get(ticket.customer_id)
        if customer is None or customer.telegram_id is None:
            return
        uow.outbox.add(
            Notice(
                customer.telegram_id,
                kind,
                customer.locale,
                {"number": ticket.number, **params},
                ticket.id,
            )
        )

    @staticmethod
    def tell_staff(
        uow: UnitOfWork, staff: Staff, ticket: Ticket, kind: Kind, params: dict[str, Any]
    ) -> None:
        uow.outbox.add(
            Notice(
                staff.telegram_id,
                kind,
                staff.locale,
                {"number": ticket.number, **params},
                ticket.id,
            )
        )

    @staticmethod
    async def tell_assignee(
        uow: UnitOfWork, ticket: Ticket, kind: Kind, params: dict[str, Any]
    ) -> None:
        """Tell the ticket's assignee, if it has an active one."""
        if ticket.assignee_id is None:
            return
        assignee = await uow.staff.get(ticket.assignee_id)
        if assignee is not None and assignee.active:
            StaffBase.tell_staff(uow, assignee, ticket, kind, params)

    @staticmethod
    async def department(uow: UnitOfWork, department_id: int) -> Department:
        department = await uow.departments.get(department_id)
        if department is None:
            raise NotFound("error.bad_callback")
        return department

    @staticmethod
    async def active_staff(uow: UnitOfWork, staff_id: int) -> Staff:
        staff = await uow.staff.get(staff_id)
        if staff is None or not staff.active:
            raise NotFound("error.staff_gone")
        return staff


def enum_of(kind: Any, value: str) -> Any:
    """`kind(value)`; a value no button of ours carries is refused."""
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput("error.bad_callback") from None


# A press once the permission check passed; the message a prompt asked for.
OnPress = Callable[[StaffBase, Press], Awaitable[StaffView]]
OnSaid = Callable[[StaffBase, Said], Awaitable[StaffView]]


@dataclass(frozen=True, slots=True)
class StaffAct:
    """One entry of the table of staff acts (domain.services.staff.desk.ACTS)."""

    press: OnPress  # the button, once the permission check passed
    said: OnSaid | None = None  # the message its prompt asked for, if it asks for one
    needs_text: bool = False  # that message must have words (not only files)
    # before the permission check: a refusal that says more than "not allowed"
    before_check: Callable[[UnitOfWork, Ticket, Staff], Awaitable[None]] | None = None
    # when another unit of work changed the ticket first: the refusal to give instead
    on_conflict: Callable[[UnitOfWork, Ticket], Awaitable[DeskError]] | None = None


def prompt(act: Act, *, workable: bool = False) -> OnPress:
    """The press of an act that asks for a message first (`workable`: on an open ticket)."""

    async def ask(desk: StaffBase, p: Press) -> StaffView:
        if workable:
            Work.require_workable(p.ticket)
        return await desk.expect(p, act)

    return ask
