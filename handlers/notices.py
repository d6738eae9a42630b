"""How each kind of outbox row is delivered: `RENDERERS` has one renderer per
domain.delivery.Kind (a test fails for a kind without one), each giving the Bot API call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from domain.delivery import Kind
from domain.ticket import AttachmentKind
from handlers import keyboards, render, render_report, render_staffadmin
from handlers.i18n import t


@dataclass(slots=True)
class Outgoing:
    """A Bot API call for an outbox row: the method and its arguments."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)


# A renderer: the row's locale, its params, and the message it edits (cards) if any.
Renderer = Callable[[str, dict[str, Any], int | None], Outgoing]

# outbox kinds whose delivery is the desk's response to the customer (first response time)
RESPONSE_KINDS = frozenset(
    {Kind.CLAIMED, Kind.AGENT_REPLY, Kind.AGENT_FILE, Kind.ASKED, Kind.ASKED_FILE, Kind.RESOLVED}
)


def notice(
    kind: str, locale: str, params: dict[str, Any], *, message_id: int | None = None
) -> Outgoing:
    """The Bot API call that delivers an outbox row (`message_id`: the card to edit)."""
    try:
        renderer = RENDERERS[Kind(kind)]
    except ValueError:
        raise ValueError(f"no renderer for outbox kind {kind!r}") from None
    return renderer(locale, params, message_id)


def _text(text: str, markup: keyboards.Markup = None) -> Outgoing:
    return Outgoing("send_message", {"text": text, "reply_markup": markup})


# The markups a reply may carry, by the name its row keeps.
MARKUPS: dict[str, Any] = {
    cls.__name__: cls
    for cls in (InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, ForceReply)
}


def to_row(outgoing: Outgoing) -> dict[str, Any]:
    """An answer as a row's params (JSON): the method, the text, the markup by name."""
    kwargs = dict(outgoing.kwargs)
    markup = kwargs.pop("reply_markup", None)
    params: dict[str, Any] = {"method": outgoing.method, "kwargs": kwargs}
    if markup is not None:
        params["markup"] = {"type": type(markup).__name__, "data": markup.to_dict()}
    return params


def from_row(params: dict[str, Any]) -> Outgoing:
    """The answer a row keeps, as the Bot API call that sends it."""
    kwargs = dict(params["kwargs"])
    markup = params.get("markup")
    if markup is not None:
        kwargs["reply_markup"] = MARKUPS[markup["type"]].de_json(markup["data"], None)
    return Outgoing(params["method"], kwargs)


