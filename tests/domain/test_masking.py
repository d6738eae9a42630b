import pytest

from domain.masking import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("+1 415 555 2671", "+1 415***2671"),
        ("+852 6123 4567", "+852 612*4567"),
        ("+7 912 345 67 89", "+7 912***6789"),
        ("(021) 6123-4567", "021****4567"),
    ],
)
def test_phones_keep_the_first_three_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("phone", "masked"), [("1234567", "*****67"), ("12345", "***45"), ("12", "12"), ("7", "7")]
)
def test_short_phones_show_only_the_last_two_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", [None, "", "   ", "no digits"])
def test_no_phone_masks_to_nothing(phone):
    assert mask_phone(phone) == ""


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("john@example.com", "j***@example.com"),
        ("j@example.com", "j***@example.com"),
        ("first.last@mail.example.cn", "f***@mail.example.cn"),
    ],
)
def test_emails_keep_the_first_letter_and_the_domain(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize("email", [None, "", "not-an-email"])
def test_something_that_is_not_an_email_masks_to_nothing(email):
    assert mask_email(email) == ""
