"""Opening what was sealed, for the one person allowed to, while a page is served.

Nothing here writes, caches or logs: plaintext lives in the response being rendered.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from groundswell.support import crypto
from groundswell.support.models import HelpRequest, Match, Message


@dataclass
class Shown:
    mine: bool
    author: str
    body: str
    at: datetime | None


def story(help_request: HelpRequest, request_private_key: bytes) -> dict:
    return crypto.open_json(request_private_key, help_request.sealed_story)


def story_for_adviser(match: Match, adviser_private_key: bytes) -> dict:
    request_key = crypto.open_sealed(adviser_private_key, match.adviser_request_key)
    return story(match.request, request_key)


def _conversation(match: Match, conversation_key: bytes, me: str, names: dict) -> list[Shown]:
    shown = []
    for message in match.messages.all():
        content = crypto.open_json(conversation_key, message.sealed)
        at = datetime.fromisoformat(content["at"]) if content.get("at") else None
        shown.append(Shown(message.author == me, names[message.author], content["body"], at))
    return shown


def conversation_for_seeker(match: Match, seeker_key: bytes) -> list[Shown]:
    if match.seeker_conversation_key is None:
        return []
    key = crypto.unlock(seeker_key, match.seeker_conversation_key)
    names = {Message.Author.SEEKER: _("You"), Message.Author.ADVISER: match.adviser.display_name}
    return _conversation(match, key, Message.Author.SEEKER, names)


def conversation_for_adviser(match: Match, adviser_private_key: bytes) -> list[Shown]:
    key = crypto.open_sealed(adviser_private_key, match.adviser_conversation_key)
    names = {Message.Author.SEEKER: _("The seeker"), Message.Author.ADVISER: _("You")}
    return _conversation(match, key, Message.Author.ADVISER, names)


def contact_for_seeker(help_request: HelpRequest, seeker_key: bytes) -> str:
    if help_request.locked_contact is None:
        return ""
    return crypto.unlock_json(seeker_key, help_request.locked_contact)


def contact_for_adviser(match: Match, adviser_private_key: bytes) -> str:
    if match.adviser_contact is None:
        return ""
    return crypto.open_json(adviser_private_key, match.adviser_contact)
