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


def is_disposable(email: str) -> bool:
    """Whether the address is at a throwaway-mailbox domain (or a subdomain of one).

    The list is the disposable-email-domains package, the community list maintained on
    GitHub; only checked when ``BLOCK_DISPOSABLE_EMAIL`` is on (settings.py).
    """
    from disposable_email_domains import allowlist, blocklist

    domain = email.strip().lower().rpartition("@")[2]
    parts = domain.split(".")
    candidates = {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return domain not in allowlist and not candidates.isdisjoint(blocklist)
