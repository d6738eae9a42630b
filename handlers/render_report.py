"""A report as phone-sized HTML: short lines, each figure with the previous period's beside it
and the change. Pure: no Telegram calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from domain import report
from domain.report import AgentRow, Figures, Period, Ratio, Report, Timing
from handlers.i18n import Safe, t
from handlers.timewords import clock_words

MESSAGE_LIMIT = 4000
AGENTS_SHOWN = 10
BREAKDOWNS = (
    ("type", "by_type", "type"),
    ("channel", "by_channel", "channel"),
    ("priority", "by_priority", "priority"),
    ("status", "by_status", "staff.status"),
)
Fmt = Callable[[float], str]


def text(locale: str, value: Report) -> str:
    """The whole report."""
    now, before = value.current, value.previous
    lines = [_head(locale, value), ""]
    lines.append(_line(locale, t(locale, "report.tickets"), now.tickets, before.tickets, _count))
    top = " · ".join(
        f"{t(locale, f'type.{name}')} {count}" for name, count in now.top_types()
    ) or t(locale, "report.none")
    lines.append(t(locale, "report.top_types", types=Safe(top)))
    for section, attr, catalog in BREAKDOWNS:
        lines += ["", t(locale, f"report.by_{section}")]
        lines += _breakdown(locale, getattr(now, attr), getattr(before, attr), catalog)
    lines += ["", t(locale, "report.times")]
    for name in ("acknowledge", "first_response", "resolve"):
        lines += _timing(locale, name, getattr(now, name), getattr(before, name))
    lines += ["", t(locale, "report.quality")]
    for name in ("ack_sla", "resolve_sla", "first_contact"):
        lines.append(_ratio(locale, name, getattr(now, name), getattr(before, name)))
    lines += ["", t(locale, "report.satisfaction")]
    lines += _satisfaction(locale, now, before)
    lines += ["", t(locale, "report.agents")]
    lines += _agents(locale, now.agents, before.agents)
    if now.canned:
        replies = " · ".join(
            t(locale, "canned.report.item", title=title, uses=uses) for title, uses in now.canned
        )
        lines += ["", t(locale, "canned.report.most_used", replies=Safe(replies))]
    return "\n".join(lines)


def chunks(value: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`value` cut at line ends into messages Telegram accepts."""
    parts: list[str] = []
    current = ""
    for line in value.split("\n"):
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*parts, current]


def _dates(locale: str, period: Period) -> str:
    if period.first == period.last:
        return period.first.isoformat()
    return t(locale, "report.dates", first=period.first.isoformat(), last=period.last.isoformat())


def _head(locale: str, value: Report) -> str:
    scope: object = value.scope.name or value.scope.department
    scope = scope or t(locale, "report.all_departments")
    return t(
        locale,
        "report.head",
        scope=scope,
        dates=_dates(locale, value.period),
        previous=_dates(locale, value.previous_period),
    )


def _count(value: float) -> str:
    return str(int(value))


def _signed(locale: str, delta: float | None, fmt: Fmt) -> str:
    if delta is None:
        return t(locale, "report.none")
    if abs(delta) < 1e-9:
        return "±0"
    return ("+" if delta > 0 else "−") + fmt(abs(delta))


def _line(
    locale: str,
    label: str,
    current: float | None,
    previous: float | None,
    fmt: Fmt,
    change_fmt: Fmt | None = None,
) -> str:
    none = t(locale, "report.none")
    return t(
        locale,
        "report.line",
        label=label,
        value=fmt(current) if current is not None else none,
        previous=fmt(previous) if previous is not None else none,
        change=_signed(locale, report.change(current, previous), change_fmt or fmt),
    )


def _breakdown(
    locale: str, now: Mapping[str, int], before: Mapping[str, int], catalog: str
) -> list[str]:
    names = sorted(set(now) | set(before), key=lambda n: (-now.get(n, 0), n))
    if not names:
        return [t(locale, "report.nothing")]
    return [
        _line(locale, t(locale, f"{catalog}.{n}"), now.get(n, 0), before.get(n, 0), _count)
        for n in names
    ]


def _timing(locale: str, name: str, now: Timing, before: Timing) -> list[str]:
    def fmt(seconds: float) -> str:
        return clock_words(locale, seconds)

    label = t(locale, f"report.time_{name}")
    return [
        _line(locale, t(locale, "report.mean", what=label), now.mean, before.mean, fmt),
        _line(locale, t(locale, "report.median", what=label), now.median, before.median, fmt),
    ]


def _ratio(locale: str, name: str, now: Ratio, before: Ratio, tail: str = "report.of") -> str:
    label = t(locale, f"report.{name}")
    line = _line(locale, label, now.percent, before.percent, _percent(locale), _points(locale))
    return line + " " + t(locale, tail, part=now.part, base=now.base)


def _percent(locale: str) -> Fmt:
    return lambda value: t(locale, "report.percent", value=f"{value:.0f}")


def _points(locale: str) -> Fmt:
    return lambda value: t(locale, "report.points", value=f"{value:.0f}")


def _score(value: float) -> str:
    return f"{value:.1f}"


def _satisfaction(locale: str, now: Figures, before: Figures) -> list[str]:
    lines = [
        _line(
            locale,
            t(locale, "report.score_mean"),
            now.satisfaction_mean,
            before.satisfaction_mean,
            _score,
        )
    ]
    for score in sorted(report.SCORES, reverse=True):
        lines.append(
            _line(
                locale,
                t(locale, "report.score", score=score),
                now.scores.get(score, 0),
                before.scores.get(score, 0),
                _count,
            )
        )
    lines.append(_ratio(locale, "responses", now.responses, before.responses, "report.answered"))
    return lines


def _agents(locale: str, now: Sequence[AgentRow], before: Sequence[AgentRow]) -> list[str]:
    if not now:
        return [t(locale, "report.nothing")]
    earlier = {a.staff_id: a for a in before}
    lines: list[str] = []
    for agent in list(now)[:AGENTS_SHOWN]:
        lines.append(t(locale, "report.agent", name=agent.name, **_agent_values(locale, agent)))
        was = earlier.get(agent.staff_id)
        lines.append(
            t(locale, "report.agent_before", **_agent_values(locale, was))
            if was is not None
            else t(locale, "report.agent_new")
        )
    return lines


def _agent_values(locale: str, agent: AgentRow) -> dict[str, str]:
    none = t(locale, "report.none")
    return {
        "handled": str(agent.handled),
        "responses": str(agent.first_responses),
        "resolved": str(agent.resolved),
        "resolve": clock_words(locale, agent.resolve_median)
        if agent.resolve_median is not None
        else none,
        "score": _score(agent.satisfaction_mean) if agent.satisfaction_mean is not None else none,
    }


def digest(locale: str, params: dict[str, Any]) -> str:
    """The weekly digest: a heading and last week's report; a week without tickets in one
    line."""
    value = Report.from_dict(params)
    if value.current.tickets == 0:
        period = value.period
        dates = {"first": period.first.isoformat(), "last": period.last.isoformat()}
        if value.scope.name is None:
            return t(locale, "report.digest_empty", **dates)
        return t(locale, "report.digest_empty_department", department=value.scope.name, **dates)
    return t(locale, "report.digest_head") + "\n" + text(locale, value)
