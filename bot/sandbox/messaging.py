"""The fake Bot API's methods that put, change or remove messages: send*, sendMediaGroup,
copy and forward, editMessage*, setMessageReaction, deleteMessage(s), with Telegram's checks
of texts, captions and buttons. A mixin of `FakeBotApi`, whose state it reads."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from bot.sandbox.reactions import ReactionRefused, reaction_emoji
from bot.sandbox.wire import (
    CONTENT_KEYS,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    ApiError,
    Call,
    SentMessage,
    StoredFile,
    Upload,
    as_read,
    chat_key,
    inline,
    iter_inline_buttons,
    set_or_pop,
    unique_id,
)


class MessageMethods:
    """Bot API methods of messages (state: see `FakeBotApi.__init__`)."""

    bot_user: dict[str, Any]
    sent: list[SentMessage]
    _messages: dict[int | str, list[SentMessage]]
    _incoming: dict[tuple[int | str, int], dict[str, Any]]
    _last_message_id: dict[int | str, int]
    _reactions: dict[tuple[int | str, int], list[str]]
    _upload_ids: itertools.count[int]
    _files: dict[str, StoredFile]

    def _send(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        content = self._content_of(method, params, call)
        sent = self._new_message(method, params, content)
        return copy.deepcopy(sent.message)

    def _send_media_group(
        self, method: str, params: dict[str, Any], call: Call
    ) -> list[dict[str, Any]]:
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = str(next(self._upload_ids) + 10_000_000)
        results = []
        for item in media:
            item_params = {**params, **item}
            kind = item["type"]
            content = self._media_content(kind, item["media"], item_params, call)
            if item.get("caption") is not None:
                self._check_caption(item["caption"], item.get("parse_mode"))
                content["caption"] = item["caption"]
            content["media_group_id"] = group_id
            sent = self._new_message(method, item_params, content)
            results.append(copy.deepcopy(sent.message))
        return results

    def _copy_message(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        sent = self._copy_one(method, params, int(params.get("message_id", 0)))
        return {"message_id": sent.message_id}

    def _copy_messages(self, method: str, params: dict[str, Any], call: Call) -> list:
        ids = params.get("message_ids") or []
        return [{"message_id": self._copy_one(method, params, int(i)).message_id} for i in ids]

    def _forward_message(self, method: str, params: dict[str, Any], call: Call) -> dict:
        source = self._source(params, int(params.get("message_id", 0)), "forward")
        content = {k: v for k, v in source.items() if k in CONTENT_KEYS}
        origin_user = source.get("from") or self.bot_user
        content["forward_origin"] = {
            "type": "user",
            "sender_user": origin_user,
            "date": source.get("date", self.timestamp()),
        }
        sent = self._new_message(method, params, content)
        return copy.deepcopy(sent.message)

    def _copy_one(self, method: str, params: dict[str, Any], message_id: int) -> SentMessage:
        source = self._source(params, message_id, "copy")
        content = {k: v for k, v in source.items() if k in CONTENT_KEYS}
        if "text" not in content and "caption" in params:
            self._check_caption(params["caption"], params.get("parse_mode"))
            content["caption"] = params["caption"]
            content.pop("caption_entities", None)
        return self._new_message(method, params, content)

    def _source(self, params: dict[str, Any], message_id: int, verb: str) -> dict[str, Any]:
        if "from_chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        found = self._find_any(chat_key(params["from_chat_id"]), message_id)
        if found is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return copy.deepcopy(found)

    def _edit(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        sent = self._find_sent(chat_key(params["chat_id"]), int(params.get("message_id", 0)))
        if sent is None or sent.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        new_markup = inline(params.get("reply_markup"))
        self._check_markup(new_markup)
        old_markup = inline(sent.message.get("reply_markup"))
        message = sent.message
        if method == "editMessageText":
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text = params.get("text") or ""
            self._check_text(text, params.get("parse_mode"))
            before = (message["text"], sent.parse_mode, message.get("entities"))
            after = (text, params.get("parse_mode"), params.get("entities"))
            if before == after and old_markup == new_markup:
                raise ApiError(400, NOT_MODIFIED)
            message["text"] = text
            set_or_pop(message, "entities", params.get("entities"))
            sent.text, sent.parse_mode = text, params.get("parse_mode")
        elif method == "editMessageCaption":
            if "text" in message:
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            caption = params.get("caption")
            if caption is not None:
                self._check_caption(caption, params.get("parse_mode"))
            before = (message.get("caption"), sent.parse_mode, message.get("caption_entities"))
            after = (caption, params.get("parse_mode"), params.get("caption_entities"))
            if before == after and old_markup == new_markup:
                raise ApiError(400, NOT_MODIFIED)
            set_or_pop(message, "caption", caption)
            set_or_pop(message, "caption_entities", params.get("caption_entities"))
            sent.text, sent.parse_mode = caption, params.get("parse_mode")
        elif old_markup == new_markup:  # editMessageReplyMarkup
            raise ApiError(400, NOT_MODIFIED)
        set_or_pop(message, "reply_markup", new_markup)
        keeps_reply_keyboard = bool(sent.reply_markup) and "inline_keyboard" not in (
            sent.reply_markup or {}
        )
        if new_markup is not None or not keeps_reply_keyboard:
            sent.reply_markup = new_markup
        message["edit_date"] = self.timestamp()
        sent.edits += 1
        return copy.deepcopy(message)

    def _set_message_reaction(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat, message_id = chat_key(params["chat_id"]), int(params.get("message_id", 0))
        if self._find_any(chat, message_id) is None:
            raise ApiError(400, "Bad Request: message to react not found")
        try:
            self._reactions[(chat, message_id)] = reaction_emoji(params.get("reaction"))
        except ReactionRefused as refused:
            raise ApiError(400, str(refused)) from None
        return True

    def _delete_message(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        self._delete(chat_key(params["chat_id"]), int(params.get("message_id", 0)))
        return True

    def _delete_messages(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = chat_key(params["chat_id"])
        for message_id in params.get("message_ids") or []:
            try:
                self._delete(chat, int(message_id))
            except ApiError:
                continue  # deleteMessages skips messages it cannot find
        return True

    def _delete(self, chat: int | str, message_id: int) -> None:
        sent = self._find_sent(chat, message_id)
        if sent is not None:
            if sent.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            sent.deleted = True
            return
        if self._incoming.pop((chat, message_id), None) is not None:
            return
        if not 0 < message_id <= self._last_message_id.get(chat, 0):
            raise ApiError(400, "Bad Request: message to delete not found")

    # -- building messages -------------------------------------------------------------

    def _content_of(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        if method == "sendMessage":
            text = params.get("text") or ""
            self._check_text(text, params.get("parse_mode"))
            content: dict[str, Any] = {"text": text}
            if params.get("entities"):
                content["entities"] = params["entities"]
            return content
        if method == "sendLocation":
            return {"location": {"latitude": params["latitude"], "longitude": params["longitude"]}}
        if method == "sendContact":
            contact = {
                k: params[k]
                for k in ("phone_number", "first_name", "last_name", "vcard")
                if k in params
            }
            return {"contact": contact}
        if method == "sendPoll":
            options = [
                {"text": o["text"] if isinstance(o, dict) else str(o), "voter_count": 0}
                for o in params.get("options") or []
            ]
            poll = {
                "id": str(next(self._poll_ids)),
                "question": params.get("question", ""),
                "options": options,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": params.get("is_anonymous", True),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": params.get("allows_multiple_answers", False),
            }
            return {"poll": poll}
        kind = {
            "sendPhoto": "photo",
            "sendDocument": "document",
            "sendVoice": "voice",
            "sendVideo": "video",
            "sendAudio": "audio",
            "sendVideoNote": "video_note",
            "sendAnimation": "animation",
            "sendSticker": "sticker",
        }[method]
        if kind not in params:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        content = self._media_content(kind, params[kind], params, call)
        if params.get("caption") is not None and kind not in ("sticker", "video_note"):
            self._check_caption(params["caption"], params.get("parse_mode"))
            content["caption"] = params["caption"]
            if params.get("caption_entities"):
                content["caption_entities"] = params["caption_entities"]
        return content

    def _media_content(
        self, kind: str, ref: Any, params: dict[str, Any], call: Call
    ) -> dict[str, Any]:
        file_id, upload = self._file_ref(str(ref), call)
        base: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id(file_id)}
        if upload is not None:
            base["file_size"] = len(upload.content)
        duration = params.get("duration", 1)
        width, height = params.get("width", 1280), params.get("height", 720)
        if kind == "photo":
            return {"photo": [{**base, "width": width, "height": height}]}
        if kind == "document":
            document = dict(base)
            if upload is not None:
                document["file_name"] = upload.filename
                if upload.mime_type:
                    document["mime_type"] = upload.mime_type
            return {"document": document}
        if kind == "voice":
            return {"voice": {**base, "duration": duration, "mime_type": "audio/ogg"}}
        if kind == "video":
            return {"video": {**base, "width": width, "height": height, "duration": duration}}
        if kind == "audio":
            return {"audio": {**base, "duration": duration}}
        if kind == "video_note":
            length = params.get("length", 240)
            return {"video_note": {**base, "length": length, "duration": duration}}
        if kind == "animation":
            animation = {**base, "width": width, "height": height, "duration": duration}
            return {"animation": animation, "document": dict(base)}
        if kind == "sticker":
            sticker = {
                **base,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
            if params.get("emoji"):
                sticker["emoji"] = params["emoji"]
            return {"sticker": sticker}
        raise ApiError(400, f"Bad Request: unsupported media type {kind}")

    def _file_ref(self, ref: str, call: Call) -> tuple[str, Upload | None]:
        """The file_id a sent file gets: an uploaded file gets a fresh one (its content
        served by getFile), a file_id or URL is echoed."""
        for upload in call.uploads.values():
            if upload.marker == ref:
                file_id = f"fake-upload-{next(self._upload_ids)}"
                self._files[file_id] = StoredFile(
                    f"uploads/{file_id}/{upload.filename}", upload.content
                )
                return file_id, upload
        return ref, None

    def _new_message(
        self, method: str, params: dict[str, Any], content: dict[str, Any]
    ) -> SentMessage:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = chat_key(params["chat_id"])
        markup = params.get("reply_markup")
        self._check_markup(markup)
        message_id = self.next_message_id(chat)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "date": self.timestamp(),
            "chat": self._chat_dict(chat),
            **copy.deepcopy(content),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_to:
            replied = self._find_any(chat, int(reply_to))
            if replied is not None:
                message["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
        if inline(markup) is not None:
            message["reply_markup"] = markup
        sent = SentMessage(
            chat_id=chat,
            message_id=message_id,
            method=method,
            text=content.get("text", content.get("caption")),
            reply_markup=markup,
            params=params,
            message=message,
            parse_mode=params.get("parse_mode"),
        )
        self._messages[chat].append(sent)
        self.sent.append(sent)
        return sent

    # -- Telegram's checks -------------------------------------------------------------

    @staticmethod
    def _check_text(text: str, parse_mode: str | None) -> None:
        plain = as_read(text, parse_mode) or ""
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")

    @staticmethod
    def _check_caption(caption: str, parse_mode: str | None) -> None:
        if len(as_read(caption, parse_mode) or "") > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")

    @staticmethod
    def _check_markup(markup: dict[str, Any] | None) -> None:
        for button in iter_inline_buttons(markup):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
