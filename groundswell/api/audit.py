"""The audit trail of personal data read through the API.

Each read of signers with a token is one entry in the site's audit log
(``moderation.actions.record``: the token's creator, the token by name, what and how many
rows, the request's network) and one ``integrations.PersonalDataRead`` row, which the
organisation's token page counts. Neither holds the data itself.
"""

from groundswell.integrations import actions
from groundswell.integrations.models import ApiToken
from groundswell.moderation import actions as moderation


def record_personal_data_read(token: ApiToken, what: str, count: int, petition=None) -> None:
    """``token`` read ``count`` rows of personal data described by ``what``."""
    actions.record_personal_data_read(token=token, what=what, count=count)
    moderation.record(
        actor=token.created_by,
        action=moderation.Action.SIGNERS_READ_WITH_TOKEN,
        subject=f"API token “{token.name}” of {token.organisation}",
        petition=petition,
        reason=f"{count} rows: {what}",
    )
