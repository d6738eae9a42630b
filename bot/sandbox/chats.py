"""The fake Bot API's methods about chats, updates and files: getUpdates, answerCallbackQuery,
getFile and the download, getChat, getChatMember, createForumTopic, and what the fake knows
of a chat and its messages. A mixin of `FakeBotApi`, whose state it reads."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import Any

from bot.sandbox.wire import (
    BOT_ID,
    MAX_CALLBACK_ANSWER,
    ApiError,
    Call,
    SentMessage,
    StoredFile,
    chat_key,
    token_of,
    unique_id,
)


class ChatMethods:
    """Bot API methods of chats, updates and files (state: see `FakeBotApi.__init__`)."""

    _chats: dict[int | str, dict[str, Any]]
    _messages: dict[int | str, list[SentMessage]]
    _incoming: dict[tuple[int | str, int], dict[str, Any]]
    _updates: list[dict[str, Any]]
    _update_arrived: asyncio.Event
    _files: dict[str, StoredFile]
    _chat_members: dict[tuple[int | str, int], str]
    poll_wait: float
    bot_user: dict[str, Any]

    # -- method handlers ---------------------------------------------------------------

    @staticmethod
    def _true(method: str, params: dict[str, Any], call: Call) -> bool:
        return True

    def _delete_webhook(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_updates(self, method: str, params: dict[str, Any], call: Call) -> list:
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u.get("update_id", 0) >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        timeout = params.get("timeout") or 0
        if not self._updates and timeout > 0 and self.poll_wait > 0:
            self._update_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._update_arrived.wait(), timeout=min(timeout, self.poll_wait)
                )
        limit = params.get("limit") or 100
        return copy.deepcopy(self._updates[:limit])

    def _answer_callback_query(self, method: str, params: dict[str, Any], call: Call) -> bool:
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _get_file(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise ApiError(400, "Bad Request: invalid file_id")
        stored = self._files.setdefault(file_id, StoredFile(f"files/{file_id}"))
        result: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_path": stored.file_path,
        }
        if stored.content is not None:
            result["file_size"] = len(stored.content)
        return result

    def _download(self, url: str) -> tuple[int, bytes]:
        file_path = url.split("/file/bot", 1)[1].split("/", 1)[1]
        self.calls.append(Call("downloadFile", {"file_path": file_path}, token=token_of(url)))
        for file_id, stored in self._files.items():
            if stored.file_path == file_path:
                return 200, stored.content or f"content of {file_id}".encode()
        return 200, f"content of {file_path}".encode()

    def _get_chat(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        chat = self._chat_dict(chat_key(params.get("chat_id", 0)))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, method: str, params: dict[str, Any], call: Call) -> dict:
        user_id = int(params.get("user_id", 0))
        chat = chat_key(params.get("chat_id", 0))
        status = self._chat_members.get((chat, user_id), "member")
        if user_id == BOT_ID:
            user = dict(self.bot_user)
        else:
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
            member.update(
                dict.fromkeys(
                    (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_change_info",
                        "can_invite_users",
                    ),
                    True,
                )
            )
        return member

    def _create_forum_topic(self, method: str, params: dict[str, Any], call: Call) -> dict:
        return {
            "message_thread_id": next(self._topic_ids),
            "name": params.get("name", ""),
            "icon_color": params.get("icon_color", 7322096),
        }

    def _chat_dict(self, chat: int | str) -> dict[str, Any]:
        if chat in self._chats:
            return dict(self._chats[chat])
        if isinstance(chat, str):
            return {"id": -1000000000000 - len(chat), "type": "channel", "username": chat[1:]}
        if chat > 0:
            return {"id": chat, "type": "private", "first_name": f"User {chat}"}
        return {"id": chat, "type": "supergroup", "title": f"Group {chat}"}

    def _find_sent(self, chat: int | str, message_id: int) -> SentMessage | None:
        for sent in self._messages.get(chat, []):
            if sent.message_id == message_id:
                return sent
        return None

    def _find_any(self, chat: int | str, message_id: int) -> dict[str, Any] | None:
        sent = self._find_sent(chat, message_id)
        if sent is not None and not sent.deleted:
            return sent.message
        return self._incoming.get((chat, message_id))
