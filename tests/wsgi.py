"""Calling a WSGI app directly, as Granian does, for the layers in front of Django."""

import io
from wsgiref.util import setup_testing_defaults


def call_wsgi(app, environ: dict) -> tuple[str, dict, bytes]:
    """Call ``app`` with ``environ`` (completed with defaults); its status, headers, body."""
    environ = {"HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(), **environ}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=dict(headers))

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return seen["status"], seen["headers"], body
