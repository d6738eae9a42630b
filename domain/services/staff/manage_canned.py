"""`/canned` for supervisors (their department) and admins (any): the department's canned
replies with buttons to add one in a language, edit or retire one; the text comes as the
next message (its first line is the title in the lists)."""

from __future__ import annotations

from typing import Any

from domain import intake
from domain.canned import Canned, split, unknown_placeholders
from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.people import Department, Role, Sender, Staff
from domain.permissions import Act, check
from domain.ports import Conversation, UnitOfWork
from domain.presses import CannedManage
from domain.services.staff.base import StaffBase, StaffView

MANAGING = "canned"  # the conversation flow: the text of a reply being added or edited
Choices = list[tuple[str, str, str, dict[str, Any]]]


class CannedAdmin(StaffBase):
    """Supervisors and admins keep the canned replies of a department."""

    async def listing(self, sender: Sender, words: list[str]) -> StaffView:
        """`/canned` with no ticket in hand: the department's replies (admins: `/canned
        CODE`, or a choice of departments)."""
        async with self.uow() as uow:
            staff = await self.managing(uow, sender, command=True)
            department = await self._department_for(uow, staff, words)
            if department is None:
                view = await self._departments(uow, staff)
            else:
                view = await self._list(uow, staff, department)
            await self._stand_in(uow, sender, view)
            await uow.commit()
        return view

    async def button(self, sender: Sender, op: CannedManage) -> StaffView:
        """A button of `/canned`."""
        async with self.uow() as uow:
            staff = await self.managing(uow, sender)
            view = await self._button(uow, sender, staff, op)
            await self._stand_in(uow, sender, view)
            await uow.commit()
        return view

    async def managing(self, uow: UnitOfWork, sender: Sender, *, command: bool = False) -> Staff:
        """The staff member, if their role keeps canned replies (an agent's `/canned` with
        no ticket in hand is told how to search instead)."""
        staff = await self.staff_of(uow, sender)
        if command and staff.role is Role.AGENT:
            raise NotAllowed("canned.no_ticket")
        check(staff, Act.MANAGE_CANNED)
        return staff

    async def _button(
        self, uow: UnitOfWork, sender: Sender, staff: Staff, op: CannedManage
    ) -> StaffView:
        if op.op in ("list", "add"):
            assert op.department_id is not None
            department = await self._own(uow, staff, op.department_id)
            if op.op == "list":
                return await self._list(uow, staff, department)
            if op.locale not in self.policy.languages:
                raise InvalidInput("error.bad_callback")
            data = {"op": "add", "department": department.id, "locale": op.locale}
            return await self._ask(uow, sender, staff, data, "canned.manage.ask_add")
        canned = await self._canned(uow, staff, op.canned_id)
        params = _about(canned)
        if op.op == "edit":
            data = {"op": "edit", "canned": canned.id}
            return await self._ask(uow, sender, staff, data, "canned.manage.ask_edit", params)
        if op.op == "retire":
            assert canned.id is not None
            await uow.canned.retire(canned.id, self.clock.now())
            return _view(staff, "canned.manage.retired", params, _back(canned.department_id))
        choices: Choices = [
            ("edit", str(canned.id), "canned.manage.button.edit", {}),
            ("retire", str(canned.id), "canned.manage.button.retire", {}),
            *_back(canned.department_id),
        ]
        return _view(staff, "canned.manage.card", {**params, "body": canned.body}, choices)

    async def said(
        self, uow: UnitOfWork, staff: Staff, current: Conversation, value: intake.Input
    ) -> StaffView:
        """The text of a reply being added or edited (`current`: what it is for)."""
        data = current.data
        check(staff, Act.MANAGE_CANNED)  # the role may have changed since the button
        title, body = split(value.text if isinstance(value, intake.Text) else "")
        if not body:
            raise InvalidInput("canned.manage.text_only")
        limit = self.policy.limits.message_max_chars
        if len(body) > limit:
            raise InvalidInput("intake.too_long", length=len(body), limit=limit)
        unknown = unknown_placeholders(body)
        if unknown:
            raise InvalidInput("canned.manage.unknown_placeholder", name=unknown[0])
        await uow.conversations.delete(current.user_id)
        if data.get("op") == "edit":
            canned = await self._canned(uow, staff, data.get("canned"))
            assert canned.id is not None
            await uow.canned.update(canned.id, title=title, body=body, now=self.clock.now())
            key = "canned.manage.edited"
        else:
            department = await self._own(uow, staff, int(data.get("department") or 0))
            assert department.id is not None
            assert staff.id is not None
            canned = Canned(
                department.id, str(data.get("locale")), title, body, staff.id, self.clock.now()
            )
            await uow.canned.add(canned)
            key = "canned.manage.added"
        params = {"title": title, "language": canned.locale}
        return _view(staff, key, params, _back(canned.department_id))

    async def _ask(
        self,
        uow: UnitOfWork,
        sender: Sender,
        staff: Staff,
        data: dict[str, Any],
        key: str,
        params: dict[str, Any] | None = None,
    ) -> StaffView:
        conversation = Conversation(sender.telegram_id, MANAGING, data, self.clock.now())
        await uow.conversations.put(conversation)
        if "locale" in data:
            params = {"language": data["locale"]}
        return StaffView(staff.locale, key, params or {}, private_prompt=True)

    async def _list(self, uow: UnitOfWork, staff: Staff, department: Department) -> StaffView:
        assert department.id is not None
        replies = await uow.canned.list_department(department.id)
        choices: Choices = [
            ("show", str(c.id), "canned.manage.button.item", _about(c)) for c in replies
        ]
        choices += [
            ("add", f"{department.id}:{code}", "canned.manage.button.add", {"language": code})
            for code in self.policy.languages
        ]
        params = {"department": department.name_in(staff.locale), "count": len(replies)}
        return _view(staff, "canned.manage.list", params, choices)

    async def _departments(self, uow: UnitOfWork, staff: Staff) -> StaffView:
        label = "canned.manage.button.department"
        choices: Choices = [
            ("list", str(d.id), label, {"name": d.name_in(staff.locale)})
            for d in await uow.departments.list()
        ]
        return _view(staff, "canned.manage.departments", {}, choices)

    async def _department_for(
        self, uow: UnitOfWork, staff: Staff, words: list[str]
    ) -> Department | None:
        if staff.role is Role.ADMIN:  # every department's: which one?
            if not words:
                return None
            department = await uow.departments.get_by_code(words[0].lower())
            if department is None:
                raise NotFound("canned.manage.no_department", department=words[0])
            return department
        if staff.department_id is None:
            raise NotAllowed("canned.manage.other_department")
        return await self._own(uow, staff, staff.department_id)

    async def _own(self, uow: UnitOfWork, staff: Staff, department_id: int) -> Department:
        """A department whose replies this person keeps: a supervisor's own; any for admins."""
        if staff.role is not Role.ADMIN and department_id != staff.department_id:
            raise NotAllowed("canned.manage.other_department")
        return await self.department(uow, department_id)

    async def _canned(self, uow: UnitOfWork, staff: Staff, canned_id: object) -> Canned:
        canned = await uow.canned.get(canned_id) if isinstance(canned_id, int) else None
        if canned is None or not canned.active:
            raise NotFound("canned.gone")
        await self._own(uow, staff, canned.department_id)
        return canned


def _about(canned: Canned) -> dict[str, Any]:
    return {"title": canned.title, "language": canned.locale, "uses": canned.uses}


def _back(department_id: int) -> Choices:
    return [("list", str(department_id), "canned.manage.button.back", {})]


def _view(staff: Staff, key: str, params: dict[str, Any], choices: Choices) -> StaffView:
    return StaffView(staff.locale, key, params, choices=choices)
