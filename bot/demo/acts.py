"""The demo's day, act by act, played through Telegram as people would use it: commands typed,
photos sent, buttons tapped by the label they show. The clock moves between acts; the outbox
and the SLA sweep run as their jobs would.

09:00 the owner invites the team; customers write in (a complaint with a photo, an urgent
complaint in Chinese because a business is stopped, a question that belongs to After-sales);
the urgent one is claimed, answered, resolved and scored; the question is transferred and
answered by After-sales; nobody claims the complaint with the photo, so the SLA warns the
group and pings the supervisor; it is then answered and resolved but scored 2, which opens a
second round at the supervisor; at the end of the day, /report with its chart and /export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.demo.script import (
    AFTER_SALES,
    INVITE,
    STAFF_GROUP,
    SUPPORT,
    Script,
    department_name,
    label,
    number_in,
)
from bot.demo.stage import Actor
from handlers.i18n import t

WARNING_AFTER = timedelta(minutes=46)  # a normal ticket: acknowledge within 1 working hour,
BREACH_AFTER = timedelta(minutes=61)  # warned a quarter of it before
END_OF_DAY = timedelta(hours=8, minutes=30)  # after the desk opens: 17:30


@dataclass
class People:
    """The day's Telegram users."""

    owner: Actor
    supervisor: Actor
    agent: Actor
    agent_zh: Actor
    after_sales_agent: Actor
    photo: Actor
    urgent: Actor
    question: Actor


@dataclass
class Tickets:
    """The day's tickets by number, and when the one nobody claims was filed."""

    photo: str = ""
    urgent: str = ""
    question: str = ""
    photo_filed: datetime | None = None


async def play(s: Script) -> None:
    """The whole day."""
    c = s.cast
    people = People(
        *(s.actor(p) for p in (c.owner, c.supervisor, c.agent, c.agent_zh, c.after_sales_agent)),
        *(s.actor(p) for p in (c.photo_customer, c.urgent_customer, c.question_customer)),
    )
    group = s.say("demo.group", department=department_name(SUPPORT, s.lang))
    s.stage.transcript.name_chat(STAFF_GROUP, group)
    tickets = Tickets()
    await team(s, people)
    await filing(s, people, tickets)
    await urgent(s, people, tickets)
    await transfer(s, people, tickets)
    await overdue(s, tickets)
    await second_round(s, people, tickets)
    await report(s, people)


async def invite(s: Script, owner: Actor, args: str, joiner: Actor) -> None:
    """The owner sends `/invite ARGS`; the new member opens the link."""
    await owner.say(f"/invite {args}")
    found = INVITE.search(s.last_text(owner.id))
    if found is None:
        raise LookupError(f"no invite link in {s.last_text(owner.id)!r}")
    s.later(2)
    await joiner.say(f"/start {found.group(1)}")
    await s.stage.settle()


async def team(s: Script, p: People) -> None:
    s.act("demo.act.team")
    s.at(0)
    await invite(s, p.owner, "supervisor support", p.supervisor)
    await invite(s, p.owner, "agent support", p.agent)
    await invite(s, p.owner, "agent support", p.agent_zh)
    await invite(s, p.owner, "agent after-sales", p.after_sales_agent)


async def file(
    s: Script,
    customer: Actor,
    type_key: str,
    description: str,
    *,
    photo: tuple[str, str] | None = None,
    stopped: bool = False,
) -> str:
    """`/new` with the buttons, as a customer files; the ticket's number."""
    await customer.say("/new")
    await customer.press(label(customer, f"type.{type_key}"))
    await customer.say(description)
    if photo is not None:
        await customer.photo(*photo)
    await customer.press(label(customer, "button.done"))
    await customer.press(label(customer, "button.skip"))
    await customer.say(label(customer, "button.skip_contact"))
    await customer.press(label(customer, "button.yes_stopped" if stopped else "button.no_stopped"))
    await customer.press(label(customer, "button.submit"))
    number = number_in(s.last_text(customer.id))
    await s.stage.settle()
    return number


