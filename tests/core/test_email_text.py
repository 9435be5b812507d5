"""Subjects and plain-text parts are plain text: no HTML entities reach a mail client."""

import html
import re

import pytest
from django.core import mail

from groundswell.core import emails
from groundswell.updates import actions as update_actions
from tests.conftest import open_petition, sign

TITLE = "Fund the city's night buses & <late> trains"
ENTITY = re.compile(r"&(#x?[0-9a-fA-F]+|[a-z]+);")


@pytest.fixture
def apostrophe_petition(union, alice, mo):
    return open_petition(union, alice, mo, title=TITLE)


def _assert_plain(text: str) -> None:
    assert not ENTITY.search(text), text
    assert html.unescape(text) == text


def test_a_confirmation_subject_and_text_keep_an_apostrophe_and_ampersand_as_typed(
    apostrophe_petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(apostrophe_petition, "ann@example.com", name="Ann O'Neill")
    [message] = mail.outbox
    assert TITLE in message.subject
    _assert_plain(message.subject)
    assert TITLE in message.body
    assert "Ann O'Neill" in message.body
    _assert_plain(message.body)
    html_part, _ = message.alternatives[0]
    assert "city&#x27;s" in html_part or "city&#39;s" in html_part  # HTML stays escaped


def test_an_already_signed_note_keeps_the_title_as_typed(
    apostrophe_petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(apostrophe_petition, "ann@example.com")
        sign(apostrophe_petition, "ann@example.com")
    for message in mail.outbox:
        _assert_plain(message.subject)
        assert TITLE in message.body


def test_the_update_preview_shows_the_subject_as_a_signer_gets_it(apostrophe_petition, alice):
    update = update_actions.write_update(
        petition=apostrophe_petition,
        author=alice,
        title="We're halfway & counting",
        body="Thank you.",
    )
    preview = emails.petition_update_preview(update)
    assert "We're halfway & counting" in preview["subject"]
    _assert_plain(preview["subject"])
    _assert_plain(preview["text"].split("/unsubscribe/")[0])
