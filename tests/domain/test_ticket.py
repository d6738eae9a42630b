from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from domain.errors import IllegalTransition, NotAllowed
from domain.ticket import (
    OPEN_STATUSES,
    TRANSITIONS,
    ActorKind,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    FeedbackType,
    Priority,
    Status,
    Ticket,
    Work,
    title_from,
)

FILED_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LATER = FILED_AT + timedelta(hours=1)
OWNER = 7
SOMEBODY_ELSE = 8


def a_ticket(status: Status = Status.NEW, **overrides) -> Ticket:
    values = {
        "number": "FB-20261123-0001",
        "customer_id": OWNER,
        "department_id": 1,
        "type": FeedbackType.COMPLAINT,
        "channel": Channel.TELEGRAM,
        "priority": Priority.NORMAL,
        "title": "Till broken",
        "description": "Till broken",
        "created_at": FILED_AT,
        "updated_at": FILED_AT,
        "status": status,
        "id": 1,
    }
    return Ticket(**(values | overrides))


def a_photo(n: int = 1) -> Attachment:
    return Attachment(AttachmentKind.PHOTO, f"file-{n}", f"unique-{n}", size=1000)


LEGAL = [(s, t) for s, t in product(Status, Status) if t in TRANSITIONS[s]]
ILLEGAL = [(s, t) for s, t in product(Status, Status) if t not in TRANSITIONS[s]]


# -- titles ---------------------------------------------------------------------------------


def test_the_title_is_the_first_non_empty_line_of_the_description():
    assert title_from("\n  \n  Till broken  \nIt beeps all day") == "Till broken"


def test_a_long_first_line_is_shortened_with_an_ellipsis():
    title = title_from("x" * 200)
    assert len(title) == 80
    assert title == "x" * 79 + "…"


def test_a_first_line_of_exactly_the_limit_is_kept_whole():
    assert title_from("y" * 80) == "y" * 80


def test_a_blank_description_has_an_empty_title():
    assert title_from(" \n\t\n") == ""


# -- the lifecycle ----------------------------------------------------------------------------


def test_the_lifecycle_is_the_one_the_product_describes():
    assert TRANSITIONS[Status.NEW] == {Status.IN_PROGRESS, Status.WITHDRAWN}
    assert Status.WAITING_CUSTOMER in TRANSITIONS[Status.IN_PROGRESS]
    assert Status.IN_PROGRESS in TRANSITIONS[Status.WAITING_CUSTOMER]
    assert Status.CLOSED in TRANSITIONS[Status.RESOLVED]
    assert Status.IN_PROGRESS in TRANSITIONS[Status.RESOLVED]
    assert TRANSITIONS[Status.CLOSED] == {Status.IN_PROGRESS}
    assert TRANSITIONS[Status.WITHDRAWN] == frozenset()
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_a_legal_transition_moves_the_ticket(source, target):
    ticket = a_ticket(source)
    assert ticket.move_to(target, now=LATER) is source
    assert ticket.status is target
    assert ticket.updated_at == LATER


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_an_illegal_transition_raises_and_changes_nothing(source, target):
    ticket = a_ticket(source)
    with pytest.raises(IllegalTransition) as raised:
        ticket.move_to(target, now=LATER)
    assert raised.value.params == {"source": source.value, "target": target.value}
    assert ticket == a_ticket(source)


def test_resolving_stamps_resolved_at_and_closing_stamps_closed_at():
    ticket = a_ticket(Status.IN_PROGRESS)
    ticket.move_to(Status.RESOLVED, now=LATER)
    ticket.move_to(Status.CLOSED, now=LATER + timedelta(days=3))
    assert ticket.resolved_at == LATER
    assert ticket.closed_at == LATER + timedelta(days=3)


@pytest.mark.parametrize("source", [Status.RESOLVED, Status.CLOSED])
def test_reopening_clears_the_resolution(source):
    ticket = a_ticket(source, resolved_at=FILED_AT, closed_at=FILED_AT)
    ticket.move_to(Status.IN_PROGRESS, now=LATER)
    assert ticket.resolved_at is None
    assert ticket.closed_at is None


def test_open_tickets_are_those_somebody_still_has_to_act_on():
    for status in Status:
        assert a_ticket(status).is_open is (status in OPEN_STATUSES)
    assert not a_ticket(Status.CLOSED).is_open
    assert not a_ticket(Status.WITHDRAWN).is_open


# -- withdraw ---------------------------------------------------------------------------------


