from zoneinfo import ZoneInfo

import pytest

from domain.policy import DeskPolicy
from domain.ticket import FeedbackType, Priority


def a_policy(**overrides) -> DeskPolicy:
    values = {
        "timezone": ZoneInfo("Asia/Shanghai"),
        "routing": dict.fromkeys(FeedbackType, "support"),
    }
    return DeskPolicy(**(values | overrides))


def test_a_ticket_starts_at_normal_priority():
    assert a_policy().initial_priority(business_stopped=False, vip=False) is Priority.NORMAL


def test_a_stopped_business_makes_the_ticket_urgent():
    assert a_policy().initial_priority(business_stopped=True, vip=False) is Priority.URGENT


def test_a_vip_starts_one_level_up():
    assert a_policy().initial_priority(business_stopped=False, vip=True) is Priority.HIGH


def test_a_stopped_vip_stays_urgent():
    assert a_policy().initial_priority(business_stopped=True, vip=True) is Priority.URGENT


def test_vips_start_at_normal_when_the_desk_does_not_raise_them():
    policy = a_policy(vip_raises_priority=False)
    assert policy.initial_priority(business_stopped=False, vip=True) is Priority.NORMAL
    assert policy.initial_priority(business_stopped=True, vip=True) is Priority.URGENT


def test_raising_a_priority_walks_up_to_urgent_and_stops_there():
    assert Priority.LOW.raised() is Priority.NORMAL
    assert Priority.NORMAL.raised() is Priority.HIGH
    assert Priority.HIGH.raised() is Priority.URGENT
    assert Priority.URGENT.raised() is Priority.URGENT


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh-hans", "zh"),
        ("zh-Hant", "zh"),
        ("zh_TW", "zh"),
        ("zh", "zh"),
        ("en-US", "en"),
        ("EN", "en"),
    ],
)
def test_telegram_language_codes_map_to_a_supported_language(code, language):
    assert a_policy().language_for(code) == language


@pytest.mark.parametrize("code", [None, "", "fr", "de-DE", "zhx"])
def test_unsupported_or_missing_languages_fall_back_to_the_default(code):
    assert a_policy().language_for(code) == "en"
    assert a_policy(default_language="zh").language_for(code) == "zh"


def test_each_feedback_type_routes_to_its_configured_department():
    routing = dict.fromkeys(FeedbackType, "support") | {FeedbackType.AFTER_SALES: "service"}
    policy = a_policy(routing=routing)
    assert policy.department_for(FeedbackType.AFTER_SALES) == "service"
    assert policy.department_for(FeedbackType.COMPLAINT) == "support"
