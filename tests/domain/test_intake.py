import copy
import json

import pytest

from domain import intake
from domain.intake import (
    EDITABLE,
    Choice,
    ContactShared,
    Draft,
    Media,
    Step,
    StepResult,
    Text,
    Unsupported,
)
from domain.policy import Limits
from domain.ticket import Attachment, AttachmentKind, Channel, FeedbackType

LIMITS = Limits()
MB = 1024 * 1024


def a_photo(n: int = 1, size: int | None = 200_000) -> Attachment:
    return Attachment(AttachmentKind.PHOTO, f"photo-{n}", f"unique-{n}", size=size)


def a_document(n: int = 1, size: int | None = 10_000) -> Attachment:
    return Attachment(
        AttachmentKind.DOCUMENT, f"doc-{n}", f"udoc-{n}", size, f"r{n}.pdf", "application/pdf"
    )


def send(draft: Draft, *inputs: intake.Input) -> StepResult:
    """Feed inputs that must all be accepted; returns the last result."""
    result = StepResult(draft)
    for value in inputs:
        result = intake.advance(result.draft, value, LIMITS)
        assert result.accepted, (value, result.note)
    return result


def refused(draft: Draft, value: intake.Input) -> StepResult:
    """Feed an input that must be refused without touching the draft."""
    before = copy.deepcopy(draft)
    result = intake.advance(draft, value, LIMITS)
    assert not result.accepted
    assert not result.submit
    assert not result.cancel
    assert result.draft == before
    return result


def at(target: Step) -> Draft:
    """A draft filled in up to the `target` step."""
    inputs = {
        Step.DESCRIPTION: Choice(Step.TYPE, "complaint"),
        Step.ATTACHMENTS: Text("Till broken\nIt beeps all day"),
        Step.REFERENCE: Choice(Step.ATTACHMENTS, "skip"),
        Step.CONTACT: Text("ORD-123"),
        Step.STOPPED: ContactShared("+8613812345678", own=True),
        Step.SUMMARY: Choice(Step.STOPPED, "no"),
    }
    draft = Draft()
    for step in intake.ORDER[1 : intake.ORDER.index(target) + 1]:
        draft = send(draft, inputs[step]).draft
    assert draft.step is target
    return draft


# -- the whole way through ----------------------------------------------------------------------


def test_a_customer_walks_through_every_step_and_submits():
    draft = Draft()
    assert draft.step is Step.TYPE
    steps = [
        (Choice(Step.TYPE, "after_sales"), Step.DESCRIPTION),
        (Text("  Screen cracked on delivery\nBox was fine  "), Step.ATTACHMENTS),
        (Media(a_photo(1)), Step.ATTACHMENTS),
        (Media(a_document(2)), Step.ATTACHMENTS),
        (Choice(Step.ATTACHMENTS, "done"), Step.REFERENCE),
        (Text(" ORD-2026-42 "), Step.CONTACT),
        (ContactShared("+8613812345678", own=True), Step.STOPPED),
        (Choice(Step.STOPPED, "yes"), Step.SUMMARY),
    ]
    for value, next_step in steps:
        draft = send(draft, value).draft
        assert draft.step is next_step, value
    result = send(draft, Choice(Step.SUMMARY, "submit"))
    assert result.submit
    assert not result.cancel
    assert result.draft == Draft(
        step=Step.SUMMARY,
        type=FeedbackType.AFTER_SALES,
        description="Screen cracked on delivery\nBox was fine",
        attachments=[a_photo(1), a_document(2)],
        reference="ORD-2026-42",
        phone="+8613812345678",
        stopped=True,
    )


def test_every_optional_step_can_be_skipped():
    draft = send(
        Draft(),
        Choice(Step.TYPE, "inquiry"),
        Text("Opening hours?"),
        Choice(Step.ATTACHMENTS, "skip"),
        Choice(Step.REFERENCE, "skip"),
        Choice(Step.CONTACT, "skip"),
        Choice(Step.STOPPED, "no"),
    ).draft
    assert draft.step is Step.SUMMARY
    assert (draft.attachments, draft.reference, draft.phone, draft.stopped) == (
        [],
        None,
        None,
        False,
    )


def test_each_added_file_is_acknowledged_with_the_count():
    result = send(at(Step.ATTACHMENTS), Media(a_photo(1)), Media(a_photo(2)))
    assert result.note == "intake.file_added"
    assert result.params == {"count": 2, "limit": 10}


