class ActionError(Exception):
    """A business rule said no. ``message`` is written for the person who asked.

    ``status`` is the HTTP status a view or the API answers with.
    """

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class LinkInvalid(ActionError):
    """A link from an email that is unknown, tampered with, expired or already used."""

    status = 410
