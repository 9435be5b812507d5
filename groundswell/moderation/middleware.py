"""Remember, for this request only, which network it came from: the audit log's "where".

Only the network (the /24 or /48) is kept, never the address (core/network.py). Paths
under /help/ arrive with the address already forgotten (support.middleware), so the help
programme's entries carry no network at all.
"""

from contextvars import ContextVar

from groundswell.core.network import network_of
from groundswell.core.ratelimit import client_ip
from groundswell.support.middleware import PLACEHOLDER_ADDRESS

current_network: ContextVar[str] = ContextVar("current_network", default="")


def _network(request) -> str:
    try:
        ip = client_ip(request)
    except Exception:  # no address at all (a test client, a misconfigured proxy key)
        return ""
    return "" if not ip or ip == PLACEHOLDER_ADDRESS else network_of(ip)


class AuditNetworkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_network.set(_network(request))
        try:
            return self.get_response(request)
        finally:
            current_network.reset(token)
