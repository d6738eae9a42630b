"""A Chinese desk reads Chinese: no English word in a zh catalog text, nor in any message, button
or alert a Chinese reader gets, outside what is typed or tapped as it is (commands and their
arguments, ticket and customer numbers, links, Telegram, file formats) and the values people
gave (names, texts: Chinese here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.sandbox.wire import SentMessage
from domain.people import Role
from handlers.i18n import catalog, t
from tests.e2e.dsl import ALL_TYPES, STAFF_CHAT, DeskHarness, Person
from tests.e2e.steps import add_staff, file_ticket, label, open_my_ticket
from tests.e2e.test_staff_desk import card_of

ADMIN, SUPERVISOR = 900001, 700001
CONFIG = {
    "desk": {"timezone": "Asia/Shanghai", "admins": [ADMIN], "default_language": "zh"},
    "departments": [
        {
            "code": "support",
            "name": "Support",
            "names": {"zh": "客服部"},
            "types": [t for t in ALL_TYPES if t not in ("after_sales", "change_request")],
            "staff_chat_id": STAFF_CHAT,
        },
        {
            "code": "billing",
            "name": "Billing",
            "names": {"zh": "账务部"},
            "types": ["after_sales", "change_request"],
            "supervisor": SUPERVISOR,
        },
    ],
}
ALLOWED = frozenset({"Telegram", "CSV", "XLSX", "MB", "dept"})
# values the config gives: department codes (typed as command arguments), the time zone
VALUES = frozenset({"support", "billing", "Asia", "Shanghai"})
# typed or tapped as they are: a command with its arguments, a link, a number
AS_TYPED = re.compile(
    r"/[a-z_]+(?:[ \t]+[\[\]A-Za-z0-9_:|…-]+)*"
    r"|https?://\S+"
    r"|\bFB-[0-9…-]*"
    r"|\bC\d{12}\b"
)
HTML_TAG = re.compile(r"<[^>]+>")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def latin_words(text: str) -> list[str]:
    """The English (Latin-letter) words of `text` outside the allow-list."""
    rest = AS_TYPED.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]+", rest) if w not in ALLOWED]


def test_the_allow_list_lets_through_only_what_is_typed_as_it_is() -> None:
    assert latin_words("用法：/report [today|week|month] 或 /ticket FB-20261123-0001") == []
    assert latin_words("您已登记为服务台的agent。") == ["agent"]
    assert latin_words("报表 · after") == ["after"]


def test_no_chinese_catalog_text_has_english_words() -> None:
    found = {
        key: words
        for key, text in catalog("zh").items()
        if (words := latin_words(PLACEHOLDER.sub("", HTML_TAG.sub("", text))))
    }
    assert found == {}


@pytest.fixture
async def chinese_desk(desk: DeskHarness) -> DeskHarness:
    """A desk whose default language is Chinese, its departments named in Chinese."""
    desk.overrides.update(CONFIG)
    await desk.restart()
    return desk


def _shown(message: SentMessage) -> list[str]:
    """Everything a reader sees of a message: its text or caption and its buttons."""
    return [message.plain_text or "", *(b.get("text", "") for b in message.buttons)]


async def _press(
    person: Person, key: str, *, on: SentMessage | None = None, **params: str
) -> None:
    await person.press(label("zh", key, **params), on=on)


async def _customer_side(desk: DeskHarness, wang: Person) -> str:
    await wang.send("/start")
    number = await file_ticket(wang, "收银机坏了\n每次结账都响", photos=2, phone="+8613812345678")
    await wang.send("/queue")  # staff only
    await open_my_ticket(wang, number)
    return number


async def _agent_side(desk: DeskHarness, li: Person, wang: Person, number: str) -> None:
    await desk.dispatch()
    await li.send("/start")
    await li.send("/new")  # for customers only: says what Li is, in Chinese
    await li.send("/queue")
    await _press(li, "staff.button.claim", on=card_of(desk, number))
    await desk.dispatch()
    await _press(li, "staff.button.ask", on=card_of(desk, number))
    await li.send("请问屏幕显示什么？")
    await desk.dispatch()
    # staff read staff words: the card waits for the customer, not for "your answer"
    status = (card_of(desk, number).plain_text or "").split("\n")[0].split(" · ")[-1]
    assert status == t("zh", "staff.status.waiting_customer")
    await wang.send("显示错误四十二")
    await desk.dispatch()
    await _press(li, "staff.button.prio", on=card_of(desk, number))
    await _press(li, "priority.urgent")
    await _press(li, "staff.button.note", on=card_of(desk, number))
    await li.send("客户很着急")
    await _press(li, "staff.button.hist", on=card_of(desk, number))
    for command in ("/mine", "/overdue", "/find 收银机", f"/ticket {number}", "/report"):
        await li.send(command)
    await _press(li, "staff.button.xfer", on=card_of(desk, number))
    await _press(li, "staff.to_department", name="账务部")
    await li.send("这是账务问题")
    await desk.dispatch()


async def _supervisor_side(desk: DeskHarness, han: Person, wang: Person, number: str) -> None:
    card = next(m for m in reversed(han.messages()) if number in (m.plain_text or ""))
    await _press(han, "staff.button.claim", on=card)
    await desk.dispatch()
    await _press(han, "staff.button.resolve", on=card_of(desk, number, han.id))
    await han.send("已退款")
    await desk.dispatch()
    await _press(wang, "confirm.button.solved")
    await desk.dispatch()
    await wang.press(t("zh", "poll.score_2"))
    await _press(wang, "button.skip")
    await desk.dispatch()
    for command in ("/report", "/chart", "/export 2026-11-23 2026-11-23", "/staff"):
        await han.send(command)
    for command in ("/departments", "/invite supervisor billing", "/invite agent"):
        await han.send(command)


async def _time_passes(desk: DeskHarness, wang: Person) -> None:
    await file_ticket(wang, "打印机卡纸")
    await desk.dispatch()
    for hours in (1, 1, 1):  # warning, breach, escalation of the unclaimed one
        desk.clock.advance(hours=hours)
        await desk.sweep()
        await desk.dispatch()
    desk.clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00: the digest
    await desk.sweep()
    await desk.dispatch()


async def test_a_chinese_desk_writes_chinese_everywhere(chinese_desk: DeskHarness) -> None:
    desk = chinese_desk
    wang = desk.customer(1001, "王芳", lang="zh-hans")
    li = desk.customer(2001, "李雷", lang="zh-hans")
    han = desk.customer(SUPERVISOR, "韩梅梅", lang="zh-hans")
    zhao = desk.customer(ADMIN, "赵敏", lang="zh-hans")
    await add_staff(desk, li, Role.AGENT)
    await han.send("/start")
    number = await _customer_side(desk, wang)
    await _agent_side(desk, li, wang, number)
    await _supervisor_side(desk, han, wang, number)
    for command in ("/report", "/staff", "/departments", "/invite supervisor support"):
        await zhao.send(command)
    await _time_passes(desk, wang)

    # the scenario went as a desk goes (no step ended in an error)
    assert any(text.startswith("📊 报表 · 账务部") for text in han.texts())
    assert any(text.startswith("🗓 每周摘要") for text in han.texts())
    assert "❌" not in " ".join(wang.texts())  # the second round: 2 of 5
    readers = [wang.id, li.id, han.id, zhao.id, STAFF_CHAT]
    shown = [text for chat in readers for m in desk.api.messages_to(chat) for text in _shown(m)]
    alerts = [c.params.get("text") or "" for c in desk.api.calls_of("answerCallbackQuery")]
    assert len(shown) > 100  # the whole desk was seen
    assert [x for x in shown + alerts if x.startswith(t("zh", "error.generic", ref="")[:8])] == []
    english = {text: words for text in shown + alerts if (words := latin_words(text))}
    english = {text: words for text, words in english.items() if set(words) - VALUES}
    assert english == {}
