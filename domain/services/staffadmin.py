"""Staff onboarding and administration: invites, the roster, departments, staff chats."""

from __future__ import annotations

from typing import Any

from domain import roles
from domain import staffadmin as rules
from domain.delivery import Kind
from domain.errors import NotAllowed, NotFound
from domain.people import Department, Role, Sender, Staff
from domain.ports import Notice, UnitOfWork
from domain.services import cards
from domain.services.base import ServiceBase
from domain.staffadmin import (
    AlreadyStaff,
    Bound,
    ChooseDepartment,
    DepartmentInfo,
    DepartmentList,
    InviteCreated,
    Joined,
    Roster,
    RosterEntry,
    StaffCard,
)
from domain.ticket import OPEN_STATUSES, Work

UNASSIGN_REASON = "deactivated"
MANY = 10_000  # more open tickets than anybody holds


class StaffAdmin(ServiceBase):
    """Use cases of admins and supervisors managing people and departments."""

    async def _staff(self, uow: UnitOfWork, sender: Sender) -> Staff | None:
        """The sender's staff record, active or not (a first sight brings its name and
        language up to date)."""
        actor = await self._actor(uow, sender, create=False)
        return actor.staff or await uow.staff.get_by_telegram_id(sender.telegram_id)

    async def _acting(self, uow: UnitOfWork, sender: Sender) -> Staff:
        return rules.require_active_staff(await self._staff(uow, sender))

    # -- invites --------------------------------------------------------------------------

    async def create_invite(
        self, sender: Sender, role_text: str | None, department_code: str | None
    ) -> InviteCreated:
        """A one-time invite link for a new agent, supervisor or admin."""
        async with self.uow() as uow:
            inviter = rules.require_inviter(await self._acting(uow, sender))
            role = rules.parse_role(role_text)
            department = (
                await uow.departments.get_by_code(department_code.lower())
                if department_code
                else None
            )
            department_id = rules.invite_department(
                inviter, role, department, code_given=bool(department_code)
            )
            if department is None and department_id is not None:
                department = await uow.departments.get(department_id)
            now = self.clock.now()
            invite = await uow.invites.add(
                rules.make_invite(inviter, role, department_id, now, self.policy.limits.invite_ttl)
            )
            await uow.commit()
        return InviteCreated(inviter.locale, invite.token, role, department, invite.expires_at)

    async def accept_invite(self, sender: Sender, payload: str) -> Joined | AlreadyStaff:
        """`/start inv_<token>`: the user becomes staff, once per token."""
        token = rules.token_from_payload(payload)
        async with self.uow() as uow:
            now = self.clock.now()
            existing = await uow.staff.get_by_telegram_id(sender.telegram_id)
            if existing is not None and existing.active:
                return AlreadyStaff(existing.locale, existing.role)
            customer = await uow.customers.get_by_telegram_id(sender.telegram_id)
            if existing is not None:
                locale = existing.locale
            elif customer is not None:
                locale = customer.locale
            else:
                locale = self.policy.language_for(sender.language_code)
            found = await uow.invites.get_by_token(token) if token else None
            invite = rules.check_invite(found, now)
            assert invite.id is not None
            department = (
                await uow.departments.get(invite.department_id) if invite.department_id else None
            )
            name = sender.name or (existing.name if existing else "")
            if existing is None:
                staff = await uow.staff.add(
                    Staff(
                        telegram_id=sender.telegram_id,
                        name=name,
                        role=invite.role,
                        department_id=invite.department_id,
                        locale=locale,
                        since=now,
                    )
                )
            else:
                assert existing.id is not None
                await uow.staff.set_membership(
                    existing.id,
                    role=invite.role,
                    department_id=invite.department_id,
                    active=True,
                    name=name,
                )
                staff = existing
            assert staff.id is not None
            if not await uow.invites.claim(invite.id, staff.id, now):
                # somebody else opened it a moment ago: roll everything back
                raise NotAllowed("invite.used")
            inviter = await uow.staff.get(invite.created_by)
            if inviter is not None:
                uow.outbox.add(
                    Notice(
                        inviter.telegram_id,
                        Kind.STAFF_JOINED,
                        inviter.locale,
                        {
                            "name": name,
                            "role": invite.role.value,
                            "department": department.label() if department else "",
                        },
                    )
                )
            await uow.commit()
        return Joined(locale, invite.role, department)

    # -- the config file ------------------------------------------------------------------

    async def apply_config(self) -> list[Staff]:
        """At every start: each person the config names admin or supervisor holds at least
        that role from now on (a higher one from their record stays); whose role changed gets
        its menu. Returns the people added or changed."""
        changed: list[Staff] = []
        async with self.uow() as uow:
            departments = {d.code: d.id for d in await uow.departments.list()}
            for telegram_id, wanted in sorted(self.policy.configured().items()):
                record = await uow.staff.get_by_telegram_id(telegram_id)
                before = (record.role, record.department_id, record.active) if record else None
                staff = roles.merged(
                    record,
                    wanted,
                    telegram_id=telegram_id,
                    department_id=departments.get(wanted.department or ""),
                    locale=self.policy.default_language,
                    now=self.clock.now(),
                )
                if staff.id is None:
                    changed.append(await uow.staff.add(staff))
                elif before != (staff.role, staff.department_id, staff.active):
                    await uow.staff.set_membership(
                        staff.id, role=staff.role, department_id=staff.department_id, active=True
                    )
                    changed.append(staff)
                    self._menu(uow, staff, staff.role)
            await uow.commit()
        return changed

    # -- the roster -----------------------------------------------------------------------

    async def roster(self, sender: Sender, *, managing: bool = False) -> Roster:
        """`/staff`: everyone (admins) or the supervisor's department; `managing`: for
        the roster's own buttons, which only admins have."""
        async with self.uow() as uow:
            viewer = await self._acting(uow, sender)
            if managing:
                rules.require_manager(viewer)
            scope = rules.roster_scope(viewer)
            people = (
                await uow.staff.list_all()
                if scope is None
                else await uow.staff.list_department(scope)
            )
            departments = {d.id: d for d in await uow.departments.list()}
            await uow.commit()
        entries = [RosterEntry(p, departments.get(p.department_id)) for p in people]
        own = departments.get(scope) if scope is not None else None
        return Roster(viewer.locale, entries, manage=scope is None, department=own)

    async def staff_card(self, sender: Sender, staff_id: int) -> StaffCard:
        """One staff member, with the changes an admin may make."""
        async with self.uow() as uow:
            actor = rules.require_manager(await self._acting(uow, sender))
            card = await self._card(uow, actor, staff_id)
            await uow.commit()
        return card

    async def change_role(self, sender: Sender, staff_id: int, role_text: str) -> StaffCard:
        """Make a staff member an agent, a supervisor or an admin."""
        async with self.uow() as uow:
            actor = rules.require_manager(await self._acting(uow, sender))
            target = await self._target(uow, staff_id)
            role = rules.parse_role(role_text)
            rules.check_role_change(
                actor, target, role, await uow.staff.list_all(), **await self._floor(uow, target)
            )
            assert target.id is not None
            await uow.staff.set_membership(
                target.id, role=role, department_id=target.department_id, active=target.active
            )
            if target.active:
                self._menu(uow, target, role)
            card = await self._card(uow, actor, staff_id)
            card.note, card.params = "staffadmin.role_changed", {"role": role}
            await uow.commit()
        return card

    async def change_department(
        self, sender: Sender, staff_id: int, department_id: int
    ) -> StaffCard:
        """Move a staff member to another department."""
        async with self.uow() as uow:
            actor = rules.require_manager(await self._acting(uow, sender))
            target = await self._target(uow, staff_id)
            department = await uow.departments.get(department_id)
            if department is None:
                raise NotFound("staffadmin.unknown_department")
            rules.check_department_change(target, department, **await self._floor(uow, target))
            assert target.id is not None
            await uow.staff.set_membership(
                target.id, role=target.role, department_id=department.id, active=target.active
            )
            card = await self._card(uow, actor, staff_id)
            card.note, card.params = "staffadmin.department_changed", {"name": department.label()}
            await uow.commit()
        return card

    async def set_active(self, sender: Sender, staff_id: int, active: bool) -> StaffCard:
        """Deactivate (their open tickets go back to the queue) or reactivate someone."""
        async with self.uow() as uow:
            actor = rules.require_manager(await self._acting(uow, sender))
            assert actor.id is not None
            target = await self._target(uow, staff_id)
            assert target.id is not None
            moved = 0
            if active:
                if target.active:
                    raise NotAllowed("staffadmin.already_active", name=target.name)
            else:
                rules.check_deactivate(
                    actor, target, await uow.staff.list_all(), **await self._floor(uow, target)
                )
                moved = await self._release_tickets(uow, target.id, actor.id)
            await uow.staff.set_membership(
                target.id, role=target.role, department_id=target.department_id, active=active
            )
            self._menu(uow, target, target.role if active else None)
            card = await self._card(uow, actor, staff_id)
            if active:
                card.note, card.params = "staffadmin.reactivated", {}
            else:
                card.note, card.params = "staffadmin.deactivated_done", {"count": moved}
            await uow.commit()
        return card

    @staticmethod
    def _menu(uow: UnitOfWork, member: Staff, role: Role | None) -> None:
        """Their command menu follows at once, through the outbox like a message (retried
        the same way): their role's, or none (the customer's) when they are deactivated."""
        params = {"role": role.value if role is not None else None}
        uow.outbox.add(
            Notice(
                member.telegram_id,
                Kind.STAFF_MENU,  # `{"role": None}`: menu taken away
                member.locale,
                params,
            )
        )

    async def _release_tickets(self, uow: UnitOfWork, staff_id: int, actor_id: int) -> int:
        now = self.clock.now()
        tickets = await uow.tickets.list_staff_view(
            assignee_id=staff_id, statuses=OPEN_STATUSES, limit=MANY
        )
        for ticket in tickets:
            event = Work.unassign(ticket, actor_id, now, UNASSIGN_REASON)
            await self._save(uow, ticket)
            await uow.events.add(event)
            await cards.ticket_changed(uow, self.policy, ticket)
        return len(tickets)

    async def _floor(self, uow: UnitOfWork, target: Staff) -> dict[str, Any]:
        """What the config file makes `target`, for the rules that keep it."""
        wanted = self.policy.configured().get(target.telegram_id)
        heads = None
        if wanted is not None and wanted.department is not None:
            heads = await uow.departments.get_by_code(wanted.department)
        return {"configured": wanted, "heads": heads.label() if heads else ""}

    async def _target(self, uow: UnitOfWork, staff_id: int) -> Staff:
        target = await uow.staff.get(staff_id)
        if target is None:
            raise NotFound("staffadmin.unknown_staff")
        return target

    async def _card(self, uow: UnitOfWork, actor: Staff, staff_id: int) -> StaffCard:
        target = await self._target(uow, staff_id)
        departments = list(await uow.departments.list())
        department = next((d for d in departments if d.id == target.department_id), None)
        assert target.id is not None
        open_tickets = await uow.tickets.list_staff_view(
            assignee_id=target.id, statuses=OPEN_STATUSES, limit=MANY
        )
        return StaffCard(
            actor.locale,
            RosterEntry(target, department),
            departments,
            open_tickets=len(open_tickets),
        )

    # -- departments ----------------------------------------------------------------------

    async def departments(self, sender: Sender) -> DepartmentList:
        """`/departments`: routing, staff chat, supervisors and head count of each."""
        async with self.uow() as uow:
            actor = rules.require_manager(await self._acting(uow, sender))
            departments = list(await uow.departments.list())
            people = list(await uow.staff.list_all())
            await uow.commit()
        infos = []
        for department in departments:
            members = [p for p in people if p.department_id == department.id and p.active]
            infos.append(
                DepartmentInfo(
                    department,
                    [t for t, code in self.policy.routing.items() if code == department.code],
                    [p for p in members if p.heads_department],
                    len(members),
                )
            )
        return DepartmentList(actor.locale, infos)

    async def bind(
        self, sender: Sender, chat_id: int, department_code: str | None
    ) -> Bound | ChooseDepartment:
        """Make the group `chat_id` the staff chat of a department."""
        async with self.uow() as uow:
            actor = rules.require_binder(await self._staff(uow, sender))
            departments = list(await uow.departments.list())
            department: Department | None
            if department_code:
                department = await uow.departments.get_by_code(department_code.lower())
                if department is None:
                    raise NotFound("staffadmin.unknown_department")
            elif len(departments) == 1:
                department = departments[0]
            else:
                return ChooseDepartment(actor.locale, departments)
            assert department.id is not None
            await uow.departments.set_staff_chat(department.id, chat_id)
            department.staff_chat_id = chat_id
            await uow.commit()
        return Bound(actor.locale, department)

    async def locale_of(self, sender: Sender) -> str:
        """The user's language, registering nobody."""
        async with self.uow() as uow:
            staff = await uow.staff.get_by_telegram_id(sender.telegram_id)
            if staff is not None:
                return staff.locale
            actor = await self._actor(uow, sender, create=False)
            await uow.commit()
        return actor.locale