def test_files_can_be_cleared_and_chosen_again():
    draft = send(at(Step.ATTACHMENTS), Media(a_photo(1)), Media(a_photo(2))).draft
    result = send(draft, Choice(Step.ATTACHMENTS, "clear"))
    assert result.note == "intake.files_cleared"
    assert result.draft.attachments == []
    assert result.draft.step is Step.ATTACHMENTS


def test_the_customer_can_cancel_at_the_summary():
    result = send(at(Step.SUMMARY), Choice(Step.SUMMARY, "cancel"))
    assert result.cancel
    assert not result.submit


# -- what is refused ----------------------------------------------------------------------------


def test_a_button_from_an_earlier_step_is_out_of_date():
    draft = at(Step.REFERENCE)
    result = refused(draft, Choice(Step.TYPE, "suggestion"))
    assert result.note == "intake.stale_button"
    assert draft.type is FeedbackType.COMPLAINT


def test_the_type_must_be_picked_with_a_button():
    assert refused(Draft(), Text("complaint")).note == "intake.pick_type"
    assert refused(Draft(), Choice(Step.TYPE, "praise")).note == "intake.pick_type"


def test_a_description_over_the_limit_is_refused_and_nothing_changes():
    draft = at(Step.DESCRIPTION)
    result = refused(draft, Text("x" * 4001))
    assert result.note == "intake.too_long"
    assert result.params == {"length": 4001, "limit": 4000}
    assert draft.description is None
    assert draft.step is Step.DESCRIPTION


def test_a_description_of_exactly_the_limit_is_taken():
    draft = send(at(Step.DESCRIPTION), Text("x" * 4000)).draft
    assert draft.description == "x" * 4000


@pytest.mark.parametrize("what", ["sticker", "location", "poll"])
def test_a_sticker_where_text_is_asked_is_refused(what):
    assert refused(at(Step.DESCRIPTION), Unsupported(what)).note == "intake.text_needed"


@pytest.mark.parametrize("value", [Text("   \n "), Unsupported("empty")])
def test_an_empty_description_is_refused(value):
    assert refused(at(Step.DESCRIPTION), value).note == "intake.empty"


def test_a_photo_with_a_caption_gives_the_description_and_the_first_file():
    draft = send(at(Step.DESCRIPTION), Media(a_photo(1), caption=" Cracked screen ")).draft
    assert draft.description == "Cracked screen"
    assert draft.attachments == [a_photo(1)]
    assert draft.step is Step.ATTACHMENTS


def test_a_photo_without_a_caption_is_no_description():
    draft = at(Step.DESCRIPTION)
    assert refused(draft, Media(a_photo(1))).note == "intake.text_needed"
    assert refused(draft, Media(a_photo(1), caption="  ")).note == "intake.text_needed"


def test_an_oversized_photo_with_a_caption_is_refused_whole():
    result = refused(at(Step.DESCRIPTION), Media(a_photo(1, size=21 * MB), caption="Cracked"))
    assert result.note == "intake.file_too_large"


def test_the_eleventh_file_is_refused():
    draft = send(at(Step.ATTACHMENTS), *[Media(a_photo(n)) for n in range(10)]).draft
    result = refused(draft, Media(a_photo(10)))
    assert result.note == "intake.too_many_files"
    assert result.params == {"limit": 10}
    assert len(draft.attachments) == 10


def test_a_21_mb_file_is_refused():
    result = refused(at(Step.ATTACHMENTS), Media(a_document(1, size=21 * MB)))
    assert result.note == "intake.file_too_large"
    assert result.params == {"size_mb": 21.0, "limit_mb": 20}


def test_a_file_of_exactly_20_mb_or_of_unknown_size_is_taken():
    draft = send(
        at(Step.ATTACHMENTS), Media(a_document(1, size=20 * MB)), Media(a_photo(2, size=None))
    ).draft
    assert len(draft.attachments) == 2


def test_text_at_the_attachments_step_asks_for_a_file():
    assert refused(at(Step.ATTACHMENTS), Text("here")).note == "intake.file_needed"


def test_a_reference_over_its_limit_is_refused():
    result = refused(at(Step.REFERENCE), Text("R" * 101))
    assert result.note == "intake.too_long"
    assert result.params == {"length": 101, "limit": 100}


def test_somebody_elses_contact_is_refused():
    draft = at(Step.CONTACT)
    assert refused(draft, ContactShared("+8613900000000", own=False)).note == (
        "intake.contact_not_own"
    )
    assert draft.phone is None


