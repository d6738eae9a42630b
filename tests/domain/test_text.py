"""domain.text: what the desk keeps of a typed text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.text import FORBIDDEN, ZWJ, ZWNJ, clean, clean_words, is_blank

HIDDEN = sorted(FORBIDDEN)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("plain words", "plain words"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("win\r\ndows\rmac", "win\ndows\nmac"),
        ("nul\x00 bell\x07 esc\x1b del\x7f c1\x85\x9b", "nul bell esc del c1"),
        ("pay \u202eoc.evil\u202c now", "pay oc.evil now"),
        ("\u2066isolated\u2069 \u202aembedded\u202d", "isolated embedded"),
        ("in\u200bvis\u2060ible\ufeff", "invisible"),
        ("pass\u200dword with\u200cjoiners", "password withjoiners"),
        ("\u200d\u200c", ""),
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("\ufb01 \u00b2 \uff21", "\ufb01 \u00b2 \uff21"),  # not NFKC
        ("  indented  ", "  indented  "),
    ],
)
def test_clean(typed: str, kept: str) -> None:
    assert clean(typed) == kept


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag (variation selector before ZWJ)
        "\U0001f469\U0001f3fd\u200d\u2695\ufe0f",  # health worker, skin tone
        "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468",  # couple with heart
    ],
)
def test_emoji_sequences_keep_their_joiners(emoji: str) -> None:
    assert clean(f"thanks {emoji}!") == f"thanks {emoji}!"


def test_joiners_that_shape_a_word_stay_and_stray_ones_go() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ
    devanagari = "\u0915\u094d\u200d\u0937"  # half form with a ZWJ
    assert clean(persian) == persian
    assert clean(devanagari) == devanagari
    assert clean(f"{ZWNJ}{persian} {ZWJ}") == f"{persian} "
    assert clean(f"\U0001f600{ZWJ} x") == "\U0001f600 x"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "\n\t ",
        "\u200b",
        "\u200b\u200d\ufeff \u2060",
        "\x00\x01",
        "\u202e\u202c",
        "\u200e\u200f",
        "\u3164",
        "\u2800 \u115f",
        "\ufe0f",
        "\u034f",
    ],
)
def test_blank(typed: str) -> None:
    assert is_blank(clean(typed))


@pytest.mark.parametrize("typed", ["a", ".", "\U0001f600", "\u0645", "\u200ex", "0"])
def test_not_blank(typed: str) -> None:
    assert not is_blank(clean(typed))


def test_command_words() -> None:
    assert clean_words(["\u200b", "print\u200ber", "", " \u202e", "FB-1"]) == ["printer", "FB-1"]


texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from([*HIDDEN, "\U0001f469", "\u2764", "\ufe0f", "\u0645", "\u0301", "\r"]),
    )
)


@given(texts)
@example("\U0001f469\u200d\u200b\U0001f469")
@example("\u0645\u200c\u200c\u0645")
@example("\U0001f469\u200b\u200d\U0001f469")
def test_clean_leaves_no_control_and_is_stable(typed: str) -> None:
    kept = clean(typed)
    for at, char in enumerate(kept):
        if char in (ZWJ, ZWNJ):  # only inside an emoji sequence or a word
            assert 0 < at < len(kept) - 1
            assert not kept[at - 1].isspace()
            assert not kept[at + 1].isspace()
        else:
            assert char not in FORBIDDEN
    assert unicodedata.is_normalized("NFC", kept)
    assert clean(kept) == kept
    assert is_blank(kept) == is_blank(typed)  # only invisible characters go


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters=[*HIDDEN, "\r"])))
def test_a_text_without_hidden_characters_only_gets_composed(typed: str) -> None:
    assert clean(typed) == unicodedata.normalize("NFC", typed)
