"""The `/new` wizard as a pure state machine: a draft, an input, the next step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.policy import Limits
from domain.ticket import Attachment, Channel, FeedbackType


class Step(StrEnum):
    """The questions of the wizard, in the order they are asked."""

    TYPE = "type"
    DESCRIPTION = "description"
    ATTACHMENTS = "attachments"
    REFERENCE = "reference"
    CONTACT = "contact"
    STOPPED = "stopped"
    SUMMARY = "summary"
    EDIT_MENU = "edit_menu"


ORDER = (
    Step.TYPE,
    Step.DESCRIPTION,
    Step.ATTACHMENTS,
    Step.REFERENCE,
    Step.CONTACT,
    Step.STOPPED,
    Step.SUMMARY,
)
EDITABLE = (
    Step.TYPE,
    Step.DESCRIPTION,
    Step.ATTACHMENTS,
    Step.REFERENCE,
    Step.CONTACT,
    Step.STOPPED,
)
PHONE = re.compile(r"^\+?[\d\s\-()]{6,24}$")


@dataclass(slots=True)
class Draft:
    """What the customer has entered so far, and where they are."""

    step: Step = Step.TYPE
    type: FeedbackType | None = None
    description: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reference: str | None = None
    phone: str | None = None
    stopped: bool | None = None
    editing: bool = False
    channel: Channel = Channel.TELEGRAM

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, stored at every step."""
        return {
            "step": self.step.value,
            "type": self.type.value if self.type else None,
            "description": self.description,
            "attachments": [a.to_dict() for a in self.attachments],
            "reference": self.reference,
            "phone": self.phone,
            "stopped": self.stopped,
            "editing": self.editing,
            "channel": self.channel.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """The inverse of `to_dict`."""
        return cls(
            step=Step(data.get("step", Step.TYPE.value)),
            type=FeedbackType(data["type"]) if data.get("type") else None,
            description=data.get("description"),
            attachments=[Attachment.from_dict(a) for a in data.get("attachments", [])],
            reference=data.get("reference"),
            phone=data.get("phone"),
            stopped=data.get("stopped"),
            editing=bool(data.get("editing", False)),
            channel=Channel(data.get("channel", Channel.TELEGRAM.value)),
        )


@dataclass(frozen=True, slots=True)
class Text:
    """A plain text message (`message_id`: the Telegram message, when there is one)."""

    text: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """A photo, document, voice or video message, with its caption if any."""

    attachment: Attachment
    caption: str | None = None
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class ContactShared:
    """A contact shared with Telegram's button; `own` when it is the sender's own."""

    phone: str
    own: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """A button press of the wizard: for which step, and which value."""

    step: Step
    value: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Anything else: a sticker, a location, a poll, an empty message."""

    what: str


Input = Text | Media | ContactShared | Choice | Unsupported


@dataclass(slots=True)
class StepResult:
    """What the wizard decided: the draft to store and a note for the customer, if any."""

    draft: Draft
    note: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    submit: bool = False
    cancel: bool = False
    accepted: bool = True


def _next(draft: Draft, done: Step) -> Draft:
    if draft.editing:
        draft.editing = False
        draft.step = Step.SUMMARY
    else:
        draft.step = ORDER[ORDER.index(done) + 1]
    return draft


def _problem(draft: Draft, code: str, **params: Any) -> StepResult:
    return StepResult(draft=draft, note=code, params=params, accepted=False)


def _text_problem(draft: Draft, value: Input) -> StepResult:
    if isinstance(value, Unsupported) and value.what == "empty":
        return _problem(draft, "intake.empty")
    return _problem(draft, "intake.text_needed")


def _check_text(draft: Draft, text: str, limit: int) -> StepResult | None:
    if not text.strip():
        return _problem(draft, "intake.empty")
    if len(text) > limit:
        return _problem(draft, "intake.too_long", length=len(text), limit=limit)
    return None


def _check_file(draft: Draft, attachment: Attachment, limits: Limits) -> StepResult | None:
    if len(draft.attachments) >= limits.attachments_max:
        return _problem(draft, "intake.too_many_files", limit=limits.attachments_max)
    if attachment.size is not None and attachment.size > limits.file_max_bytes:
        return _problem(
            draft,
            "intake.file_too_large",
            size_mb=round(attachment.size / 1024 / 1024, 1),
            limit_mb=limits.file_max_bytes // 1024 // 1024,
        )
    return None


def _on_type(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice) and value.value in FeedbackType.__members__.values():
        draft.type = FeedbackType(value.value)
        return StepResult(_next(draft, Step.TYPE))
    return _problem(draft, "intake.pick_type")


def _on_description(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Text):
        text = value.text
    elif isinstance(value, Media) and value.caption and value.caption.strip():
        text = value.caption
    else:
        return _text_problem(draft, value)
    problem = _check_text(draft, text, limits.description_max_chars)
    if problem:
        return problem
    if isinstance(value, Media):
        problem = _check_file(draft, value.attachment, limits)
        if problem:
            return problem
        draft.attachments.append(value.attachment)
    draft.description = text.strip()
    return StepResult(_next(draft, Step.DESCRIPTION))


def _on_attachments(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Media):
        problem = _check_file(draft, value.attachment, limits)
        if problem:
            return problem
        draft.attachments.append(value.attachment)
        return StepResult(
            draft,
            note="intake.file_added",
            params={"count": len(draft.attachments), "limit": limits.attachments_max},
        )
    if isinstance(value, Choice) and value.value in ("done", "skip"):
        return StepResult(_next(draft, Step.ATTACHMENTS))
    if isinstance(value, Choice) and value.value == "clear":
        draft.attachments.clear()
        return StepResult(draft, note="intake.files_cleared")
    return _problem(draft, "intake.file_needed")


def _on_reference(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice) and value.value == "skip":
        draft.reference = None
        return StepResult(_next(draft, Step.REFERENCE))
    if not isinstance(value, Text):
        return _text_problem(draft, value)
    problem = _check_text(draft, value.text, limits.reference_max_chars)
    if problem:
        return problem
    draft.reference = value.text.strip()
    return StepResult(_next(draft, Step.REFERENCE))


def _on_contact(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice) and value.value == "skip":
        draft.phone = None
        return StepResult(_next(draft, Step.CONTACT))
    if isinstance(value, ContactShared):
        # a customer shares their own number; staff filing for someone share the customer's
        if not value.own and draft.channel is Channel.TELEGRAM:
            return _problem(draft, "intake.contact_not_own")
        draft.phone = value.phone
        return StepResult(_next(draft, Step.CONTACT))
    if isinstance(value, Text) and PHONE.match(value.text.strip()):
        draft.phone = value.text.strip()
        return StepResult(_next(draft, Step.CONTACT))
    return _problem(draft, "intake.contact_needed")


def _on_stopped(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice) and value.value in ("yes", "no"):
        draft.stopped = value.value == "yes"
        return StepResult(_next(draft, Step.STOPPED))
    return _problem(draft, "intake.pick_button")


def _on_summary(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice):
        if value.value == "submit":
            return StepResult(draft, submit=True)
        if value.value == "edit":
            draft.step = Step.EDIT_MENU
            return StepResult(draft)
        if value.value == "cancel":
            return StepResult(draft, cancel=True)
    return _problem(draft, "intake.pick_button")


def _on_edit_menu(draft: Draft, value: Input, limits: Limits) -> StepResult:
    if isinstance(value, Choice):
        if value.value == "back":
            draft.step = Step.SUMMARY
            return StepResult(draft)
        if value.value in EDITABLE:
            draft.step = Step(value.value)
            draft.editing = True
            return StepResult(draft)
    return _problem(draft, "intake.pick_button")


_STEPS = {
    Step.TYPE: _on_type,
    Step.DESCRIPTION: _on_description,
    Step.ATTACHMENTS: _on_attachments,
    Step.REFERENCE: _on_reference,
    Step.CONTACT: _on_contact,
    Step.STOPPED: _on_stopped,
    Step.SUMMARY: _on_summary,
    Step.EDIT_MENU: _on_edit_menu,
}


def advance(draft: Draft, value: Input, limits: Limits) -> StepResult:
    """Apply one input to the draft; a button of another step is out of date."""
    if isinstance(value, Choice) and value.step is not draft.step:
        return _problem(draft, "intake.stale_button")
    if isinstance(value, Choice) and value.value == "cancel":
        return StepResult(draft, cancel=True)
    return _STEPS[draft.step](draft, value, limits)
