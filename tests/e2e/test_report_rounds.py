"""The report's acknowledge SLA of a second round: judged by the round's own acknowledgement
(a claim, an assignment, a reply) against the round's own due time."""

from __future__ import annotations

import pytest

from tests.e2e.dsl import DeskHarness, Person
from tests.e2e.steps import label, said, ticket_row
from tests.e2e.test_satisfaction import SUPERVISOR, resolved_ticket
from tests.e2e.test_satisfaction import desk as desk  # the fixture
from tests.e2e.test_staff_desk import press_on_card


async def second_round(desk: DeskHarness) -> tuple[Person, str]:
    """Bob acknowledges and resolves Ann's ticket at once; she scores it 2, which starts a
    second round at Sue, the supervisor. Returns Sue and the number."""
    sue = desk.customer(SUPERVISOR, "Sue")
    await sue.send("/start")
    ann, _, number = await resolved_ticket(desk)
    await ann.press(label("en", "confirm.button.solved"))
    await desk.dispatch()
    await ann.press(label("en", "poll.score_2"), on=ann.last_message)
    await desk.dispatch()
    assert (await ticket_row(desk, number)).round == 2
    return sue, number


async def acknowledged_in_time(person: Person) -> str:
    """The "acknowledged in time" line of today's report, as `person` reads it."""
    await person.send("/report today")
    text = next(m.plain_text for m in reversed(person.messages()) if m.method == "sendMessage")
    heading = said("en", "report.ack_sla")
    return next(line for line in (text or "").split("\n") if line.startswith(heading))


async def test_a_second_round_nobody_acknowledges_in_time_is_missed(desk: DeskHarness):
    sue, number = await second_round(desk)
    # not due yet: not measured
    assert said("en", "report.of", part=0, base=0) in await acknowledged_in_time(sue)

    # the second round is to be acknowledged within an hour; nobody does
    desk.clock.advance(hours=1, minutes=1)
    assert said("en", "report.of", part=0, base=1) in await acknowledged_in_time(sue)

    # a late answer does not make it in time
    await press_on_card(sue, desk, number, "staff.button.reply")
    await sue.send("Sorry for the wait, we are on it again.")
    await desk.dispatch()
    assert said("en", "report.of", part=0, base=1) in await acknowledged_in_time(sue)


@pytest.mark.parametrize("how", ["assign", "reply"])
async def test_a_second_round_acknowledged_in_time_is_met(desk: DeskHarness, how: str):
    sue, number = await second_round(desk)
    desk.clock.advance(minutes=30)
    if how == "assign":  # Sue gives the round to Bob: that acknowledges it
        await press_on_card(sue, desk, number, "staff.button.assign")
        await sue.press("Bob")
    else:
        await press_on_card(sue, desk, number, "staff.button.reply")
        await sue.send("I am looking into it myself.")
    await desk.dispatch()
    row = await ticket_row(desk, number)
    assert row.round_acknowledged_at == desk.clock.now()

    desk.clock.advance(hours=2)  # long past the round's due time
    assert said("en", "report.of", part=1, base=1) in await acknowledged_in_time(sue)
