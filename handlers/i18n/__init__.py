"""Message catalogs: `t(locale, "intake.ask_type", limit=10)`; string values are HTML-escaped.

A parameter may be given as what it means rather than as words: a role, priority, feedback
type or channel is written in the reader's language; a name given per language (a dict such
as `Department.label()`) picks the reader's. A text that depends on a number is a table of
plural forms (`{one = "...", other = "..."}`, the categories of Unicode's plural rules) and
is chosen by the `count` (or `n`) parameter.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from domain.people import ANY_LANGUAGE, Role
from domain.ticket import Channel, FeedbackType, Priority

CATALOG_DIR = Path(__file__).parent
FALLBACK = "en"
# the catalog section that names each kind of value a text may be given
WORDS: dict[type[StrEnum], str] = {
    Role: "role",
    Priority: "priority",
    FeedbackType: "type",
    Channel: "channel",
}
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
# Unicode's plural rules for whole numbers; a language not here has only "other" (Chinese)
PLURAL_RULES: dict[str, Callable[[int], str]] = {"en": lambda n: "one" if n == 1 else "other"}


class Safe(str):
    """A fragment that is already HTML and must not be escaped again."""

    __slots__ = ()


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    """Every text of one language, by dotted key."""
    path = CATALOG_DIR / f"{locale}.toml"
    with path.open("rb") as file:
        return _flatten(tomllib.load(file))


@cache
def locales() -> tuple[str, ...]:
    """The languages that have a catalog."""
    return tuple(sorted(p.stem for p in CATALOG_DIR.glob("*.toml")))


def placeholders(text: str) -> set[str]:
    """The {names} a text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def in_language(locale: str, names: Mapping[str, str]) -> str:
    """The one of a name given per language (`Department.label()`) that `locale` reads."""
    return names.get(locale, names.get(ANY_LANGUAGE, ""))


def _words(locale: str, value: Any) -> Any:
    """`value` as the reader of `locale` reads it, HTML-escaped unless it is HTML already."""
    if isinstance(value, StrEnum) and type(value) in WORDS:
        return Safe(t(locale, f"{WORDS[type(value)]}.{value.value}"))
    if isinstance(value, Mapping):
        value = in_language(locale, value)
    if isinstance(value, Safe):
        return value
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


def plural_form(locale: str, count: int) -> str:
    """The plural category of `count` in `locale`: "one", "other", ..."""
    rule = PLURAL_RULES.get(locale)
    return rule(count) if rule else "other"


def _text(locale: str, key: str, params: Mapping[str, Any]) -> str | None:
    texts = catalog(locale) if locale in locales() else {}
    if key in texts:
        return texts[key]
    count = params.get("count", params.get("n"))
    if f"{key}.other" not in texts or not isinstance(count, int):
        return None
    return texts.get(f"{key}.{plural_form(locale, count)}", texts[f"{key}.other"])


def t(locale: str, key: str, **params: Any) -> str:
    """The text for `key` in `locale` (English when missing), with params filled in."""
    text = _text(locale, key, params)
    if text is None:
        text = _text(FALLBACK, key, params)
    if text is None:
        raise KeyError(key)
    return text.format_map({k: _words(locale, v) for k, v in params.items()})


def label_set(key: str) -> frozenset[str]:
    """A button label in every language, to recognise a reply-keyboard press."""
    return frozenset(catalog(locale)[key] for locale in locales() if key in catalog(locale))
