"""A real HTTP receiver on loopback for webhook tests, and tokens for API tests."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from groundswell.integrations import actions
from groundswell.integrations.models import Scope


class Receiver:
    """Records every POST; answers with the next of ``statuses`` (then 200)."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        self.url = ""

    def bodies(self) -> list[bytes]:
        return [body for _headers, body in self.requests]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append((dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/groundswell"
    yield state
    server.shutdown()
    server.server_close()


def make_token(organisation, *scopes, by=None, **fields):
    token, secret = actions.create_token(
        organisation=organisation,
        created_by=by,
        name=fields.pop("name", "CRM sync"),
        scopes=list(scopes),
        **fields,
    )
    return token, secret


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


ALL_SCOPES = list(Scope.values)
