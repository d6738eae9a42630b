"""The transcript for people: plain text for the terminal and a file, and a small HTML page of
chat bubbles. Each chat shows under its name with the clock time; people's taps and the bot's
buttons are in brackets; a toast says who alone sees it."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable

from bot.demo.transcript import Entry, Kind

INDENT = "       "
RULE = 78  # columns of a heading's line
Say = Callable[..., str]


class TextWriter:
    """Entries as lines of text; a chat's name (with the time) is written when it changes."""

    def __init__(self, say: Say, chats: dict[int | str, str]) -> None:
        self.say = say
        self.chats = chats
        self._where: tuple[int | str | None, str] | None = None

    def lines(self, entry: Entry) -> list[str]:
        clock = entry.at.strftime("%H:%M")
        if entry.kind == Kind.HEADING:
            self._where = None
            title = f"── {entry.text} "
            return ["", title + "─" * max(0, RULE - width(title)), ""]
        if entry.kind == Kind.NOTE:
            self._where = None
            return [entry.text]
        out: list[str] = []
        if self._where != (entry.chat, clock):
            self._where = (entry.chat, clock)
            out.append(f"{clock}  {chat_title(self.chats, entry.chat)}")
        return out + self._body(entry)

    def _body(self, entry: Entry) -> list[str]:
        bot = self.say("demo.bot")
        if entry.kind == Kind.TOAST:
            return [f"{INDENT}({self.say('demo.toast', name=entry.who or '')}) {entry.text}"]
        if entry.kind == Kind.REACTION:
            return [f"{INDENT}{bot}: {self.say('demo.reacts', emoji=entry.text)}"]
        if entry.kind == Kind.EDIT:
            edited = self.say("demo.edits")
            return block(f"{bot} {edited}", entry.text, entry.buttons, None, newline=True)
        speaker = entry.who if entry.kind == Kind.PERSON else bot
        return block(speaker or bot, entry.text, entry.buttons, entry.media)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def chat_title(chats: dict[int | str, str], chat: int | str | None) -> str:
    """How a chat is called in the transcript."""
    return chats.get(chat, str(chat)) if chat is not None else ""


def block(
    speaker: str,
    text: str,
    buttons: tuple[str, ...],
    media: str | None,
    *,
    newline: bool = False,
) -> list[str]:
    """One message: the speaker, its lines, its buttons in brackets."""
    body = text.splitlines()
    if media:
        body.insert(0, media)
    if not body and buttons:  # a tap
        return [f"{INDENT}{speaker}: " + " ".join(f"[{label}]" for label in buttons)]
    body = body or [""]
    if newline:
        lines = [f"{INDENT}{speaker}", *(f"{INDENT}    {line}" for line in body if line)]
    else:
        lines = [f"{INDENT}{speaker}: {body[0]}", *(f"{INDENT}    {line}" for line in body[1:])]
    if buttons:
        lines.append(f"{INDENT}    " + " ".join(f"[{label}]" for label in buttons))
    return lines


def page(
    entries: list[Entry], chats: dict[int | str, str], say: Say, lang: str, images: set[str]
) -> str:
    """The day as one HTML page of chat bubbles (`images`: files shown inline)."""
    parts = [
        f'<!doctype html>\n<html lang="{lang}">\n<meta charset="utf-8">\n'
        f"<title>{_e(say('demo.title'))}</title>\n<style>{STYLE}</style>\n"
        f"<h1>{_e(say('demo.title'))}</h1>\n<p>{_e(say('demo.intro'))}</p>\n"
    ]
    where: tuple[int | str | None] | None = None  # the chat whose section is open
    for entry in entries:
        if entry.kind in (Kind.HEADING, Kind.NOTE):
            parts.append("</section>\n" if where is not None else "")
            where = None
            tag = "h2" if entry.kind == Kind.HEADING else "p"
            parts.append(f"<{tag}>{_e(entry.text)}</{tag}>\n")
            continue
        if where != (entry.chat,):
            parts.append("</section>\n" if where is not None else "")
            where = (entry.chat,)
            title = _e(chat_title(chats, entry.chat))
            parts.append(f"<section class=chat><div class=title>{title}</div>\n")
        parts.append(_bubble(entry, say, images))
    parts.append("</section>\n" if where is not None else "")
    return "".join(parts)


def _bubble(entry: Entry, say: Say, images: set[str]) -> str:
    clock = entry.at.strftime("%H:%M")
    if entry.kind in (Kind.TOAST, Kind.REACTION):
        text = (
            f"{say('demo.toast', name=entry.who or '')} {entry.text}"
            if entry.kind == Kind.TOAST
            else f"{say('demo.bot')}: {say('demo.reacts', emoji=entry.text)}"
        )
        return f"<div class=aside>{_e(text)} <time>{clock}</time></div>\n"
    side = "me" if entry.kind == Kind.PERSON else "bot"
    who = entry.who if entry.kind == Kind.PERSON else say("demo.bot")
    if entry.kind == Kind.EDIT:
        who = f"{who} {say('demo.edits')}"
    media = ""
    if entry.file in images:
        media = f'<img src="{_e(entry.file or "")}" alt="{_e(entry.file or "")}">'
    elif entry.media:
        media = f"<div class=media>{_e(entry.media)}</div>"
    buttons = "".join(f"<span>{_e(label)}</span>" for label in entry.buttons)
    return (
        f"<div class='msg {side}'><div class=who>{_e(who or '')}</div>{media}"
        f"<div class=text>{_e(entry.text)}</div>"
        f"{f'<div class=buttons>{buttons}</div>' if buttons else ''}"
        f"<time>{clock}</time></div>\n"
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


STYLE = """
body{font:15px/1.4 system-ui,sans-serif;background:#e7ebf0;margin:0 auto;max-width:760px;
padding:16px}h1{font-size:22px}h2{font-size:17px;margin:28px 0 8px;color:#345}
p{color:#555}.chat{background:#fff;border-radius:12px;padding:10px 12px;margin:10px 0;
box-shadow:0 1px 2px #0002}.title{font-weight:600;color:#2a6ba8;margin-bottom:6px}
.msg{max-width:80%;margin:6px 0;padding:6px 10px;border-radius:12px;white-space:pre-wrap;
position:relative}.msg.bot{background:#f1f3f5}.msg.me{background:#dcf8c6;margin-left:auto}
.who{font-size:12px;font-weight:600;color:#557}.buttons span{display:inline-block;
border:1px solid #9bb;border-radius:8px;padding:2px 8px;margin:4px 4px 0 0;background:#fff;
font-size:13px}time{display:block;text-align:right;font-size:11px;color:#889}
.aside{font-size:13px;color:#666;font-style:italic;margin:4px 0}img{max-width:100%;
border-radius:8px}.media{font-size:13px;color:#446}
"""
