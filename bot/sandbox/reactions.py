"""What the fake Bot API accepts as `setMessageReaction`'s ``reaction``, as Telegram does.

``reaction`` is a JSON list of ReactionType objects; a bot may set ``{"type": "emoji",
"emoji": ...}`` with one of the emoji Telegram allows (`ALLOWED_EMOJI`: the Bot API's list
in ReactionTypeEmoji, the same 73 that PTB keeps as `telegram.constants.ReactionEmoji`), at
most one of them (bots react as non-premium users do). An empty or missing list takes the
reaction away. Custom-emoji and paid reactions are refused (a simplification: Telegram takes
a custom emoji the chat allows).
"""

from __future__ import annotations

import json
from typing import Any

from telegram.constants import ReactionEmoji

ALLOWED_EMOJI = frozenset(emoji.value for emoji in ReactionEmoji)
MAX_REACTIONS = 1  # per message, for a bot


class ReactionRefused(ValueError):
    """The reaction parameter is not one Telegram takes; the message is its description."""


def reaction_emoji(reaction: Any) -> list[str]:
    """The emoji a ``reaction`` parameter sets (empty: none); `ReactionRefused` naming
    Telegram's error when it sets something a bot may not."""
    if reaction is None:
        return []
    if isinstance(reaction, str):
        try:
            reaction = json.loads(reaction)
        except ValueError:
            raise ReactionRefused("Bad Request: can't parse reaction types JSON") from None
    if not isinstance(reaction, list):
        raise ReactionRefused("Bad Request: reaction types must be an array")
    if len(reaction) > MAX_REACTIONS:
        raise ReactionRefused("Bad Request: REACTIONS_TOO_MANY")
    emoji = []
    for item in reaction:
        is_emoji = isinstance(item, dict) and item.get("type") == "emoji"
        if not is_emoji or item.get("emoji") not in ALLOWED_EMOJI:
            raise ReactionRefused("Bad Request: REACTION_INVALID")
        emoji.append(item["emoji"])
    return emoji
