"""What the desk keeps of a text a person typed: no control characters, nothing invisible
that changes how the text reads, and one Unicode form.

Every text enters the domain through `clean` (wizard answers, messages on a ticket, staff
replies, notes, questions, resolutions, reasons, poll comments, captions, names, command
arguments such as `/find`'s words), so nothing below ever reaches storage or a card:

* C0 controls (NUL included) except newline and tab; DEL; C1 controls (U+0080–U+009F).
  A carriage return is not dropped but read as a line break (``\\r\\n`` and ``\\r`` become
  ``\\n``), so a pasted Windows text keeps its lines.
* Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
  make a text display in an order other than the one stored ("Trojan source").
* Zero-width space U+200B, word joiner U+2060, zero-width no-break space / BOM U+FEFF.
* Zero-width joiner U+200D and non-joiner U+200C — except where they are part of the
  writing, which is decided by their neighbours:

  - U+200D between two emoji is part of one emoji (👩‍💻, 👨‍👩‍👧, 🏳️‍🌈): it stays. The emoji
    before it may carry a variation selector or a skin tone.
  - U+200C and U+200D between two letters (or combining marks) of scripts from Hebrew on
    (U+0590 and up: Arabic, Persian, the Indic scripts...) shape the word — Persian
    writes "می‌خواهم" with a non-joiner — so they stay there too.
  - Anywhere else (alone, at either end, next to a space, inside a Latin, Greek or
    Cyrillic word where they would only hide a word from `/find`) they go.

The text is then put in NFC: the composed form Telegram itself sends, so "é" typed as
e + U+0301 and "é" typed as one character are stored, shown and found alike. NFKC is not
used: it would change what people wrote (full-width letters, "²", ligatures).

`clean` does not strip spaces (a message's indentation is the sender's); `is_blank` says
whether anything visible is left, and the adapter refuses a blank text the same way it
refuses an empty one. Blank means only whitespace, format characters (e.g. the marks
U+200E/U+200F, which are kept in a text as they steer right-to-left writing, but alone
show nothing), variation selectors, and the "filler" letters that render as nothing
(Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the braille blank U+2800, the combining
grapheme joiner U+034F).

`clean` is idempotent: cleaning twice gives what cleaning once gave.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

ZWNJ = "\u200c"
ZWJ = "\u200d"

_ALWAYS = frozenset(
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u2060", "\ufeff"]
)
"""Characters that never stay, wherever they are."""

FORBIDDEN = _ALWAYS | {ZWNJ, ZWJ}
"""Characters `clean` removes (the joiners only outside the places they belong)."""

_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")

_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
)
_EMOJI_TRAIL = frozenset("\ufe0e\ufe0f")  # variation selectors after an emoji


def _pictographic(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _PICTOGRAPHIC)


def _shaping_letter(char: str) -> bool:
    """A letter or mark of a script where joiners shape words (Hebrew onwards, not emoji)."""
    return 0x0590 <= ord(char) < 0x1F000 and unicodedata.category(char)[0] in "LM"


def _joiner_belongs(text: str, at: int) -> bool:
    before = at - 1
    while before >= 0 and text[before] in _EMOJI_TRAIL:
        before -= 1
    if before < 0 or at + 1 >= len(text):
        return False
    left, right = text[before], text[at + 1]
    if text[at] == ZWJ and _pictographic(left) and _pictographic(right):
        return True
    return before == at - 1 and _shaping_letter(left) and _shaping_letter(right)


def _once(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", "".join(c for c in text if c not in _ALWAYS))
    kept = "".join(
        c for i, c in enumerate(text) if c not in (ZWJ, ZWNJ) or _joiner_belongs(text, i)
    )
    return unicodedata.normalize("NFC", kept)


def clean(text: str) -> str:
    """`text` without control characters or stray invisible ones, in NFC (see the module)."""
    previous = None
    while text != previous:
        previous, text = text, _once(text)
    return text


def is_blank(text: str) -> bool:
    """Whether nothing visible is left in `text` (a cleaned text, or any text)."""
    return all(
        c.isspace()
        or c in _FILLERS
        or unicodedata.category(c) in ("Cc", "Cf")
        or 0xFE00 <= ord(c) <= 0xFE0F
        or 0xE0100 <= ord(c) <= 0xE01EF
        for c in text
    )


def clean_words(words: Iterable[str]) -> list[str]:
    """Command arguments, cleaned; an argument with nothing visible left is dropped."""
    cleaned = (clean(word).strip() for word in words)
    return [word for word in cleaned if not is_blank(word)]
