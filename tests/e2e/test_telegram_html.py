"""The fake Bot API reads HTML as Telegram does: what it accepts shows as the user sees it, what
Telegram refuses comes back as 400 "can't parse entities", so the bot's escaping is tested."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from bot.sandbox import telegram_html
from bot.sandbox.telegram_html import Entity, ParseError, parse, plain
from tests.e2e.dsl import DeskHarness

ACCEPTED = [
    ("plain text", "plain text"),
    ("<b>bold</b> <strong>strong</strong>", "bold strong"),
    ("<i>i</i><em>em</em><u>u</u><ins>ins</ins>", "iemuins"),
    ("<s>s</s><strike>strike</strike><del>del</del>", "sstrikedel"),
    ('<a href="https://t.me/x?start=a&amp;b">link</a>', "link"),
    ("<code>x &lt; y</code> <pre>a &gt; b</pre>", "x < y a > b"),
    ('<pre><code class="language-python">1</code></pre>', "1"),
    ('<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>', "st"),
    ("<blockquote>q</blockquote><blockquote expandable>e</blockquote>", "qe"),
    ("&lt;&gt;&amp;&quot; &#38; &#x26; &#X1F600;", '<>&" & & 😀'),
    ("<B>upper</B>", "upper"),
    ("a > b", "a > b"),
    ("<b>outer <i>inner</i></b>", "outer inner"),
]
REFUSED = [
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
    ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ('<span class="other">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at'),
    ('<a href="x>y</a>', 'Unclosed end of an attribute value in the tag "a"'),
    ("AT&T", "Character '&' is reserved and must be escaped as &amp; at byte offset 2"),
    ("&nbsp;", "Character '&' is reserved"),
    ("你好 <x>", 'Unsupported start tag "x" at byte offset 7'),  # bytes, not characters
]


@pytest.mark.parametrize(("text", "seen"), ACCEPTED)
def test_what_telegram_accepts_reads_as_the_user_sees_it(text: str, seen: str) -> None:
    assert plain(text) == seen


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_what_telegram_refuses_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as refused:
        plain(text)
    assert str(refused.value).startswith(reason)


def test_formatting_is_kept_where_it_applies() -> None:
    parsed = parse('Hi <b>Ann <a href="https://x.y/?a=1&amp;b=2">here</a></b>')
    assert parsed.text == "Hi Ann here"
    assert parsed.entities == [
        Entity("b", 3, 11),
        Entity("a", 7, 11, {"href": "https://x.y/?a=1&b=2"}),
    ]


async def test_the_fake_bot_api_refuses_bad_html_like_telegram(desk: DeskHarness) -> None:
    bot = desk.app.bot
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(401, "<b>unclosed")
    assert refused.value.message == (
        "Can't parse entities: can't find end tag corresponding to start tag \"b\""
    )
    assert desk.api.messages_to(401) == []
    sent = await bot.send_message(401, "<b>1 &lt; 2</b> &amp; 3")
    assert desk.api.last_message_to(401).plain_text == "1 < 2 & 3"
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x < y", chat_id=401, message_id=sent.message_id)
    with pytest.raises(BadRequest):
        await bot.send_photo(401, "photo-1", caption="<i>caption")
    assert telegram_html.plain(desk.api.last_message_to(401).text or "") == "1 < 2 & 3"
