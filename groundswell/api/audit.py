"""The audit trail of personal data read through the API.

INTEGRATION POINT: the moderation app (groundswell/moderation/) keeps the site's audit
log. Until it is merged, ``record_personal_data_read`` writes to
``integrations.PersonalDataRead`` (who, what, how many; never the data itself). When it
lands, replace the body with a call to moderation's ``record(...)`` (keeping no personal
data in it), and keep or drop the PersonalDataRead row; every caller goes through here.
"""

from groundswell.integrations import actions
from groundswell.integrations.models import ApiToken


def record_personal_data_read(token: ApiToken, what: str, count: int) -> None:
    """``token`` read ``count`` rows of personal data described by ``what``."""
    actions.record_personal_data_read(token=token, what=what, count=count)
