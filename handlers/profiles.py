"""`/customer` for staff, in their private chat: a customer's profile by number, ticket,
@username or phone; its buttons; `/customer merge KEEP OTHER` (supervisors, admins)."""

from __future__ import annotations

from telegram import Update

from domain.people import Sender
from domain.presses import ProfilePress
from domain.services.staff.profiles import ProfileView
from handlers import render_profiles as render
from handlers.callback_data import Verb
from handlers.context import Button, DeskContext, sender_of
from handlers.edits import edit
from handlers.inputs import arguments

MERGE = "merge"
QUERY_WORDS = 4  # a phone number may come in a few groups of digits


async def customer(update: Update, context: DeskContext) -> None:
    """`/customer <number|FB-…|@username|phone>` or `/customer merge KEEP OTHER`."""
    sender = sender_of(update)
    if sender is None or update.effective_message is None:
        return
    args = arguments(context.args)
    profiles = context.work.profiles
    if args and args[0].lower() == MERGE:
        if len(args) != 3:
            view = await profiles.lookup(sender, "")  # checks the role, then the usage
        else:
            view = await profiles.merge(sender, args[1], args[2])
    else:
        view = await profiles.lookup(sender, " ".join(args[:QUERY_WORDS]))
    await show(context, sender.chat_id, view)


async def show(context: DeskContext, chat_id: int, view: ProfileView) -> None:
    """Send a profile (or a prompt about one) to `chat_id`."""
    zone = context.deps.policy.timezone
    await context.bot.send_message(
        chat_id, render.text(view, zone), reply_markup=render.markup(view)
    )


async def _press(
    update: Update, context: DeskContext, pressed: ProfilePress, sender: Sender
) -> None:
    """A profile's button: the profile changes in place; a field's question comes below."""
    query = update.callback_query
    assert query is not None
    view = await context.work.profiles.pressed(sender, pressed)
    await query.answer()
    if view.key == "profile.card":
        await edit(query, render.text(view, context.deps.policy.timezone), render.markup(view))
        return
    await show(context, sender.chat_id, view)


BUTTONS: dict[Verb, Button] = {Verb.PROFILE: _press}
