"""What makes two email addresses the same person's."""

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def normalise_email(email: str) -> str:
    """Fold an address to the form we deduplicate on.

    Case and surrounding white space never matter; for Gmail, dots in the local part and
    ``+tags`` are ignored too, because Gmail delivers all of them to the same inbox.
    """
    email = email.strip().lower()
    local, _, domain = email.rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
