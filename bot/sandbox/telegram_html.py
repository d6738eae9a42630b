"""Telegram's HTML `parse_mode`, read the way the Bot API reads it: the text a user sees, or the
400 "Bad Request: can't parse entities: ..." Telegram answers instead of sending.

What Telegram accepts (https://core.telegram.org/bots/api#html-style): the tags b, strong, i,
em, u, ins, s, strike, del, a (href), code, pre, tg-spoiler, span class="tg-spoiler" and
blockquote (optionally expandable), closed in order; the entities &lt; &gt; &amp; &quot; and
numeric ones (&#38; &#x26;). The descriptions of refusals follow Telegram's own, byte offsets
(UTF-8) included. One rule is stricter than Telegram on purpose: Telegram passes a `&` that
starts no entity through as it is, where this refuses it; text meant as text is escaped by
the bot, so a bare `&` means something was not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote",
    }
)  # fmt: skip
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
NAME = re.compile(r"[A-Za-z0-9-]*")
ATTRIBUTE = re.compile(r"[A-Za-z0-9_-]*")
UNQUOTED = re.compile(r"[^\s>]*")
ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z]+));")
MAX_CODE_POINT = 0x10FFFF


class ParseError(ValueError):
    """Telegram refuses the text; the message is Telegram's description of why."""


@dataclass(frozen=True, slots=True)
class Entity:
    """A formatted stretch of the plain text: [start, end) in characters."""

    tag: str
    start: int
    end: int
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Parsed:
    """What the user sees: the text, and where it is formatted."""

    text: str
    entities: list[Entity]


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.at = 0
        self.out: list[str] = []
        self.length = 0  # characters in `out`
        self.open: list[tuple[str, int, dict[str, str]]] = []
        self.entities: list[Entity] = []

    def offset(self, index: int | None = None) -> int:
        """The UTF-8 byte offset of `index` (default: where the reader is)."""
        return len(self.source[: self.at if index is None else index].encode())

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length += len(text)

    def fail(self, message: str) -> ParseError:
        return ParseError(message)

    # -- text and entities --------------------------------------------------------------

    def entity(self) -> str:
        """The character an entity at the reader stands for; the reader moves past it."""
        found = ENTITY.match(self.source, self.at)
        if found is None or (found.group(3) and found.group(3) not in NAMED):
            raise self.fail(
                f"Character '&' is reserved and must be escaped as &amp; at byte offset "
                f"{self.offset()}"
            )
        decimal, hexadecimal, name = found.groups()
        self.at = found.end()
        if name:
            return NAMED[name]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if 0 < code <= MAX_CODE_POINT and not 0xD800 <= code < 0xE000 else ""

    def decoded(self, value: str) -> str:
        """An attribute's value with its entities decoded (a stray `&` stays, as Telegram)."""

        def replace(found: re.Match[str]) -> str:
            decimal, hexadecimal, name = found.groups()
            if name:
                return NAMED.get(name, found.group(0))
            return chr(int(decimal) if decimal else int(hexadecimal, 16))

        return ENTITY.sub(replace, value)

    # -- tags -----------------------------------------------------------------------------

    def end_tag(self) -> None:
        start = self.at
        close = self.source.find(">", start)
        if close < 0:
            raise self.fail(f"Unclosed end tag at byte offset {self.offset(start)}")
        name = self.source[start + 2 : close].strip().lower()
        if not self.open:
            raise self.fail(f"Unexpected end tag at byte offset {self.offset(start)}")
        tag, begin, attributes = self.open[-1]
        if name != tag:
            raise self.fail(
                f'Unmatched end tag at byte offset {self.offset(start)}, expected "</{tag}>", '
                f'found "</{name}>"'
            )
        self.open.pop()
        self.entities.append(Entity(tag, begin, self.length, attributes))
        self.at = close + 1

    def start_tag(self) -> None:
        start = self.at
        name_match = NAME.match(self.source, start + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.offset(start)}')
        self.at = name_match.end()
        attributes = self.attributes(name, start)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.offset(start)}'
            )
        self.open.append((name, self.length, attributes))

    def attributes(self, tag: str, start: int) -> dict[str, str]:
        found: dict[str, str] = {}
        source = self.source
        while True:
            while self.at < len(source) and source[self.at].isspace():
                self.at += 1
            if self.at >= len(source):
                raise self.fail(f"Unclosed start tag at byte offset {self.offset(start)}")
            if source[self.at] == ">":
                self.at += 1
                return found
            name_match = ATTRIBUTE.match(source, self.at)
            assert name_match is not None
            name = name_match.group(0).lower()
            if not name:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.offset()}'
                )
            self.at = name_match.end()
            found[name] = self.attribute_value(tag, name)

    def attribute_value(self, tag: str, name: str) -> str:
        source = self.source
        while self.at < len(source) and source[self.at].isspace():
            self.at += 1
        if self.at >= len(source) or source[self.at] != "=":
            if tag == "blockquote" and name == "expandable":
                return ""
            raise self.fail(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at '
                f"byte offset {self.offset()}"
            )
        self.at += 1
        while self.at < len(source) and source[self.at].isspace():
            self.at += 1
        if self.at < len(source) and source[self.at] in "'\"":
            quote = source[self.at]
            close = source.find(quote, self.at + 1)
            if close < 0:
                raise self.fail(
                    f'Unclosed end of an attribute value in the tag "{tag}" at byte offset '
                    f"{self.offset()}"
                )
            value, self.at = source[self.at + 1 : close], close + 1
        else:
            value_match = UNQUOTED.match(source, self.at)
            assert value_match is not None
            value, self.at = value_match.group(0), value_match.end()
        return self.decoded(value)

    # -- the whole text -----------------------------------------------------------------

    def read(self) -> Parsed:
        source = self.source
        while self.at < len(source):
            char = source[self.at]
            if char == "&":
                self.emit(self.entity())
            elif char == "<" and source.startswith("</", self.at):
                self.end_tag()
            elif char == "<":
                self.start_tag()
            else:
                stop = min(
                    (p for p in (source.find("<", self.at), source.find("&", self.at)) if p >= 0),
                    default=len(source),
                )
                self.emit(source[self.at : stop])
                self.at = stop
        if self.open:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"')
        return Parsed("".join(self.out), sorted(self.entities, key=lambda e: e.start))


def parse(text: str) -> Parsed:
    """The text and its formatting, as Telegram reads `text` with parse_mode HTML;
    ParseError (Telegram's description) when Telegram would refuse it."""
    return _Reader(text).read()


def plain(text: str) -> str:
    """What the user reads of `text` sent with parse_mode HTML (ParseError if refused)."""
    return parse(text).text


__all__ = ["Entity", "ParseError", "Parsed", "parse", "plain"]
