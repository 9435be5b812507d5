"""A development email backend: one .eml file per message under var/mail/."""

import uuid
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class MailDirBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(
                message.message().as_bytes()
            )
        return len(email_messages)


def read_mailbox(limit: int = 50) -> list[dict]:
    """The newest messages in var/mail/, parsed for the development mail page."""
    folder = Path(settings.EMAIL_FILE_PATH)
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit] if folder.exists() else []
    messages = []
    for path in files:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        messages.append(
            {
                "id": path.stem,
                "to": msg["To"],
                "subject": msg["Subject"],
                "date": msg["Date"],
                "text": body.get_content() if body else "",
            }
        )
    return messages
