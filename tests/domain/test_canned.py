"""Canned replies' words: placeholders filled for a ticket (English or Chinese names),
unknown ones found, a supervisor's message split into title and text."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.canned import TITLE_MAX, Values, first_name, split, unknown_placeholders

DUE = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
VALUES = Values(customer="Ann", ticket="FB-20261123-0001", agent="Bob", due=DUE)


def test_placeholders_are_filled_in_desk_time():
    text = "Hi {customer}, {agent} has {ticket} and answers by {due}."
    filled = VALUES.fill(text, ZoneInfo("Asia/Shanghai"))
    assert filled == "Hi Ann, Bob has FB-20261123-0001 and answers by 2026-11-23 14:30."


def test_chinese_placeholder_names_fill_the_same():
    filled = VALUES.fill("{客户}您好，{客服}会在 {截止} 前处理 {工单}。", UTC)
    assert filled == "Ann您好，Bob会在 2026-11-23 06:30 前处理 FB-20261123-0001。"


def test_unknown_placeholders_are_found_and_left_as_they_are():
    assert unknown_placeholders("Hi {name}, {customer} {x y} {}") == ["name"]
    assert VALUES.fill("Hi {name}", UTC) == "Hi {name}"
    assert Values("Ann", "FB-1", "Bob", None).fill("by {due}", UTC) == "by —"


def test_the_first_line_is_the_title_shortened():
    assert split("  Refund\nYour refund is on its way. ") == (
        "Refund",
        "Refund\nYour refund is on its way.",
    )
    title, _ = split("x" * 100)
    assert len(title) == TITLE_MAX
    assert title.endswith("…")
    assert split("   ") == ("", "")


def test_first_name():
    assert first_name("Ann Lee") == "Ann"
    assert first_name("  ") == ""
