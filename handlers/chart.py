"""`/chart`: the last 12 weeks' tickets by type (stacked bars) and satisfaction (a line), as
a PNG with labels in the reader's language.

matplotlib ships no Chinese glyphs, so the chart draws its text in Noto Sans CJK (the
`cvttf-notosanscjk-regular` package), which has Latin letters too.
"""

from __future__ import annotations

import asyncio
import html
import io
import math
import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")  # no display; before anything could pick another backend

from matplotlib import font_manager
from matplotlib.figure import Figure
from telegram import InputFile, Update

from domain.exports import ReportScope, WeekFigures
from domain.ticket import FeedbackType
from handlers.context import DeskContext, sender_of
from handlers.i18n import in_language, t

FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FALLBACK_FONT = "DejaVu Sans"
SIZE_INCHES = (8.0, 4.5)
DPI = 120  # 960 x 540 pixels: sharp on a phone, a small upload
COLORS = {
    FeedbackType.COMPLAINT: "#d95f02",
    FeedbackType.INQUIRY: "#1b9e77",
    FeedbackType.SUGGESTION: "#7570b3",
    FeedbackType.AFTER_SALES: "#e7298a",
    FeedbackType.CHANGE_REQUEST: "#66a61e",
}
LINE_COLOR = "#333333"

# rc_context changes matplotlib's global settings: one chart at a time
_LOCK = threading.Lock()


@cache
def cjk_font() -> str:
    """The family name of the CJK font, registered with matplotlib on first use."""
    folder = resources.files(FONT_PACKAGE)
    path = next(p for p in folder.iterdir() if p.name.lower().endswith((".otf", ".ttf", ".ttc")))
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _text(locale: str, key: str, **params: object) -> str:
    # the catalogs escape for Telegram's HTML; a picture wants the plain words
    return html.unescape(t(locale, key, **params))


def scope_name(locale: str, scope: ReportScope) -> str:
    """The department's name, or the whole desk, as a title says it."""
    if scope.name is not None:
        return in_language(locale, scope.name)
    return scope.department or _text(locale, "chart.all_departments")


def render_chart(locale: str, weeks: Sequence[WeekFigures], scope: ReportScope) -> bytes:
    """The chart as PNG bytes (CPU-bound: run it in a thread)."""
    settings = {"font.family": "sans-serif", "font.sans-serif": [cjk_font(), FALLBACK_FONT]}
    with _LOCK, matplotlib.rc_context(settings):
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
        bars = figure.subplots()
        x = list(range(len(weeks)))
        bottom = [0] * len(weeks)
        for kind in FeedbackType:
            values = [w.by_type.get(kind.value, 0) for w in weeks]
            if any(values):
                bars.bar(
                    x,
                    values,
                    bottom=bottom,
                    color=COLORS[kind],
                    label=_text(locale, f"type.{kind.value}"),
                )
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        labels = [
            _text(locale, "chart.week", month=w.week.monday.month, day=w.week.monday.day)
            for w in weeks
        ]
        bars.set_xticks(x, labels, rotation=45, ha="right")
        bars.set_ylabel(_text(locale, "chart.tickets"))
        bars.set_ylim(0, max([*bottom, 1]) * 1.15)
        bars.yaxis.get_major_locator().set_params(integer=True)
        line = bars.twinx()
        scores = [math.nan if w.satisfaction is None else w.satisfaction for w in weeks]
        line.plot(
            x,
            scores,
            color=LINE_COLOR,
            marker="o",
            linewidth=2,
            label=_text(locale, "chart.satisfaction"),
        )
        line.set_ylim(0, 5.5)
        line.set_yticks([1, 2, 3, 4, 5])
        line.set_ylabel(_text(locale, "chart.satisfaction_axis"))
        handles, names = bars.get_legend_handles_labels()
        more, more_names = line.get_legend_handles_labels()
        bars.legend(
            handles + more, names + more_names, loc="upper left", fontsize="small", ncols=3
        )
        figure.suptitle(
            _text(locale, "chart.title", scope=scope_name(locale, scope), weeks=len(weeks))
        )
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()


async def chart_png(locale: str, weeks: Sequence[WeekFigures], scope: ReportScope) -> bytes:
    """`render_chart` off the event loop."""
    return await asyncio.to_thread(render_chart, locale, weeks, scope)


async def chart(update: Update, context: DeskContext) -> None:
    """`/chart`: the picture, as a photo, for a supervisor's department or (admins) all."""
    sender = sender_of(update)
    exports = context.deps.exports
    if sender is None or update.effective_message is None or exports is None:
        return
    view = await exports.chart(sender)
    png = await chart_png(view.locale, view.weeks, view.scope)
    await context.bot.send_photo(
        sender.chat_id,
        InputFile(io.BytesIO(png), filename="chart.png"),
        caption=t(view.locale, "chart.caption", scope=scope_name(view.locale, view.scope)),
    )
