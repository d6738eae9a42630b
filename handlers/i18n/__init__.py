"""Message catalogs: `t(locale, "intake.ask_type", limit=10)`; string values are HTML-escaped."""

from __future__ import annotations

import html
import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent
FALLBACK = "en"


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


def _escape(value: Any) -> Any:
    if isinstance(value, Safe):
        return value
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


def t(locale: str, key: str, **params: Any) -> str:
    """The text for `key` in `locale` (English when missing), with params filled in."""
    text = catalog(locale).get(key) if locale in locales() else None
    if text is None:
        text = catalog(FALLBACK)[key]
    return text.format_map({k: _escape(v) for k, v in params.items()})


def label_set(key: str) -> frozenset[str]:
    """A button label in every language, to recognise a reply-keyboard press."""
    return frozenset(catalog(locale)[key] for locale in locales() if key in catalog(locale))
