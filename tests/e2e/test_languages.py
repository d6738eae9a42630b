"""English and Simplified Chinese: chosen from Telegram's language, changed with /lang, and two
catalogs that say the same things."""

from __future__ import annotations

import re

import pytest

from handlers.i18n import PLURAL_FORMS, catalog, locales, placeholders, plural_form, t
from tests.e2e.dsl import DeskHarness
from tests.e2e.steps import file_ticket, filed_text, label, labels, said, start_new


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("zh-hans", "zh"),
        ("zh-hant", "zh"),
        ("zh", "zh"),
        ("fr", "en"),
        (None, "en"),
    ],
)
async def test_start_greets_in_the_language_of_the_telegram_app(
    desk: DeskHarness, language_code: str | None, locale: str
) -> None:
    ann = desk.customer(601, "Ann", lang=language_code)
    await ann.send("/start")
    assert ann.last_text == said(locale, "start.customer", name="Ann")


async def test_lang_switches_every_following_reply_to_chinese(desk: DeskHarness) -> None:
    ann = desk.customer(602, "Ann", lang="en")
    await ann.send("/lang")
    assert ann.last_text == said("en", "lang.choose")
    assert labels(ann.last_message) == ["English", "简体中文"]

    await ann.press("简体中文")
    assert ann.last_text == said("zh", "lang.set")
    assert ann.last_message.buttons == []

    await ann.send("/start")
    assert ann.last_text == said("zh", "start.customer", name="Ann")
    await ann.send("/my")
    assert ann.last_text == said("zh", "my.empty")
    await ann.send("/foo")
    assert ann.last_text == said("zh", "command.unknown")

    await ann.send("/new")
    assert ann.last_text == said("zh", "intake.ask_type")
    await ann.press("咨询")
    await ann.send("营业时间？")
    await ann.press("完成")
    await ann.press("跳过")
    await ann.send("跳过，不留电话")
    await ann.press("否")
    await ann.press("提交")
    assert ann.last_text == filed_text("zh", "FB-20261123-0001", urgent=False)


async def test_a_chinese_app_user_can_switch_to_english(desk: DeskHarness) -> None:
    li = desk.customer(603, "Li", lang="zh-hans")
    await li.send("/lang")
    assert li.last_text == said("zh", "lang.choose")
    await li.press("English")
    assert li.last_text == said("en", "lang.set")
    number = await file_ticket(li, locale="en")
    assert li.last_text == filed_text("en", number, urgent=False)


async def test_the_chosen_language_survives_a_restart(desk: DeskHarness) -> None:
    ann = desk.customer(604, "Ann", lang="en")
    await ann.send("/start")
    await ann.send("/lang")
    await ann.press("简体中文")
    await desk.restart()
    await ann.send("/start")
    assert ann.last_text == said("zh", "start.customer", name="Ann")


async def test_changing_the_language_in_the_middle_of_new_keeps_the_draft(
    desk: DeskHarness,
) -> None:
    ann = desk.customer(605, "Ann", lang="en")
    await start_new(ann, "complaint", "Till broken")
    await ann.send("/lang")
    await ann.press("简体中文")
    await ann.send_photo()
    assert ann.last_text == said("zh", "intake.file_added", count=1, limit=10)
    await ann.press("Done")  # the English button of the earlier question still works
    assert ann.last_text == said("zh", "intake.ask_reference")
    await ann.press(label("zh", "button.skip"))
    await ann.send("Skip, no phone")  # either language's skip label is understood
    assert ann.last_text == said("zh", "intake.ask_stopped")
    await ann.press("否")
    assert "描述：Till broken\n" in ann.last_text
    assert "附件：1\n" in ann.last_text


async def test_a_forged_language_code_keeps_the_current_language(desk: DeskHarness) -> None:
    ann = desk.customer(606, "Ann", lang="zh-hans")
    await ann.send("/lang")
    await ann.press_data("v1:lang:fr")
    await ann.send("/start")
    assert ann.last_text == said("zh", "start.customer", name="Ann")


# -- the catalogs -------------------------------------------------------------------------------


def test_there_is_an_english_and_a_chinese_catalog() -> None:
    assert set(locales()) >= {"en", "zh"}


def _texts(locale: str) -> dict[str, str]:
    """The catalog with each plural table as its "other" form (a language has the forms its
    grammar has: Chinese only "other", English "one" and "other")."""
    texts = catalog(locale)
    folded = {k: v for k, v in texts.items() if k.rsplit(".", 1)[-1] not in PLURAL_FORMS}
    folded |= {k.removesuffix(".other"): v for k, v in texts.items() if k.endswith(".other")}
    return folded


@pytest.mark.parametrize("locale", [code for code in locales() if code != "en"])
def test_every_catalog_has_the_same_keys_as_english(locale: str) -> None:
    english, other = _texts("en"), _texts(locale)
    assert sorted(set(english) - set(other)) == [], f"missing in {locale}.toml"
    assert sorted(set(other) - set(english)) == [], f"only in {locale}.toml"


@pytest.mark.parametrize("locale", [code for code in locales() if code != "en"])
def test_every_text_has_the_same_placeholders_in_every_language(locale: str) -> None:
    english, other = _texts("en"), _texts(locale)
    different = {
        key: (placeholders(english[key]), placeholders(other[key]))
        for key in english.keys() & other.keys()
        if placeholders(english[key]) != placeholders(other[key])
    }
    assert different == {}


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_plural_tables_have_the_forms_of_the_language(locale: str) -> None:
    forms = {k.rsplit(".", 1)[-1] for k in catalog(locale) if k.endswith((".one", ".other"))}
    assert forms == ({"one", "other"} if locale == "en" else {"other"})
    for count, form in ((0, "other"), (1, "one"), (2, "other"), (21, "other")):
        assert plural_form(locale, count) == (form if locale == "en" else "other")


def test_english_counts_read_as_english() -> None:
    assert t("en", "card.attachments", count=1) == "📎 1 file"
    assert t("en", "card.attachments", count=2) == "📎 2 files"
    assert t("en", "span.days", n=1) == "1 day"
    assert t("zh", "card.attachments", count=1) == "📎 1 个附件"
    english = " ".join(catalog("en").values())
    assert "(s)" not in english
    assert not re.search(r"\ba \{role\}|\ba (?:admin|agent|administrator)\b", english)


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_no_text_is_empty_and_button_labels_fit_a_phone(locale: str) -> None:
    texts = catalog(locale)
    assert [key for key, text in texts.items() if not text.strip()] == []
    too_long = [key for key, text in texts.items() if key.startswith("button.") and len(text) > 30]
    assert too_long == []
    assert t(locale, "lang.name") != t("en" if locale == "zh" else "zh", "lang.name")