async def filing(s: Script, p: People, tickets: Tickets) -> None:
    s.act("demo.act.filing")
    first, second, third = s.cast.arrivals
    s.at(first)
    complaint = s.cast.photo_complaint
    photo = ("photo-of-the-damage", complaint["caption"])
    tickets.photo = await file(s, p.photo, "complaint", complaint["description"], photo=photo)
    tickets.photo_filed = s.stage.clock.now()
    s.at(second)
    urgent_text = s.cast.urgent_complaint["description"]
    tickets.urgent = await file(s, p.urgent, "complaint", urgent_text, stopped=True)
    s.at(third)
    tickets.question = await file(s, p.question, "inquiry", s.cast.after_sales["description"])


async def on_card(s: Script, staff: Actor, number: str, key: str, chat: int | None = None) -> None:
    """`staff` taps a button of ticket `number`'s card: in the staff group (its labels in the
    desk's language) or in their private chat."""
    if chat is None:
        await staff.press_on(s.card(number), t(s.lang, key))
    else:
        await staff.press_on(s.card(number, chat), label(staff, key))


async def answer(s: Script, staff: Actor, number: str, key: str, text: str, chat=None) -> None:
    """Tap Reply (or Resolve ...) on the card, write `text`; the outbox delivers it."""
    await on_card(s, staff, number, key, chat)
    await staff.say(text)
    await s.stage.settle()


async def claim(s: Script, staff: Actor, number: str, chat: int | None = None) -> None:
    """Claim the ticket from its card; the customer hears who is on it."""
    await on_card(s, staff, number, "staff.button.claim", chat)
    await s.stage.settle()


async def confirm_and_score(s: Script, customer: Actor, score: int) -> None:
    """The customer confirms the resolution and answers the poll that follows."""
    await customer.press(label(customer, "confirm.button.solved"))
    await s.stage.settle()
    await customer.press(label(customer, f"poll.score_{score}"))


async def urgent(s: Script, p: People, tickets: Tickets) -> None:
    s.act("demo.act.claim")
    lines, number, agent = s.cast.urgent_complaint, tickets.urgent, p.agent_zh
    s.later(2)
    await claim(s, agent, number)
    await answer(s, agent, number, "staff.button.reply", lines["reply"])
    s.later(4)
    await p.urgent.say(lines["answer"])
    await s.stage.settle()
    s.later(2)
    await answer(s, agent, number, "staff.button.resolve", lines["resolution"])
    s.later(3)
    await confirm_and_score(s, p.urgent, 5)
    await p.urgent.press(label(p.urgent, "button.skip"))
    await s.stage.settle()


async def transfer(s: Script, p: People, tickets: Tickets) -> None:
    s.act("demo.act.transfer")
    lines, number = s.cast.after_sales, tickets.question
    s.later(5)
    await claim(s, p.agent, number)
    await on_card(s, p.agent, number, "staff.button.xfer")
    after_sales = department_name(AFTER_SALES, p.agent.user.language_code or "en")
    await p.agent.press(label(p.agent, "staff.to_department", name=after_sales))
    await p.agent.say(lines["reason"])
    await s.stage.settle()
    s.later(6)
    helper = p.after_sales_agent
    await claim(s, helper, number, helper.id)
    await answer(s, helper, number, "staff.button.reply", lines["answer"], helper.id)


async def overdue(s: Script, tickets: Tickets) -> None:
    s.act("demo.act.sla")
    assert tickets.photo_filed is not None
    s.jump(tickets.photo_filed + WARNING_AFTER)
    await s.stage.sweep()
    s.jump(tickets.photo_filed + BREACH_AFTER)
    await s.stage.sweep()


async def second_round(s: Script, p: People, tickets: Tickets) -> None:
    s.act("demo.act.resolve")
    lines, number = s.cast.photo_complaint, tickets.photo
    s.later(3)
    await claim(s, p.agent, number)
    await answer(s, p.agent, number, "staff.button.reply", lines["reply"])
    s.later(25)
    await answer(s, p.agent, number, "staff.button.resolve", lines["resolution"])
    s.later(12)
    await confirm_and_score(s, p.photo, 2)
    await p.photo.say(lines["comment"])
    await s.stage.settle()


async def report(s: Script, p: People) -> None:
    s.act("demo.act.report")
    s.jump(s.opens + END_OF_DAY)
    await p.owner.say("/report")
    day = s.opens.date().isoformat()
    await p.owner.say(f"/export {day} {day}")
    await s.stage.settle()