def _reply(_locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    """A reply to the person who acted, if the handler's own was not confirmed sent."""
    return from_row(params)


def _filed(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    """The customer's reply to filing, if it was not confirmed sent."""
    return _text(render.filed(locale, params), ReplyKeyboardRemove())


def _reaction(kind: Kind) -> Renderer:
    def react(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        emoji = t(locale, kind)  # the catalog's reaction for "we have it" / "delivered"
        return Outgoing(
            "set_message_reaction", {"message_id": params["message_id"], "reaction": emoji}
        )

    return react


def _erase(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    field = "caption" if params.get("file") else "text"  # edited to this where not deleted
    erased = t(locale, "notice.erased_copy")
    return Outgoing("delete_message", {"message_id": params["message_id"], field: erased})


def _undelivered(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    key = f"notice.undelivered_{params['reason']}"
    return Outgoing("send_message", {"text": t(locale, key, number=params["number"])})


def _card(locale: str, params: dict[str, Any], message_id: int | None) -> Outgoing:
    text = render.card_text(locale, params)
    markup = keyboards.card(locale, params)
    if message_id is not None:
        return Outgoing(
            "edit_message_text", {"message_id": message_id, "text": text, "reply_markup": markup}
        )
    return _text(text, markup)


def _relayed(text_key: str, with_reply_button: bool = False) -> Renderer:
    """A relayed text message, with the sender's name and the ticket number."""

    def relay(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        number = params["number"]
        markup = keyboards.reply_button(locale, number) if with_reply_button else None
        sender, body = params.get("sender", ""), params.get("body", "")
        return _text(t(locale, text_key, number=number, sender=sender, body=body), markup)

    return relay


def _relayed_file(caption_key: str, with_reply_button: bool = False) -> Renderer:
    """A relayed file, captioned with the sender's name and the ticket number."""

    def relay(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        number = params["number"]
        markup = keyboards.reply_button(locale, number) if with_reply_button else None
        file = params["file"]
        method, argument = render.SENDERS[AttachmentKind(file["kind"])]
        kwargs: dict[str, Any] = {argument: file["file_id"], "reply_markup": markup}
        if argument != "video_note":
            kwargs["caption"] = t(
                locale, caption_key, number=number, sender=params.get("sender", "")
            )
        return Outgoing(method, kwargs)

    return relay


def _poll(key: str) -> Renderer:
    def ask(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        text = t(locale, key, number=params["number"])
        return _text(text, keyboards.poll(locale, params["poll_id"]))

    return ask


def _second_round(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    return Outgoing("send_message", {"text": t(locale, "poll.second_round", **params)})


def _filed_for_you(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    channel = t(locale, f"channel.{params['channel']}")
    text = t(locale, "notice.filed_for_you", number=params["number"], channel=channel)
    return Outgoing("send_message", {"text": text})


def _claimed(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    text = t(locale, "notice.claimed", number=params["number"], agent=params.get("agent", ""))
    return Outgoing("send_message", {"text": text})


def _resolved(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    number = params["number"]
    text = t(locale, "notice.resolved", number=number, resolution=params.get("resolution", ""))
    return _text(text, keyboards.confirm_resolution(locale, number))


def _merged(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    text = t(locale, "merge.notice", number=params["number"], into=params["into"])
    return Outgoing("send_message", {"text": text})


def _sla(stage: str) -> Renderer:
    def late(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        text = t(
            locale,
            f"notice.sla_{stage}",
            number=params["number"],
            priority=t(locale, f"priority.{params['priority']}"),
            target=t(locale, f"target.{params['target']}"),
            due=params["due"],
            title=params.get("title", ""),
        )
        assign = stage != "warning"
        return _text(text, keyboards.sla_notice(locale, params["number"], assign=assign))

    return late


def _to_staff(key: str) -> Renderer:
    """A notice to staff about a ticket, with an Open button."""

    def tell(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        return _text(t(locale, key, **params), keyboards.open_ticket(locale, params["number"]))

    return tell


def _auto_assigned(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    key = "assign.notice_auto" if params.get("minutes") else "assign.notice_auto_no_limit"
    return _text(t(locale, key, **params), keyboards.open_ticket(locale, params["number"]))


def _assign_moved(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    key = "assign.notice_moved" if params.get("after") else "assign.notice_moved_queue"
    return _text(t(locale, key, **params), keyboards.open_ticket(locale, params["number"]))


def _joined(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    role = render_staffadmin.role_name(locale, params["role"])
    if params.get("department"):
        text = t(
            locale,
            "invite.notice_joined",
            name=params["name"],
            role=role,
            department=params["department"],
        )
    else:
        text = t(locale, "invite.notice_joined_admin", name=params["name"], role=role)
    return Outgoing("send_message", {"text": text})


def _menu(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    """Not a message: handlers.outbox sets the chat's command menu (handlers.menus)."""
    return Outgoing("set_my_commands")


def _digest(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    return Outgoing("send_message", {"text": render_report.digest(locale, params)[:4096]})


def _reminder(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
    """A staff member's reminder: the ticket's card as it is now, under one line."""
    heading = t(locale, "followup.reminder", number=params["number"])
    text = f"{heading}\n\n{render.card_text(locale, params)}"
    return _text(text, keyboards.card(locale, params))


def _to_customer(key: str) -> Renderer:
    """A plain notice to the customer about their ticket."""

    def tell(locale: str, params: dict[str, Any], _: int | None) -> Outgoing:
        return Outgoing("send_message", {"text": t(locale, key, **params)})

    return tell


RENDERERS: dict[Kind, Renderer] = {
    Kind.CARD: _card,
    Kind.FILED: _filed,
    Kind.REPLY: _reply,
    Kind.RECEIVED: _reaction(Kind.RECEIVED),
    Kind.DELIVERED: _reaction(Kind.DELIVERED),
    Kind.UNDELIVERED: _undelivered,
    Kind.ERASE_MESSAGE: _erase,
    Kind.CUSTOMER_MESSAGE: _relayed("notice.customer_message", with_reply_button=True),
    Kind.CUSTOMER_FILE: _relayed_file("notice.customer_file", with_reply_button=True),
    Kind.AGENT_REPLY: _relayed("notice.agent_reply"),
    Kind.AGENT_FILE: _relayed_file("notice.agent_file"),
    Kind.ASKED: _relayed("notice.asked"),
    Kind.ASKED_FILE: _relayed_file("notice.asked_file"),
    Kind.FILED_FOR_YOU: _filed_for_you,
    Kind.CLAIMED: _claimed,
    Kind.RESOLVED: _resolved,
    Kind.ASSIGNED: _to_staff("notice.assigned"),
    Kind.TRANSFERRED_TO_YOU: _to_staff("notice.transferred_to_you"),
    Kind.REOPENED: _to_staff("notice.reopened"),
    Kind.COLLAB_ANSWER: _to_staff("notice.collab_answer"),
    Kind.SECOND_ROUND: _to_staff("notice.second_round"),
    Kind.MERGED: _merged,
    Kind.MERGED_AWAY: _to_staff("merge.merged_away"),
    Kind.POLL_ASK: _poll("poll.ask"),
    Kind.POLL_REMINDER: _poll("poll.reminder"),
    Kind.POLL_SECOND_ROUND: _second_round,
    Kind.SLA_WARNING: _sla("warning"),
    Kind.SLA_BREACH: _sla("breach"),
    Kind.SLA_ESCALATION: _sla("escalation"),
    Kind.STAFF_JOINED: _joined,
    Kind.STAFF_MENU: _menu,
    Kind.DIGEST: _digest,
    Kind.REMINDER: _reminder,
    Kind.NUDGE: _to_customer("followup.nudge"),
    Kind.CLOSED_UNANSWERED: _to_customer("followup.closed"),
    Kind.CLOSED_UNANSWERED_STAFF: _to_staff("followup.closed_staff"),
    Kind.AUTO_ASSIGNED: _auto_assigned,
    Kind.ASSIGN_MOVED: _assign_moved,
}