def test_the_customer_withdraws_a_new_ticket():
    ticket = a_ticket(Status.NEW)
    event = ticket.withdraw(customer_id=OWNER, now=LATER)
    assert ticket.status is Status.WITHDRAWN
    assert ticket.updated_at == LATER
    assert event.kind is EventKind.WITHDRAWN
    assert (event.actor_kind, event.actor_id) == (ActorKind.CUSTOMER, OWNER)
    assert (event.ticket_id, event.created_at) == (ticket.id, LATER)


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.NEW])
def test_only_a_new_ticket_can_be_withdrawn(status):
    ticket = a_ticket(status)
    with pytest.raises(IllegalTransition) as raised:
        ticket.withdraw(customer_id=OWNER, now=LATER)
    assert raised.value.code == "error.withdraw_claimed"
    assert ticket.status is status


def test_only_the_owner_can_withdraw_a_ticket():
    ticket = a_ticket(Status.NEW)
    with pytest.raises(NotAllowed) as raised:
        ticket.withdraw(customer_id=SOMEBODY_ELSE, now=LATER)
    assert raised.value.code == "error.not_your_ticket"
    assert ticket.status is Status.NEW


# -- customer messages ------------------------------------------------------------------------


def test_an_answer_to_the_desks_question_resumes_the_work():
    ticket = a_ticket(Status.WAITING_CUSTOMER)
    event = ticket.add_customer_message(
        customer_id=OWNER, body="Here it is", attachments=[a_photo()], now=LATER
    )
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.updated_at == LATER
    assert ticket.attachment_count == 1
    assert event.kind is EventKind.CUSTOMER_MESSAGE
    assert (event.body, event.attachments) == ("Here it is", [a_photo()])


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.RESOLVED])
def test_a_message_on_another_open_ticket_keeps_its_status(status):
    ticket = a_ticket(status)
    ticket.add_customer_message(customer_id=OWNER, body="More", attachments=[], now=LATER)
    assert ticket.status is status
    assert ticket.updated_at == LATER


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN])
def test_a_finished_ticket_takes_no_more_messages(status):
    ticket = a_ticket(status)
    with pytest.raises(IllegalTransition) as raised:
        ticket.add_customer_message(customer_id=OWNER, body="Hello?", attachments=[], now=LATER)
    assert raised.value.code == "error.ticket_not_open"
    assert ticket == a_ticket(status)


def test_only_the_owner_can_add_to_a_ticket():
    ticket = a_ticket(Status.WAITING_CUSTOMER)
    with pytest.raises(NotAllowed):
        ticket.add_customer_message(
            customer_id=SOMEBODY_ELSE, body="Hi", attachments=[a_photo()], now=LATER
        )
    assert ticket == a_ticket(Status.WAITING_CUSTOMER)


def test_attachments_are_counted_across_messages():
    ticket = a_ticket(Status.IN_PROGRESS, attachment_count=2)
    ticket.add_customer_message(
        customer_id=OWNER, body=None, attachments=[a_photo(1), a_photo(2)], now=LATER
    )
    assert ticket.attachment_count == 4


def test_an_attachment_survives_a_trip_through_its_dict_form():
    attachment = Attachment(
        AttachmentKind.DOCUMENT, "f", "u", size=123, file_name="a.pdf", mime_type="application/pdf"
    )
    assert Attachment.from_dict(attachment.to_dict()) == attachment
    assert Attachment.from_dict(a_photo().to_dict()) == a_photo()


# -- a second round's acknowledgement --------------------------------------------------------


def a_second_round(supervisor_id: int | None) -> Ticket:
    """A ticket acknowledged and closed in its first round, reopened by a low score."""
    ticket = a_ticket(Status.CLOSED, acknowledged_at=FILED_AT, assignee_id=3)
    Work.second_round(ticket, supervisor_id, 2, LATER)
    return ticket


def test_a_second_round_starts_unacknowledged_even_at_the_supervisor():
    ticket = a_second_round(supervisor_id=5)
    assert (ticket.assignee_id, ticket.acknowledged_in_round) == (5, None)


def test_claiming_a_second_round_from_the_queue_acknowledges_it():
    ticket = a_second_round(supervisor_id=None)
    Work.claim(ticket, 4, LATER + timedelta(minutes=5))
    assert ticket.acknowledged_in_round == LATER + timedelta(minutes=5)
    assert ticket.acknowledged_at == FILED_AT  # the first round's stays


def test_assigning_a_second_round_acknowledges_it():
    ticket = a_second_round(supervisor_id=5)
    Work.assign(ticket, 5, 4, LATER + timedelta(minutes=10))
    assert ticket.acknowledged_in_round == LATER + timedelta(minutes=10)
