"""Turn a Telegram message into a wizard input; anything unexpected becomes `Unsupported`."""

from __future__ import annotations

from telegram import Message

from domain.intake import Choice, ContactShared, Input, Media, Step, Text, Unsupported
from domain.text import clean, clean_words, is_blank
from domain.ticket import Attachment, AttachmentKind
from handlers.i18n import label_set

SKIP_CONTACT = label_set("button.skip_contact")


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        largest = message.photo[-1]
        return Attachment(
            AttachmentKind.PHOTO, largest.file_id, largest.file_unique_id, largest.file_size
        )
    for kind, media in (
        (AttachmentKind.DOCUMENT, message.document),
        (AttachmentKind.VOICE, message.voice),
        (AttachmentKind.VIDEO, message.video),
        (AttachmentKind.AUDIO, message.audio),
        (AttachmentKind.VIDEO_NOTE, message.video_note),
    ):
        if media is not None:
            return Attachment(
                kind,
                media.file_id,
                media.file_unique_id,
                media.file_size,
                getattr(media, "file_name", None),
                getattr(media, "mime_type", None),
            )
    return None


def caption_of(message: Message) -> str | None:
    """A media message's caption as the desk keeps it; None when nothing visible is left."""
    if message.caption is None:
        return None
    caption = clean(message.caption)
    return None if is_blank(caption) else caption


def arguments(args: list[str] | None) -> list[str]:
    """A command's arguments as the desk keeps them (`context.args`); blank ones dropped."""
    return clean_words(args or [])


def from_message(message: Message) -> Input:
    """What the customer sent, as the desk understands it."""
    if message.contact is not None:
        own = message.from_user is not None and message.contact.user_id == message.from_user.id
        return ContactShared(message.contact.phone_number, own)
    attachment = _attachment(message)
    if attachment is not None and message.sticker is None:
        return Media(attachment, caption_of(message), message.message_id)
    if message.text is not None:
        text = clean(message.text)
        if text.strip() in SKIP_CONTACT:
            return Choice(Step.CONTACT, "skip")
        if is_blank(text):
            return Unsupported("empty")
        return Text(text, message.message_id)
    if message.sticker is not None:
        return Unsupported("sticker")
    if message.location is not None or message.venue is not None:
        return Unsupported("location")
    return Unsupported("other")