@pytest.mark.parametrize("typed", ["+86 138-1234-5678", "13812345678", "(021) 6123 4567"])
def test_a_typed_phone_number_is_taken(typed):
    draft = send(at(Step.CONTACT), Text(f" {typed} ")).draft
    assert draft.phone == typed
    assert draft.step is Step.STOPPED


@pytest.mark.parametrize("typed", ["call me", "12345", "+86 138 1234 5678 ext. 9"])
def test_something_that_is_not_a_phone_number_is_refused(typed):
    assert refused(at(Step.CONTACT), Text(typed)).note == "intake.contact_needed"


def test_the_business_question_wants_a_button():
    assert refused(at(Step.STOPPED), Text("yes")).note == "intake.pick_button"


def test_the_summary_wants_a_button():
    assert refused(at(Step.SUMMARY), Text("submit")).note == "intake.pick_button"


# -- editing ------------------------------------------------------------------------------------

EDITS = {
    Step.TYPE: (Choice(Step.TYPE, "suggestion"), "type", FeedbackType.SUGGESTION),
    Step.DESCRIPTION: (Text("Till fixed itself"), "description", "Till fixed itself"),
    Step.ATTACHMENTS: (Choice(Step.ATTACHMENTS, "done"), "attachments", []),
    Step.REFERENCE: (Text("ORD-999"), "reference", "ORD-999"),
    Step.CONTACT: (Text("13900001111"), "phone", "13900001111"),
    Step.STOPPED: (Choice(Step.STOPPED, "yes"), "stopped", True),
}


def test_every_editable_step_has_an_edit_case():
    assert set(EDITS) == set(EDITABLE)


@pytest.mark.parametrize("step", EDITABLE)
def test_editing_one_field_returns_to_the_summary(step):
    value, field, expected = EDITS[step]
    draft = send(at(Step.SUMMARY), Choice(Step.SUMMARY, "edit")).draft
    assert draft.step is Step.EDIT_MENU
    draft = send(draft, Choice(Step.EDIT_MENU, step.value)).draft
    assert (draft.step, draft.editing) == (step, True)
    untouched = {k: v for k, v in at(Step.SUMMARY).to_dict().items() if k != field}

    draft = send(draft, value).draft

    assert (draft.step, draft.editing) == (Step.SUMMARY, False)
    assert getattr(draft, field) == expected
    assert {k: v for k, v in draft.to_dict().items() if k != field} == untouched


def test_adding_files_while_editing_stays_on_files_until_done():
    draft = send(
        at(Step.SUMMARY), Choice(Step.SUMMARY, "edit"), Choice(Step.EDIT_MENU, "attachments")
    )
    draft = send(draft.draft, Media(a_photo(1))).draft
    assert draft.step is Step.ATTACHMENTS
    draft = send(draft, Choice(Step.ATTACHMENTS, "done")).draft
    assert draft.step is Step.SUMMARY
    assert draft.attachments == [a_photo(1)]


def test_back_from_the_edit_menu_returns_to_the_summary_unchanged():
    before = at(Step.SUMMARY)
    draft = send(
        copy.deepcopy(before), Choice(Step.SUMMARY, "edit"), Choice(Step.EDIT_MENU, "back")
    )
    assert draft.draft == before


def test_the_edit_menu_refuses_what_cannot_be_edited():
    draft = send(at(Step.SUMMARY), Choice(Step.SUMMARY, "edit")).draft
    assert refused(draft, Choice(Step.EDIT_MENU, "summary")).note == "intake.pick_button"
    assert refused(draft, Text("description")).note == "intake.pick_button"


# -- storage form -------------------------------------------------------------------------------


def test_a_draft_survives_a_trip_through_json():
    draft = Draft(
        step=Step.CONTACT,
        type=FeedbackType.CHANGE_REQUEST,
        description="Move my delivery\nto Friday",
        attachments=[a_photo(1), a_document(2), a_photo(3, size=None)],
        reference="ORD-1",
        phone="+86 138 1234 5678",
        stopped=False,
        editing=True,
        channel=Channel.PHONE,
    )
    assert Draft.from_dict(json.loads(json.dumps(draft.to_dict()))) == draft


def test_an_empty_draft_survives_a_trip_through_json():
    assert Draft.from_dict(json.loads(json.dumps(Draft().to_dict()))) == Draft()
