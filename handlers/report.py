"""`/report`: the figures of my department (admins: all, or one) in my language."""

from __future__ import annotations

import io

from telegram import InputFile, Update

from handlers import render_report
from handlers.chart import chart_png, scope_name
from handlers.context import DeskContext, sender_of
from handlers.i18n import t
from handlers.inputs import arguments


async def report(update: Update, context: DeskContext) -> None:
    """`/report [today|week|month|YYYY-MM|FROM TO] [dept:CODE]`; `/report help` explains."""
    sender = sender_of(update)
    reporting = context.deps.reporting
    if sender is None or update.effective_message is None or reporting is None:
        return
    args = arguments(context.args)
    if [a.lower() for a in args] in (["help"], ["?"]):
        locale = await context.desk.locale_of(sender)
        await context.bot.send_message(sender.chat_id, t(locale, "report.usage"))
        return
    view = await reporting.report(sender, args)
    for part in render_report.chunks(render_report.text(view.locale, view.report)):
        await context.bot.send_message(sender.chat_id, part)
    exports = context.deps.exports
    if exports is None:
        return
    # the picture that goes with it: the last 12 weeks of the same scope
    scope = view.report.scope
    png = await chart_png(view.locale, await exports.weekly(scope), scope)
    await context.bot.send_photo(
        sender.chat_id,
        InputFile(io.BytesIO(png), filename="chart.png"),
        caption=t(view.locale, "chart.caption", scope=scope_name(view.locale, scope)),
    )
