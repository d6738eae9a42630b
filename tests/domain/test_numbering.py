from datetime import date

import pytest

from domain import numbering

DAY = date(2026, 11, 22)


def test_ticket_numbers_have_the_day_and_a_four_digit_sequence():
    assert numbering.ticket_number(DAY, 7) == "FB-20261122-0007"


def test_ticket_numbers_grow_past_four_digits_without_truncation():
    assert numbering.ticket_number(DAY, 12345) == "FB-20261122-12345"


def test_customer_numbers_have_the_day_and_a_four_digit_sequence():
    assert numbering.customer_number(DAY, 1) == "C202611220001"


@pytest.mark.parametrize("make", [numbering.ticket_number, numbering.customer_number])
@pytest.mark.parametrize("seq", [0, -1])
def test_sequences_start_at_one(make, seq):
    with pytest.raises(ValueError, match="starts at 1"):
        make(DAY, seq)


def test_each_day_and_kind_has_its_own_counter():
    assert numbering.ticket_counter_key(DAY) == "ticket:20261122"
    assert numbering.customer_counter_key(DAY) == "customer:20261122"
    assert numbering.ticket_counter_key(date(2026, 11, 23)) != numbering.ticket_counter_key(DAY)


def test_a_generated_ticket_number_is_recognised():
    assert numbering.is_ticket_number(numbering.ticket_number(DAY, 1))
    assert numbering.is_ticket_number(numbering.ticket_number(DAY, 999_999))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "FB-20261122-007",
        "FB-20261122-1234567",
        "fb-20261122-0007",
        "FB-2026112-0007",
        "FB-20261122-0007 ",
        " FB-20261122-0007",
        "FB20261122-0007",
        "C202611220001",
        "FB-20261122-00a7",
    ],
)
def test_anything_else_is_not_a_ticket_number(text):
    assert not numbering.is_ticket_number(text)
