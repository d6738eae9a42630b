"""How `/customer` reads what it is given, and what a merged profile keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.people import Customer
from domain.profiles import Field, Query, QueryKind, merged_fields, parse, read_query

NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("c202612060001", Query(QueryKind.NUMBER, "C202612060001")),
        (" fb-20261206-0001 ", Query(QueryKind.TICKET, "FB-20261206-0001")),
        ("@Ann_Shop", Query(QueryKind.USERNAME, "ann_shop")),
        ("+86 138-1234-5678", Query(QueryKind.PHONE, "+8613812345678")),
        ("(020) 7946 0958", None),  # a phone starts with a digit or +
        ("020 7946 0958", Query(QueryKind.PHONE, "02079460958")),
        ("12345", None),
        ("@ab", None),
        ("Ann", None),
        ("", None),
    ],
)
def test_a_lookup_is_read_as_a_number_ticket_username_or_phone(text: str, query: Query | None):
    assert read_query(text) == query


def test_a_phone_is_found_with_or_without_its_plus():
    assert Query(QueryKind.PHONE, "+8613812345678").phones() == ["8613812345678", "+8613812345678"]


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        (Field.EMAIL, " Ann@Example.COM ", "ann@example.com"),
        (Field.TAGS, "Retail, , retail ,Big  shop", "retail,big shop"),
        (Field.GRADE, "c", "C"),
        (Field.SOURCE, "Web_Form", "web_form"),
        (Field.PHONE, "+1 (555) 010-9999", "+15550109999"),
        (Field.COMPANY, "-", None),
    ],
)
def test_typed_values_are_stored_in_one_shape(field: Field, text: str, value: str | None):
    assert parse(field, text) == value


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (Field.EMAIL, "ann@localhost"),
        (Field.EMAIL, "a b@example.com"),
        (Field.PHONE, "call me"),
        (Field.PHONE, "+1234567890123456"),
        (Field.GRADE, "A+"),
        (Field.TAGS, ",".join(f"t{n}" for n in range(11))),
        (Field.TAGS, "<b>"),
        (Field.NAME, "-"),
        (Field.NAME, ""),
    ],
)
def test_values_of_the_wrong_shape_are_refused(field: Field, text: str):
    with pytest.raises(InvalidInput) as refused:
        parse(field, text)
    assert refused.value.code == f"profile.bad.{field.value}"


def test_the_kept_profile_takes_only_what_it_lacks():
    keep = Customer("C1", NOW, name="Ann", phone="+1", tags=("retail",), grade="A")
    drop = Customer(
        "C2", NOW, name="A. Lee", phone="+2", email="a@b.co", tags=("big", "retail"), vip=True,
        grade="D",
    )  # fmt: skip
    assert merged_fields(keep, drop) == {
        Field.EMAIL: "a@b.co",
        Field.TAGS: "retail,big",
        Field.VIP: True,
    }
